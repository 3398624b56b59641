/**
 * Built-in plans, written as a user would write them in YAML so they pass the same validation.
 * `quick` (the README's first command) and `paper` depend on what the host offers: each hypervisor
 * is the real one where the host has it, else the nested lab's (docs/lab.md). `full` is native depth.
 */
import {readFileSync} from "node:fs";
import {RUNNABLE_SUITES} from "../suites/registry.ts";
import type {SuitePresets} from "../suites/suite.ts";

/** What the host offers, as the preset needs it: KVM that really boots a guest, a Xen dom0. */
export interface HostVirt {
  kvm: boolean;
  xen: boolean;
  /** Why KVM is not used (one line), recorded with the lab's KVM environments. */
  kvmReason?: string;
  /** A disk controller of this host to pass through to the host's own KVM and Xen guests ($VMMBENCH_PASSTHROUGH_PCI). */
  passthroughPci?: string;
}

/** The host's Xen: `/proc/xen/capabilities` says `control_d` (this is dom0, so `xl` can create domains). */
export function isXenDom0(): boolean {
  try {
    return readFileSync("/proc/xen/capabilities", "utf8").includes("control_d");
  } catch {
    return false;
  }
}

const FULL = {
  name: "full",
  environments: [{target: "local", label: "native"}],
  suites: suitePresets("full"),
  repetitions: {min: 3, max: 15, rsd: 0.025, budget_s: 7200},
  step_timeout_s: 1800
};

/** Preset names; `quick` and `paper` are built for the host they run on. */
export const PRESET_NAMES = ["quick", "full", "paper"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export function isPreset(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

/** Whether a preset's environments depend on the host (so the host must be checked first). */
export function presetNeedsHost(name: string): boolean {
  return name === "quick" || name === "paper";
}

export function preset(name: PresetName, host: HostVirt): unknown {
  switch (name) {
    case "quick":
      return quickPreset(host);
    case "full":
      return FULL;
    case "paper":
      return paperPreset(host);
  }
}

/** Each suite's options in one of the presets it takes part in (suites/<name>/index.ts). */
function suitePresets(preset: keyof SuitePresets): Record<string, unknown> {
  return Object.fromEntries(RUNNABLE_SUITES.flatMap((suite) => (suite.presets[preset] === undefined ? [] : [[suite.name, suite.presets[preset]]])));
}

/** The suites sized for an emulated (TCG) lab machine. */
const LAB_SUITES = suitePresets("lab");

/**
 * `quick`: the paper's comparison in minutes — native, KVM and Xen, plus QEMU's full emulation (TCG)
 * — one round of short steps (n = the probes' repetitions inside that round). KVM is the host's
 * where a guest really boots under it, else the lab's with shadow paging (as KVM-60 ran without
 * EPT); Xen is a real dom0's PV and PVH domUs, else the lab's. Lab environments are compared with
 * `lab-native`, the lab machine itself with one vCPU like its guests (under TCG a second vCPU makes
 * its forks much dearer, and its own boot is 5 s). bench/quick-plan.ts prints where the time goes.
 */
export function quickPreset(host: HostVirt): unknown {
  const lab = (label: string, inner: string, vcpus: number, extra: Record<string, unknown> = {}) =>
    ({target: "lab", label, inner, vcpus, memory_mb: 512, disk_mb: 256, suites: LAB_SUITES, ...extra});
  const environments: unknown[] = [{target: "local", label: "native"}];
  if (!host.kvm || !host.xen) environments.push(lab("lab-native", "native", 1));
  environments.push(
    host.kvm
      ? {target: "qemu", label: "kvm", accel: "kvm", vcpus: 1, memory_mb: 1024, disk_cache: "none"}
      : lab("lab-kvm", "kvm", 1, {paging: "shadow", lab_vcpus: 1, ...(host.kvmReason ? {note: `the host's KVM is not used: ${host.kvmReason}`} : {})})
  );
  for (const type of ["pv", "pvh"]) {
    environments.push(
      host.xen
        ? {target: "xen", label: `xen-${type}`, type, vcpus: 1, memory_mb: 1024, disk_mb: 1024}
        : lab(`lab-xen-${type}`, `xen-${type}`, 1)
    );
  }
  // Full emulation: a TCG guest runs LINPACK 100–200× slower, so its sweep stops early.
  environments.push({target: "qemu", label: "qemu-tcg", accel: "tcg", vcpus: 1, memory_mb: 1024, disk_cache: "none", suites: suitePresets("emulated")});
  return {
    name: "quick",
    environments,
    // One meter span per cell, not per repetition: under TCG each span's round trip to the lab's
    // KVM responder costs (lab-kvm's Table 2 step took 11 s with rep spans against 5 s without meters).
    meters: "cell",
    suites: suitePresets("quick"),
    repetitions: {min: 1, max: 3, rsd: 0.05, budget_s: 100},
    step_timeout_s: 300
  };
}

/**
 * `paper`: Che et al. 2008 — the paper's whole matrix: native, KVM and Xen in each guest mode (PV,
 * PVH, HVM), 1 and 2 vCPUs, and device pass-through (VT-d) on and off for the IOzone figures;
 * LINPACK, LMbench Tables 1/2 + memory bandwidth, IOzone read/write. Each hypervisor is the real
 * one where the host has it (KVM: qemu target with accel kvm; Xen: xen target from dom0; a
 * pass-through device of the host from $VMMBENCH_PASSTHROUGH_PCI), else the nested lab's
 * (docs/lab.md), whose KVM uses shadow paging as KVM-60 did (no EPT/NPT in 2008) and whose
 * pass-through is an emulated NVMe controller behind QEMU's emulated VT-d; the lab's bare machine
 * is the baseline of lab environments. Pass-through environments run IOzone only (the figures they
 * are for).
 * Wall time on a 2-core machine without VT-x/SVM (all lab): see docs/lab.md (bench/lab.ts).
 */
export function paperPreset(host: HostVirt): unknown {
  const environments: unknown[] = [];
  const lab = (label: string, inner: string, vcpus: number, extra: Record<string, unknown> = {}) =>
    ({target: "lab", label, inner, vcpus, memory_mb: 512, disk_mb: 512, suites: LAB_SUITES, ...extra});
  // A suite set to null is dropped for that environment (plan/validate.ts).
  const iozoneOnly = (iozone: unknown) => ({...Object.fromEntries(Object.keys(suitePresets("paper")).map((name) => [name, null])), iozone});
  const labPassthrough = (label: string, inner: string, vcpus: number, extra: Record<string, unknown> = {}) =>
    lab(label, inner, vcpus, {passthrough: true, suites: iozoneOnly(LAB_SUITES.iozone), ...extra});
  const realPassthrough = host.passthroughPci ? {passthrough: {pci: host.passthroughPci}, suites: iozoneOnly(suitePresets("paper").iozone)} : undefined;
  for (const vcpus of [1, 2]) {
    environments.push(
      host.kvm
        ? {target: "qemu", label: `kvm-${vcpus}vcpu`, accel: "kvm", vcpus, memory_mb: 1024, disk_cache: "none"}
        : lab(`lab-kvm-${vcpus}vcpu`, "kvm", vcpus, {paging: "shadow"})
    );
    environments.push(
      host.kvm && realPassthrough
        ? {target: "qemu", label: `kvm-vtd-${vcpus}vcpu`, accel: "kvm", vcpus, memory_mb: 1024, ...realPassthrough}
        : labPassthrough(`lab-kvm-vtd-${vcpus}vcpu`, "kvm", vcpus, {paging: "shadow"})
    );
  }
  for (const type of ["pv", "pvh", "hvm"]) {
    for (const vcpus of [1, 2]) {
      environments.push(
        host.xen
          ? {target: "xen", label: `xen-${type}-${vcpus}vcpu`, type, vcpus, memory_mb: 1024, disk_mb: 1024}
          : lab(`lab-xen-${type}-${vcpus}vcpu`, `xen-${type}`, vcpus)
      );
    }
  }
  // Pass-through to Xen: PV with 1 and 2 vCPUs like the paper's Figures 3 and 4; PVH and HVM once each, so
  // the report says for each whether it runs here (Xen 4.17 refuses PVH pass-through outright).
  for (const [type, vcpus] of [["pv", 1], ["pv", 2], ["pvh", 1], ["hvm", 1]] as const) {
    environments.push(
      host.xen && realPassthrough
        ? {target: "xen", label: `xen-${type}-vtd-${vcpus}vcpu`, type, vcpus, memory_mb: 1024, ...realPassthrough}
        : labPassthrough(`lab-xen-${type}-vtd-${vcpus}vcpu`, `xen-${type}`, vcpus)
    );
  }
  // Each nesting's guests are compared with its own bare machine.
  const baselines = [
    ...(environments.some((e) => (e as {target: string}).target !== "lab") ? [{target: "local", label: "native"}] : []),
    ...(environments.some((e) => (e as {target: string}).target === "lab") ? [lab("lab-native", "native", 2)] : [])
  ];
  return {
    name: "paper",
    environments: [...baselines, ...environments],
    suites: suitePresets("paper"),
    repetitions: {min: 3, max: 5, rsd: 0.05, budget_s: 4 * 3600},
    step_timeout_s: 1800
  };
}

