/**
 * LINPACK's peak compared like with like. The paper's measure is the best GFLOPS over an N sweep
 * divided by native's best. Two things must match for that ratio to speak of virtualization:
 *  - the BLAS kernel set and thread count (the `core` and `threads` params): native OpenBLAS on
 *    AVX-512 against a guest pinned to Haswell compares kernels, not hypervisors, so a guest is
 *    compared with native's sweep of its own set where native ran one (the presets pin each
 *    guest's set natively), and the pair is flagged unlike otherwise;
 *  - the orders N: a TCG guest given N ≤ 500 beside a native sweep to N = 4000 is compared over
 *    the N both sides measured.
 * The report's peak rows and the claims use this one rule.
 */
import type {Group} from "./summary.ts";

/** One environment's sweep with one kernel set: its linpack_gflops groups, one per N. */
export interface Sweep {
  /** "core\0threads" from the params ("" parts where the output does not say) */
  kernel: string;
  core: string | null;
  threads: number | null;
  byN: Map<number, Group>;
}

export interface SweepPair {
  /** each side's groups at the N values both measured */
  mine: Group[];
  theirs: Group[];
  /** N values each side measured, and those both did (ascending) */
  ownN: number[];
  baselineN: number[];
  commonN: number[];
  /** the baseline's sweep ran the same kernel set and threads */
  like: boolean;
  baselineCore: string | null;
}

const paramsOf = (g: Group): Record<string, unknown> => {
  try {
    return JSON.parse(g.key.params) as Record<string, unknown>;
  } catch {
    return {};
  }
};

const nOf = (g: Group): number => Number(paramsOf(g).n);

const ascending = (xs: Iterable<number>) => [...xs].sort((a, b) => a - b);

/** An environment's measured linpack_gflops groups split by kernel set; at one N the best configuration counts (HPL's R_max over NB, P×Q). */
export function sweepsOf(list: readonly Group[]): Sweep[] {
  const out = new Map<string, Sweep>();
  for (const g of list) {
    if (g.key.metric !== "linpack_gflops" || g.n === 0 || g.median === null || !Number.isFinite(nOf(g))) continue;
    const p = paramsOf(g);
    const core = typeof p.core === "string" ? p.core : null;
    const threads = typeof p.threads === "number" ? p.threads : null;
    const kernel = `${core ?? ""}\0${threads ?? ""}`;
    if (!out.has(kernel)) out.set(kernel, {kernel, core, threads, byN: new Map()});
    const byN = out.get(kernel)!.byN;
    const n = nOf(g);
    const have = byN.get(n);
    if (!have || g.median > have.median!) byN.set(n, g);
  }
  return [...out.values()];
}

/** The sweep that stands for an environment when no kernel set matches: the one over most orders, then the faster. */
export function mainSweep(sweeps: readonly Sweep[]): Sweep | undefined {
  return [...sweeps].sort((a, b) => b.byN.size - a.byN.size || best([...b.byN.values()]).median! - best([...a.byN.values()]).median!)[0];
}

/** Pure: `mine` against the baseline's sweep of the same kernel set (else its main sweep, `like` false), over their common N. */
export function comparableSweeps(mine: Sweep, theirs: readonly Sweep[]): SweepPair {
  const same = theirs.find((s) => s.kernel === mine.kernel);
  const other = same ?? mainSweep(theirs);
  const b = other?.byN ?? new Map<number, Group>();
  const commonN = ascending([...mine.byN.keys()].filter((n) => b.has(n)));
  return {
    mine: commonN.map((n) => mine.byN.get(n)!),
    theirs: commonN.map((n) => b.get(n)!),
    ownN: ascending(mine.byN.keys()),
    baselineN: ascending(b.keys()),
    commonN,
    like: same !== undefined,
    baselineCore: other?.core ?? null
  };
}

/** The group with the best median of a sweep. */
export function best(list: readonly Group[]): Group {
  return list.reduce((x, y) => (y.median! > x.median! ? y : x));
}

/** Replicate by replicate, the best median of a sweep (the peak recomputed in every resample). */
export function bestReplicates(list: readonly Group[], replicates: (g: Group) => Float64Array): Float64Array {
  const out = replicates(list[0]).slice();
  for (const g of list.slice(1)) {
    const r = replicates(g);
    for (let i = 0; i < out.length; i++) if (r[i] > out[i]) out[i] = r[i];
  }
  return out;
}

export {nOf as sweepN};
