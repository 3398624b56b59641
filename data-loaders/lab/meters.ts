/**
 * The host end of the lab's meters for one lab boot (docs/meters.md): the step outputs of an inner
 * KVM guest or Xen domU whose meters are on wait here for that environment's meters
 * (lab/meters-script.ts) — a KVM guest's snapshots come in a frame just before its ENVEND, a
 * domU's trace is read from the lab's scratch disk image once the boot is over — and then leave
 * with the host's side of their spans attached. Outputs of a boot that died first leave with the
 * reason instead.
 */
import {mkdtemp, readFile, rm} from "node:fs/promises";
import {gzipSync} from "node:zlib";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {execa} from "execa";
import {VmmbenchError} from "../errors.ts";
import type {Frame} from "../guest/channel.ts";
import type {HostMeters} from "../meters/host.ts";
import {kvmSpans, parseKvmSnapshots} from "../meters/kvm-debugfs.ts";
import {readXenTrace, xenSpans, type PvMarkSites, type TracedStep} from "../meters/xentrace.ts";
import {parseProbeOutput} from "../probes/parse-output.ts";
import type {Step, StepOutput} from "../targets/target.ts";
import {METER_FRAMES} from "./meters-script.ts";
import type {LabEnvSpec} from "./session.ts";

/** Beside the lab root: what its Xen offers for meters, from the last Xen boot (`vmmbench doctor` reads it). */
export const XEN_METERS_FILE = "xen-meters.txt";

interface EnvMeters {
  held: StepOutput[];
  kvmstat?: string;
  /** The trace's file on the lab's scratch disk (XENTRACE), then its bytes (collect). */
  traceFile?: string;
  trace?: Buffer;
  notes: string[];
}

export class LabMeterHold {
  readonly #envs = new Map<number, EnvMeters>();
  /** What this boot's Xen offers for meters (XENMETERS, meters/xen-offer.ts). */
  xenFacts: string | undefined;

  constructor(
    private readonly specs: readonly LabEnvSpec[],
    private readonly plan: ReadonlyMap<string, readonly Step[]>,
    /** `xl info` of this boot (Xen boots): its cpu_mhz times the trace. */
    private readonly xlInfo: () => Record<string, string> | null
  ) {
    specs.forEach((spec, index) => {
      if (spec.inner !== "native" && (spec.meters ?? "rep") !== "off") this.#envs.set(index, {held: [], notes: []});
    });
  }

  /** Whether this output waits for its environment's meters (true: it is kept until release). */
  hold(index: number, output: StepOutput): boolean {
    const env = this.#envs.get(index);
    env?.held.push(output);
    return env !== undefined;
  }

  /** Takes a lab meter frame; false for any other frame. */
  frame(frame: Frame): boolean {
    if (!METER_FRAMES.has(frame.kind)) return false;
    if (frame.kind === "XENMETERS") {
      this.xenFacts = frame.payload.toString("utf8");
      return true;
    }
    const env = this.#envs.get(Number(frame.fields[0]));
    if (!env) return true;
    if (frame.kind === "KVMSTAT") env.kvmstat = frame.payload.toString("utf8");
    else if (frame.kind === "XENTRACE") env.traceFile = frame.payload.toString("utf8").trim();
    else env.notes.push(frame.payload.toString("utf8").trim());
    return true;
  }

  /** At an environment's ENVEND: a KVM guest's held outputs, meters attached (a domU's wait for the disk). */
  release(index: number): StepOutput[] {
    return this.specs[index]?.inner === "kvm" ? this.#attach(index) : [];
  }

  /** After the boot, before its scratch disk image is removed: reads each domU's trace from it. */
  async collect(scratchImage: string): Promise<void> {
    for (const env of this.#envs.values()) {
      if (!env.traceFile) continue;
      const dir = await mkdtemp(join(tmpdir(), "vmmb-trace-"));
      try {
        const out = join(dir, "trace");
        // debugfs (e2fsprogs) reads a file out of an ext4 image without mounting it, as any user.
        const r = await execa("debugfs", ["-R", `dump /${env.traceFile} ${out}`, scratchImage], {reject: false, all: true});
        env.trace = await readFile(out).catch(() => undefined);
        if (!env.trace) env.notes.push(`cannot read /${env.traceFile} from the lab's scratch disk: ${(r as {code?: string}).code === "ENOENT" ? "debugfs is missing (apt-get install e2fsprogs)" : String(r.all ?? "").trim().split("\n").at(-1)}`);
      } finally {
        await rm(dir, {recursive: true, force: true});
      }
    }
  }

  /** Every environment's outputs still held, at the end of the boot: meters attached, or `why` they never came. */
  releaseAll(why: string): Array<{index: number; output: StepOutput}> {
    return [...this.#envs].flatMap(([index, env]) => {
      const arrived = env.kvmstat !== undefined || env.trace !== undefined || env.notes.length > 0;
      return this.#attach(index, arrived ? undefined : why).map((output) => ({index, output}));
    });
  }

  /** The held outputs of environment `index`, meters attached (or why not: `lost`). */
  #attach(index: number, lost?: string): StepOutput[] {
    const env = this.#envs.get(index);
    if (!env || env.held.length === 0) return [];
    const held = env.held.splice(0);
    const spec = this.specs[index]!;
    const steps = this.plan.get(spec.label) ?? [];
    const stepIndex = (output: StepOutput) => steps.findIndex((step) => step.id === output.id);
    const side = spec.inner === "kvm" ? "kvm" : "xen";
    const missing = lost ?? (env.notes.length ? env.notes.join("; ") : undefined);
    let meters: (output: StepOutput) => HostMeters;
    try {
      meters = missing
        ? () => ({side, spans: [], missing})
        : side === "kvm"
          ? kvmMeters(env, stepIndex)
          : this.#xen(env, spec, held, stepIndex);
    } catch (error) {
      if (!(error instanceof VmmbenchError)) throw error;
      const why = `the lab's ${side === "kvm" ? "KVM snapshots" : "Xen trace"} could not be read: ${error.message}`;
      meters = () => ({side, spans: [], missing: why});
    }
    return held.map((output) => (stepIndex(output) < 0 ? output : {...output, meters: meters(output)}));
  }

  #xen(env: EnvMeters, spec: LabEnvSpec, held: readonly StepOutput[], stepIndex: (output: StepOutput) => number): (output: StepOutput) => HostMeters {
    if (!env.trace) return () => ({side: "xen", spans: [], missing: "the lab sent no Xen trace for this environment"});
    const cpuMhz = Number(this.xlInfo()?.cpu_mhz);
    if (!(cpuMhz > 0)) return () => ({side: "xen", spans: [], missing: "`xl info` gave no cpu_mhz to time the trace with"});
    const trace = readXenTrace(env.trace, `${env.traceFile} (xentrace)`);
    const traced: TracedStep[] = held.map((output) => ({index: stepIndex(output), ...probeMarks(output.stdout)})).filter((step) => step.index >= 0);
    const spans = xenSpans(trace, traced, cpuMhz, spec.inner === "xen-pv" ? "pv" : "pvh");
    const raw = env.trace;
    let first = true;
    return (output) => {
      const meters = spans.get(stepIndex(output)) ?? {side: "xen" as const, spans: [], missing: "no meter spans in this step's output"};
      // The whole environment's trace is kept once, with its first step.
      if (first) {
        first = false;
        return {...meters, raw: [{name: "xentrace.gz", content: gzipSync(raw), format: "xentrace-gzip"}]};
      }
      return meters;
    };
  }
}

function kvmMeters(env: EnvMeters, stepIndex: (output: StepOutput) => number): (output: StepOutput) => HostMeters {
  const text = env.kvmstat;
  if (text === undefined) return () => ({side: "kvm", spans: [], missing: "the lab sent no KVM snapshots for this environment"});
  const parsed = parseKvmSnapshots(text, "KVMSTAT frame");
  return (output) => {
    const step = String(stepIndex(output));
    return kvmSpans(parsed, step, stepText(text, step));
  };
}

/** Whether a step's probes metered (a non-dynamic info line with meters on) and their PV mark sites. */
function probeMarks(stdout: string): {metered: boolean; pvSites: PvMarkSites[]} {
  let infos;
  try {
    infos = parseProbeOutput(stdout, "step output").infos;
  } catch {
    return {metered: false, pvSites: []};
  }
  const metered = infos.some((info) => info.meters !== undefined && info.meters !== "off" && info.linkage !== "dynamic");
  const pvSites = infos.flatMap((info) => {
    const marks = info.xen_marks as Record<string, string> | undefined;
    return marks ? [{step: Number(marks.step), begin: Number(marks.begin), end: Number(marks.end)}] : [];
  });
  return {metered, pvSites};
}

/** The snapshot lines of one step (and the `@!` notes), to keep with it. */
function stepText(text: string, step: string): string {
  const out: string[] = [];
  let keep = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("@!")) out.push(line);
    else if (line.startsWith("@ ")) {
      keep = line.split(/\s+/)[2] === step;
      if (keep) out.push(line);
    } else if (keep && line) out.push(line);
  }
  return out.length ? `${out.join("\n")}\n` : "";
}
