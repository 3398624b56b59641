import {describe, expect, it} from "vitest";
import {bootstrapRatio, seededRandom} from "../../data-loaders/stats.ts";
import {bootstrapMedians, groupReplicates, percentileInterval, GRID} from "../../data-loaders/report/bootstrap.ts";
import {computeReport, groupFromValues, type Group} from "../../data-loaders/report/summary.ts";

const key = (environment: string, hypervisor: string, metric = "lat_fork", unit = "us", params = "{}"): Group["key"] => ({
  source: "run", run_id: "r1", environment, hypervisor, mode: hypervisor === "none" ? "none" : "kvm", guest_os: "g", vcpus: 1, passthrough: false,
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
});
