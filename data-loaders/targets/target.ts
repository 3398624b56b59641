/**
 * The one contract every place that runs probes fulfils (local, qemu, ssh, xen, lab).
 * Targets run a batch of steps so that a guest boots once per batch, not once per probe.
 */

export type Hypervisor = "none" | "kvm" | "xen" | "qemu-tcg";
export type VirtMode = "none" | "tcg" | "kvm" | "pv" | "pvh" | "hvm";

/** Where a sample was measured, as stored with every run. */
export interface Fingerprint {
  environment: string;
  hypervisor: Hypervisor;
  hypervisorVersion: string | null;
  mode: VirtMode;
  guestOs: string;
  kernel: string;
  cpuModel: string;
  /** null where the source does not say (the paper's guests). */
  vcpus: number | null;
  memoryMb: number | null;
  passthrough: boolean | null;
  host: string;
  /** How the environment was launched: the QEMU command line, the xl config, "local", "ssh user@host". */
  launch: string;
  /** Anything else worth keeping (nested under, paging mode, disk cache mode…). */
  extra: Record<string, string>;
}

/** One probe invocation. `probe` names a built-in probe binary (see data-loaders/probes/). */
export interface Step {
  id: string;
  probe: string;
  args: string[];
  timeoutS: number;
}

/** What a step produced, kept as data: a failure is an exit code, a signal or a timeout, never a throw. */
export interface StepOutput {
  id: string;
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
}

export interface Target {
  readonly label: string;
  /** Builds what the first batch needs (guest image, lab root, the KVM check) before anything is measured. */
  prepare?(): Promise<void>;
  fingerprint(): Promise<Fingerprint>;
  /** Runs the steps in order and reports each as it finishes, so a crash loses only the step in flight. */
  run(steps: Step[], onOutput: (output: StepOutput) => Promise<void> | void): Promise<void>;
  close(): Promise<void>;
}
