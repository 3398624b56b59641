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
import {seededRandom} from "../stats.ts";

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

function normal(random: Random): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Gamma(shape, 1) by Marsaglia–Tsang (shape ≥ 1; smaller shapes boosted). */
export function gamma(shape: number, random: Random): number {
  if (shape < 1) return gamma(shape + 1, random) * Math.pow(1 - random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

export function beta(a: number, b: number, random: Random): number {
  const x = gamma(a, random);
  return x / (x + gamma(b, random));
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
  for (let i = 0; i < iterations; i++) {
    const u1 = beta(k, n + 1 - k, random);
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
  const finite = Array.from(replicates).filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return {low: NaN, high: NaN};
  const q = (p: number) => {
    const pos = (finite.length - 1) * p;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return finite[lo] + (finite[hi] - finite[lo]) * (pos - lo);
  };
  return {low: q(0.025), high: q(0.975)};
}

/** Element-wise a[i] / b[i]. */
export function ratioReplicates(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] / b[i];
  return out;
}
