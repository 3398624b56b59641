import {describe, expect, it} from "vitest";
import {ensurePaperData, PAPER_RUN_ID} from "../../data-loaders/paper/che2008.ts";
import {CLAIMS, combine, judge, type ClaimRow} from "../../data-loaders/report/claims.ts";
import {computeReport, groupFromValues, loadGroups, type EnvironmentKey, type Group} from "../../data-loaders/report/summary.ts";
import {seededRandom} from "../../data-loaders/stats.ts";
import {Store} from "../../data-loaders/store/store.ts";

const ITERATIONS = 400;

function env(environment: string, hypervisor: string, more: Partial<EnvironmentKey> = {}): EnvironmentKey {
  const mode = hypervisor === "none" ? "none" : hypervisor === "xen" ? "pv" : "kvm";
  return {source: "run", run_id: "r1", environment, hypervisor, mode, guest_os: "g", vcpus: 1, passthrough: false, nested_under: null, ...more};
}

let seed = 1;
/** n values spread uniformly ±spread/2 around center. */
function group(e: EnvironmentKey, metric: string, center: number, {unit = "us", params = "{}", n = 15, spread = 0.04} = {}): Group {
  const r = seededRandom(seed++);
  const values = Array.from({length: n}, () => center * (1 + spread * (r() - 0.5)));
  return groupFromValues({...e, suite: metric.startsWith("file") ? "iozone" : metric.startsWith("linpack") ? "linpack" : "lmbench", metric, params, unit}, values);
}

const claimsOf = (groups: Group[]) => computeReport(groups, ITERATIONS).claims;
const only = (rows: ClaimRow[], claim: string, run = "r1") => rows.filter((r) => r.claim === claim && r.run_id === run);
const names = (r: ClaimRow) => r.environments.map((e) => e.environment);

describe("the claims table", () => {
  it("has unique ids, the paper's words, and thresholds its statement gives in words", () => {
    expect(new Set(CLAIMS.map((c) => c.id)).size).toBe(CLAIMS.length);
    for (const c of CLAIMS) {
      expect(c.quote.length).toBeGreaterThan(10);
      expect(c.parts.length).toBeGreaterThan(0);
      for (const p of c.parts) {
        expect(p.min !== null || p.max !== null).toBe(true);
        for (const bound of [p.min, p.max]) {
          if (bound === null) continue;
          // LINPACK bands are fractions of native, stated as percentages.
          const words = c.measure === "peak" ? `${Math.round(bound * 100)}%` : String(bound);
          expect(c.statement, `${c.id}: ${p.label} bound ${bound}`).toContain(words.replace(/%$/, ""));
        }
      }
    }
  });

  it("judges an interval against a band, and a claim from its parts", () => {
    expect(judge(3.2, 3.6, 3, null)).toBe("holds");
    expect(judge(2.1, 2.5, 3, null)).toBe("does not hold");
    expect(judge(2.8, 3.3, 3, null)).toBe("can't tell");
    expect(judge(0.9, 1.1, 1, null)).toBe("can't tell");
    expect(judge(0.7, 0.8, null, 1)).toBe("holds");
    expect(combine(["holds", "holds"])).toBe("holds");
    expect(combine(["holds", "can't tell"])).toBe("can't tell");
    expect(combine(["holds", "not measured"])).toBe("can't tell");
    expect(combine(["can't tell", "does not hold"])).toBe("does not hold");
    expect(combine(["not measured", "not measured"])).toBe("not measured");
  });
});

describe("claims on synthetic studies whose truth is known", () => {
  const native = env("native", "none");
  const xen = env("xen", "xen");
  const kvm = env("kvm", "kvm");

  it("holds where every interval is inside its band, and uses the report's own intervals", () => {
    const groups = [
      ...["lat_fork", "lat_exec", "lat_sh", "lat_pipe"].map((m) => group(native, m, 100)),
      ...["lat_fork", "lat_exec", "lat_sh", "lat_pipe"].map((m) => group(xen, m, 1000)),
      ...["lat_fork", "lat_exec", "lat_sh", "lat_pipe"].map((m) => group(kvm, m, 1500))
    ];
    const report = computeReport(groups, ITERATIONS);
    const slow = only(report.claims, "process-creation-slow");
    expect(slow.map(names)).toEqual([["xen"], ["kvm"]]);
    expect(slow.map((r) => r.verdict)).toEqual(["holds", "holds"]);
    expect(slow[0].baseline).toBe("native");
    const fork = slow[0].evidence.find((e) => e.label === "fork")!;
    const row = report.rows.find((r) => r.environment === "xen" && r.metric === "lat_fork")!;
    expect([fork.estimate, fork.low, fork.high]).toEqual([row.ratio, row.ratio_low, row.ratio_high]);
    expect(fork.n).toBe(15);
    const pair = only(report.claims, "process-creation-kvm-slower");
    expect(pair.map(names)).toEqual([["kvm", "xen"]]);
    expect(pair[0].verdict).toBe("holds");
    expect(pair[0].evidence.every((e) => e.estimate! > 1.4 && e.estimate! < 1.6)).toBe(true);
  });

  it("does not hold where an interval lies outside its band", () => {
    const groups = [
      ...["lat_syscall", "lat_stat", "lat_fstat", "lat_open_close"].map((m) => group(native, m, 1)),
      ...["lat_syscall", "lat_stat", "lat_fstat", "lat_open_close"].map((m) => group(xen, m, m === "lat_syscall" ? 3 : 1.02)),
      ...["lat_syscall", "lat_stat", "lat_fstat", "lat_open_close"].map((m) => group(kvm, m, 1.05)),
      group(native, "bw_mem_write", 10_000, {unit: "MB/s", params: '{"size_mb":16}', spread: 0.004}),
      group(kvm, "bw_mem_write", 9_800, {unit: "MB/s", params: '{"size_mb":16}', spread: 0.004})
    ];
    const rows = claimsOf(groups);
    const sysops = only(rows, "sysops-near-native");
    expect(sysops.map((r) => [names(r)[0], r.verdict])).toEqual([["xen", "does not hold"], ["kvm", "holds"]]);
    expect(sysops[0].evidence.map((e) => e.verdict)).toEqual(["does not hold", "holds", "holds", "holds"]);
    // bandwidth: the slowdown is the inverse ratio, ≈ 1.02, far below the 1.25 the claim asks
    const write = only(rows, "mem-write-kvm-lower");
    expect(write[0].verdict).toBe("does not hold");
    expect(write[0].evidence[0].estimate).toBeCloseTo(10_000 / 9_800, 2);
  });

  it("can't tell when an interval straddles a bound", () => {
    const groups = [
      ...["lat_fork", "lat_exec", "lat_sh", "lat_pipe"].map((m) => group(xen, m, 1000)),
      // fork alike in both guests, and noisy: the KVM/Xen interval contains 1
      ...["lat_fork", "lat_exec", "lat_sh", "lat_pipe"].map((m) => (m === "lat_fork" ? group(kvm, m, 1000, {n: 5, spread: 0.6}) : group(kvm, m, 2000)))
    ];
    const [pair] = only(claimsOf(groups), "process-creation-kvm-slower");
    const fork = pair.evidence.find((e) => e.label === "fork")!;
    expect(fork.low!).toBeLessThan(1);
    expect(fork.high!).toBeGreaterThan(1);
    expect(fork.verdict).toBe("can't tell");
    expect(pair.verdict).toBe("can't tell");
  });

  it("reads a ratio's direction per part: KVM faster at 16 KB with more than two processes", () => {
    const cells = [[2, 0], [2, 16], [2, 64], [8, 16], [8, 64], [16, 16], [16, 64]];
    const ctx = (e: EnvironmentKey, f: (procs: number, kb: number) => number) => cells.map(([p, k]) => group(e, "lat_ctx", f(p, k), {params: JSON.stringify({procs: p, size_kb: k})}));
    const paperShape = claimsOf([...ctx(xen, () => 5), ...ctx(kvm, (p, k) => (k === 16 && p > 2 ? 3.6 : 7))]);
    expect(only(paperShape, "ctx-xen-faster")[0].verdict).toBe("holds");
    const kvmAlwaysSlower = claimsOf([...ctx(xen, () => 5), ...ctx(kvm, () => 7)]);
    const [row] = only(kvmAlwaysSlower, "ctx-xen-faster");
    expect(row.verdict).toBe("does not hold");
    expect(row.evidence.filter((e) => e.verdict === "does not hold").map((e) => e.label)).toEqual(["8p16k", "16p16k"]);
  });

  it("takes LINPACK's peak over the N sweep, against the same run's native peak", () => {
    const sweep = (e: EnvironmentKey, gflops: number[]) => gflops.map((g, i) => group(e, "linpack_gflops", g, {unit: "GFLOPS", params: JSON.stringify({n: 1000 * (i + 1), threads: 1}), spread: 0.004}));
    const report = computeReport([...sweep(native, [8, 10, 9]), ...sweep(xen, [7.9, 9.7, 9.6]), ...sweep(kvm, [7, 8.3, 8.2])], ITERATIONS);
    const [xenRow] = only(report.claims, "linpack-xen");
    const [kvmRow] = only(report.claims, "linpack-kvm");
    expect(xenRow.evidence[0].estimate).toBeCloseTo(0.97, 2);
    expect(xenRow.verdict).toBe("holds");
    expect(kvmRow.evidence[0].estimate).toBeCloseTo(0.83, 2);
    expect(kvmRow.verdict).toBe("holds");
    const peak = report.peaks.find((p) => p.environment === "kvm")!;
    expect([kvmRow.evidence[0].low, kvmRow.evidence[0].high]).toEqual([peak.ratio_low, peak.ratio_high]);
  });

  it("takes LINPACK's peak only between like BLAS kernel sets", () => {
    const sweep = (e: EnvironmentKey, core: string, gflops: number[]) => gflops.map((g, i) => group(e, "linpack_gflops", g, {unit: "GFLOPS", params: JSON.stringify({core, n: 100 * (i + 1), threads: 1}), spread: 0.004}));
    // Native ran AVX-512 kernels and pinned Haswell's; KVM ran Haswell's, Xen Nehalem's (native never did).
    const report = computeReport([...sweep(native, "SkylakeX", [20, 30, 38]), ...sweep(native, "Haswell", [10, 15, 20]), ...sweep(kvm, "Haswell", [8.4, 12.5, 16.6]), ...sweep(xen, "Nehalem", [5, 7, 9])], ITERATIONS);
    const [kvmRow] = only(report.claims, "linpack-kvm");
    expect(kvmRow.evidence[0].estimate).toBeCloseTo(0.83, 2); // 16.6 / 20, not 16.6 / 38
    expect(kvmRow.verdict).toBe("holds");
    const [xenRow] = only(report.claims, "linpack-xen");
    expect(xenRow.verdict).toBe("not measured");
    expect(xenRow.note).toMatch(/BLAS kernel set \(Nehalem; native: SkylakeX\)/);
  });

  it("compares one vCPU with two of the same hypervisor, and pass-through guests only where there are any", () => {
    const params = '{"direct":false,"file_kb":16384,"fsync":true,"record_kb":64}';
    const one = env("kvm-1", "kvm", {vcpus: 1});
    const two = env("kvm-2", "kvm", {vcpus: 2});
    const xenVtd = env("xen-vtd", "xen", {passthrough: true});
    const io = (e: EnvironmentKey, read: number, write: number) => [
      group(e, "file_read", read, {unit: "MB/s", params}),
      group(e, "file_write", write, {unit: "MB/s", params})
    ];
    const rows = claimsOf([...io(native, 100, 80), ...io(one, 16, 12), ...io(two, 12, 9), ...io(xenVtd, 130, 70)]);
    const vcpus = only(rows, "iozone-one-vcpu-faster");
    expect(vcpus.map(names)).toEqual([["kvm-2", "kvm-1"]]);
    expect(vcpus[0].verdict).toBe("holds");
    const [vtd] = only(rows, "iozone-xen-vtd-faster");
    expect(names(vtd)).toEqual(["xen-vtd"]);
    expect(vtd.verdict).toBe("holds");
    // KVM reads 6.25× and 8.3× slower than native: the first inside 5–8×, the second outside
    const emulated = only(rows, "iozone-emulated-slow");
    expect(emulated.map((r) => [names(r)[0], r.verdict])).toEqual([["kvm-1", "holds"], ["kvm-2", "does not hold"]]);
  });

  it("says not measured when a study lacks the environments or the series", () => {
    const groups = [group(native, "lat_fork", 100), group(xen, "lat_fork", 1000), group(xen, "lat_exec", 4000), group(native, "lat_exec", 300)];
    const rows = claimsOf(groups);
    // no KVM guest at all: no pair, no KVM subject
    for (const id of ["process-creation-kvm-slower", "ctx-xen-faster", "linpack-kvm", "mem-write-kvm-lower", "iozone-xen-vtd-faster", "iozone-one-vcpu-faster"]) {
      const list = only(rows, id);
      expect(list, id).toHaveLength(1);
      expect(list[0]).toMatchObject({verdict: "not measured", environments: []});
      expect(list[0].note).toMatch(/^no .* in this study$/);
    }
    // a Xen guest without memory samples: that claim's part is not measured
    expect(only(rows, "mem-read-native")[0]).toMatchObject({verdict: "not measured", environments: [expect.objectContaining({environment: "xen"})]});
    // two of four parts measured and holding: not enough to say the claim holds
    const [slow] = only(rows, "process-creation-slow");
    expect(slow.evidence.map((e) => e.verdict)).toEqual(["holds", "holds", "not measured", "not measured"]);
    expect(slow.verdict).toBe("can't tell");
    // a guest in a run without a bare machine
    const orphan = only(claimsOf([group(env("xen", "xen", {run_id: "r2"}), "lat_fork", 1000)]), "process-creation-slow", "r2");
    expect(orphan[0]).toMatchObject({verdict: "not measured", baseline: null, note: "no native environment at this nesting in this study"});
  });

  it("compares nested guests with the lab's bare machine, not the real host", () => {
    const labNative = env("lab-native", "none", {nested_under: "qemu-tcg"});
    const labKvm = env("lab-kvm", "kvm", {nested_under: "qemu-tcg"});
    const labXen = env("lab-xen", "xen", {nested_under: "qemu-tcg"});
    const realKvm = env("kvm", "kvm");
    const m = ["lat_fork", "lat_exec", "lat_sh", "lat_pipe"];
    const rows = claimsOf([
      ...m.map((x) => group(native, x, 10)),
      ...m.map((x) => group(labNative, x, 100)),
      ...m.map((x) => group(labKvm, x, 150)),
      ...m.map((x) => group(labXen, x, 120)),
      ...m.map((x) => group(realKvm, x, 20))
    ]);
    const slow = only(rows, "process-creation-slow");
    expect(slow.map((r) => [names(r)[0], r.baseline, r.verdict])).toEqual([
      ["lab-xen", "lab-native", "does not hold"],
      ["kvm", "native", "does not hold"],
      ["lab-kvm", "lab-native", "does not hold"]
    ]);
    expect(slow.find((r) => names(r)[0] === "lab-kvm")!.evidence[0].estimate).toBeCloseTo(1.5, 1);
    // a real-host KVM guest is never paired with a nested Xen guest
    expect(only(rows, "process-creation-kvm-slower").map(names)).toEqual([["lab-kvm", "lab-xen"]]);
  });
});

describe("claims on the paper's own numbers", () => {
  it("hold wherever the paper's tables carry the data, and are not measured elsewhere", async () => {
    const store = await Store.open(":memory:");
    let groups: Group[];
    try {
      await ensurePaperData(store);
      groups = await loadGroups(store);
    } finally {
      store.close();
    }
    const rows = computeReport(groups, ITERATIONS).claims.filter((r) => r.run_id === PAPER_RUN_ID);
    expect(new Set(rows.map((r) => r.claim))).toEqual(new Set(CLAIMS.map((c) => c.id)));
    const verdicts = (id: string) => rows.filter((r) => r.claim === id).map((r) => r.verdict);
    // Table 1, Table 2 and the LINPACK ratios the text states
    for (const id of ["sysops-near-native", "process-creation-slow", "process-creation-kvm-slower", "ctx-xen-faster", "linpack-kvm", "linpack-xen"]) {
      expect(verdicts(id).length, id).toBeGreaterThan(0);
      expect(verdicts(id), id).toEqual(verdicts(id).map(() => "holds"));
    }
    expect(verdicts("sysops-near-native")).toHaveLength(2);
    expect(rows.find((r) => r.claim === "ctx-xen-faster")!.evidence).toHaveLength(7);
    // Figures 2–4 are charts without numbers.
    for (const id of ["mem-read-native", "mem-write-kvm-lower", "iozone-xen-vtd-faster", "iozone-emulated-slow", "iozone-one-vcpu-faster"]) {
      expect(verdicts(id), id).toEqual(verdicts(id).map(() => "not measured"));
    }
    // every paper interval is a point: one number per cell
    for (const r of rows) for (const e of r.evidence) expect(e.low).toBe(e.high);
  });
});
