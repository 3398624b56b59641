/**
 * A/B statistics for `vmmbench compare` and the report's Compare page, one series at a time and
 * then across all of them:
 *
 * - the ratio of medians B / A with a 95% percentile-bootstrap interval (bootstrap.ts: each side
 *   resampled on its own, 2000 replicates, seeded by the series' key);
 * - a two-sided permutation test of "A and B are the same distribution" with the difference of
 *   medians as its statistic. Where A and B were interleaved in the same rounds of one campaign,
 *   labels are permuted only within a round (a stratified test): a round's drift then moves A and
 *   B alike and cannot look like a difference. Exact over every relabelling when there are at most
 *   `permutations` of them; else Monte Carlo, p = (1 + exceedances) / (1 + draws), which stops
 *   early once EARLY_STOP exceedances make the series plainly unchanged (Besag & Clifford 1991);
 * - Holm's step-down correction over all series compared (`holm`, the default): it bounds the
 *   chance that *any* series of an A/A comparison is flagged — the false alarm a CI gate cares
 *   about — by α, whatever the dependence between series (series of one campaign share its rounds
 *   and its host, so they are not independent; Benjamini–Hochberg would need them to be positively
 *   dependent and bounds only the expected share of false flags). `bh` is offered for exploring
 *   many series, where some false flags are acceptable;
 * - B's slowdown against A, the report's one convention: the ratio where lower is better (time),
 *   its inverse where higher is (bandwidth, GFLOPS), so above 1 is always worse and 1× is A;
 * - a verdict: regressed when significant after correction and the slowdown is above
 *   1 + `threshold` (5%: B takes over 1.05× A's time, or has under 1/1.05 of its throughput),
 *   improved when below 1 / (1 + threshold); changed when significant but within the threshold;
 *   unchanged; or too few values for any difference to reach significance at this number of series.
 */
import {BOOTSTRAP_ITERATIONS, groupReplicates, percentileInterval, ratioReplicates, seedOf} from "./bootstrap.ts";
import {seededRandom} from "../stats.ts";

export type Correction = "holm" | "bh";

export interface CompareOptions {
  /** Relative change beyond which a significant change is a regression (or an improvement). */
  threshold: number;
  /** Family-wise (holm) or false-discovery (bh) level. */
  alpha: number;
  correction: Correction;
  /** Most relabellings a permutation test draws; default: enough for α / (number of series) to be reachable. */
  permutations?: number;
  /** Bootstrap replicates of each ratio's interval (default BOOTSTRAP_ITERATIONS). */
  iterations?: number;
  /** Mixed with each series' key into the seed of its permutation draws (the bootstrap is seeded by the key alone). */
  seed?: number;
}

export const DEFAULT_COMPARE: CompareOptions = {threshold: 0.05, alpha: 0.05, correction: "holm"};

/** Exceedances after which a Monte Carlo test stops: its p-value is then EARLY_STOP / draws. */
export const EARLY_STOP = 50;

export interface SeriesInput {
  key: string;
  a: readonly number[];
  b: readonly number[];
  lowerIsBetter: boolean;
  /** The round each value was measured in, when A and B were interleaved in one campaign. */
  rounds?: {a: readonly number[]; b: readonly number[]};
}

export type Verdict = "regressed" | "improved" | "changed" | "unchanged" | "too few";

export interface SeriesComparison {
  key: string;
  n_a: number;
  n_b: number;
  median_a: number;
  median_b: number;
  /** median B / median A, with its 95% bootstrap interval. */
  ratio: number;
  ratio_low: number;
  ratio_high: number;
  /** B's slowdown against A (the ratio, or its inverse where higher is better: above 1 is worse), with its interval. */
  slowdown: number;
  slowdown_low: number;
  slowdown_high: number;
  p: number;
  p_adjusted: number;
  /** Whether labels were permuted within rounds (A and B interleaved). */
  stratified: boolean;
  verdict: Verdict;
}

/** Compares every series; p-values are corrected over all series that have two values or more on each side. */
export function compareSeries(inputs: readonly SeriesInput[], options: CompareOptions = DEFAULT_COMPARE): SeriesComparison[] {
  const tested = inputs.filter((s) => s.a.length >= 2 && s.b.length >= 2).length;
  const permutations = options.permutations ?? Math.min(200_000, Math.max(1000, Math.ceil((2 * Math.max(1, tested)) / options.alpha)));
  // Each series draws from its own stream, so its p-value does not depend on which other series are compared.
  const iterations = options.iterations ?? BOOTSTRAP_ITERATIONS;
  const rows = inputs.map((series) => one(series, permutations, iterations, seededRandom(seedOf(`${options.seed ?? 1}\u0000${series.key}`))));
  const adjusted = adjust(rows.map((r) => r.p), options.correction);
  return rows.map((row, i) => {
    const p_adjusted = adjusted[i]!;
    const significant = p_adjusted < options.alpha;
    // The smallest p this series could reach, corrected as the first of Holm's steps would be.
    const reachable = row.minP * Math.max(1, tested) < options.alpha;
    const verdict: Verdict = !Number.isFinite(row.p) || !reachable
      ? "too few"
      : !significant
        ? "unchanged"
        : row.slowdown > 1 + options.threshold
          ? "regressed"
          : row.slowdown < 1 / (1 + options.threshold)
            ? "improved"
            : "changed";
    const {minP: _minP, ...out} = row;
    return {...out, p_adjusted, verdict};
  });
}

function one(series: SeriesInput, permutations: number, iterations: number, random: () => number): Omit<SeriesComparison, "p_adjusted" | "verdict"> & {minP: number} {
  const a = Float64Array.from(series.a).sort();
  const b = Float64Array.from(series.b).sort();
  const median_a = medianOfSorted(a);
  const median_b = medianOfSorted(b);
  const ratio = median_b / median_a;
  const replicates = ratioReplicates(groupReplicates(`${series.key}\u0000b`, b, b.length, iterations), groupReplicates(`${series.key}\u0000a`, a, a.length, iterations));
  const interval = a.length >= 2 || b.length >= 2 ? percentileInterval(replicates) : {low: ratio, high: ratio};
  const slowdown = series.lowerIsBetter
    ? {slowdown: ratio, slowdown_low: interval.low, slowdown_high: interval.high}
    : {slowdown: 1 / ratio, slowdown_low: 1 / interval.high, slowdown_high: 1 / interval.low};
  const base = {key: series.key, n_a: a.length, n_b: b.length, median_a, median_b, ratio, ratio_low: interval.low, ratio_high: interval.high, ...slowdown};
  if (a.length < 2 || b.length < 2) return {...base, p: NaN, stratified: false, minP: 1};
  const strata = series.rounds ? stratify(series, series.rounds) : null;
  const test = strata ? permutationTest(strata, permutations, random) : permutationTest([{a: Array.from(series.a), b: Array.from(series.b)}], permutations, random);
  return {...base, p: test.p, stratified: strata !== null, minP: test.minP};
}

interface Stratum {
  a: number[];
  b: number[];
}

/** Values grouped by round; rounds with only A or only B carry no information about the difference and stay as they are. */
function stratify(series: SeriesInput, rounds: NonNullable<SeriesInput["rounds"]>): Stratum[] | null {
  const byRound = new Map<number, Stratum>();
  series.a.forEach((value, i) => stratumOf(byRound, rounds.a[i]!).a.push(value));
  series.b.forEach((value, i) => stratumOf(byRound, rounds.b[i]!).b.push(value));
  const strata = [...byRound.values()];
  // Interleaved means some round holds both; otherwise the plain test is the stratified one.
  return strata.some((s) => s.a.length > 0 && s.b.length > 0) ? strata : null;
}

function stratumOf(byRound: Map<number, Stratum>, round: number): Stratum {
  let stratum = byRound.get(round);
  if (!stratum) byRound.set(round, (stratum = {a: [], b: []}));
  return stratum;
}

/**
 * Two-sided permutation test of |median(B) − median(A)| with labels exchanged within each stratum.
 * `minP` is the smallest p-value the design allows (its number of distinct relabellings, or the
 * Monte Carlo resolution).
 */
export function permutationTest(strata: readonly Stratum[], permutations: number, random: () => number): {p: number; minP: number} {
  // Strata side by side in one array: stratum k holds work[start[k] … start[k+1]), its first aOf[k] values labelled A.
  const work = Float64Array.from(strata.flatMap((s) => [...s.a, ...s.b]));
  const start = new Int32Array(strata.length + 1);
  strata.forEach((s, k) => (start[k + 1] = start[k]! + s.a.length + s.b.length));
  const aOf = strata.map((s) => s.a.length);
  const na = aOf.reduce((n, k) => n + k, 0);
  const scratchA = new Float64Array(na);
  const scratchB = new Float64Array(work.length - na);
  /** |median(B) − median(A)| of the labelling that `work` holds now. */
  const statistic = (): number => {
    let ia = 0;
    let ib = 0;
    for (let k = 0; k < strata.length; k++) {
      const split = start[k]! + aOf[k]!;
      for (let i = start[k]!; i < split; i++) scratchA[ia++] = work[i]!;
      for (let i = split; i < start[k + 1]!; i++) scratchB[ib++] = work[i]!;
    }
    return Math.abs(median(scratchB) - median(scratchA));
  };
  const observed = statistic();
  // Ties in the statistic count as exceedances (a conservative p); the tolerance absorbs rounding.
  const floor = observed - 1e-12 * Math.max(1, Math.abs(observed));
  const relabellings = strata.reduce((n, s, k) => n * binomial(start[k + 1]! - start[k]!, aOf[k]!), 1);
  // Swapping A and B wholesale gives the same |statistic|: when that is a relabelling too, the least p counts both.
  const mirrored = strata.every((s) => s.a.length === s.b.length) ? 2 : 1;
  if (relabellings <= permutations && strata.length === 1) {
    const values = Float64Array.from(work);
    let exceed = 0;
    let total = 0;
    forEachCombination(values.length, aOf[0]!, (inA) => {
      let ia = 0;
      let ib = values.length - aOf[0]!;
      for (let i = 0; i < values.length; i++) work[inA[i] ? ia++ : ib++] = values[i]!;
      total++;
      if (statistic() >= floor) exceed++;
    });
    return {p: exceed / total, minP: Math.min(1, mirrored / total)};
  }
  let exceed = 0;
  let draws = 0;
  while (draws < permutations) {
    draws++;
    // Within each stratum, a partial Fisher–Yates shuffle: its first aOf[k] places become A.
    for (let k = 0; k < strata.length; k++) {
      const from = start[k]!;
      const size = start[k + 1]! - from;
      for (let i = 0; i < aOf[k]!; i++) {
        const j = from + i + Math.floor(random() * (size - i));
        const t = work[from + i]!;
        work[from + i] = work[j]!;
        work[j] = t;
      }
    }
    if (statistic() >= floor && ++exceed >= EARLY_STOP) return {p: exceed / draws, minP: 1 / (permutations + 1)};
  }
  return {p: (1 + exceed) / (1 + draws), minP: Math.max(1 / (permutations + 1), Math.min(1, mirrored / relabellings))};
}

/** Holm's step-down (family-wise) or Benjamini–Hochberg's step-up (false discovery rate) adjusted p-values; NaN stays NaN. */
export function adjust(p: readonly number[], correction: Correction): number[] {
  const index = p.map((_, i) => i).filter((i) => Number.isFinite(p[i]!)).sort((x, y) => p[x]! - p[y]!);
  const m = index.length;
  const out = p.map(() => NaN);
  if (correction === "holm") {
    let running = 0;
    index.forEach((i, rank) => {
      running = Math.max(running, Math.min(1, (m - rank) * p[i]!));
      out[i] = running;
    });
  } else {
    let running = 1;
    for (let rank = m - 1; rank >= 0; rank--) {
      const i = index[rank]!;
      running = Math.min(running, Math.min(1, (m / (rank + 1)) * p[i]!));
      out[i] = running;
    }
  }
  return out;
}

function binomial(n: number, k: number): number {
  let out = 1;
  for (let i = 1; i <= k; i++) out = (out * (n - k + i)) / i;
  return Math.round(out);
}

/** Calls `visit` with every way of choosing k of n positions (a boolean mask). */
function forEachCombination(n: number, k: number, visit: (mask: boolean[]) => void): void {
  const mask = new Array<boolean>(n).fill(false);
  const walk = (start: number, left: number) => {
    if (left === 0) return visit(mask);
    for (let i = start; i <= n - left; i++) {
      mask[i] = true;
      walk(i + 1, left - 1);
      mask[i] = false;
    }
  };
  walk(0, k);
}

function medianOfSorted(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

/** The median of `values` (reordered in place): Hoare's selection, linear on average. */
function median(values: Float64Array): number {
  const n = values.length;
  const k = n >> 1;
  const hi = select(values, k);
  if (n % 2) return hi;
  let lo = -Infinity;
  for (let i = 0; i < k; i++) if (values[i]! > lo) lo = values[i]!;
  return (lo + hi) / 2;
}

function select(values: Float64Array, k: number): number {
  let left = 0;
  let right = values.length - 1;
  while (left < right) {
    const pivot = values[(left + right) >> 1]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i++] = values[j]!;
        values[j--] = t;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k]!;
}
