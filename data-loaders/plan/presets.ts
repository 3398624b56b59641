/**
 * Built-in plans, written as a user would write them in YAML so they pass the same validation.
 * `quick` is the README's first command: every built-in probe natively and in a QEMU guest (KVM
 * where /dev/kvm works, TCG otherwise), short budgets. Under TCG, LINPACK runs 100–200× slower,
 * so the guest stops its N sweep early.
 */
import {accessSync, constants, readFileSync} from "node:fs";

export const PRESETS: Record<string, unknown> = {
  quick: {
    name: "quick",
    environments: [
      {target: "local", label: "native"},
      {target: "qemu", label: "qemu", accel: "auto", vcpus: 1, memory_mb: 1024, disk_cache: "none", suites: {linpack: {n: [200, 500]}}}
    ],
    suites: {
      lmbench: {budget_ms: 50, reps: 5, mem_size_mb: [32]},
      linpack: {n: [200, 500, 1000, 2000], threads: 1, reps: 2},
      iozone: {file_kb: [16384], record_kb: [4, 64, 1024], fsync: true, reps: 2}
    },
    repetitions: {min: 1, max: 3, rsd: 0.05, budget_s: 100},
    step_timeout_s: 120
  },
  full: {
    name: "full",
    environments: [{target: "local", label: "native"}],
    suites: {
      lmbench: {budget_ms: 500, reps: 11, mem_size_mb: [8, 64, 256]},
      linpack: {n: [500, 1000, 2000, 4000, 6000, 8000], threads: 1, reps: 3},
      iozone: {file_kb: [65536, 262144, 1048576], record_kb: [4, 16, 64, 256, 1024, 4096, 16384], fsync: true, reps: 3}
    },
    repetitions: {min: 3, max: 15, rsd: 0.025, budget_s: 7200},
    step_timeout_s: 1800
  }
};

/** What the host offers for the paper preset: usable KVM (/dev/kvm read-write on a CPU with vmx/svm), a Xen dom0. */
export interface HostVirt {
  kvm: boolean;
  xen: boolean;
}

/**
 * Synchronous (plans load synchronously): `/dev/kvm` opens read-write and the CPU has vmx/svm; Xen:
 * `/proc/xen/capabilities` says `control_d` (this is dom0, so `xl` can create domains).
 * `VMMBENCH_PAPER_HOST=lab` forces the nested lab for every hypervisor (and native).
 */
export function detectHostVirt(): HostVirt {
  if (process.env.VMMBENCH_PAPER_HOST === "lab") return {kvm: false, xen: false};
  let kvm = false;
  try {
    accessSync("/dev/kvm", constants.R_OK | constants.W_OK);
    kvm = /\b(vmx|svm)\b/.test(readFileSync("/proc/cpuinfo", "utf8"));
  } catch {
    kvm = false;
  }
  let xen = false;
  try {
    xen = readFileSync("/proc/xen/capabilities", "utf8").includes("control_d");
  } catch {
    xen = false;
  }
  return {kvm, xen};
}

/** LINPACK, LMbench (Table 1, Table 2 cells, memory bandwidth) and IOzone sized for an emulated (TCG) lab machine. */
const LAB_SUITES = {
  lmbench: {budget_ms: 50, reps: 5, mem_size_mb: [16]},
  linpack: {n: [200, 500], reps: 2},
  iozone: {file_kb: [16384], record_kb: [4, 64, 1024], reps: 2}
};

/**
 * `paper`: Che et al. 2008 — native vs Xen vs KVM with LINPACK, LMbench Tables 1/2 + memory
 * bandwidth, IOzone read/write, guests with 1 and 2 vCPUs. Each hypervisor is the real one where
 * the host has it (KVM: qemu target with accel kvm; Xen: xen target from dom0), else the nested
 * lab's (docs/lab.md), whose KVM uses shadow paging as KVM-60 did (no EPT/NPT in 2008); the lab's
 * bare machine is the baseline of lab environments. Expected wall time on a 2-core machine without
 * VT-x/SVM (all lab): the one-time lab root build (~3 min with Debian's mirror), then ~4.7 min per
 * round — two lab boots, 40% of it booting (bench/lab.ts) — so 15 min for the preset's minimum of
 * 3 rounds and 25 min for its maximum of 5 (the stop rule's 5% RSD is rarely met under emulation).
 * Until the campaign hands openTarget the plan's environments, round 0 boots once per lab
 * environment (5 boots instead of 2): add ~3 min.
 */
export function paperPreset(host: HostVirt = detectHostVirt()): unknown {
  const environments: unknown[] = [];
  const lab = (label: string, inner: string, vcpus: number, extra: Record<string, unknown> = {}) =>
    ({target: "lab", label, inner, vcpus, memory_mb: 512, disk_mb: 512, suites: LAB_SUITES, ...extra});
  if (host.kvm || host.xen) environments.push({target: "local", label: "native"});
  if (!host.kvm || !host.xen) environments.push(lab("lab-native", "native", 2));
  for (const vcpus of [1, 2]) {
    environments.push(
      host.kvm
        ? {target: "qemu", label: `kvm-${vcpus}vcpu`, accel: "kvm", vcpus, memory_mb: 1024, disk_cache: "none"}
        : lab(`lab-kvm-${vcpus}vcpu`, "kvm", vcpus, {paging: "shadow"})
    );
  }
  for (const vcpus of [1, 2]) {
    environments.push(
      host.xen
        ? {target: "xen", label: `xen-pv-${vcpus}vcpu`, type: "pv", vcpus, memory_mb: 1024, disk_mb: 1024}
        : lab(`lab-xen-pv-${vcpus}vcpu`, "xen-pv", vcpus)
    );
  }
  return {
    name: "paper",
    environments,
    suites: {
      lmbench: {budget_ms: 200, reps: 7, mem_size_mb: [16, 64]},
      linpack: {n: [500, 1000, 2000], threads: 1, reps: 3},
      iozone: {file_kb: [65536], record_kb: [4, 64, 1024], fsync: true, reps: 3}
    },
    repetitions: {min: 3, max: 5, rsd: 0.05, budget_s: 4 * 3600},
    step_timeout_s: 1800
  };
}

Object.defineProperty(PRESETS, "paper", {enumerable: true, configurable: true, get: () => paperPreset()});
