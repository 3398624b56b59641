/**
 * HPL's figures of a sweep: R_max (here P_max), the best median GFLOPS over the orders run; N_max,
 * the order that gave it; N_½, the smallest order reaching half of it (linearly interpolated
 * between the orders around it, as HPL users read it off the curve); and whether the sweep reached
 * its plateau — the probe stops when two orders in a row fail to beat the best by 1% — or was cut
 * short while still rising (memory, time budget, a fixed list).
 */
import {median} from "../../stats.ts";

export interface SweepPoint {
  n: number;
  /** The repetitions' GFLOPS at this order. */
  gflops: readonly number[];
}

export interface LinpackPeak {
  pMax: number;
  nMax: number;
  nHalf: number | null;
  /** The rate stopped rising before the sweep ended. */
  plateau: boolean;
  /** Orders run, in order. */
  orders: number[];
}

/** The rise a larger order must bring to count (the probe's own rule, linpack.c). */
const RISE = 1.01;

export function linpackPeak(points: readonly SweepPoint[]): LinpackPeak | undefined {
  const curve = points
    .filter((p) => p.gflops.length > 0)
    .map((p) => ({n: p.n, rate: median(p.gflops)}))
    .sort((a, b) => a.n - b.n);
  if (curve.length === 0) return undefined;
  let best = curve[0]!;
  for (const point of curve) if (point.rate > best.rate) best = point;
  // A plateau: after the best order came at least two that did not beat it by 1%.
  const after = curve.filter((p) => p.n > best.n);
  const plateau = after.length >= 2 && after.every((p) => p.rate <= best.rate * RISE);
  const half = best.rate / 2;
  let nHalf: number | null = null;
  for (let i = 0; i < curve.length; i++) {
    const p = curve[i]!;
    if (p.rate < half) continue;
    const before = curve[i - 1];
    nHalf = before ? before.n + ((half - before.rate) / (p.rate - before.rate)) * (p.n - before.n) : p.n;
    break;
  }
  return {pMax: best.rate, nMax: best.n, nHalf: nHalf === null ? null : Math.round(nHalf), plateau, orders: curve.map((p) => p.n)};
}
