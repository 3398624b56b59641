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
  /** The hypervisor's side of the step's meter spans, where the target reads one (meters/host.ts). */
  meters?: import("../meters/host.ts").HostMeters;
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

/** Meters around each timed repetition, around each cell's repetitions, or none (docs/meters.md). */
export type MeterMode = "rep" | "cell" | "off";

/** What opening a target gets from the campaign. */
export interface OpenContext {
  /** Probe name → absolute path of its binary (what a target copies into a guest or a host). */
  probes: Record<string, string>;
  /** Every environment of the plan (a nested lab boots once for all of its own). */
  peers: readonly {target: string; label: string}[];
  /** Progress lines of slow starts (lab and Xen boots), beside the progress bar. */
  log: (line: string) => void;
}

/** What an environment stands for before it starts: its fingerprint's virtualization fields. */
export type PlannedVirt = Pick<Fingerprint, "hypervisor" | "mode" | "vcpus" | "memoryMb" | "passthrough"> & {extra?: Record<string, string>};

/**
 * A kind of target, as plans name it (`target: qemu`): its plan keys, what it stands for before it
 * starts, how it opens. targets/registry.ts lists them; plans, campaigns and `doctor` iterate it.
 */
export interface TargetKind<Spec extends object = object> {
  name: string;
  /** Its own environment keys (beyond label, target, suites and note) as written in YAML → strict spec with defaults. */
  schema: import("zod").ZodType<Spec>;
  /** A label the environment takes when the plan gives none. */
  defaultLabel?: string;
  /** Whether the reference engine may run real tools there (a real machine), or only the built-in probes fit (a guest). */
  runsTools: boolean;
  planned(spec: Spec): PlannedVirt;
  open(spec: Spec & {label: string; meters?: MeterMode}, context: OpenContext): Target | Promise<Target>;
  /** What it will really run on, in words (`vmmbench doctor`); `host` is what the host offers. */
  describe(spec: Spec, host: {kvm: boolean; xen: boolean}): string;
  /**
   * The machine it measures on when that is not the controller (an inventory host): a campaign runs
   * the environments of different machines side by side, those of one machine in rotation.
   */
  machine?(spec: Spec): string;
}

/** A target kind with its name kept as a literal type, so that plans can type environments by target. */
export function defineTarget<const Name extends string, Spec extends object>(kind: TargetKind<Spec> & {name: Name}): TargetKind<Spec> & {name: Name} {
  return kind;
}
