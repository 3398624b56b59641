/**
 * Which Xen meters a Xen build offers, for `vmmbench doctor`: xentrace (trace buffers: what
 * meters/xentrace.ts reads), xenalyze (whole-trace summaries; vmmbench reads the records itself,
 * per span), xenperf (the hypervisor's perf counters, only in builds with
 * CONFIG_PERF_COUNTERS), and `xl vcpu-list` (a domain's vCPU time). On a dom0 they are read here;
 * the lab's Xen says it in a XENMETERS frame of its boot (lab/meters-script.ts), kept beside the
 * lab root.
 */
import {execa} from "execa";
import {parseKeyValues} from "../guest/frames.ts";

/** The shell that writes the key=value lines on a dom0 (the lab's runs it; doctor the same commands here). */
export const XEN_METER_FACTS = [
  'echo "xentrace=$(command -v xentrace || echo missing)"',
  'echo "xenalyze=$(command -v xenalyze || echo missing)"',
  'echo "xenperf=$(xenperf 2>&1 | head -n 2 | tr "\\n" " ")"',
  'echo "vcpu_list=$(xl vcpu-list 2>&1 | head -n 1 | tr -s " ")"'
].join("; ");

/** The facts in words, one line. */
export function describeXenMeters(text: string): string {
  const facts = parseKeyValues(text);
  const have = (key: string) => facts[key] !== undefined && facts[key] !== "missing" && facts[key] !== "";
  const perf = facts.xenperf ?? "";
  const perfWords = !perf || /not found/.test(perf)
    ? "xenperf missing"
    : /error|not implemented|function not|no perf/i.test(perf)
      ? `xenperf: no perf counters in this build (${perf.trim().slice(0, 80)})`
      : "xenperf: perf counters offered (not read yet)";
  return [
    have("xentrace") ? "xentrace yes (hypercalls by type, PV traps and page-table writes, VM exits, vCPU time: read per span)" : "xentrace missing",
    have("xenalyze") ? "xenalyze yes (not needed: vmmbench reads the records per span)" : "xenalyze missing (not needed)",
    perfWords,
    /Name\s+ID\s+VCPU/.test(facts.vcpu_list ?? "") ? "xl vcpu-list yes" : `xl vcpu-list: ${facts.vcpu_list || "missing"}`
  ].join("; ");
}

/** The facts of this host's own Xen (a dom0). */
export async function localXenMeterFacts(): Promise<string> {
  const result = await execa("/bin/sh", ["-c", XEN_METER_FACTS], {reject: false, timeout: 30_000});
  return String(result.stdout ?? "");
}
