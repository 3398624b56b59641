import {describe, expect, it} from "vitest";
import {bootstrapRatio, seededRandom} from "../../data-loaders/stats.ts";
import {bootstrapMedians, groupReplicates, percentileInterval, GRID} from "../../data-loaders/report/bootstrap.ts";
import {computeReport, groupFromValues, loadGroups, type Group} from "../../data-loaders/report/summary.ts";
import {Store} from "../../data-loaders/store/store.ts";
import type {Fingerprint} from "../../data-loaders/targets/target.ts";

const key = (environment: string, hypervisor: string, metric = "lat_fork", unit = "us", params = "{}"): Group["key"] => ({
  source: "run", run_id: "r1", environment, hypervisor, mode: hypervisor === "none" ? "none" : "kvm", guest_os: "g", vcpus: 1, passthrough: false, nested_under: null,
  suite: metric.startsWith("bw") ? "lmbench" : "lmbench", metric, params, unit
});

function sample(n: number, center: number, seed: number): number[] {
  const r = seededRandom(seed);
  return Array.from({length: n}, () => center * (1 + 0.2 * (r() - 0.5)) * (r() < 0.1 ? 1.5 : 1));
}

describe("bootstrap of medians through order statistics", () => {
  it("matches the ordinary resampling bootstrap (stats.ts) for odd and even n", () => {
    for (const [n, m] of [[7, 9], [10, 12], [31, 40]]) {
      const a = sample(n, 200, n);
      const b = sample(m, 100, m + 1);
      const classic = bootstrapRatio(a, b, 20000, 3);
      const ra = bootstrapMedians([...a].sort((x, y) => x - y), n, seededRandom(11), 20000);
      const rb = bootstrapMedians([...b].sort((x, y) => x - y), m, seededRandom(12), 20000);
      const ours = percentileInterval(ra.map((x, i) => x / rb[i]));
      const width = classic.high - classic.low;
      expect(Math.abs(ours.low - classic.low)).toBeLessThan(0.08 * width + 1e-9);
      expect(Math.abs(ours.high - classic.high)).toBeLessThan(0.08 * width + 1e-9);
    }
  });

  it("is seeded per group, and bounded for large groups through a quantile grid", () => {
    const sorted = Array.from({length: GRID + 1}, (_, i) => 100 + i / 100);
    const a = groupReplicates("k", sorted, 500_000, 500);
    expect(Array.from(groupReplicates("k", sorted, 500_000, 500))).toEqual(Array.from(a));
    const {low, high} = percentileInterval(a);
    // median of 500 000 values spread over [100, 110.24]: the interval is narrow around 105.12
    expect(low).toBeGreaterThan(105.0);
    expect(high).toBeLessThan(105.25);
    expect(Array.from(bootstrapMedians([4], 1, seededRandom(1), 3))).toEqual([4, 4, 4]);
  });
});

describe("the report's statistics", () => {
  it("gives ratios to the same run's native with intervals, suite geometric means and flags", () => {
    const groups = [
      groupFromValues(key("native", "none"), sample(15, 100, 1)),
      groupFromValues(key("kvm", "kvm"), sample(15, 200, 2)),
      groupFromValues(key("native", "none", "bw_mem_read", "MB/s"), sample(15, 1000, 3)),
      groupFromValues(key("kvm", "kvm", "bw_mem_read", "MB/s"), sample(15, 500, 4)),
      groupFromValues(key("kvm", "kvm", "lat_pipe"), [], 3)
    ];
    const report = computeReport(groups, 500);
    const fork = report.rows.find((r) => r.environment === "kvm" && r.metric === "lat_fork")!;
    expect(fork.baseline).toBe("native");
    expect(fork.ratio).toBeGreaterThan(1.7);
    expect(fork.ratio_low!).toBeLessThanOrEqual(fork.ratio!);
    expect(fork.ratio_high!).toBeGreaterThanOrEqual(fork.ratio!);
    expect(fork.lower_is_better).toBe(true);
    const failed = report.rows.find((r) => r.metric === "lat_pipe")!;
    expect(failed).toMatchObject({n: 0, failed: 3, median: null, ratio: null});
    const over = report.overhead.find((o) => o.environment === "kvm")!;
    // slowdown 2× on fork (time) and 2× on bandwidth (inverse): geometric mean ≈ 2
    expect(over.groups).toBe(2);
    expect(over.slowdown).toBeGreaterThan(1.7);
    expect(over.slowdown).toBeLessThan(2.3);
    expect(over.low).toBeLessThanOrEqual(over.slowdown);
    expect(JSON.stringify(report)).not.toMatch(/NaN|Infinity/);
  });

  it("compares each environment with the bare machine at its own nesting (native and the nested lab in one run)", async () => {
    const store = await Store.open(":memory:");
    try {
      await store.beginRun({runId: "r", source: "run", plan: {}, vmmbenchVersion: "0"});
      const fp = (environment: string, hypervisor: Fingerprint["hypervisor"], nested: boolean): Fingerprint => ({
        environment, hypervisor, hypervisorVersion: null, mode: hypervisor === "none" ? "none" : hypervisor === "qemu-tcg" ? "tcg" : "kvm",
        guestOs: "g", kernel: "k", cpuModel: "c", vcpus: 1, memoryMb: 512, passthrough: false, host: "h", launch: "l",
        extra: nested ? {nested_under: "qemu-tcg", paging: "shadow"} : {}
      });
      // Listed in an order that would pick lab-native for everyone if the first bare machine won.
      const envs: [string, Fingerprint["hypervisor"], boolean, number][] = [
        ["lab-native", "none", true, 100], ["lab-kvm", "kvm", true, 300], ["native", "none", false, 10], ["qemu", "qemu-tcg", false, 50]
      ];
      for (const [name, hv, nested, value] of envs) {
        await store.recordEnvironment("r", fp(name, hv, nested));
        await store.recordStep({
          runId: "r", stepId: `${name}/fork`, environment: name, status: "done", startedAt: new Date(), durationMs: 1, raw: [],
          samples: [0, 1, 2].map((repetition) => ({suite: "lmbench" as const, metric: "lat_fork", params: {}, unit: "us", value: value * (1 + repetition / 100), repetition})),
          provenance: {tool: "t", toolVersion: null, engine: "builtin"}
        });
      }
      const groups = await loadGroups(store);
      expect(Object.fromEntries(groups.map((g) => [g.key.environment, g.key.nested_under]))).toEqual({"lab-native": "qemu-tcg", "lab-kvm": "qemu-tcg", native: null, qemu: null});
      const rows = computeReport(groups, 200).rows;
      const by = (e: string) => rows.find((r) => r.environment === e)!;
      expect(by("lab-kvm")).toMatchObject({baseline: "lab-native", ratio: 3});
      expect(by("qemu")).toMatchObject({baseline: "native", ratio: 5});
      expect(by("native")).toMatchObject({baseline: "native", ratio: 1});
      expect(by("lab-native")).toMatchObject({baseline: "lab-native", ratio: 1});
    } finally {
      store.close();
    }
  });
});

describe("suite slowdowns and LINPACK peaks", () => {
  const lin = (environment: string, hypervisor: string, n: number, gflops: number, reps = 9) =>
    groupFromValues({...key(environment, hypervisor, "linpack_gflops", "GFLOPS", JSON.stringify({n, threads: 1})), suite: "linpack"}, sample(reps, gflops, n + gflops));

  it("compares LINPACK peaks over the N both environments swept, and says which", () => {
    // native peaks at N=2000 (12 GFLOPS); the emulated guest only ran N ≤ 500.
    const groups = [lin("native", "none", 200, 6), lin("native", "none", 500, 8), lin("native", "none", 2000, 12), lin("tcg", "qemu-tcg", 200, 0.012), lin("tcg", "qemu-tcg", 500, 0.016)];
    const peak = computeReport(groups, 400).peaks.find((p) => p.environment === "tcg")!;
    expect(peak.sweep_n).toEqual([200, 500]);
    expect(peak.baseline_sweep_n).toEqual([200, 500, 2000]);
    expect(peak.compared_n).toEqual([200, 500]);
    // against native's best over N ≤ 500 (about 8), not its N = 2000 best (12)
    expect(1 / peak.ratio!).toBeGreaterThan(400);
    expect(1 / peak.ratio!).toBeLessThan(650);
  });

  it("compares a guest's peak with native's sweep of the same BLAS kernel set, states the efficiency, and flags unlike sets", () => {
    const core = (environment: string, hypervisor: string, coreName: string, n: number, gflops: number) =>
      groupFromValues({...key(environment, hypervisor, "linpack_gflops", "GFLOPS", JSON.stringify({core: coreName, n, threads: 1})), suite: "linpack"}, sample(9, gflops, n + gflops));
    const limit = (environment: string, hypervisor: string, coreName: string, value: number) =>
      groupFromValues({...key(environment, hypervisor, "linpack_peak_theoretical", "GFLOPS", JSON.stringify({core: coreName, threads: 1})), suite: "linpack"}, [value]);
    const end = (environment: string, hypervisor: string, coreName: string, n: number, why: string) => ({
      ...groupFromValues({...key(environment, hypervisor, "linpack_sweep_end", "N", JSON.stringify({core: coreName, threads: 1})), suite: "linpack"}, [n]),
      notes: [why]
    });
    // Native sweeps SkylakeX to 38 GFLOPS and pins Haswell (20 GFLOPS) at the guest's orders.
    const groups = [
      core("native", "none", "SkylakeX", 500, 20), core("native", "none", "SkylakeX", 2000, 36), core("native", "none", "SkylakeX", 4000, 38),
      core("native", "none", "Haswell", 100, 8), core("native", "none", "Haswell", 300, 20),
      limit("native", "none", "SkylakeX", 73.6), limit("native", "none", "Haswell", 36.8),
      end("native", "none", "SkylakeX", 4000, "time budget: N=5000 would take ~4.1 s (> --max-seconds 3)"),
      core("kvm", "kvm", "Haswell", 100, 7.6), core("kvm", "kvm", "Haswell", 300, 19), end("kvm", "kvm", "Haswell", 300, "the plan's list of N"),
      core("tcg", "qemu-tcg", "Nehalem", 100, 0.05), core("tcg", "qemu-tcg", "Nehalem", 300, 0.06)
    ];
    const report = computeReport(groups, 400);
    const peaks = (environment: string) => report.peaks.filter((p) => p.environment === environment);
    expect(peaks("native").map((p) => p.core).sort()).toEqual(["Haswell", "SkylakeX"]);
    const sky = peaks("native").find((p) => p.core === "SkylakeX")!;
    expect(sky.efficiency).toBeCloseTo(sky.peak_gflops / 73.6, 6);
    expect([sky.peak_n, sky.ratio, sky.like_for_like, sky.stop]).toEqual([4000, 1, true, "time budget: N=5000 would take ~4.1 s (> --max-seconds 3)"]);
    const [kvm] = peaks("kvm");
    expect([kvm!.core, kvm!.baseline_core, kvm!.like_for_like, kvm!.compared_n, kvm!.stop]).toEqual(["Haswell", "Haswell", true, [100, 300], "the plan's list of N"]);
    expect(1 / kvm!.ratio!).toBeGreaterThan(0.95);
    expect(1 / kvm!.ratio!).toBeLessThan(1.2); // about 20/19, not 38/19 against native's AVX-512 sweep
    expect(kvm!.efficiency).toBeNull(); // the guest reported no limit of its own
    const [tcg] = peaks("tcg");
    expect([tcg!.like_for_like, tcg!.baseline_core]).toEqual([false, "SkylakeX"]);
    // The overhead of LINPACK takes neither the limit nor the orders as a slowdown.
    const kvmLinpack = report.overhead.find((o) => o.environment === "kvm" && o.suite === "linpack")!;
    expect(kvmLinpack.groups).toBe(2);
  });

  it("takes a study's stated LINPACK peak as its LINPACK slowdown when it has no sweep", () => {
    const stated = (environment: string, hypervisor: string, value: number) =>
      groupFromValues({...key(environment, hypervisor, "linpack_peak_ratio", "ratio", JSON.stringify({baseline: "native", threads: 1})), suite: "linpack"}, [value]);
    const fork = (environment: string, hypervisor: string, v: number) => groupFromValues(key(environment, hypervisor), [v]);
    const report = computeReport([fork("native", "none", 88.73), fork("kvm", "kvm", 2200), stated("kvm", "kvm", 0.8346)], 200);
    const linpack = report.overhead.find((o) => o.environment === "kvm" && o.suite === "linpack")!;
    expect(linpack.slowdown).toBeCloseTo(1 / 0.8346, 5);
    expect([linpack.low, linpack.high, linpack.groups]).toEqual([linpack.slowdown, linpack.slowdown, 1]);
  });

  it("averages LMbench over the paper's metrics only, so the paper's mean and ours cover the same things", () => {
    const g = (source: string, environment: string, hypervisor: string, metric: string, v: number) =>
      groupFromValues({...key(environment, hypervisor, metric), source, run_id: source === "reference" ? "paper" : "r1"}, source === "reference" ? [v] : sample(7, v, v));
    const groups = [
      g("reference", "paper native", "none", "lat_fork", 88), g("reference", "paper kvm", "kvm", "lat_fork", 2200),
      g("reference", "paper native", "none", "lat_pipe", 6), g("reference", "paper kvm", "kvm", "lat_pipe", 59),
      g("run", "native", "none", "lat_fork", 100), g("run", "kvm", "kvm", "lat_fork", 200),
      g("run", "native", "none", "lat_pipe", 10), g("run", "kvm", "kvm", "lat_pipe", 20),
      // ours only: would pull the mean to ~10x if it counted
      g("run", "native", "none", "lat_proc_exit", 10), g("run", "kvm", "kvm", "lat_proc_exit", 10000)
    ];
    const ours = computeReport(groups, 200).overhead.find((o) => o.environment === "kvm")!;
    expect([ours.groups, ours.paper_groups]).toEqual([2, 2]);
    expect(ours.slowdown).toBeGreaterThan(1.8);
    expect(ours.slowdown).toBeLessThan(2.2);
  });
});
