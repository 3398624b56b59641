/**
 * The report's side of meters on real lab captures (test/meters/fixtures/): the same fork loop in
 * a Xen PV and a PVH domU, with dom0's trace of it, and in a KVM guest whose host side went
 * missing. Cells join their metric's cell, PV and PVH are compared with an interval, and the
 * claims' causes cite the counts — or say why there are none.
 */
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {gunzipSync} from "node:zlib";
import {describe, expect, it} from "vitest";
import {readXenTrace, xenSpans} from "../../data-loaders/meters/xentrace.ts";
import {meterSamples} from "../../data-loaders/meters/samples.ts";
import {canonicalParams} from "../../data-loaders/model/params.ts";
import type {Sample} from "../../data-loaders/model/sample.ts";
import {parseProbeOutput} from "../../data-loaders/probes/parse-output.ts";
import {pageData} from "../../data-loaders/report/pages.ts";
import {computeReport, groupFromValues, type Group} from "../../data-loaders/report/summary.ts";
import {median} from "../../data-loaders/stats.ts";
import {ROOT} from "../helpers/shared.ts";

const FIXTURES = join(ROOT, "test", "meters", "fixtures");
const CPU_MHZ = 2300;
const RUN = "20261205T000000Z-test";

function xenStep(name: string, type: "pv" | "pvh"): {stdout: string; samples: Sample[]} {
  const stdout = readFileSync(join(FIXTURES, `${name}.jsonl`), "utf8");
  const trace = readXenTrace(gunzipSync(readFileSync(join(FIXTURES, `${name}.xentrace.gz`))), name);
  const pvSites = parseProbeOutput(stdout).infos.flatMap((info) => {
    const marks = info.xen_marks as Record<string, string> | undefined;
    return marks ? [{step: Number(marks.step), begin: Number(marks.begin), end: Number(marks.end)}] : [];
  });
  const host = xenSpans(trace, [{index: 1, metered: true, pvSites}], CPU_MHZ, type).get(1)!;
  return {stdout, samples: [...parseProbeOutput(stdout).samples, ...meterSamples(stdout, name, host)]};
}

/** Samples of one environment as the report's groups (what GROUPS_SQL makes of the results view). */
function groups(environment: string, hypervisor: string, mode: string, samples: Sample[]): Group[] {
  const bySeries = new Map<string, Sample[]>();
  for (const s of samples) {
    const k = `${s.suite}\0${s.metric}\0${canonicalParams(s.params)}\0${s.unit}`;
    if (!bySeries.has(k)) bySeries.set(k, []);
    bySeries.get(k)!.push(s);
  }
  return [...bySeries.entries()].map(([k, list]) => {
    const [suite, metric, params, unit] = k.split("\0");
    const ok = list.filter((s) => s.status === "ok").map((s) => s.value);
    const key = {source: "run", run_id: RUN, environment, hypervisor, mode, guest_os: "vmmbench busybox guest", vcpus: 1, passthrough: null, nested_under: "qemu-tcg", suite: suite!, metric: metric!, params: params!, unit: unit!};
    return {...groupFromValues(key, ok, list.length - ok.length), notes: [...new Set(list.flatMap((s) => (s.note ? [s.note] : [])))]};
  });
}

const pv = xenStep("xen-pv-lat-fork", "pv");
const pvh = xenStep("xen-pvh-lat-fork", "pvh");
// The KVM guest's probe output with its host side missing, as when the lab stopped before its counters came back.
const kvmStdout = readFileSync(join(FIXTURES, "kvm-shadow-lat-fork.jsonl"), "utf8");
const kvmSamples = [...parseProbeOutput(kvmStdout).samples, ...meterSamples(kvmStdout, "kvm", {side: "kvm", spans: [], missing: "the lab machine stopped before its meters came back"})];
const report = computeReport(
  [...groups("lab-xen-pv", "xen", "pv", pv.samples), ...groups("lab-xen-pvh", "xen", "pvh", pvh.samples), ...groups("lab-kvm-shadow", "kvm", "kvm", kvmSamples)],
  400
);
const cell = (environment: string, meter: string) => report.meters.cells.find((c) => c.environment === environment && c.meter === meter && c.of === "lat_fork" && c.breakdown === null);

describe("meters in the report", () => {
  it("puts each meter beside the metric cell it rode along: its run, environment, metric and params", () => {
    const entries = cell("lab-xen-pv", "xen_entries")!;
    const perFork = pv.samples.filter((s) => s.suite === "meters" && s.metric === "xen_entries" && s.status === "ok").map((s) => s.value);
    expect(entries).toMatchObject({params: "{}", unit: "entries/op", side: "xen", n: perFork.length, why: null});
    expect(entries.median).toBeCloseTo(median(perFork)!, 3);
    const fork = report.rows.find((r) => r.environment === "lab-xen-pv" && r.metric === "lat_fork")!;
    expect(fork.params).toBe(entries.params);
    // Breakdowns keep their key apart from the metric's params.
    const ops = report.meters.cells.filter((c) => c.environment === "lab-xen-pv" && c.meter === "xen_hypercall_ops").map((c) => c.breakdown);
    expect(ops).toContain("hypercall mmu_update");
    expect(report.meters.cells.filter((c) => c.meter === "xen_hypercall_ops").every((c) => c.params === "{}")).toBe(true);
  });

  it("keeps a meter that could not be read as its reason, never a zero", () => {
    expect(cell("lab-kvm-shadow", "kvm_exits")).toMatchObject({n: 0, median: null, why: "the lab machine stopped before its meters came back"});
    expect(cell("lab-kvm-shadow", "guest_minflt")!.median).toBeGreaterThan(0);
    // Meters are counts, not performance: no suite slowdown of their own.
    expect(report.overhead.some((o) => o.suite === "meters")).toBe(false);
  });

  it("compares Xen PV against PVH on the same cell: the time ratio with its interval beside both counts", () => {
    const pair = report.meters.pairs.find((p) => p.metric === "lat_fork")!;
    expect(pair).toMatchObject({first: "lab-xen-pv", second: "lab-xen-pvh", hypervisor: "xen"});
    const time = (env: string) => report.rows.find((r) => r.environment === env && r.metric === "lat_fork")!.median!;
    expect(pair.slowdown).toBeCloseTo(time("lab-xen-pv") / time("lab-xen-pvh"), 4);
    expect(pair.low!).toBeLessThanOrEqual(pair.slowdown!);
    expect(pair.high!).toBeGreaterThanOrEqual(pair.slowdown!);
    const entries = pair.counts.find((c) => c.meter === "xen_entries")!;
    expect(entries.first!).toBeGreaterThan(10 * entries.second!);
    expect(report.meters.pairs.every((p) => p.hypervisor !== "kvm")).toBe(true);
  });

  it("cites the meters of a claim's cause in each guest: PV supports trapped page-table updates, PVH contradicts, KVM says why", () => {
    const causes = report.meters.causes.filter((c) => c.claim === "process-creation-slow");
    const at = (env: string, meter: string, of = "lat_fork") => causes.find((c) => c.environment === env && c.meter === meter && c.of === of)!;
    expect(at("lab-xen-pv", "xen_entries")).toMatchObject({verdict: "supports", min: 10});
    expect(at("lab-xen-pv", "xen_entries").estimate).toBeCloseTo(cell("lab-xen-pv", "xen_entries")!.median!, 3);
    expect(at("lab-xen-pv", "xen_ptwr_emulations").verdict).toBe("supports");
    expect(at("lab-xen-pvh", "xen_entries").verdict).toBe("contradicts");
    // A PV-only counter in a PVH guest: no zero, but why.
    expect(at("lab-xen-pvh", "xen_ptwr_emulations")).toMatchObject({verdict: "not metered", why: expect.stringMatching(/^xen pvh counts no xen_ptwr_emulations \(its xen_entries was read: /)});
    expect(at("lab-kvm-shadow", "kvm_pf_fixed")).toMatchObject({verdict: "not metered", estimate: null, why: "the lab machine stopped before its meters came back"});
    expect(at("lab-xen-pv", "xen_entries", "lat_exec")).toMatchObject({verdict: "not metered", why: expect.stringMatching(/no xen_entries beside lat_exec/)});
    // A guest is judged by its own hypervisor's meters only.
    expect(causes.some((c) => c.environment.startsWith("lab-xen") && c.meter.startsWith("kvm_"))).toBe(false);
  });

  it("hands the pages what they show: counts beside LMbench's cells, the costs page's rows and pairs, causes with the claims", () => {
    const lmbench = pageData(report, "lmbench");
    expect(lmbench.meters!.meter).toContain("xen_entries");
    expect(lmbench.meters!.meter).not.toContain("xen_hypercall_ops");
    expect(pageData(report, "iozone").meters).toBeUndefined();
    const costs = pageData(report, "costs");
    expect(new Set(costs.costs!.rows.metric)).toEqual(new Set(["lat_fork"]));
    expect(costs.costs!.pairs).toHaveLength(report.meters.pairs.length);
    expect(pageData(report, "overview").claims!.causes).toEqual(report.meters.causes);
    expect(pageData(report, "overview").claims!.claims.find((c) => c.id === "process-creation-slow")!.cause!.says).toMatch(/shadow page tables/);
  });
});
