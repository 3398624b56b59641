/**
 * Every meter vmmbench records, by the side that reads it (docs/meters.md): the guest kernel (the
 * probe's getrusage and /proc/stat), KVM's counters on the host that runs the guest
 * (/sys/kernel/debug/kvm), and Xen's trace records from dom0 (xentrace). A meter's value is a
 * count per operation of the metric it rides along (`of`), in the unit's first word per op or per MB.
 */

export type MeterSide = "guest" | "kvm" | "xen";

export interface MeterDef {
  side: MeterSide;
  /** What one unit counts ("faults" → "faults/op", "faults/MB"). */
  count: string;
  label: string;
  /** The guest probe's field, the KVM debugfs file, or (xen) how the trace reader names it. */
  source: string;
  /** Shown first for its side, and the one a missing side records its reason against. */
  headline?: true;
  /** A breakdown's param (one sample per hypercall type or exit reason). */
  breakdown?: string;
}

const guest = (source: string, count: string, label: string, headline?: true): MeterDef => ({side: "guest", source, count, label, ...(headline ? {headline} : {})});
const kvm = (source: string, count: string, label: string, headline?: true): MeterDef => ({side: "kvm", source, count, label, ...(headline ? {headline} : {})});
const xen = (source: string, count: string, label: string, headline?: true): MeterDef => ({side: "xen", source, count, label, ...(headline ? {headline} : {})});

export const METERS = {
  guest_minflt: guest("minflt", "faults", "minor page faults of the probe", true),
  guest_majflt: guest("majflt", "faults", "major page faults of the probe"),
  guest_vcsw: guest("vcsw", "switches", "voluntary context switches of the probe"),
  guest_ivcsw: guest("ivcsw", "switches", "involuntary context switches of the probe"),
  guest_utime: guest("utime_us", "us", "user CPU time of the probe"),
  guest_stime: guest("stime_us", "us", "system CPU time of the probe"),
  guest_ctxt: guest("ctxt", "switches", "context switches of the whole guest (/proc/stat)"),
  guest_steal: guest("steal_us", "us", "steal time of the whole guest (/proc/stat)"),

  kvm_exits: kvm("exits", "exits", "VM exits", true),
  kvm_pf_fixed: kvm("pf_fixed", "faults", "page faults KVM fixed (shadow or nested page tables filled)"),
  kvm_pf_guest: kvm("pf_guest", "faults", "page faults reflected to the guest"),
  kvm_pf_taken: kvm("pf_taken", "faults", "page faults KVM handled"),
  kvm_pf_emulate: kvm("pf_emulate", "faults", "page faults that needed instruction emulation"),
  kvm_pf_spurious: kvm("pf_spurious", "faults", "spurious page faults"),
  kvm_pf_fast: kvm("pf_fast", "faults", "page faults fixed on the fast path"),
  kvm_pf_mmio_spte_created: kvm("pf_mmio_spte_created", "faults", "MMIO sptes created"),
  kvm_mmu_shadow_zapped: kvm("mmu_shadow_zapped", "pages", "shadow pages zapped"),
  kvm_mmu_pte_write: kvm("mmu_pte_write", "writes", "guest page-table writes KVM tracked"),
  kvm_mmu_pde_zapped: kvm("mmu_pde_zapped", "entries", "shadow PDEs zapped"),
  kvm_mmu_flooded: kvm("mmu_flooded", "pages", "shadow pages unshadowed after write flooding"),
  kvm_mmu_recycled: kvm("mmu_recycled", "pages", "shadow pages recycled"),
  kvm_mmu_cache_miss: kvm("mmu_cache_miss", "misses", "shadow page cache misses"),
  kvm_mmu_unsync: kvm("mmu_unsync", "pages", "shadow pages left unsync"),
  kvm_remote_tlb_flush: kvm("remote_tlb_flush", "flushes", "remote TLB flushes"),
  kvm_tlb_flush: kvm("tlb_flush", "flushes", "guest TLB flushes"),
  kvm_invlpg: kvm("invlpg", "exits", "INVLPG intercepts"),
  kvm_io_exits: kvm("io_exits", "exits", "I/O port exits to userspace (QEMU)"),
  kvm_mmio_exits: kvm("mmio_exits", "exits", "MMIO exits to userspace (QEMU)"),
  kvm_halt_exits: kvm("halt_exits", "exits", "HLT exits"),
  kvm_irq_exits: kvm("irq_exits", "exits", "external interrupt exits"),
  kvm_irq_window_exits: kvm("irq_window_exits", "exits", "interrupt window exits"),
  kvm_nmi_window_exits: kvm("nmi_window_exits", "exits", "NMI window exits"),
  kvm_request_irq_exits: kvm("request_irq_exits", "exits", "interrupt request exits"),
  kvm_signal_exits: kvm("signal_exits", "exits", "exits for a pending signal"),
  kvm_insn_emulation: kvm("insn_emulation", "instructions", "instructions KVM emulated"),
  kvm_hypercalls: kvm("hypercalls", "calls", "hypercalls to KVM"),
  kvm_irq_injections: kvm("irq_injections", "interrupts", "interrupts injected"),
  kvm_host_state_reload: kvm("host_state_reload", "reloads", "host state reloads"),

  xen_entries: xen("entries", "entries", "entries into Xen: hypercalls, traps, emulated page-table writes (PV); VM exits (PVH)", true),
  xen_hypercalls: xen("hypercalls", "calls", "hypercalls"),
  xen_hypercall_ops: {...xen("hypercall_ops", "calls", "hypercall operations by type, multicall entries included"), breakdown: "hypercall"},
  xen_ptwr_emulations: xen("ptwr_emulations", "writes", "trapped page-table writes Xen emulated (PV)"),
  xen_pv_page_faults: xen("pv_page_faults", "faults", "page faults Xen took for a PV guest"),
  xen_pv_traps: xen("pv_traps", "traps", "exceptions Xen bounced to a PV guest"),
  xen_privop_emulations: xen("privop_emulations", "ops", "privileged instructions Xen emulated (PV)"),
  xen_vmexits: xen("vmexits", "exits", "VM exits (PVH, HVM)"),
  xen_vmexit_reasons: {...xen("vmexit_reasons", "exits", "VM exits by reason (PVH, HVM)"), breakdown: "reason"},
  xen_npf: xen("npf", "faults", "nested page faults (PVH, HVM)"),
  xen_vcpu_time: xen("vcpu_time_us", "us", "time the domain's vCPUs ran")
} as const satisfies Record<string, MeterDef>;

export type MeterName = keyof typeof METERS;

export const GUEST_METERS = (Object.keys(METERS) as MeterName[]).filter((name) => METERS[name].side === "guest");

/** `faults/op`, or `faults/MB` for a meter riding along a bandwidth metric. */
export function meterUnit(name: MeterName, per: string): string {
  return `${METERS[name].count}/${per}`;
}

/**
 * The meters the report puts beside a cost, per side, first the headline: what the paper's causes
 * name (shadow page tables, trapped page-table updates, emulated I/O) and where the time went.
 */
export const EXPLAINING: Readonly<Record<MeterSide, readonly MeterName[]>> = {
  guest: ["guest_minflt", "guest_stime", "guest_steal"],
  kvm: ["kvm_exits", "kvm_pf_fixed", "kvm_mmu_pte_write", "kvm_io_exits", "kvm_mmio_exits", "kvm_halt_exits"],
  xen: ["xen_entries", "xen_hypercalls", "xen_ptwr_emulations", "xen_vmexits", "xen_npf", "xen_vcpu_time"]
};

/** Which side's meters speak of a guest of this hypervisor (null: none but the guest's own). */
export function hostSide(hypervisor: string): Exclude<MeterSide, "guest"> | null {
  return hypervisor === "kvm" || hypervisor === "xen" ? hypervisor : null;
}
