import {describe, expect, it} from "vitest";
import {pairedRsdRatio, rsd, seededRandom} from "../data-loaders/stats.ts";

/** n rounds of a value drifting by `drift` (shared by both methods) plus each method's own noise. */
function rounds(n: number, seed: number, drift: number, noiseA: number, noiseB: number): [number[], number[]] {
  const random = seededRandom(seed);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < n; i++) {
    const load = 1 + drift * (random() - 0.5);
    a.push(100 * load * (1 + noiseA * (random() - 0.5)));
    b.push(100 * load * (1 + noiseB * (random() - 0.5)));
  }
  return [a, b];
}

describe("pairedRsdRatio", () => {
  it("is exactly 1, with no spread, for a method that reads the same rounds on another scale", () => {
    const [a] = rounds(11, 1, 0.2, 0.1, 0);
    const {ratio, low, high} = pairedRsdRatio(a, a.map((x) => x * 3));
    for (const x of [ratio, low, high]) expect(x).toBeCloseTo(1, 12);
  });

  it("puts the lower bound above 1 only when one method is much noisier than the other", () => {
    const [noisy, quiet] = rounds(11, 2, 0.02, 0.4, 0.02);
    const clear = pairedRsdRatio(noisy, quiet);
    expect(clear.ratio).toBeCloseTo(rsd(noisy) / rsd(quiet), 12);
    expect(clear.low).toBeGreaterThan(1);
    // Equally precise methods under a shared drift: the interval holds 1 in most seeds.
    let holdsOne = 0;
    for (let seed = 0; seed < 40; seed++) {
      const [a, b] = rounds(11, 100 + seed, 0.1, 0.1, 0.1);
      const {low, high} = pairedRsdRatio(a, b, 1000, seed);
      if (low <= 1 && high >= 1) holdsOne++;
    }
    expect(holdsOne).toBeGreaterThanOrEqual(34);
  });

  it("gives the same interval for the same seed, and refuses unpaired samples", () => {
    const [a, b] = rounds(9, 3, 0.1, 0.05, 0.1);
    expect(pairedRsdRatio(a, b, 500, 7)).toEqual(pairedRsdRatio(a, b, 500, 7));
    expect(() => pairedRsdRatio(a, b.slice(1))).toThrow(RangeError);
  });
});
