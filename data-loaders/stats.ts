/**
 * Summary statistics used by the stop rule, the report loaders and the benches: d3-array's, with
 * vmmbench's conventions for empty input (NaN, and 0 spread for one value). Pure functions.
 */
import {deviation, mean as d3mean, median as d3median, quantile as d3quantile, quantileSorted} from "d3-array";
import {randomLcg} from "d3-random";

export function median(values: readonly number[]): number {
  return d3median(values) ?? NaN;
}

export function mean(values: readonly number[]): number {
  return d3mean(values) ?? NaN;
}

/** Sample standard deviation (n − 1); 0 for a single value. */
export function stddev(values: readonly number[]): number {
  return deviation(values) ?? 0;
}

/** Relative standard deviation (coefficient of variation). */
export function rsd(values: readonly number[]): number {
  const m = mean(values);
  return m === 0 ? 0 : stddev(values) / Math.abs(m);
}

/** The q-quantile with linear interpolation between order statistics (R-7, as DuckDB's quantile_cont). */
export function quantile(values: Iterable<number>, q: number): number {
  return d3quantile(values, q) ?? NaN;
}

/** The same, of values already sorted ascending (no copy, no sort: the bootstrap's hot path). */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  return quantileSorted(sorted as number[], q) ?? NaN;
}

/** Deterministic PRNG so that a bootstrap interval is the same on every rebuild of the report. */
export function seededRandom(seed: number): () => number {
  // randomLcg takes a seed in [0, 1); a whole-number seed is mapped onto it.
  return randomLcg((seed >>> 0) / 4294967296);
}

export interface RatioInterval {
  ratio: number;
  low: number;
  high: number;
}

/**
 * Ratio of medians (candidate / baseline) with a 95% percentile-bootstrap interval: both samples
 * are resampled independently with replacement. With a single value on either side the interval
 * collapses to the point, which the report shows as "no CI (n=1)".
 */
export function bootstrapRatio(candidate: readonly number[], baseline: readonly number[], iterations = 2000, seed = 1): RatioInterval {
  const ratio = median(candidate) / median(baseline);
  if (candidate.length < 2 && baseline.length < 2) return {ratio, low: ratio, high: ratio};
  const random = seededRandom(seed);
  const resample = (xs: readonly number[]) => {
    const out = new Array<number>(xs.length);
    for (let i = 0; i < xs.length; i++) out[i] = xs[Math.floor(random() * xs.length)];
    return out;
  };
  const ratios: number[] = [];
  for (let i = 0; i < iterations; i++) ratios.push(median(resample(candidate)) / median(resample(baseline)));
  return {ratio, low: quantile(ratios, 0.025), high: quantile(ratios, 0.975)};
}

/**
 * RSD of `candidate` over RSD of `baseline`, measured in the same rounds (value i of each comes from
 * round i), with a 95% percentile-bootstrap interval that resamples whole rounds: a round's load
 * moves both values, so resampling them together keeps that pairing. With ~10 rounds an RSD is
 * itself uncertain by ~±25%, so two equally precise methods differ by chance; a lower bound above 1
 * says the candidate is noisier beyond that chance.
 */
export function pairedRsdRatio(candidate: readonly number[], baseline: readonly number[], iterations = 2000, seed = 1): RatioInterval {
  if (candidate.length !== baseline.length) throw new RangeError(`paired samples differ in length: ${candidate.length} and ${baseline.length}`);
  const ratio = rsd(candidate) / rsd(baseline);
  if (candidate.length < 3) return {ratio, low: ratio, high: ratio};
  const random = seededRandom(seed);
  const a = new Array<number>(candidate.length);
  const b = new Array<number>(baseline.length);
  const ratios: number[] = [];
  for (let i = 0; i < iterations; i++) {
    for (let k = 0; k < a.length; k++) {
      const round = Math.floor(random() * a.length);
      a[k] = candidate[round]!;
      b[k] = baseline[round]!;
    }
    const r = rsd(a) / rsd(b);
    if (!Number.isNaN(r)) ratios.push(r);
  }
  return {ratio, low: quantile(ratios, 0.025), high: quantile(ratios, 0.975)};
}

/**
 * Flags a sample set as bimodal when its largest gap between sorted neighbours is both large
 * against the spread inside the two sides and splits off at least 20% of the values:
 * the shape a noisy neighbour or a frequency change leaves in benchmark repetitions.
 */
export function looksBimodal(values: readonly number[]): boolean {
  if (values.length < 6) return false;
  const sorted = [...values].sort((a, b) => a - b);
  let best = -1;
  let at = 0;
  for (let i = 1; i < sorted.length; i++) {
    const gap = sorted[i] - sorted[i - 1];
    if (gap > best) [best, at] = [gap, i];
  }
  const minSide = Math.min(at, sorted.length - at);
  if (minSide < Math.ceil(sorted.length * 0.2)) return false;
  const spread = Math.max(sorted[at - 1] - sorted[0], sorted[sorted.length - 1] - sorted[at]);
  return best > 2 * spread && best > 0.1 * Math.abs(median(sorted));
}
