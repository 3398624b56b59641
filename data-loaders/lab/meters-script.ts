/**
 * The lab's side of the meters (docs/meters.md), as shell that lab/script.ts places around an inner
 * environment whose meters are on:
 *   kvm     a responder on the inner QEMU's third serial port (the guest's /dev/ttyS2, FIFOs here)
 *           that snapshots KVM's debugfs counters whenever the guest's probe marks a span
 *           (meters/kvm-debugfs.ts reads them), answering each mark with one line
 *   xen-*   xentrace for the domain's life: hypercalls, PV traps and page-table emulations, VM
 *           exits, runstates, and the CPUID marks of the guest's probe (meters/xentrace.ts)
 * What they collect reaches the host after the environment, as one frame:
 *   KVMSTAT <k> <len>    the snapshots
 *   XENTRACE <k> <len>   the trace's file name on the lab's scratch disk: tens of MB, which the
 *                        lab's serial port under a PV dom0 (each byte an emulated port write,
 *                        ~8 KB/s) cannot carry; the host reads it from the disk image after the boot
 *   METERNOTE <k> <len>  why the lab could not read its side
 */

import {METERS, type MeterName} from "../suites/meters/catalog.ts";
import {XEN_METER_FACTS} from "../meters/xen-offer.ts";

/** KVM's debugfs files the meters read. */
const KVM_COUNTER_FILES = (Object.keys(METERS) as MeterName[]).filter((name) => METERS[name].side === "kvm").map((name) => METERS[name].source);

/** Frames of the lab's meters (lab/session.ts keeps them per environment), and XENMETERS: what its Xen offers. */
export const METER_FRAMES = new Set(["KVMSTAT", "XENTRACE", "METERNOTE", "XENMETERS"]);

/** Xen trace classes: scheduler (who runs where), HVM exits and handlers, PV entries. */
export const XENTRACE_MASK = "0x002af000";
/** Trace buffer pages per CPU: one poll (100 ms) of a PV fork loop under TCG fits. */
const XENTRACE_PAGES = 512;

/** The FIFO pair (`<path>.in`, `<path>.out`) behind the inner QEMU's `-serial pipe:<path>`. */
export function kvmMeterPipe(index: number): string {
  return `/tmp/env${index}.meter`;
}

/** Shell functions the lab script defines once. */
export function meterFunctions(): string {
  return [
    "# meters (lab/meters-script.ts): debugfs for KVM's counters",
    "mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null",
    "kvm_meter_serve() {",
    '  exec 5<"$1.out" 6>"$1.in"',
    "  d=/sys/kernel/debug/kvm",
    '  [ -d $d ] || echo "@! no $d in the lab machine (debugfs not mounted, or kvm not loaded)" >> "$2"',
    "  cd $d 2>/dev/null",
    "  while read -r kind step seq rest <&5; do",
    "    read up _ < /proc/uptime",
    '    echo "@ $kind $step $seq $up" >> "$2"',
    // Only the counters meters/ reads: each snapshot crosses the lab's serial port.
    `    grep -s -d skip . ${KVM_COUNTER_FILES.join(" ")} >> "$2"`,
    "    echo k >&6",
    "  done",
    "}",
    "xen_trace_start() {",
    '  rm -f "$2" /tmp/env$1.meternote',
    '  [ "${2#/scratch/}" = "$2" ] && { echo "no scratch disk in the lab for the trace" > /tmp/env$1.meternote; xt=; return; }',
    `  xentrace -D -S ${XENTRACE_PAGES} -e ${XENTRACE_MASK} "$2" > /tmp/env$1.xentrace.log 2>&1 &`,
    "  xt=$!",
    "  sleep 1",
    '  kill -0 $xt 2>/dev/null || { echo "xentrace did not start: $(tail -n 3 /tmp/env$1.xentrace.log)" > /tmp/env$1.meternote; xt=; }',
    "}",
    "xen_meter_facts() {",
    `  { ${XEN_METER_FACTS}; } > /tmp/xen.meters 2>&1`,
    "  send /tmp/xen.meters XENMETERS",
    "}",
    "xen_trace_stop() {",
    '  [ -n "$xt" ] && { kill -INT $xt; wait $xt; }',
    '  if [ -s "$2" ]; then sync; echo "${2#/scratch/}" > /tmp/env$1.tracefile; send /tmp/env$1.tracefile XENTRACE $1;',
    '  elif [ -n "$xt" ]; then echo "xentrace wrote nothing: $(tail -n 3 /tmp/env$1.xentrace.log)" > /tmp/env$1.meternote; fi',
    "  [ -s /tmp/env$1.meternote ] && send /tmp/env$1.meternote METERNOTE $1",
    "}"
  ].join("\n");
}

/** Before the inner QEMU starts: the FIFOs its meter port opens, and the responder behind them. */
export function kvmMetersBefore(index: number): string[] {
  const pipe = kvmMeterPipe(index);
  return [`rm -f ${pipe}.in ${pipe}.out /tmp/env${index}.kvmstat`, `mkfifo ${pipe}.in ${pipe}.out`, `kvm_meter_serve ${pipe} /tmp/env${index}.kvmstat & meters=$!`];
}

export function kvmMetersAfter(index: number): string[] {
  const pipe = kvmMeterPipe(index);
  return [`kill $meters 2>/dev/null; wait $meters 2>/dev/null`, `send /tmp/env${index}.kvmstat KVMSTAT ${index}`, `rm -f ${pipe}.in ${pipe}.out /tmp/env${index}.kvmstat`];
}

/** `dir`: where the trace is written (the lab's scratch disk when mounted). The first also says what this Xen offers. */
export function xenTraceBefore(index: number, dir: string, first: boolean): string[] {
  return [...(first ? ["xen_meter_facts"] : []), `xen_trace_start ${index} ${dir}/env${index}.trace`];
}

export function xenTraceAfter(index: number, dir: string): string[] {
  return [`xen_trace_stop ${index} ${dir}/env${index}.trace`];
}
