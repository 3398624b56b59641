import {execa} from "execa";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {randomLcg, randomLogNormal, randomNormal} from "d3-random";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {adjust, compareSeries, permutationTest, type SeriesInput} from "../../data-loaders/report/compare-stats.ts";
import {Store} from "../../data-loaders/store/store.ts";
import {ROOT} from "../helpers/shared.ts";
import {writeSyntheticRun, type SyntheticSeries} from "../helpers/synthetic-runs.ts";

const BIN = join(ROOT, "bin", "vmmbench.js");
const ALPHA = 0.05;
/** The bootstrap interval plays no part in a verdict: a few replicates keep these many-seed tests fast. */
const FAST = {threshold: 0.05, alpha: ALPHA, correction: "holm" as const, iterations: 50};

/** m series of n values per side, lognormal with relative spread `noise`; B multiplied by `shift`. */
function sides(seed: number, m: number, n: number, noise: number, shift = 1): SeriesInput[] {
  const draw = randomLogNormal.source(randomLcg((seed + 0.5) / 1e4))(0, noise);
  return Array.from({length: m}, (_, i) => ({key: `s${i}`, a: Array.from({length: n}, draw), b: Array.from({length: n}, () => draw() * shift), lowerIsBetter: true}));
}

describe("compare's statistics", () => {
  it("flags a known 10% slowdown as a regression, and a 10% throughput gain as an improvement", () => {
    const rows = compareSeries(sides(1, 20, 20, 0.02, 1.1), FAST);
    expect(rows.map((r) => r.verdict)).toEqual(Array(20).fill("regressed"));
    for (const r of rows) {
      expect(r.ratio_low).toBeLessThan(r.ratio);
      expect(r.ratio_high).toBeGreaterThan(r.ratio);
      expect(r.slowdown).toBeCloseTo(1.1, 1);
    }
    const throughput = sides(2, 5, 20, 0.02, 1.1).map((s) => ({...s, lowerIsBetter: false}));
    expect(compareSeries(throughput, FAST).map((r) => r.verdict)).toEqual(Array(5).fill("improved"));
    // With 5% noise and 10 values a side, a 10% shift is still found most of the time.
    let found = 0;
    for (let seed = 0; seed < 20; seed++) found += compareSeries(sides(100 + seed, 20, 10, 0.05, 1.1), FAST).filter((r) => r.verdict === "regressed").length;
    expect(found / (20 * 20)).toBeGreaterThan(0.6);
  });

  it("keeps the false-positive rate of two runs of one distribution within the stated level across many seeds", () => {
    const seeds = 150;
    const m = 20;
    let anyFlagged = 0;
    let rejected = 0;
    for (let seed = 0; seed < seeds; seed++) {
      // threshold 0: any significant change counts, the strictest reading of "flags nothing".
      const rows = compareSeries(sides(seed, m, 10, 0.05), {...FAST, threshold: 0, seed});
      if (rows.some((r) => r.verdict !== "unchanged")) anyFlagged++;
      rejected += rows.filter((r) => r.p < ALPHA).length;
    }
    // Holm bounds the chance that any of the m series is flagged by α (plus three standard errors of this estimate).
    const se = (rate: number, trials: number) => Math.sqrt((rate * (1 - rate)) / trials);
    expect(anyFlagged / seeds).toBeLessThanOrEqual(ALPHA + 3 * se(ALPHA, seeds));
    // And the p-values themselves are uniform under the null: about α of them fall below α before correction.
    expect(Math.abs(rejected / (seeds * m) - ALPHA)).toBeLessThan(3 * se(ALPHA, seeds * m));
  });

  it("permutes within rounds where A and B were interleaved, so a round's drift neither hides a change nor fakes one", () => {
    // Eight rounds whose host speed drifts by ±20%; A and B measured three times each per round.
    const withDrift = (seed: number, shift: number): SeriesInput => {
      const drift = randomNormal.source(randomLcg((seed + 0.25) / 1e4))(0, 0.2);
      const noise = randomLogNormal.source(randomLcg((seed + 0.75) / 1e4))(0, 0.01);
      const input: SeriesInput & {rounds: {a: number[]; b: number[]}} = {key: `d${seed}`, a: [], b: [], lowerIsBetter: true, rounds: {a: [], b: []}};
      for (let round = 0; round < 8; round++) {
        const speed = Math.exp(drift());
        for (let i = 0; i < 3; i++) {
          (input.a as number[]).push(speed * noise());
          (input.b as number[]).push(speed * shift * noise());
          input.rounds.a.push(round);
          input.rounds.b.push(round);
        }
      }
      return input;
    };
    const shifted = Array.from({length: 10}, (_, i) => withDrift(i, 1.05));
    const stratified = compareSeries(shifted, FAST);
    expect(stratified.every((r) => r.stratified && r.verdict !== "unchanged")).toBe(true);
    // The same values without their rounds: the drift swamps the 5% change.
    const pooled = compareSeries(shifted.map(({rounds: _rounds, ...s}) => s), FAST);
    expect(pooled.filter((r) => r.verdict !== "unchanged").length).toBeLessThanOrEqual(1);
    let flagged = 0;
    for (let seed = 0; seed < 100; seed++) flagged += compareSeries([withDrift(1000 + seed, 1)], {...FAST, threshold: 0}).filter((r) => r.verdict !== "unchanged").length;
    expect(flagged / 100).toBeLessThanOrEqual(ALPHA + 3 * Math.sqrt((ALPHA * (1 - ALPHA)) / 100));
  });

  it("computes exact p-values where every relabelling can be counted, and says when too few values can never be significant", () => {
    // 20 ways to split six values 3/3: the observed split, its mirror, and {1,2,4}/{3,5,6} and its mirror
    // move the medians as far apart (by 3); the design alone would allow p = 2/20.
    expect(permutationTest([{a: [1, 2, 3], b: [4, 5, 6]}], 1000, Math.random)).toEqual({p: 0.2, minP: 0.1});
    expect(permutationTest([{a: [1, 2, 3], b: [1, 2, 3]}], 1000, Math.random).p).toBe(1);
    const rows = compareSeries([{key: "x", a: [1, 2, 3], b: [40, 50, 60], lowerIsBetter: true}], FAST);
    expect(rows[0]).toMatchObject({verdict: "too few", p: 0.2});
    expect(compareSeries([{key: "one", a: [1], b: [2, 3], lowerIsBetter: true}], FAST)[0]).toMatchObject({verdict: "too few", n_a: 1});
  });

  it("adjusts p-values as Holm and Benjamini–Hochberg do (R's p.adjust)", () => {
    const p = [0.01, 0.04, 0.03, 0.005, NaN];
    expect(adjust(p, "holm").map((x) => Number(x.toFixed(6)))).toEqual([0.03, 0.06, 0.06, 0.02, NaN]);
    expect(adjust(p, "bh").map((x) => Number(x.toFixed(6)))).toEqual([0.02, 0.04, 0.04, 0.02, NaN]);
  });
});

describe("vmmbench compare on a database", () => {
  let dir: string;
  let db: string;
  const SERIES: SyntheticSeries[] = [
    {metric: "lat_syscall", unit: "us", median: 0.3},
    {metric: "lat_fork", unit: "us", median: 120},
    {metric: "lat_pipe", unit: "us", median: 9},
    {metric: "bw_mem_read", unit: "MB/s", median: 9000}
  ];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-compare-"));
    db = join(dir, "c.duckdb");
    const store = await Store.open(db);
    try {
      const base = {environments: ["native", "kvm"], series: SERIES, rounds: 5, reps: 4, noise: 0.02};
      await writeSyntheticRun(store, {...base, runId: "run-a", tags: {kernel: "6.1"}, seed: 1});
      // The new kernel: fork 10% slower under KVM, everything else the same distribution.
      await writeSyntheticRun(store, {...base, runId: "run-b", tags: {kernel: "6.6"}, seed: 2, shift: (env, metric) => (env === "kvm" && metric === "lat_fork" ? 1.1 : 1)});
      await writeSyntheticRun(store, {...base, runId: "run-c", tags: {kernel: "6.6-rebuild"}, seed: 3});
    } finally {
      store.close();
    }
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it("exits 3 with the regression first when B is slower, by tags or run ids", async () => {
    const result = await execa("node", [BIN, "compare", "tag:kernel=6.1", "kernel=6.6", "--db", db, "--format", "json"], {reject: false});
    expect(result.exitCode, result.stderr).toBe(3);
    const rows = JSON.parse(result.stdout) as {verdict: string; metric: string; pair: string; slowdown: number}[];
    expect(rows).toHaveLength(8);
    expect(rows[0]).toMatchObject({verdict: "regressed", metric: "lat_fork", pair: "kvm"});
    expect(rows[0]!.slowdown).toBeGreaterThan(1.05);
    expect(rows.slice(1).every((r) => r.verdict === "unchanged")).toBe(true);
    expect(result.stderr).toContain("8 series (Holm-corrected at α = 0.05, threshold 5.0%): 1 regressed, 0 improved");
    const table = await execa("node", [BIN, "compare", "run:run-a", "run-b", "--db", db], {reject: false});
    expect(table.exitCode).toBe(3);
    expect(table.stdout.split("\n")[2]).toMatch(/^regressed\s+lmbench\s+lat_fork\s+kvm\s+20\/20\s/);
  });

  it("exits 0 between two runs of one distribution, and when the regression is within a larger threshold", async () => {
    const same = await execa("node", [BIN, "compare", "run-a", "run-c", "--db", db], {reject: false});
    expect(same.exitCode, same.stderr).toBe(0);
    expect(same.stdout).toContain("no series changed beyond its noise");
    const lenient = await execa("node", [BIN, "compare", "run-a", "run-b", "--threshold", "0.2", "--db", db], {reject: false});
    expect(lenient.exitCode).toBe(0);
    expect(lenient.stdout).toMatch(/^changed\s+lmbench\s+lat_fork/m);
  });

  it("compares two environments within the runs that measured both, and names a selector it cannot find", async () => {
    const result = await execa("node", [BIN, "compare", "env:native", "env:kvm", "--db", db, "--metric", "lat_fork", "--format", "csv"], {reject: false});
    expect(result.stderr).toContain("paired within each run that measured both");
    expect(result.stdout.trim().split("\n")).toHaveLength(1 + 3);
    const missing = await execa("node", [BIN, "compare", "env:xen", "env:kvm", "--db", db], {reject: false});
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toBe("vmmbench: error: env:xen: no environment with that label (there are: kvm, native)");
    const mixed = await execa("node", [BIN, "compare", "run-a", "env:kvm", "--db", db], {reject: false});
    expect(mixed.stderr).toContain("A is a run and B a env");
  });
});
