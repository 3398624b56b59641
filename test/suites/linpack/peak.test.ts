/** HPL's N_max, P_max and N_½ read off synthetic rate curves whose truth is known. */
import {describe, expect, it} from "vitest";
import {linpackPeak, type SweepPoint} from "../../../data-loaders/suites/linpack/peak.ts";
import {seededRandom} from "../../../data-loaders/stats.ts";

/** A saturating curve: r(N) = P·N/(N + N_½), which reaches P/2 exactly at N = N_½. */
const saturating = (p: number, half: number) => (n: number) => (p * n) / (n + half);
const ORDERS = [500, 1000, 1500, 2000, 3000, 4000, 5000, 6000, 8000, 10000, 12000];

function sweep(rate: (n: number) => number, orders: number[], reps = 3, noise = 0, seed = 1): SweepPoint[] {
  const random = seededRandom(seed);
  return orders.map((n) => ({n, gflops: Array.from({length: reps}, () => rate(n) * (1 + noise * (random() - 0.5)))}));
}

describe("linpackPeak", () => {
  it("finds the plateau of a curve that saturates and then falls off (cache, memory bandwidth)", () => {
    const rate = (n: number) => (n <= 6000 ? saturating(60, 1000)(n) : saturating(60, 1000)(6000) * (1 - (n - 6000) / 40000));
    const peak = linpackPeak(sweep(rate, ORDERS))!;
    expect(peak.nMax).toBe(6000);
    expect(peak.pMax).toBeCloseTo(saturating(60, 1000)(6000), 6);
    expect(peak.plateau).toBe(true);
    // Half of P_max (25.7) lies between 500 (20) and 1000 (30): interpolated.
    expect(peak.nHalf).toBeGreaterThan(500);
    expect(peak.nHalf).toBeLessThan(1000);
  });

  it("says a sweep cut short while the rate still rose (memory limit, time budget) reached no plateau", () => {
    const peak = linpackPeak(sweep(saturating(60, 4000), ORDERS.slice(0, 6)))!;
    expect(peak.nMax).toBe(4000);
    expect(peak.plateau).toBe(false);
    expect(peak.orders).toEqual([500, 1000, 1500, 2000, 3000, 4000]);
  });

  it("takes medians over repetitions, so one noisy solve does not make the peak", () => {
    const points = sweep(saturating(50, 800), [1000, 2000, 4000, 6000, 8000].map((n) => n), 5, 0.04, 7);
    points[1]!.gflops = [...points[1]!.gflops.slice(0, 4), 500]; // one wild repetition at N = 2000
    const peak = linpackPeak(points)!;
    expect(peak.nMax).toBeGreaterThanOrEqual(4000);
    expect(peak.pMax).toBeLessThan(55);
    // A flat curve under noise: the plateau is reached once the rate stops rising by 1%.
    const flat = linpackPeak(sweep(() => 40, ORDERS, 5, 0.01, 3))!;
    expect(flat.plateau).toBe(true);
    expect(flat.pMax).toBeLessThan(40 * 1.01);
  });

  it("has nothing to say about a sweep with no successful solve", () => {
    expect(linpackPeak([{n: 1000, gflops: []}])).toBeUndefined();
  });
});
