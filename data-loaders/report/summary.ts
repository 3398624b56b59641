/**
 * The report's statistics, computed once per database state:
 *  - per run × environment × metric × params (a "group"): n, median, min, max, quartiles, RSD,
 *    noisy/bimodal flags, computed in DuckDB SQL;
 *  - the ratio of its median to the same run's native environment at the same nesting
 *    (baseline.ts), with a 95% percentile-bootstrap interval of the ratio of medians (2000
 *    resamples, seeded per group; bootstrap.ts explains how a resample costs O(1) whatever n is);
 *  - per run × environment × suite, the geometric mean of slowdowns against native, with the
 *    bootstrap interval from the same replicates;
 *  - per run × environment, LINPACK's peak GFLOPS and its ratio to native's peak (the paper's measure);
 *  - the paper's conclusions checked on each study (claims.ts), from the same replicates.
 */
import {resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {looksBimodal, quantileOfSorted, rsd} from "../stats.ts";
import {openForReading} from "../store/reader.ts";
import {DEFAULT_DB, Store} from "../store/store.ts";
import {LOWER_IS_BETTER_UNITS} from "../model/sample.ts";
import {baselineEnvironments, environmentId} from "./baseline.ts";
import {BOOTSTRAP_ITERATIONS, GRID, groupReplicates, percentileInterval} from "./bootstrap.ts";
import {CLAIMS, evaluateClaims, type ClaimRow} from "./claims.ts";
import {meterReport, type MeterReport} from "./meters.ts";
import {best, bestReplicates, comparableSweeps, sweepN, sweepsOf} from "./peaks.ts";
import {linpackPeak} from "../suites/linpack/peak.ts";
import {countsTowardSlowdown} from "../suites/registry.ts";

/** Above this relative standard deviation a value is flagged noisy in the report. */
export const NOISY_RSD = 0.05;

export const METHOD = {
  statistic: "median",
  interval: "95% percentile bootstrap of the ratio of medians",
  iterations: BOOTSTRAP_ITERATIONS,
  seeded: true,
  noisy_rsd: NOISY_RSD,
  bimodal: "largest gap between sorted values > 2× the spread on either side and > 10% of the median, splitting off ≥ 20% of values",
  baseline: "the native environment (hypervisor none) of the same run at the same nesting (a nested lab guest against the lab's own bare machine)"
};

/** Which environment of which run a report row speaks of, with the dimensions the filters use. */
export interface EnvironmentKey {
  source: string;
  run_id: string;
  environment: string;
  hypervisor: string;
  mode: string;
  guest_os: string | null;
  vcpus: number | null;
  passthrough: boolean | null;
  /** The emulator the environment ran inside (the nested lab), or null on real hardware. */
  nested_under: string | null;
}

/** What one measurement is: a metric with its parameters, in one environment of one run. */
export interface SeriesKey extends EnvironmentKey {
  suite: string;
  metric: string;
  params: string;
  unit: string;
}

/** n and spread of a group's ok values (null statistics when n = 0). */
export interface Spread {
  n: number;
  median: number | null;
  min: number | null;
  max: number | null;
  q1: number | null;
  q3: number | null;
  rsd: number | null;
}

/** One cell of the report: a metric in one environment of one run, with its spread and overhead. */
export interface SummaryRow extends SeriesKey, Spread {
  lower_is_better: boolean;
  noisy: boolean;
  bimodal: boolean;
  /** The environment this row is compared with (hypervisor 'none', same run, same nesting), or null. */
  baseline: string | null;
  /** median / baseline median, with a 95% bootstrap interval. */
  ratio: number | null;
  ratio_low: number | null;
  ratio_high: number | null;
  failed: number;
  /** What the probe or the ingest said about these samples (e.g. "file smaller than RAM: reads come from the page cache"). */
  notes: string[];
  /** sha256 of every raw output these samples were read from (published with the site under raw/). */
  raw: string[];
}

/** Geometric mean over a suite's metrics of the slowdown against native (>1: slower than native). */
export interface OverheadRow extends EnvironmentKey {
  suite: string;
  /** how many metric × params groups the mean is over */
  groups: number;
  /**
   * Where the paper published the suite (LMbench's Tables 1 and 2), the mean is over the paper's
   * metrics only, so every environment's figure averages the same things: how many the paper has.
   * null: the paper has no such suite and the mean is over everything the environment measured.
   */
  paper_groups: number | null;
  slowdown: number;
  low: number;
  high: number;
}

/** LINPACK's peak (best median GFLOPS over the N sweep) and its ratio to native's peak. */
export interface PeakRow {
  source: string;
  run_id: string;
  environment: string;
  hypervisor: string;
  guest_os: string | null;
  vcpus: number | null;
  passthrough: boolean | null;
  nested_under: string | null;
  /** The BLAS kernel set (OpenBLAS core) and threads of this sweep; an environment has one row per set it ran. */
  core: string | null;
  threads: number | null;
  peak_gflops: number;
  peak_n: number | null;
  /** HPL's N_½: the order reaching half the peak; plateau: the rate stopped rising before the sweep ended. */
  n_half: number | null;
  plateau: boolean;
  /** Why the sweep ended where it did, as the probe said it (time budget, memory, peaked, the plan's list). */
  stop: string | null;
  /** The machine's limit for this kernel set and threads (clock × FLOPs per cycle × threads), and peak ÷ limit. */
  limit_gflops: number | null;
  efficiency: number | null;
  /** N values this environment swept, its baseline swept, and both did (the peaks' ratio is over these). */
  sweep_n: number[];
  baseline_sweep_n: number[];
  compared_n: number[];
  baseline: string | null;
  /** The baseline sweep's kernel set, and whether it is this one's (else the ratio compares kernels too). */
  baseline_core: string | null;
  like_for_like: boolean | null;
  ratio: number | null;
  ratio_low: number | null;
  ratio_high: number | null;
}

export interface Report {
  method: typeof METHOD;
  rows: SummaryRow[];
  overhead: OverheadRow[];
  peaks: PeakRow[];
  /** The paper's conclusions, each evaluated on each study (claims.ts). */
  claims: ClaimRow[];
  /** Meters beside the cells they explain, guests compared, the claims' causes (meters.ts). */
  meters: MeterReport;
}

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The database the report reads: $VMMBENCH_DB (set by `vmmbench site build --db`) or the project's default. */
export function databasePath(): string {
  return resolve(PROJECT_ROOT, process.env.VMMBENCH_DB ?? DEFAULT_DB);
}

/** Metrics that take part in the per-suite geometric mean: performance measures only, each counted once. */
export function countsForOverhead(row: Pick<SummaryRow, "metric" | "unit">): boolean {
  return row.unit !== "1" && row.unit !== "ratio" && countsTowardSlowdown(row.metric);
}

export interface Group extends Spread {
  key: SeriesKey;
  failed: number;
  notes?: string[];
  raw?: string[];
  /** sorted values, or GRID + 1 order statistics when n > GRID + 1 */
  sorted: number[];
}

/** One SQL pass over `results`: statistics per group, and its sorted values bounded to GRID + 1. */
export const GROUPS_SQL = `
WITH g AS (
  SELECT source, run_id, environment, hypervisor, mode, guest_os, vcpus, passthrough, nested_under, suite, metric, params, unit,
         count(value) FILTER (WHERE ok) AS n,
         count(*) FILTER (WHERE NOT ok) AS failed,
         median(value) FILTER (WHERE ok) AS median,
         min(value) FILTER (WHERE ok) AS min,
         max(value) FILTER (WHERE ok) AS max,
         quantile_cont(value, 0.25) FILTER (WHERE ok) AS q1,
         quantile_cont(value, 0.75) FILTER (WHERE ok) AS q3,
         CASE WHEN count(value) FILTER (WHERE ok) < 2 OR avg(value) FILTER (WHERE ok) = 0 THEN 0
              ELSE stddev_samp(value) FILTER (WHERE ok) / abs(avg(value) FILTER (WHERE ok)) END AS rsd,
         list(value ORDER BY value) FILTER (WHERE ok) AS vals,
         list(DISTINCT note) FILTER (WHERE note IS NOT NULL AND note <> '') AS notes,
         list(DISTINCT raw_sha256) FILTER (WHERE raw_sha256 IS NOT NULL) AS raw
  FROM (SELECT *, status = 'ok' AND value IS NOT NULL AND isfinite(value) AS ok FROM results)
  GROUP BY ALL
)
SELECT * EXCLUDE (vals),
       CASE WHEN len(vals) <= ${GRID + 1} THEN vals
            ELSE list_transform(range(0, ${GRID + 1}), i -> vals[1 + round(i * (len(vals) - 1) / ${GRID})::BIGINT]) END AS sorted
FROM g
ORDER BY source, run_id, environment, suite, metric, params`;

export async function loadGroups(store: Store): Promise<Group[]> {
  const rows = await store.query(GROUPS_SQL);
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return rows.map((r) => ({
    key: {
      source: String(r.source),
      run_id: String(r.run_id),
      environment: String(r.environment),
      hypervisor: String(r.hypervisor),
      mode: String(r.mode),
      guest_os: (r.guest_os as string | null) ?? null,
      vcpus: num(r.vcpus),
      passthrough: (r.passthrough as boolean | null) ?? null,
      nested_under: (r.nested_under as string | null) ?? null,
      suite: String(r.suite),
      metric: String(r.metric),
      params: String(r.params),
      unit: String(r.unit)
    },
    n: Number(r.n),
    failed: Number(r.failed),
    median: num(r.median),
    min: num(r.min),
    max: num(r.max),
    q1: num(r.q1),
    q3: num(r.q3),
    rsd: num(r.rsd),
    notes: ((r.notes as string[] | null) ?? []).map(String).sort(),
    raw: ((r.raw as string[] | null) ?? []).map(String).sort(),
    sorted: ((r.sorted as number[] | null) ?? []).map(Number)
  }));
}

/** Reads the database once and computes the whole report. */
export async function loadReport(dbPath = databasePath()): Promise<Report> {
  const store = await openForReading(dbPath);
  try {
    return computeReport(await loadGroups(store));
  } finally {
    store.close();
  }
}

/** Summary rows only (kept for callers of the first version of this module). */
export async function loadSummary(dbPath = databasePath()): Promise<SummaryRow[]> {
  return (await loadReport(dbPath)).rows;
}

const groupKey = (k: Group["key"], environment = k.environment) => `${k.run_id}\0${environment}\0${k.metric}\0${k.params}`;

/** Pure: statistics per group, ratios to the same run's native environment, suite means, LINPACK peaks and the paper's claims. */
export function computeReport(groups: Group[], iterations = BOOTSTRAP_ITERATIONS): Report {
  const baselines = baselineEnvironments(groups.map((g) => g.key));
  const baselineOf = (k: EnvironmentKey) => baselines.get(environmentId(k)) ?? null;
  const index = new Map<string, Group>();
  for (const g of groups) index.set(groupKey(g.key), g);
  const replicates = new Map<Group, Float64Array>();
  const reps = (g: Group) => {
    let r = replicates.get(g);
    if (!r) replicates.set(g, (r = groupReplicates(groupKey(g.key), g.sorted, g.n, iterations)));
    return r;
  };

  const rows: SummaryRow[] = [];
  const ratioReps = new Map<SummaryRow, Float64Array>();
  for (const g of groups) {
    if (g.n === 0 && g.failed === 0) continue;
    // A meter's count is explained, not compared: no ratio to native's count (report/meters.ts).
    const baseline = g.key.suite === "meters" ? null : baselineOf(g.key);
    const base = baseline === null ? undefined : index.get(groupKey(g.key, baseline));
    let ratio: number | null = null;
    let low: number | null = null;
    let high: number | null = null;
    let rr: Float64Array | undefined;
    if (base && base.n > 0 && g.n > 0 && base.median) {
      ratio = g.median! / base.median;
      if (base === g) {
        low = high = 1;
      } else {
        const a = reps(g);
        const b = reps(base);
        rr = new Float64Array(a.length);
        for (let i = 0; i < a.length; i++) rr[i] = a[i] / b[i];
        ({low, high} = percentileInterval(rr));
      }
    }
    const row: SummaryRow = {
      ...g.key,
      lower_is_better: LOWER_IS_BETTER_UNITS.has(g.key.unit),
      n: g.n,
      median: g.median,
      min: g.min,
      max: g.max,
      q1: g.q1,
      q3: g.q3,
      rsd: g.rsd,
      noisy: (g.rsd ?? 0) > NOISY_RSD,
      bimodal: looksBimodal(g.sorted),
      baseline: base && base.n > 0 ? baseline : null,
      ratio,
      ratio_low: low,
      ratio_high: high,
      failed: g.failed,
      notes: g.notes ?? [],
      raw: g.raw ?? []
    };
    rows.push(row);
    if (rr) ratioReps.set(row, rr);
  }

  // Per run × environment × suite: geometric mean of slowdowns (time ratio for lower-is-better
  // metrics, its inverse for higher-is-better), replicate by replicate for the interval. Where the
  // paper published the suite, over the paper's metrics only, so its figure and ours average alike.
  const paperSets = new Map<string, Set<string>>();
  for (const row of rows) {
    if (row.source !== "reference" || !countsForOverhead(row)) continue;
    if (!paperSets.has(row.suite)) paperSets.set(row.suite, new Set());
    paperSets.get(row.suite)!.add(`${row.metric}\0${row.params}`);
  }
  const bySuite = new Map<string, SummaryRow[]>();
  for (const row of rows) {
    if (!ratioReps.has(row) || !countsForOverhead(row)) continue;
    if (paperSets.has(row.suite) && !paperSets.get(row.suite)!.has(`${row.metric}\0${row.params}`)) continue;
    const k = `${row.run_id}\0${row.environment}\0${row.suite}`;
    if (!bySuite.has(k)) bySuite.set(k, []);
    bySuite.get(k)!.push(row);
  }
  const overhead: OverheadRow[] = [];
  for (const list of bySuite.values()) {
    const first = list[0];
    const geo = new Float64Array(iterations);
    let point = 0;
    for (const row of list) {
      const sign = row.lower_is_better ? 1 : -1;
      point += sign * Math.log(row.ratio!);
      const rr = ratioReps.get(row)!;
      for (let i = 0; i < iterations; i++) geo[i] += sign * Math.log(rr[i]);
    }
    for (let i = 0; i < iterations; i++) geo[i] = Math.exp(geo[i] / list.length);
    const {low, high} = percentileInterval(geo);
    overhead.push({
      source: first.source,
      run_id: first.run_id,
      environment: first.environment,
      hypervisor: first.hypervisor,
      mode: first.mode,
      guest_os: first.guest_os,
      vcpus: first.vcpus,
      passthrough: first.passthrough,
      nested_under: first.nested_under,
      suite: first.suite,
      groups: list.length,
      paper_groups: paperSets.get(first.suite)?.size ?? null,
      slowdown: Math.exp(point / list.length),
      low,
      high
    });
  }

  // A study that states its LINPACK peak against native instead of a sweep (the paper's text:
  // 97.28% and 83.46%) has that one number as its LINPACK slowdown, so it stands beside ours.
  for (const row of rows) {
    if (row.metric !== "linpack_peak_ratio" || row.n === 0 || !row.median || bySuite.has(`${row.run_id}\0${row.environment}\0linpack`)) continue;
    let against: unknown;
    try {
      against = (JSON.parse(row.params) as {baseline?: unknown}).baseline;
    } catch {
      against = undefined;
    }
    if (against !== baselineOf(row)) continue;
    const slowdown = 1 / row.median;
    const {source, run_id, environment, hypervisor, mode, guest_os, vcpus, passthrough, nested_under} = row;
    overhead.push({source, run_id, environment, hypervisor, mode, guest_os, vcpus, passthrough, nested_under, suite: "linpack", groups: 1, paper_groups: null, slowdown, low: slowdown, high: slowdown});
  }

  // LINPACK peaks: per kernel set, the best median over the N sweep; the ratio against the
  // baseline's sweep of the same set over the N both sides swept (peaks.ts), per replicate for
  // the interval; the efficiency against the limit the probe computed for that set.
  const linpack = new Map<string, Group[]>();
  for (const g of groups) {
    if (g.key.suite !== "linpack" || g.n === 0) continue;
    const k = `${g.key.run_id}\0${g.key.environment}`;
    if (!linpack.has(k)) linpack.set(k, []);
    linpack.get(k)!.push(g);
  }
  const kernelOf = (g: Group) => {
    const p = JSON.parse(g.key.params) as {core?: unknown; threads?: unknown};
    return `${typeof p.core === "string" ? p.core : ""}\0${typeof p.threads === "number" ? p.threads : ""}`;
  };
  const peaks: PeakRow[] = [];
  for (const list of linpack.values()) {
    const k = list[0]!.key;
    const baseline = baselineOf(k);
    const baseSweeps = baseline === null ? undefined : sweepsOf(linpack.get(`${k.run_id}\0${baseline}`) ?? []);
    for (const sweep of sweepsOf(list)) {
      const points = [...sweep.byN.values()];
      const top = best(points);
      const figures = linpackPeak(points.map((g) => ({n: sweepN(g), gflops: [g.median!]})))!;
      const limit = list.find((g) => g.key.metric === "linpack_peak_theoretical" && kernelOf(g) === sweep.kernel)?.median ?? null;
      const stop = list.find((g) => g.key.metric === "linpack_sweep_end" && kernelOf(g) === sweep.kernel)?.notes?.[0] ?? null;
      const pair = baseSweeps?.length ? comparableSweeps(sweep, baseSweeps) : undefined;
      let ratio: number | null = null;
      let low: number | null = null;
      let high: number | null = null;
      if (pair?.commonN.length) {
        ratio = best(pair.mine).median! / best(pair.theirs).median!;
        if (baseline === k.environment && pair.like) low = high = 1;
        else {
          const rr = bestReplicates(pair.mine, reps);
          const b = bestReplicates(pair.theirs, reps);
          for (let i = 0; i < iterations; i++) rr[i] /= b[i];
          ({low, high} = percentileInterval(rr));
        }
      }
      const peakN = sweepN(top);
      peaks.push({
        source: k.source,
        run_id: k.run_id,
        environment: k.environment,
        hypervisor: k.hypervisor,
        guest_os: k.guest_os,
        vcpus: k.vcpus,
        passthrough: k.passthrough,
        nested_under: k.nested_under,
        core: sweep.core,
        threads: sweep.threads,
        peak_gflops: top.median!,
        peak_n: Number.isFinite(peakN) ? peakN : null,
        n_half: figures.nHalf,
        plateau: figures.plateau,
        stop,
        limit_gflops: limit,
        efficiency: limit ? top.median! / limit : null,
        sweep_n: pair?.ownN ?? figures.orders,
        baseline_sweep_n: pair?.baselineN ?? [],
        compared_n: pair?.commonN ?? [],
        baseline: pair ? baseline : null,
        baseline_core: pair?.baselineCore ?? null,
        like_for_like: pair ? pair.like : null,
        ratio,
        ratio_low: low,
        ratio_high: high
      });
    }
  }
  const claims = evaluateClaims(groups, reps);
  const meters = meterReport(groups, reps, claims, (id) => CLAIMS.find((c) => c.id === id)?.cause);
  return {
    method: METHOD,
    rows: rows.map(finite),
    overhead: overhead.map(finite),
    peaks: peaks.map(finite),
    claims,
    meters: {cells: meters.cells.map(finite), pairs: meters.pairs.map(finite), causes: meters.causes}
  };
}

/**
 * Compat with the first version (tests and callers that pass raw values): groups given as
 * {key, values, failed} are turned into sorted groups and summarised.
 */
export function summarise(groups: {key: Group["key"]; values: number[]; failed: number}[]): SummaryRow[] {
  return computeReport(groups.map(({key, values, failed}) => groupFromValues(key, values, failed))).rows;
}

export function groupFromValues(key: Group["key"], values: number[], failed = 0): Group {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const q = (p: number) => (n === 0 ? null : quantileOfSorted(sorted, p));
  return {
    key,
    n,
    failed,
    median: q(0.5),
    min: n ? sorted[0] : null,
    max: n ? sorted[n - 1] : null,
    q1: q(0.25),
    q3: q(0.75),
    rsd: n < 2 ? 0 : rsd(sorted),
    sorted
  };
}

/** JSON has no NaN or Infinity; numbers are kept to 6 significant digits (the report shows 4). */
function finite<T extends object>(row: T): T {
  const copy = {...row} as Record<string, unknown>;
  for (const [k, v] of Object.entries(copy)) {
    if (typeof v === "number") copy[k] = Number.isFinite(v) ? Number(v.toPrecision(6)) : null;
  }
  return copy as T;
}
