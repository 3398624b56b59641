/** A campaign plan after validation: every field present, every value in range. */
import type {Hypervisor} from "../targets/target.ts";

export interface StopRule {
  /** Rounds every environment runs at least. */
  min: number;
  /** Rounds no environment runs more than. */
  max: number;
  /** Stop early when every metric's relative standard deviation over rounds is below this (0.025 = 2.5%). */
  rsd: number;
  /** Stop starting new rounds once the campaign has run this long. */
  budgetS: number;
}

/** Suite options an environment overrides (`null` in YAML drops a suite for it); absent: the plan's. */
export interface EnvironmentSuites {
  suites?: Plan["suites"];
  /** Why the plan chose this environment (a preset's reason, a user's remark): kept in its fingerprint. */
  note?: string;
}

export type EnvironmentSpec = EnvironmentSuites & (
  | {target: "local"; label: string}
  | {
      target: "qemu";
      label: string;
      accel: "auto" | "tcg" | "kvm";
      vcpus: number;
      memoryMb: number;
      diskCache: "none" | "writeback" | "writethrough" | "unsafe" | "directsync";
      guestOs: string;
    }
  | {
      target: "ssh";
      label: string;
      destination: string;
      port: number;
      identityFile: string | null;
      strictHostKeyChecking: "yes" | "accept-new" | "no";
      /** What the remote machine is, when detection from inside cannot tell (a KVM guest with VT-d pass-through). */
      hypervisor: Hypervisor | null;
      passthrough: boolean;
    }
  | {
      /** A Xen domU started from this machine, which must be a Xen dom0 (`xl info` works). */
      target: "xen";
      label: string;
      type: "pv" | "pvh" | "hvm";
      vcpus: number;
      memoryMb: number;
      /** Scratch disk (xvda) for the file suite, MB; 0 = none. */
      diskMb: number;
    }
  | {
      /** An environment inside the nested lab (a QEMU TCG machine booted from a Debian root): docs/lab.md. */
      target: "lab";
      label: string;
      inner: "native" | "kvm" | "xen-pv" | "xen-pvh";
      /** KVM only: nested (NPT) or shadow paging (kvm_amd npt=0). */
      paging: "nested" | "shadow";
      vcpus: 1 | 2;
      memoryMb: number;
      diskMb: number;
      /** KVM and Xen: vCPUs of the lab machine that hosts them (null: the lab's default, 2). */
      labVcpus: 1 | 2 | null;
    });

export interface LmbenchOptions {
  /** Table 1 metrics to measure (lat_syscall, lat_fork, …). */
  table1: string[];
  /** Table 2 cells as [procs, size_kb]. */
  ctx: Array<[number, number]>;
  /** Memory bandwidth working set in MB; empty to skip Fig. 2. */
  memSizesMb: number[];
  /** Time budget of one timed repetition inside the probe. */
  budgetMs: number;
  /** Repetitions inside one probe invocation. */
  reps: number;
}

export interface LinpackOptions {
  n: number[];
  threads: number;
  reps: number;
}

export interface IozoneOptions {
  fileKb: number[];
  recordKb: number[];
  fsync: boolean;
  direct: boolean;
  reps: number;
}

/**
 * Where the real tools are for `engine: reference` (YAML `tools:`; docs/probes.md "Reference engine").
 * null: look the tool up on PATH.
 */
export interface ToolPaths {
  /** Directory holding the LMbench 3 binaries (lat_syscall, lat_proc, lat_sig, lat_pipe, lat_ctx, bw_mem, hello). */
  lmbenchBin: string | null;
  iozone: string | null;
  /** HPL's xhpl (netlib HPL 2.x linked with an MPI and a BLAS). */
  xhpl: string | null;
  /** Intel's Optimized LINPACK binary (xlinpack_xeon64). */
  linpack: string | null;
  /** Fail before running anything when a suite's tool is not found, instead of falling back to the built-in probe. */
  strict: boolean;
}

export interface Plan {
  name: string;
  engine: "builtin" | "reference";
  tools: ToolPaths;
  environments: EnvironmentSpec[];
  suites: {lmbench?: LmbenchOptions; linpack?: LinpackOptions; iozone?: IozoneOptions};
  repetitions: StopRule;
  /** Longest a single probe invocation may run before it is killed and recorded as failed. */
  stepTimeoutS: number;
  /** The plan as written (YAML/JSON/preset object): stored with the run and validated again on resume. */
  raw: unknown;
}
