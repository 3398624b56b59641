/**
 * LINPACK's peak compared like with like. The paper's measure is the best GFLOPS over an N sweep
 * divided by native's best; when two environments swept different N (a TCG guest given N ≤ 500
 * beside a native sweep to N = 2000), their bests are not comparable, so both peaks are taken over
 * the N values both sides measured. The report's peak rows and the claims use this one rule.
 */
import type {Group} from "./summary.ts";

export interface SweepPair {
  /** each side's linpack_gflops groups at the N values both measured */
  mine: Group[];
  theirs: Group[];
  /** N values each side measured, and those both did (ascending) */
  ownN: number[];
  baselineN: number[];
  commonN: number[];
}

const nOf = (g: Group): number => {
  try {
    return Number(JSON.parse(g.key.params).n);
  } catch {
    return NaN;
  }
};

/** The measured linpack_gflops groups of `list`, by N. */
function sweep(list: readonly Group[]): Map<number, Group> {
  const out = new Map<number, Group>();
  for (const g of list) if (g.key.metric === "linpack_gflops" && g.n > 0 && g.median !== null && Number.isFinite(nOf(g))) out.set(nOf(g), g);
  return out;
}

const ascending = (xs: Iterable<number>) => [...xs].sort((a, b) => a - b);

/** Pure: both sweeps restricted to their common N (empty lists when they share none or one side has no sweep). */
export function comparableSweeps(mine: readonly Group[], theirs: readonly Group[]): SweepPair {
  const a = sweep(mine);
  const b = sweep(theirs);
  const commonN = ascending([...a.keys()].filter((n) => b.has(n)));
  return {mine: commonN.map((n) => a.get(n)!), theirs: commonN.map((n) => b.get(n)!), ownN: ascending(a.keys()), baselineN: ascending(b.keys()), commonN};
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
