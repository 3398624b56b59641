/**
 * Xen's side of the meters, from dom0: xentrace's binary records (Xen 4.17, public/trace.h), read
 * here rather than by xenalyze, whose summaries cover a whole trace while a meter needs the records
 * between two marks of the guest's probe. The file is a sequence of per-CPU windows, each a
 * TRC_TRACE_CPU_CHANGE record (cpu, window bytes) followed by that CPU's records in time order; a
 * record is a header word (event:28, extra words:3, TSC included:1), the TSC, and its extra words.
 *
 * Records are merged across CPUs by TSC. The scheduler's runstate records say which vCPU runs on
 * each CPU, so the records of the domU's vCPUs can be told from dom0's and the idle domain's. The
 * guest's probe marks its meter spans in the trace (probes/common.h): a CPUID exit whose leaf holds
 * the mark and its value (PVH), or a forced-emulation CPUID whose record holds only its address,
 * one call site per kind, which the probe's info line names (PV). Inside each span this counts
 * the domU's entries into Xen — hypercalls by type (multicall entries included), trapped
 * page-table writes Xen emulated, page faults and traps bounced to a PV guest, VM exits by reason
 * and nested page faults of a PVH guest — and the time its vCPUs ran.
 */
import {ParseError} from "../errors.ts";
import type {MeterName} from "../suites/meters/catalog.ts";
import type {HostCount, HostMeters, HostSpan} from "./host.ts";

const CPU_CHANGE = 0x0001f003;
const LOST_RECORDS = 0x0001f001;
const SCHED_MIN = 0x00021000;
const SWITCH_INFNEXT = 0x0002800f;
const PV_HYPERCALL_V2 = 0x0020100d;
const PV_SUBCALL = 0x0020200e;
const HVM_VMEXIT = 0x00081002;
const HVM_VMEXIT64 = 0x00081102;
const HVM_CPUID = 0x0008200e;
const HVM_VMMCALL = 0x00082012;
const HVM_NPF = 0x00082021;
const RUNNING = 0;
const DOMID_IDLE = 0x7fff;
const MARK_PREFIX = 0x56;

/** PV entry events (the 64-bit flag 0x100 cleared) → what they count. */
const PV_EVENTS: Record<number, MeterName | "entry"> = {
  0x00201001: "xen_hypercalls", // the pre-V2 hypercall record
  0x00201003: "xen_pv_traps",
  0x00201004: "xen_pv_page_faults",
  0x00201006: "xen_privop_emulations",
  0x00201008: "entry", // math state restore (#NM)
  0x00201009: "entry", // a fault Xen fixed itself
  0x0020100a: "entry", // GDT/LDT mapping fault
  0x0020100b: "xen_ptwr_emulations",
  0x0020100c: "xen_ptwr_emulations"
};
const PV_FORCED_INVALID_OP = 0x00201005;

/** public/xen.h. */
const HYPERCALLS: Record<number, string> = {
  0: "set_trap_table", 1: "mmu_update", 2: "set_gdt", 3: "stack_switch", 4: "set_callbacks", 5: "fpu_taskswitch", 6: "sched_op_compat",
  7: "platform_op", 8: "set_debugreg", 9: "get_debugreg", 10: "update_descriptor", 12: "memory_op", 13: "multicall", 14: "update_va_mapping",
  15: "set_timer_op", 16: "event_channel_op_compat", 17: "xen_version", 18: "console_io", 19: "physdev_op_compat", 20: "grant_table_op",
  21: "vm_assist", 22: "update_va_mapping_otherdomain", 23: "iret", 24: "vcpu_op", 25: "set_segment_base", 26: "mmuext_op", 27: "xsm_op",
  28: "nmi_op", 29: "sched_op", 30: "callback_op", 31: "xenoprof_op", 32: "event_channel_op", 33: "physdev_op", 34: "hvm_op", 35: "sysctl",
  36: "domctl", 37: "kexec_op", 38: "tmem_op", 39: "argo_op", 40: "xenpmu_op", 41: "dm_op", 42: "hypfs_op"
};

/** AMD SVM exit codes (xen/arch/x86/include/asm/hvm/svm/vmcb.h): the lab's CPU is TCG's AMD with SVM. */
const SVM_EXITS: Record<number, string> = {
  0x41: "exception_db", 0x43: "exception_bp", 0x46: "exception_ud", 0x47: "exception_nm", 0x4d: "exception_gp", 0x4e: "exception_pf",
  0x60: "intr", 0x61: "nmi", 0x62: "smi", 0x63: "init", 0x64: "vintr", 0x65: "cr0_sel_write", 0x6e: "rdtsc", 0x6f: "rdpmc", 0x70: "pushf",
  0x71: "popf", 0x72: "cpuid", 0x73: "rsm", 0x74: "iret", 0x75: "swint", 0x76: "invd", 0x77: "pause", 0x78: "hlt", 0x79: "invlpg",
  0x7a: "invlpga", 0x7b: "ioio", 0x7c: "msr", 0x7d: "task_switch", 0x7e: "ferr_freeze", 0x7f: "shutdown", 0x80: "vmrun", 0x81: "vmmcall",
  0x82: "vmload", 0x83: "vmsave", 0x84: "stgi", 0x85: "clgi", 0x86: "skinit", 0x87: "rdtscp", 0x88: "icebp", 0x89: "wbinvd",
  0x8a: "monitor", 0x8b: "mwait", 0x8c: "mwait_conditional", 0x8d: "xsetbv", 0x8e: "rdpru", 0x400: "npf"
};

export function svmExitName(code: number): string {
  if (SVM_EXITS[code]) return SVM_EXITS[code]!;
  if (code < 0x10) return "cr_read";
  if (code < 0x20) return "cr_write";
  if (code < 0x40) return "dr_access";
  if (code < 0x60) return `exception_${code - 0x40}`;
  if (code >= 0x66 && code <= 0x6d) return "descriptor_table";
  return `exit_0x${code.toString(16)}`;
}

export function hypercallName(op: number): string {
  return HYPERCALLS[op] ?? `hypercall_${op}`;
}

/** One CPU's records in time order, as columns (a PV fork loop leaves millions of them). */
interface CpuRecords {
  cpu: number;
  n: number;
  tsc: Float64Array;
  event: Uint32Array;
  d0: Uint32Array;
  d1: Uint32Array;
}

export interface XenTrace {
  cpus: CpuRecords[];
}

/** Decodes the windows of an xentrace file into per-CPU columns; a truncated record is a ParseError. */
export function readXenTrace(bytes: Uint8Array, file = "<xentrace>"): XenTrace {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Two passes over the windows: count each CPU's records, then fill its columns.
  const walk = (visit: (cpu: number, at: number, event: number, extra: number, cycles: boolean) => void) => {
    let at = 0;
    while (at < bytes.length) {
      const header = at + 12 <= bytes.length ? view.getUint32(at, true) : 0;
      if ((header & 0x0fffffff) !== CPU_CHANGE || ((header >>> 28) & 7) < 2) {
        throw new ParseError(file, 1, `a CPU_CHANGE record (cpu, window bytes) before each window of records, at byte ${at}`);
      }
      const cpu = view.getUint32(at + 4, true);
      const end = at + 4 + 4 * ((header >>> 28) & 7) + view.getUint32(at + 8, true);
      if (end > bytes.length) throw new ParseError(file, 1, `a window of ${end - at} bytes at byte ${at}, the file ends first`);
      at += 4 + 4 * ((header >>> 28) & 7);
      while (at < end) {
        const h = view.getUint32(at, true);
        const extra = (h >>> 28) & 7;
        const cycles = h >>> 31 === 1;
        const size = 4 + (cycles ? 8 : 0) + 4 * extra;
        if (at + size > end) throw new ParseError(file, 1, `a whole record (${size} bytes) at byte ${at}`);
        visit(cpu, at, h & 0x0fffffff, extra, cycles);
        at += size;
      }
    }
  };
  const counts = new Map<number, number>();
  walk((cpu) => counts.set(cpu, (counts.get(cpu) ?? 0) + 1));
  const columns = new Map<number, CpuRecords>();
  for (const [cpu, n] of counts) columns.set(cpu, {cpu, n: 0, tsc: new Float64Array(n), event: new Uint32Array(n), d0: new Uint32Array(n), d1: new Uint32Array(n)});
  walk((cpu, at, event, extra, cycles) => {
    const c = columns.get(cpu)!;
    const i = c.n++;
    let p = at + 4;
    if (cycles) {
      c.tsc[i] = view.getUint32(p, true) + view.getUint32(p + 4, true) * 2 ** 32;
      p += 8;
    } else {
      c.tsc[i] = i > 0 ? c.tsc[i - 1]! : 0;
    }
    c.event[i] = event;
    if (extra > 0) c.d0[i] = view.getUint32(p, true);
    if (extra > 1) c.d1[i] = view.getUint32(p + 4, true);
  });
  return {cpus: [...columns.values()]};
}

/** Visits every record in TSC order across CPUs (each CPU's own order kept). */
function mergeRecords(trace: XenTrace, visit: (c: CpuRecords, i: number) => void): void {
  const next = trace.cpus.map(() => 0);
  for (;;) {
    let best = -1;
    for (let k = 0; k < trace.cpus.length; k++) {
      if (next[k]! >= trace.cpus[k]!.n) continue;
      if (best < 0 || trace.cpus[k]!.tsc[next[k]!]! < trace.cpus[best]!.tsc[next[best]!]!) best = k;
    }
    if (best < 0) return;
    visit(trace.cpus[best]!, next[best]!++);
  }
}

export type MarkKind = "step" | "begin" | "end";

/** The PV mark sites of one probe process: its info line's `xen_marks`. */
export interface PvMarkSites {
  step: number;
  begin: number;
  end: number;
}

/** A metered step as the trace needs it: its batch index and what its probes' info lines said. */
export interface TracedStep {
  index: number;
  /** Its info lines say meters were on (a step that ran no metered probe leaves no step mark). */
  metered: boolean;
  pvSites: PvMarkSites[];
}

interface OpenSpan {
  seq: number | null;
  startTsc: number;
  runAtStart: number;
  counts: Map<string, HostCount>;
  lostAtStart: number;
  /** PV entries into Xen (PVH: its VM exits). */
  entries: number;
  lastExitCpuid: boolean;
}

const MARK_SITE_BYTES = 64;

/**
 * The host side of every metered step: spans between the domU's begin and end marks, grouped by
 * its step marks. `cpuMhz` turns TSC ticks into time (`xl info`'s cpu_mhz).
 */
export function xenSpans(trace: XenTrace, steps: readonly TracedStep[], cpuMhz: number, mode: "pv" | "pvh"): Map<number, HostMeters> {
  const sites = steps.flatMap((step) => step.pvSites).flatMap((s): Array<{kind: MarkKind; at: number}> => [
    {kind: "step", at: s.step},
    {kind: "begin", at: s.begin},
    {kind: "end", at: s.end}
  ]);
  // A mark's record holds the address after its CPUID: inside the nearest mark function below it.
  const pvMark = (rip: number): MarkKind | undefined => {
    let best: {kind: MarkKind; at: number} | undefined;
    for (const site of sites) if (site.at <= rip && (!best || site.at > best.at)) best = site;
    return best && rip - best.at < MARK_SITE_BYTES ? best.kind : undefined;
  };
  const current = new Map<number, number>();
  const runningSince = new Map<number, number>();
  let ranClosed = 0;
  const ran = (tsc: number) => ranClosed + [...runningSince.values()].reduce((sum, since) => sum + (tsc - since), 0);
  const isDomU = (domVcpu: number | undefined) => domVcpu !== undefined && domVcpu >>> 16 !== 0 && domVcpu >>> 16 !== DOMID_IDLE;
  const stepMarks: Array<{value: number | null; spans: HostSpan[]}> = [];
  let open: OpenSpan | undefined;
  let lost = 0;

  const count = (meter: MeterName, params?: Record<string, string>, by = 1) => {
    if (!open) return;
    const key = params ? `${meter}\0${JSON.stringify(params)}` : meter;
    const entry = open.counts.get(key) ?? {meter, value: 0, ...(params ? {params} : {})};
    entry.value += by;
    open.counts.set(key, entry);
  };
  const mark = (kind: MarkKind, value: number | null, tsc: number) => {
    if (kind === "step") {
      open = undefined;
      stepMarks.push({value, spans: []});
    } else if (kind === "begin") {
      open = {seq: value, startTsc: tsc, runAtStart: ran(tsc), counts: new Map(), lostAtStart: lost, entries: 0, lastExitCpuid: false};
    } else if (open && stepMarks.length > 0) {
      if (open.lastExitCpuid) {
        // The end mark's own CPUID exit ran inside the span: not the probe's.
        count("xen_vmexits", undefined, -1);
        count("xen_vmexit_reasons", {reason: "cpuid"}, -1);
      }
      const counts = [...open.counts.values()].filter((c) => c.value !== 0);
      const entries = mode === "pv" ? open.entries : counts.find((c) => c.meter === "xen_vmexits")?.value ?? 0;
      const span: HostSpan = {
        seq: value ?? open.seq,
        counts: [
          ...counts,
          {meter: "xen_entries", value: entries},
          {meter: "xen_vcpu_time", value: (ran(tsc) - open.runAtStart) / cpuMhz}
        ]
      };
      for (const meter of ZERO_UNLESS_SEEN[mode]) if (!span.counts.some((c) => c.meter === meter)) span.counts.push({meter, value: 0});
      if (lost > open.lostAtStart) span.unreadable = Object.fromEntries([...ZERO_UNLESS_SEEN[mode], "xen_entries", "xen_vcpu_time", "xen_hypercall_ops", "xen_vmexit_reasons"].map((m) => [m, `xentrace lost ${lost - open!.lostAtStart} record(s) during this span`]));
      stepMarks.at(-1)!.spans.push(span);
      open = undefined;
    }
  };

  mergeRecords(trace, (c, i) => {
    const event = c.event[i]!;
    const d0 = c.d0[i]!;
    const d1 = c.d1[i]!;
    const cpu = c.cpu;
    const tsc = c.tsc[i]!;
    if (event === LOST_RECORDS) {
      lost += d0 || 1;
      return;
    }
    if ((event & 0xfffff000) === SCHED_MIN && (event & 0xf) === 1) {
      const from = (event >>> 8) & 0xf;
      const to = (event >>> 4) & 0xf;
      if (from === RUNNING && current.get(cpu) === d0) stopRunning(cpu, tsc);
      if (to === RUNNING) startRunning(cpu, d0, tsc);
      return;
    }
    if (event === SWITCH_INFNEXT) {
      const next = (((d0 & 0xffff) << 16) | (d1 & 0xffff)) >>> 0;
      if (current.get(cpu) !== next) startRunning(cpu, next, tsc);
      return;
    }
    if (!isDomU(current.get(cpu))) return;
    const plain = event & ~0x100;
    if (event === HVM_CPUID && d0 >>> 24 === MARK_PREFIX) {
      const kind = (["", "step", "begin", "end"] as const)[(d0 >>> 20) & 0xf];
      if (kind) mark(kind, d0 & 0xfffff, tsc);
      return;
    }
    if (plain === PV_FORCED_INVALID_OP) {
      const kind = pvMark(event & 0x100 ? d0 + d1 * 2 ** 32 : d0);
      if (kind) {
        mark(kind, null, tsc);
        return;
      }
      count("xen_privop_emulations");
      if (open) open.entries++;
      return;
    }
    if (!open) return;
    if (event === PV_HYPERCALL_V2) {
      count("xen_hypercalls");
      count("xen_hypercall_ops", {hypercall: hypercallName(d0 & 0xfffff)});
      open.entries++;
    } else if (event === PV_SUBCALL) {
      count("xen_hypercall_ops", {hypercall: hypercallName(d0 & 0xfffff)});
    } else if (PV_EVENTS[plain]) {
      const meter = PV_EVENTS[plain]!;
      if (meter !== "entry") count(meter);
      open.entries++;
    } else if (event === HVM_VMEXIT || event === HVM_VMEXIT64) {
      count("xen_vmexits");
      count("xen_vmexit_reasons", {reason: svmExitName(d0)});
      open.lastExitCpuid = d0 === 0x72;
      return;
    } else if (event === HVM_NPF) {
      count("xen_npf");
    } else if (event === HVM_VMMCALL) {
      count("xen_hypercalls");
      count("xen_hypercall_ops", {hypercall: hypercallName(d0)});
    }
    open.lastExitCpuid = false;
  });

  function startRunning(cpu: number, domVcpu: number, tsc: number) {
    stopRunning(cpu, tsc);
    current.set(cpu, domVcpu);
    if (isDomU(domVcpu)) runningSince.set(cpu, tsc);
  }
  function stopRunning(cpu: number, tsc: number) {
    const since = runningSince.get(cpu);
    if (since !== undefined) ranClosed += tsc - since;
    runningSince.delete(cpu);
    current.delete(cpu);
  }

  return groupBySteps(stepMarks, steps, mode);
}

/** Meters a span reports as 0 when it saw none of their records (the trace was read, nothing happened). */
const ZERO_UNLESS_SEEN: Record<"pv" | "pvh", MeterName[]> = {
  pv: ["xen_hypercalls", "xen_ptwr_emulations", "xen_pv_page_faults", "xen_pv_traps", "xen_privop_emulations"],
  pvh: ["xen_hypercalls", "xen_vmexits", "xen_npf"]
};

/** Step marks → steps: a PVH mark names its step's batch index; PV marks go to the metered steps in order. */
function groupBySteps(marks: Array<{value: number | null; spans: HostSpan[]}>, steps: readonly TracedStep[], mode: "pv" | "pvh"): Map<number, HostMeters> {
  const out = new Map<number, HostMeters>();
  const metered = steps.filter((step) => step.metered);
  const byValue = marks.every((m) => m.value !== null);
  if (!byValue && marks.length !== metered.length) {
    const why = `the trace holds ${marks.length} step mark(s) for ${metered.length} metered step(s); its spans cannot be told apart`;
    for (const step of metered) out.set(step.index, {side: "xen", spans: [], missing: why});
    return out;
  }
  metered.forEach((step, i) => {
    const group = byValue ? marks.find((m) => m.value === step.index) : marks[i];
    out.set(step.index, group ? {side: "xen", spans: group.spans} : {side: "xen", spans: [], missing: `no ${mode.toUpperCase()} step mark for step ${step.index} in the trace`});
  });
  return out;
}
