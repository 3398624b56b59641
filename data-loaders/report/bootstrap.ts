/**
 * Percentile bootstrap of medians at bounded cost, for the report's 10^6-sample databases.
 *
 * Resampling n values with replacement and taking the median is the same, in distribution, as
 * picking order statistics of n uniforms: draw index floor(U·n) for each uniform U of the resample;
 * the median of the resample is sorted[floor(U_(k)·n)], where U_(k), the k-th smallest of n
 * uniforms, is Beta(k, n+1−k). For odd n, k = (n+1)/2; for even n the median is the mean of the
 * k-th and (k+1)-th order statistics, k = n/2, and U_(k+1) = U_(k) + (1−U_(k))·Beta(1, n−k).
 * So one bootstrap replicate costs two or three gamma draws, whatever n is, and the result is
 * exactly the ordinary resampling bootstrap (same distribution; different random stream).
 *
 * The values arrive sorted from DuckDB. Groups with more than GRID+1 values arrive as GRID+1
 * evenly spaced order statistics (sorted[round(i·(n−1)/GRID)]); the index is then mapped onto
 * that grid, which is exact to 1/GRID of a quantile step.
 */
import {randomBeta} from "d3-random";
import {quantileOfSorted, seededRandom} from "../stats.ts";

export const BOOTSTRAP_ITERATIONS = 2000;
/** Groups larger than GRID + 1 values are summarised by GRID + 1 order statistics. */
export const GRID = 1024;

export type Random = () => number;

/** A seed from a text key (FNV-1a), so every group gets its own fixed stream, independent of order. */
export function seedOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * `iterations` bootstrap replicates of the median of a sample of size n, given its sorted values
 * (all n of them, or GRID + 1 order statistics when n > GRID + 1).
 */
export function bootstrapMedians(sorted: ArrayLike<number>, n: number, random: Random, iterations = BOOTSTRAP_ITERATIONS): Float64Array {
  const out = new Float64Array(iterations);
  if (n === 0) return out.fill(NaN);
  const m = sorted.length;
  const at = (u: number) => {
    const j = Math.min(n - 1, Math.floor(u * n)); // index into the full sorted sample
    return m === n ? sorted[j] : sorted[Math.min(m - 1, Math.round((j * (m - 1)) / Math.max(1, n - 1)))];
  };
  if (n === 1) return out.fill(sorted[0]);
  const odd = n % 2 === 1;
  const k = odd ? (n + 1) / 2 : n / 2;
  const orderStatistic = randomBeta.source(random)(k, n + 1 - k);
  for (let i = 0; i < iterations; i++) {
    const u1 = orderStatistic();
    if (odd) out[i] = at(u1);
    else {
      const u2 = u1 + (1 - u1) * (1 - Math.pow(1 - random(), 1 / (n - k)));
      out[i] = (at(u1) + at(u2)) / 2;
    }
  }
  return out;
}

/** Replicates for one group, seeded by its key. */
export function groupReplicates(key: string, sorted: ArrayLike<number>, n: number, iterations = BOOTSTRAP_ITERATIONS): Float64Array {
  return bootstrapMedians(sorted, n, seededRandom(seedOf(key)), iterations);
}

/** 2.5% and 97.5% percentiles (linear interpolation, as stats.quantile) of finite replicates. */
export function percentileInterval(replicates: Float64Array): {low: number; high: number} {
  const finite = replicates.filter(Number.isFinite).sort();
  if (finite.length === 0) return {low: NaN, high: NaN};
  return {low: quantileOfSorted(finite, 0.025), high: quantileOfSorted(finite, 0.975)};
}

/** Element-wise a[i] / b[i]. */
export function ratioReplicates(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] / b[i];
  return out;
}
