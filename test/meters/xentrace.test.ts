/**
 * xentrace records read without xenalyze, on excerpts of real traces the lab's dom0 took while a
 * PV and a PVH domU ran the same fork loop (test/meters/fixtures/README.md).
 */
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {gunzipSync} from "node:zlib";
import {describe, expect, it} from "vitest";
import {ParseError} from "../../data-loaders/errors.ts";
import {readXenTrace, svmExitName, xenSpans, type TracedStep} from "../../data-loaders/meters/xentrace.ts";
import {parseProbeOutput} from "../../data-loaders/probes/parse-output.ts";
import {ROOT} from "../helpers/shared.ts";

const FIXTURES = join(ROOT, "test", "meters", "fixtures");
/** `xl info`'s cpu_mhz in the boot that took them. */
const CPU_MHZ = 2300;

function load(name: string): {trace: ReturnType<typeof readXenTrace>; stdout: string; step: TracedStep} {
  const trace = readXenTrace(gunzipSync(readFileSync(join(FIXTURES, `${name}.xentrace.gz`))), name);
  const stdout = readFileSync(join(FIXTURES, `${name}.jsonl`), "utf8");
  const pvSites = parseProbeOutput(stdout).infos.flatMap((info) => {
    const marks = info.xen_marks as Record<string, string> | undefined;
    return marks ? [{step: Number(marks.step), begin: Number(marks.begin), end: Number(marks.end)}] : [];
  });
  return {trace, stdout, step: {index: 1, metered: true, pvSites}};
}

const total = (meters: ReturnType<typeof xenSpans>, meter: string) =>
  meters.get(1)!.spans.map((span) => span.counts.filter((c) => c.meter === meter).reduce((sum, c) => sum + c.value, 0));

describe("xentrace", () => {
  it("finds a PV domU's spans by the addresses of its marks and counts its entries into Xen", () => {
    const {trace, stdout, step} = load("xen-pv-lat-fork");
    const spans = xenSpans(trace, [step], CPU_MHZ, "pv");
    const lines = parseProbeOutput(stdout).meters;
    expect(spans.get(1)!.missing).toBeUndefined();
    expect(spans.get(1)!.spans).toHaveLength(lines.length);
    // PV marks carry no number: spans pair with the probe's lines by order.
    expect(spans.get(1)!.spans.every((span) => span.seq === null)).toBe(true);
    const perFork = total(spans, "xen_entries").map((n, i) => n / lines[i]!.ops);
    expect(Math.min(...perFork)).toBeGreaterThan(100);
    const ops = spans.get(1)!.spans[0]!.counts.filter((c) => c.meter === "xen_hypercall_ops").map((c) => c.params!.hypercall);
    expect(ops).toEqual(expect.arrayContaining(["mmu_update", "mmuext_op", "update_va_mapping"]));
    expect(Math.min(...total(spans, "xen_ptwr_emulations"))).toBeGreaterThan(0);
    expect(Math.min(...total(spans, "xen_vcpu_time"))).toBeGreaterThan(0);
    expect(total(spans, "xen_vmexits").every((n) => n === 0)).toBe(true);
  });

  it("finds a PVH domU's spans by the CPUID leaves of its marks, which carry the step and the span", () => {
    const {trace, stdout, step} = load("xen-pvh-lat-fork");
    const spans = xenSpans(trace, [step], CPU_MHZ, "pvh");
    const lines = parseProbeOutput(stdout).meters;
    expect(spans.get(1)!.spans.map((span) => span.seq)).toEqual(lines.map((line) => line.seq));
    // Hardware-assisted paging: a fork hardly leaves the guest.
    const perFork = total(spans, "xen_entries").map((n, i) => n / lines[i]!.ops);
    expect(Math.max(...perFork)).toBeLessThan(20);
    const reasons = spans.get(1)!.spans.flatMap((span) => span.counts.filter((c) => c.meter === "xen_vmexit_reasons").map((c) => c.params!.reason));
    expect(reasons.length).toBeGreaterThan(0);
    // The end mark's own CPUID exit is not the probe's.
    expect(reasons).not.toContain("cpuid");
  });

  it("says why when step marks and metered steps do not pair up", () => {
    const {trace, step} = load("xen-pv-lat-fork");
    const spans = xenSpans(trace, [step, {...step, index: 2}], CPU_MHZ, "pv");
    expect(spans.get(1)!.missing).toMatch(/1 step mark\(s\) for 2 metered step\(s\)/);
    expect(spans.get(2)!.spans).toEqual([]);
  });

  it("refuses a truncated trace with where it ends", () => {
    const bytes = gunzipSync(readFileSync(join(FIXTURES, "xen-pv-lat-fork.xentrace.gz")));
    expect(() => readXenTrace(bytes.subarray(0, bytes.length - 6), "cut")).toThrow(ParseError);
    expect(() => readXenTrace(bytes.subarray(0, 100), "cut")).toThrow(/cut:1: expected a window of \d+ bytes at byte 0/);
    expect(() => readXenTrace(Buffer.from("not a trace at all"), "junk")).toThrow(/junk:1: expected a CPU_CHANGE record/);
  });

  it("names SVM exits as Xen's vmcb.h does", () => {
    expect([0x400, 0x72, 0x78, 0x7b, 0x4e, 0x13, 0x81].map(svmExitName)).toEqual(["npf", "cpuid", "hlt", "ioio", "exception_pf", "cr_write", "vmmcall"]);
  });
});
