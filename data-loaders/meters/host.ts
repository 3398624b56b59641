/**
 * What a target hands the campaign about the host's side of a step's meters: per meter span of the
 * probe (probes/common.h), the counts the hypervisor recorded while it ran — KVM's debugfs counters
 * on the host that runs the guest (kvm-debugfs.ts), Xen's trace records seen from dom0
 * (xentrace.ts) — or why they could not be read. meters/samples.ts joins them to the probe's own
 * meter lines.
 */
import type {Params} from "../model/sample.ts";
import type {MeterName} from "../suites/meters/catalog.ts";

export interface HostCount {
  meter: MeterName;
  value: number;
  /** A breakdown's key (`hypercall`, `reason`). */
  params?: Params;
}

export interface HostSpan {
  /** The probe's span number as the host saw it (a KVM mark, a PVH CPUID leaf); null: paired by order (PV marks). */
  seq: number | null;
  counts: HostCount[];
  /** Meters of this side the host could not read for the span, with why (a counter this kernel lacks). */
  unreadable?: Partial<Record<MeterName, string>>;
}

export interface HostMeters {
  side: "kvm" | "xen";
  /** In the order the step ran them. */
  spans: HostSpan[];
  /** Why the host's side is missing, or missing for some spans. */
  missing?: string;
  /** What the host read, kept with the step's raw outputs. */
  raw?: Array<{name: string; content: string | Uint8Array; format: string}>;
}
