/**
 * The report's side of meters (docs/meters.md): why a cell costs what it does.
 *  - cells: each meter's median per operation beside the metric cell it rode along (params `of`
 *    plus that metric's params, so a cell joins its summary row on run, environment, metric and
 *    params), or why it could not be read;
 *  - pairs: two guests of one study under the same hypervisor that differ in how they virtualize
 *    memory (KVM shadow against nested paging, Xen PV against PVH): the time ratio with its 95%
 *    bootstrap interval, from the report's own replicates, beside both guests' counts;
 *  - causes: where a claim of the paper names a cause (claims.ts `cause`), the meters that count it
 *    in each guest the claim speaks of, and whether they support or contradict it.
 * Pure: computeReport (summary.ts) calls meterReport with its groups and replicates.
 */
import {canonicalParams} from "../model/params.ts";
import {LOWER_IS_BETTER_UNITS} from "../model/sample.ts";
import {EXPLAINING, METERS, hostSide, type MeterDef, type MeterName, type MeterSide} from "../suites/meters/catalog.ts";
import {percentileInterval} from "./bootstrap.ts";
import type {Claim, ClaimRow} from "./claims.ts";
import type {Group} from "./summary.ts";

/** One meter per operation of one metric cell (one breakdown key of it, for hypercalls by type). */
export interface MeterCell {
  run_id: string;
  environment: string;
  hypervisor: string;
  /** The metric the meter rode along, and its params (canonical JSON, as its summary row's). */
  of: string;
  params: string;
  meter: string;
  side: MeterSide;
  /** "hypercall mmu_update", "reason npf"; null for the meter's total. */
  breakdown: string | null;
  unit: string;
  n: number;
  median: number | null;
  q1: number | null;
  q3: number | null;
  /** Why the meter could not be read (the failed samples' note), when nothing was. */
  why: string | null;
}

/** Two guests' counts for one metric cell. */
export interface PairCount {
  meter: string;
  unit: string;
  first: number | null;
  second: number | null;
  first_n: number;
  second_n: number;
}

/** KVM against KVM or Xen PV against PVH in one study, on one metric cell. */
export interface MeterPair {
  run_id: string;
  hypervisor: string;
  first: string;
  second: string;
  metric: string;
  params: string;
  unit: string;
  /** first's median time over second's (for a bandwidth, second's over first's): > 1, the first is slower. */
  slowdown: number | null;
  low: number | null;
  high: number | null;
  n: number;
  counts: PairCount[];
}

export type CauseVerdict = "supports" | "contradicts" | "not metered";

/** One meter a claim's cause cites, in one guest of one study. */
export interface CauseRow {
  claim: string;
  run_id: string;
  environment: string;
  meter: string;
  of: string;
  unit: string | null;
  /** The mean over the metric's parameter sets of the meter's median per operation. */
  estimate: number | null;
  /** Parameter sets averaged, and the fewest repetitions behind any of them. */
  cells: number;
  n: number;
  min: number;
  verdict: CauseVerdict;
  why: string | null;
}

export interface MeterReport {
  cells: MeterCell[];
  pairs: MeterPair[];
  causes: CauseRow[];
}

type Replicates = (g: Group) => Float64Array;

const cellKey = (run: string, environment: string, metric: string, params: string) => `${run}\0${environment}\0${metric}\0${params}`;

function meterCell(g: Group): MeterCell | null {
  const meter = g.key.metric as MeterName;
  const def: MeterDef | undefined = METERS[meter];
  if (!def) return null;
  const {of, ...rest} = JSON.parse(g.key.params) as Record<string, string | number | boolean>;
  if (typeof of !== "string") return null;
  let breakdown: string | null = null;
  const key = def.breakdown;
  if (key !== undefined && key in rest) {
    breakdown = `${key} ${rest[key]}`;
    delete rest[key];
  }
  return {
    run_id: g.key.run_id,
    environment: g.key.environment,
    hypervisor: g.key.hypervisor,
    of,
    params: canonicalParams(rest),
    meter,
    side: def.side,
    breakdown,
    unit: g.key.unit,
    n: g.n,
    median: g.median,
    q1: g.q1,
    q3: g.q3,
    why: g.n === 0 ? (g.notes?.[0] ?? "not read") : null
  };
}

/** Pure: every meter cell, the pairs of guests that differ in how they virtualize memory, and the claims' causes. */
export function meterReport(groups: readonly Group[], replicates: Replicates, claims: readonly ClaimRow[], causeOf: (claim: string) => Claim["cause"]): MeterReport {
  const cells = groups.filter((g) => g.key.suite === "meters").flatMap((g) => meterCell(g) ?? []);
  return {cells, pairs: meterPairs(groups, cells, replicates), causes: claimCauses(claims, cells, causeOf)};
}

/**
 * Guests of one study with the same hypervisor, vCPUs, guest OS and nesting: Xen PV first against
 * PVH; KVM guests in name order (whether one is shadow and the other nested paging is in the
 * environments' fingerprints, which the page reads). Only metric cells metered in both.
 */
function meterPairs(groups: readonly Group[], cells: readonly MeterCell[], replicates: Replicates): MeterPair[] {
  const metered = new Map<string, Map<string, MeterCell>>();
  for (const c of cells) {
    if (c.breakdown !== null) continue;
    const k = cellKey(c.run_id, c.environment, c.of, c.params);
    if (!metered.has(k)) metered.set(k, new Map());
    metered.get(k)!.set(c.meter, c);
  }
  const measured = groups.filter((g) => g.key.suite !== "meters" && g.n > 0 && metered.has(cellKey(g.key.run_id, g.key.environment, g.key.metric, g.key.params)));
  const guests = new Map<string, Group["key"]>();
  for (const g of measured) if (hostSide(g.key.hypervisor)) guests.set(`${g.key.run_id}\0${g.key.environment}`, g.key);
  const alike = (a: Group["key"], b: Group["key"]) =>
    a.run_id === b.run_id && a.hypervisor === b.hypervisor && a.vcpus === b.vcpus && a.guest_os === b.guest_os && a.nested_under === b.nested_under && a.environment !== b.environment;
  const ordered = (a: Group["key"], b: Group["key"]) => (a.hypervisor === "xen" ? a.mode === "pv" && b.mode === "pvh" : a.environment < b.environment);
  const byCell = new Map(measured.map((g) => [cellKey(g.key.run_id, g.key.environment, g.key.metric, g.key.params), g]));
  const pairs: MeterPair[] = [];
  for (const a of guests.values()) {
    for (const b of guests.values()) {
      if (!alike(a, b) || !ordered(a, b)) continue;
      const side = hostSide(a.hypervisor)!;
      for (const g of measured) {
        if (g.key.run_id !== a.run_id || g.key.environment !== a.environment) continue;
        const h = byCell.get(cellKey(b.run_id, b.environment, g.key.metric, g.key.params));
        if (!h) continue;
        const mine = metered.get(cellKey(a.run_id, a.environment, g.key.metric, g.key.params))!;
        const theirs = metered.get(cellKey(b.run_id, b.environment, g.key.metric, g.key.params))!;
        const lower = LOWER_IS_BETTER_UNITS.has(g.key.unit);
        const [num, den] = lower ? [g, h] : [h, g];
        const rg = replicates(num);
        const rh = replicates(den);
        const rr = new Float64Array(rg.length);
        for (let i = 0; i < rr.length; i++) rr[i] = rg[i] / rh[i];
        const {low, high} = percentileInterval(rr);
        pairs.push({
          run_id: a.run_id,
          hypervisor: a.hypervisor,
          first: a.environment,
          second: b.environment,
          metric: g.key.metric,
          params: g.key.params,
          unit: g.key.unit,
          slowdown: num.median! / den.median!,
          low,
          high,
          n: Math.min(g.n, h.n),
          counts: [...EXPLAINING[side], ...EXPLAINING.guest].flatMap((meter) => {
            const x = mine.get(meter);
            const y = theirs.get(meter);
            const six = (v: number | null | undefined) => (v == null ? null : Number(v.toPrecision(6)));
            return x || y ? [{meter, unit: (x ?? y)!.unit, first: six(x?.median), second: six(y?.median), first_n: x?.n ?? 0, second_n: y?.n ?? 0}] : [];
          })
        });
      }
    }
  }
  return pairs;
}

/**
 * Each meter a claim's cause cites, in each guest the claim's rows speak of whose hypervisor the
 * meter's side is (a KVM guest's KVM counters, a Xen guest's Xen trace). Over the cited metric's
 * parameter sets (IOzone's sizes), the mean of the meter's medians.
 */
function claimCauses(claims: readonly ClaimRow[], cells: readonly MeterCell[], causeOf: (claim: string) => Claim["cause"]): CauseRow[] {
  const byEnv = new Map<string, MeterCell[]>();
  for (const c of cells) {
    if (c.breakdown !== null) continue;
    const k = `${c.run_id}\0${c.environment}\0${c.meter}\0${c.of}`;
    if (!byEnv.has(k)) byEnv.set(k, []);
    byEnv.get(k)!.push(c);
  }
  const rows: CauseRow[] = [];
  const seen = new Set<string>();
  for (const row of claims) {
    const cause = causeOf(row.claim);
    if (!cause || row.source === "reference") continue;
    for (const env of row.environments) {
      const side = hostSide(env.hypervisor);
      for (const cited of cause.meters) {
        const def = METERS[cited.meter as MeterName];
        if (!def || def.side !== side) continue;
        const key = `${row.claim}\0${row.run_id}\0${env.environment}\0${cited.meter}\0${cited.of}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const found = byEnv.get(`${row.run_id}\0${env.environment}\0${cited.meter}\0${cited.of}`) ?? [];
        const read = found.filter((c) => c.n > 0 && c.median !== null);
        const base = {claim: row.claim, run_id: row.run_id, environment: env.environment, meter: cited.meter, of: cited.of, min: cited.min};
        if (!read.length) {
          // A side that could not be read at all records why against its headline meter only (meters/samples.ts).
          const headline = (Object.keys(METERS) as MeterName[]).find((m) => METERS[m].side === def.side && "headline" in METERS[m]);
          const recorded = [...found, ...(byEnv.get(`${row.run_id}\0${env.environment}\0${headline}\0${cited.of}`) ?? [])].find((c) => c.why)?.why;
          const sideRead = byEnv.get(`${row.run_id}\0${env.environment}\0${headline}\0${cited.of}`)?.find((c) => c.n > 0);
          const why =
            recorded ??
            (sideRead
              ? `${env.hypervisor} ${env.mode} counts no ${cited.meter} (its ${headline} was read: ${sideRead.median} ${sideRead.unit})`
              : `no ${cited.meter} beside ${cited.of} in this study (meters off, or ${cited.of} not measured)`);
          rows.push({...base, unit: found[0]?.unit ?? null, estimate: null, cells: 0, n: 0, verdict: "not metered", why});
          continue;
        }
        const estimate = Number((read.reduce((sum, c) => sum + c.median!, 0) / read.length).toPrecision(6));
        rows.push({...base, unit: read[0]!.unit, estimate, cells: read.length, n: Math.min(...read.map((c) => c.n)), verdict: estimate >= cited.min ? "supports" : "contradicts", why: null});
      }
    }
  }
  return rows;
}

/** The report's meter cells that sit beside a page's metrics: the explaining meters' totals only. */
export function cellsBeside(cells: readonly MeterCell[], metrics: (metric: string) => boolean): MeterCell[] {
  const shown = new Set<string>([...EXPLAINING.guest, ...EXPLAINING.kvm, ...EXPLAINING.xen]);
  return cells.filter((c) => c.breakdown === null && shown.has(c.meter) && metrics(c.of));
}
