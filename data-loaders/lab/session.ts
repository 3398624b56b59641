/**
 * A nested-lab session: boots the lab machine (QEMU TCG, `-cpu max`, from the cached lab root) and,
 * inside it, runs the inner environments — the lab bare ("native"), real KVM guests, real Xen
 * PV/PVH domUs — reporting each one's steps back on one channel (the lab's second serial port).
 *
 * Amortising boots: environments are grouped by the lab boot they need (a plain Linux boot or a
 * Xen boot, and the lab's vCPU count). When the campaign asks one environment of a group for its
 * steps, the same boot also runs the same steps (same probe, same arguments, the step id's
 * environment prefix swapped) for the group's other environments and keeps their outputs until
 * the campaign asks for them — so a round costs one boot per group, not one per environment.
 * Outputs are matched by id, probe and arguments: anything that does not match is run afresh.
 *
 * Faults: the host watches the lab (no LAB frame within the boot allowance, an environment that
 * outlives its deadline, the whole batch's deadline) and kills QEMU by PID; the lab itself kills
 * a KVM guest (`timeout -s KILL`) or destroys a domU (`xl destroy`) at the environment's deadline.
 * Steps already reported are kept; the others come back failed with the lab's console tail.
 * Every boot keeps console.log, channel.bin (all frames + inner consoles), qemu.args and lab.sh
 * in `<cache>/lab-runs/<dir>/`.
 */

import {existsSync} from "node:fs";
import {link, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile, copyFile} from "node:fs/promises";
import {join} from "node:path";
import {performance} from "node:perf_hooks";
import {execa, type ResultPromise} from "execa";
import {adopt} from "../campaign/process-group.ts";
import {ConfigError, GuestFailedError, MissingDependencyError, ProcessFailedError} from "../errors.ts";
import type {Frame} from "../guest/channel.ts";
import {buildImage, type GuestImage} from "../guest/image.ts";
import {sha256} from "../guest/paths.ts";
import type {Step, StepOutput} from "../targets/target.ts";
import {newRunDir} from "../guest/run-files.ts";
import {GuestBoot} from "../targets/guest-boot.ts";
import {writeLabBoot} from "./boot-files.ts";
import {parseXlInfo} from "../targets/xen.ts";
import {OrderedDelivery, StepAssembler, parseKeyValues, type GuestFacts} from "../guest/frames.ts";
import {buildLabRoot, type LabRoot} from "./root.ts";
import {type InnerKind, type Paging} from "./script.ts";
import {LabMeterHold, XEN_METERS_FILE} from "./meters.ts";
import {meterArgs} from "../meters/steps.ts";
import type {MeterMode} from "../targets/registry.ts";

export interface LabEnvSpec {
  label: string;
  inner: InnerKind;
  /** KVM only: nested (NPT) or shadow paging (kvm_amd npt=0). */
  paging: Paging;
  /** vCPUs of the inner guest; for `native`, of the lab machine itself. */
  vcpus: number;
  /** Memory of the inner guest (kvm, xen). */
  memoryMb: number;
  /** Scratch disk of the inner guest for the file suite (kvm, xen); 0 = none. */
  diskMb: number;
  /** vCPUs of the lab machine hosting a KVM guest or Xen (default: the session's, 2); `native` uses `vcpus`. */
  labVcpus?: number | null;
  /** The environment's meters (docs/meters.md); default `rep`. */
  meters?: MeterMode;
  /** The inner guest's disk is a controller passed through to it (kvm, xen-*; lab/passthrough.ts). */
  passthrough?: boolean;
}

export interface LabSessionOptions {
  probes: Record<string, string>;
  cacheDir?: string;
  log?: (line: string) => void;
  /** Seconds from launch to the lab's first frame; default 300 (plain) / 600 (Xen). */
  bootTimeoutS?: number;
  /** Seconds an inner guest gets to boot before its first step; default 300. */
  innerBootS?: number;
  /** Seconds beyond each step's timeout; default 30. */
  stepSlackS?: number;
  /** vCPUs of the lab machine for KVM and Xen boots; default 2. */
  labVcpus?: number;
  /** Run the group's other environments' steps in the same boot (default true). */
  speculate?: boolean;
  /** Scratch disk of the lab machine for native file tests, MB (inner disks are added). Default 1024. */
  nativeDiskMb?: number;
  /** Lab boots kept in `<cache>/lab-runs/`; default 12. */
  keepRuns?: number;
  /** QEMU binary on the host. */
  qemu?: string;
  /** A lab root, image and guest disk to use as they are (tests boot stand-ins for them). */
  prepared?: {lab: LabRoot; image: GuestImage; guestDisk: string};
}

/** What one lab boot learnt about an inner environment (for its fingerprint). */
export interface InnerFacts {
  guest: GuestFacts;
  lab: Record<string, string>;
  xlInfo: Record<string, string> | null;
  /** The inner launch: the L2 QEMU command line or the xl config text. */
  launch: string;
  /** The lab machine's own QEMU command line (host side). */
  labLaunch: string;
  labRoot: string;
  image: string;
  kernelPackage: string;
  labVcpus: number;
  labMemoryMb: number;
  /** A pass-through environment's PTINFO: device, IOMMU, drivers (lab/passthrough.ts). */
  passthrough?: Record<string, string>;
}

/** Timings of one lab boot (host seconds from QEMU launch), for bench/lab.ts and logs. */
export interface BootReport {
  runDir: string;
  group: string;
  xen: boolean;
  launchedAt: number;
  /** Seconds to the LAB frame (lab kernel + our init up). */
  labUpS: number | null;
  /** Seconds to the Xen daemons being up (Xen boots). */
  xenReadyS: number | null;
  envs: Array<{label: string; kind: InnerKind; startS: number | null; helloS: number | null; endS: number | null; steps: number; rc: string | null}>;
  totalS: number;
  exit: string;
  killed: string | null;
  marks: Array<{name: string; uptime: number; atS: number}>;
  /** $VMMBENCH_LAB_TAG of the process that booted it (benches find their own boots by it). */
  tag: string | null;
}

interface Buffered {
  step: Step;
  output: StepOutput;
}


const LINUX_BOOT_S = 300;
const XEN_BOOT_S = 600;

export class LabSession {
  readonly options: LabSessionOptions;
  readonly #envs = new Map<string, LabEnvSpec>();
  readonly #buffer = new Map<string, Map<string, Buffered>>();
  readonly #consumed = new Map<string, Set<string>>();
  readonly #facts = new Map<string, InnerFacts>();
  /** Pass-through environments the lab cannot run (their controller, IOMMU or VMM refused): why, and whether their steps were told. */
  readonly #unmeasurable = new Map<string, {reason: string; text: string; told: boolean}>();
  #prepared: Promise<{lab: LabRoot; image: GuestImage; guestDisk: string}> | undefined;
  #child: ResultPromise | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  readonly reports: BootReport[] = [];

  constructor(options: LabSessionOptions) {
    this.options = options;
  }

  add(spec: LabEnvSpec): void {
    const existing = this.#envs.get(spec.label);
    const key = (e: LabEnvSpec) => [e.label, e.inner, e.paging, e.vcpus, e.memoryMb, e.diskMb, e.labVcpus ?? "", e.meters ?? "rep", e.passthrough ? "pt" : ""].join("\0");
    if (existing && key(existing) !== key(spec)) throw new ConfigError(`lab environment ${spec.label} is defined twice, differently`);
    if (!["native", "kvm", "xen-pv", "xen-pvh", "xen-hvm"].includes(spec.inner)) throw new ConfigError(`lab environment ${spec.label}: inner must be native, kvm, xen-pv, xen-pvh or xen-hvm`);
    if (spec.passthrough && (spec.inner === "native" || !(spec.diskMb > 0))) throw new ConfigError(`lab environment ${spec.label}: pass-through needs an inner guest (kvm, xen-*) and a disk (disk_mb > 0)`);
    if (!(Number.isInteger(spec.vcpus) && spec.vcpus >= 1 && spec.vcpus <= 8)) throw new ConfigError(`lab environment ${spec.label}: vcpus must be 1–8`);
    this.#envs.set(spec.label, spec);
  }

  env(label: string): LabEnvSpec {
    const spec = this.#envs.get(label);
    if (!spec) throw new ConfigError(`no lab environment ${label} in this session`);
    return spec;
  }

  /** The lab root, the guest image (same kernel as the lab) and its disk; built or found in the cache. */
  prepare(): Promise<{lab: LabRoot; image: GuestImage; guestDisk: string}> {
    if (this.options.prepared) return Promise.resolve(this.options.prepared);
    this.#prepared ??= (async () => {
      const log = this.options.log;
      const lab = await buildLabRoot({cacheDir: this.options.cacheDir, log});
      const image = await buildImage({probes: this.options.probes, kernelPackage: lab.manifest.kernelPackage, cacheDir: this.options.cacheDir, log});
      const guestDisk = await this.#guestDisk(lab, image);
      return {lab, image, guestDisk};
    })();
    this.#prepared.catch(() => (this.#prepared = undefined));
    return this.#prepared;
  }

  labVcpus(spec: LabEnvSpec): number {
    return spec.inner === "native" ? spec.vcpus : Math.max(spec.labVcpus ?? this.options.labVcpus ?? 2, spec.vcpus);
  }

  /** The boot an environment needs: Linux or Xen, the lab's vCPU count, and whether it has an IOMMU (pass-through). */
  groupOf(spec: LabEnvSpec): string {
    return `${spec.inner.startsWith("xen-") ? "xen" : "linux"}-smp${this.labVcpus(spec)}${spec.passthrough ? "-iommu" : ""}`;
  }

  groupMembers(group: string): LabEnvSpec[] {
    return [...this.#envs.values()].filter((spec) => this.groupOf(spec) === group);
  }

  /** Facts for an environment's fingerprint: from a boot of this session, the disk cache, or a boot with no steps. */
  async facts(label: string): Promise<InnerFacts> {
    const spec = this.env(label);
    const known = this.#facts.get(label);
    if (known) return known;
    const unmeasurable = this.#unmeasurable.get(label);
    if (unmeasurable) throw new GuestFailedError(`not measurable here: ${unmeasurable.reason}`);
    const {lab, image} = await this.prepare();
    const file = this.#factsFile(lab, image, spec);
    if (existsSync(file)) {
      const cached = JSON.parse(await readFile(file, "utf8")) as InnerFacts;
      this.#facts.set(label, cached);
      return cached;
    }
    const group = this.groupOf(spec);
    await this.#serial(() => this.#boot(group, new Map(this.groupMembers(group).map((member) => [member.label, [] as Step[]])), undefined));
    const facts = this.#facts.get(label);
    if (!facts) throw new ProcessFailedError(`lab boot (${group}) for the facts of ${label}`, undefined, undefined, false, `the inner environment never reported (see ${this.reports.at(-1)?.runDir ?? "the lab run directory"})`);
    return facts;
  }

  /** Runs `steps` in environment `label`: buffered outputs first, then one lab boot for the rest (plus the group's speculation). */
  run(label: string, steps: Step[], onOutput: (output: StepOutput) => Promise<void> | void): Promise<void> {
    return this.#serial(async () => {
      const spec = this.env(label);
      const unmeasurable = this.#unmeasurable.get(label);
      if (unmeasurable) {
        // The boot that found it out kept the console; its steps carry it once, and then the campaign records it as broken.
        if (unmeasurable.told) throw new GuestFailedError(`not measurable here: ${unmeasurable.reason}`);
        unmeasurable.told = true;
        const assembler = new StepAssembler(steps);
        for (const output of assembler.unfinished(`vmmbench lab: not measurable here: ${unmeasurable.reason}`, "(an earlier lab boot)", unmeasurable.text, false)) await onOutput(output);
        return;
      }
      const buffered = this.#buffer.get(label) ?? new Map<string, Buffered>();
      const remaining: Step[] = [];
      const consumed = this.#consumedOf(label);
      for (const step of steps) {
        const hit = buffered.get(step.id);
        buffered.delete(step.id);
        if (hit && sameStep(hit.step, step)) {
          consumed.add(step.id);
          await onOutput(hit.output);
        } else remaining.push(step);
      }
      if (remaining.length === 0) return;
      const group = this.groupOf(spec);
      const plan = new Map<string, Step[]>([[label, remaining]]);
      if (this.options.speculate ?? true) {
        for (const other of this.groupMembers(group)) {
          if (other.label === label) continue;
          const theirs = remaining
            .map((step) => relabel(step, label, other.label, other.meters))
            .filter((step): step is Step => step !== undefined && !this.#consumedOf(other.label).has(step.id) && !this.#buffer.get(other.label)?.has(step.id));
          if (theirs.length) plan.set(other.label, theirs);
        }
      }
      await this.#boot(group, plan, {label, onOutput});
    });
  }

  /** Kills a boot in flight and forgets speculative outputs (step ids repeat across campaigns). */
  async close(): Promise<void> {
    this.#child?.kill("SIGKILL");
    await this.#child?.catch(() => {});
    this.#buffer.clear();
    this.#consumed.clear();
  }

  #consumedOf(label: string): Set<string> {
    let set = this.#consumed.get(label);
    if (!set) this.#consumed.set(label, (set = new Set()));
    return set;
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #factsFile(lab: LabRoot, image: GuestImage, spec: LabEnvSpec): string {
    const key = sha256(JSON.stringify({lab: lab.hash, image: image.hash, inner: spec.inner, paging: spec.paging, vcpus: spec.vcpus, memoryMb: spec.memoryMb, diskMb: spec.diskMb, labVcpus: this.labVcpus(spec), passthrough: Boolean(spec.passthrough), v: 2}));
    return join(lab.dir, "facts", `${key}.json`);
  }

  /** The guest image as an ext4 disk for the lab (`/guest`): vmlinux, initramfs.cpio, bin/<probe>. Cached per image. */
  async #guestDisk(lab: LabRoot, image: GuestImage): Promise<string> {
    const path = join(lab.dir, "guests", `${image.hash}.img`);
    if (existsSync(path)) return path;
    await mkdir(join(lab.dir, "guests"), {recursive: true});
    const tmp = await mkdtemp(join(lab.dir, "guests", ".build-"));
    try {
      const tree = join(tmp, "tree");
      await mkdir(join(tree, "bin"), {recursive: true});
      for (const [from, name] of [[image.kernel, "vmlinux"], [image.bzImage, "vmlinuz"]] as const) {
        await link(from, join(tree, name)).catch(() => copyFile(from, join(tree, name)));
      }
      await copyFile(image.initramfs, join(tree, "initramfs.cpio"));
      for (const [name, file] of Object.entries(this.options.probes)) await copyFile(file, join(tree, "bin", name));
      let bytes = 0;
      for (const name of ["vmlinux", "vmlinuz", "initramfs.cpio"]) bytes += (await stat(join(tree, name))).size;
      for (const name of await readdir(join(tree, "bin"))) bytes += (await stat(join(tree, "bin", name))).size;
      const sizeMb = Math.ceil((bytes / (1 << 20)) * 1.2 + 32);
      await execa("truncate", ["-s", `${sizeMb}M`, join(tmp, "guest.img")]);
      const mkfs = await execa("mkfs.ext4", ["-F", "-q", "-L", "vmmbguest", "-E", "lazy_itable_init=0,lazy_journal_init=0", "-d", tree, join(tmp, "guest.img")], {reject: false, all: true});
      if ((mkfs as {code?: string}).code === "ENOENT") throw new MissingDependencyError("mkfs.ext4", "apt-get install e2fsprogs");
      if (mkfs.exitCode !== 0) throw new ProcessFailedError("mkfs.ext4 -d (guest disk)", mkfs.exitCode, mkfs.signal, false, String(mkfs.all ?? ""));
      await execa("mv", [join(tmp, "guest.img"), path]);
    } finally {
      await rm(tmp, {recursive: true, force: true});
    }
    return path;
  }

  /**
   * One lab boot running `plan` (label → steps; an empty list still boots that environment for its
   * facts). Outputs of `live.label` go to `live.onOutput` as they arrive; the others are buffered.
   */
  async #boot(group: string, plan: Map<string, Step[]>, live: {label: string; onOutput: (output: StepOutput) => Promise<void> | void} | undefined): Promise<void> {
    const {lab, image, guestDisk} = await this.prepare();
    const log = this.options.log ?? (() => {});
    const xen = group.startsWith("xen");
    const specs = [...plan.keys()].map((label) => this.env(label));
    const labVcpus = Math.max(...specs.map((spec) => this.labVcpus(spec)));
    const slackS = this.options.stepSlackS ?? 30;
    const innerBootS = this.options.innerBootS ?? 300;
    const innerMem = Math.max(256, ...specs.filter((s) => s.inner !== "native").map((s) => s.memoryMb));
    const labMemoryMb = xen ? 1024 + innerMem + 256 : specs.some((s) => s.inner === "kvm") ? innerMem + 768 : 1536;
    const runDir = await this.#runDir(group);

    const {args, labLaunch, scriptEnvs, launches, innerDisks} = await writeLabBoot({
      group, xen, specs, plan, lab, image, guestDisk, runDir, labVcpus, labMemoryMb,
      slackS, innerBootS, nativeDiskMb: this.options.nativeDiskMb ?? 1024, qemu: this.options.qemu ?? "qemu-system-x86_64"
    });

    // Deadlines: the lab's first frame, each environment, the whole boot.
    const bootS = this.options.bootTimeoutS ?? (xen ? XEN_BOOT_S : LINUX_BOOT_S);
    const batchS = bootS + scriptEnvs.reduce((sum, env) => sum + env.timeoutS + 90, 0);
    const child = execa(this.options.qemu ?? "qemu-system-x86_64", args, {reject: false, stdin: "ignore", all: true, cleanup: true, buffer: true});
    this.#child = child;
    adopt(child, `lab ${group}`);
    log(`lab: booting ${group} (${xen ? "Xen dom0" : "Linux"}, ${labVcpus} vCPU, ${labMemoryMb} MB) for ${specs.map((s) => `${s.label}:${plan.get(s.label)!.length}`).join(" ")} in ${runDir}`);

    const report: BootReport = {
      runDir, group, xen, launchedAt: Date.now(), labUpS: null, xenReadyS: null,
      envs: specs.map((s, i) => ({label: s.label, kind: s.inner, startS: null, helloS: null, endS: null, steps: plan.get(s.label)!.length, rc: null})),
      totalS: 0, exit: "", killed: null, marks: [], tag: process.env.VMMBENCH_LAB_TAG ?? null
    };
    // The boot starts reading frames once the handlers below exist; until then nothing can call these.
    let boot: GuestBoot | undefined;
    const at = () => boot!.elapsedS;
    const kill = (why: string) => boot!.kill(why);
    const assemblers = specs.map((spec) => new StepAssembler(plan.get(spec.label)!));
    const consoles = specs.map(() => "");
    const ptInfo = specs.map((): Record<string, string> | undefined => undefined);
    let current: number | undefined;
    let labFacts: Record<string, string> | undefined;
    let xlInfo: Record<string, string> | null = null;
    const labNotes: string[] = [];
    let envDeadline = Infinity;
    let envDeadlineWhy = "";

    const delivery = live ? new OrderedDelivery(live.onOutput, () => kill("onOutput threw")) : undefined;
    // Outputs of an environment whose meters are on wait for its meter frame (lab/meters.ts).
    const meterHold = new LabMeterHold(specs, plan, () => xlInfo);
    const deliver = (index: number, output: StepOutput) => {
      if (!meterHold.hold(index, output)) send(index, output);
    };
    const send = (index: number, output: StepOutput) => {
      const spec = specs[index]!;
      const step = plan.get(spec.label)!.find((s) => s.id === output.id)!;
      if (delivery && spec.label === live!.label) {
        this.#consumedOf(spec.label).add(output.id);
        delivery.deliver(output);
      } else {
        // Speculative outputs: only steps that finished in the guest get here (see below).
        let map = this.#buffer.get(spec.label);
        if (!map) this.#buffer.set(spec.label, (map = new Map()));
        map.set(output.id, {step, output});
      }
    };

    const onFrame = (frame: Frame) => {
      if (meterHold.frame(frame)) return;
      switch (frame.kind) {
        case "LAB":
          labFacts = parseKeyValues(frame.payload.toString("utf8"));
          report.labUpS = at();
          log(`lab: ${group} up after ${report.labUpS.toFixed(1)} s (kernel ${labFacts.kernel}, ${labFacts.nproc} CPU)`);
          return;
        case "XLINFO":
          xlInfo = parseXlInfo(frame.payload.toString("utf8"));
          report.xenReadyS = at();
          log(`lab: Xen ${xlInfo.xen_version} ready after ${report.xenReadyS.toFixed(1)} s`);
          return;
        case "MARK":
          report.marks.push({name: frame.fields[0] ?? "", uptime: Number(frame.fields[1]), atS: at()});
          return;
        case "LABNOTE": {
          const note = frame.payload.toString("utf8").trim();
          labNotes.push(note);
          log(`lab: note: ${note}`);
          return;
        }
        case "ENV": {
          const index = Number(frame.fields[0]);
          current = index;
          report.envs[index]!.startS = at();
          const env = scriptEnvs[index];
          if (env) {
            envDeadline = performance.now() + (env.timeoutS + 90) * 1000;
            envDeadlineWhy = `inner environment ${specs[index]!.label} (${env.kind}) outlived its deadline (${env.timeoutS} s + 90 s): the lab is hung`;
          }
          log(`lab: ${specs[index]?.label} (${env?.kind}) starting at ${at().toFixed(1)} s`);
          return;
        }
        case "ENVEND": {
          const index = Number(frame.fields[0]);
          report.envs[index]!.endS = at();
          report.envs[index]!.rc = frame.fields[1] ?? null;
          if (current === index) current = undefined;
          envDeadline = Infinity;
          const a = assemblers[index];
          log(`lab: ${specs[index]?.label} done at ${at().toFixed(1)} s (rc ${frame.fields[1]}, ${a?.finished ?? 0}/${plan.get(specs[index]!.label)?.length ?? 0} steps)`);
          for (const output of meterHold.release(index)) send(index, output);
          return;
        }
        case "CONSOLE": {
          const index = Number(frame.fields[0]);
          consoles[index] = frame.payload.toString("utf8");
          return;
        }
        case "PTINFO":
          ptInfo[Number(frame.fields[0])] = parseKeyValues(frame.payload.toString("utf8"));
          return;
        case "LABBYE":
          return;
        default: {
          if (current === undefined) return;
          const assembler = assemblers[current]!;
          const wasHello = assembler.sawHello;
          for (const output of assembler.frame(frame)) deliver(current, output);
          if (!wasHello && assembler.sawHello) report.envs[current]!.helloS = at();
        }
      }
    };
    boot = new GuestBoot({child, frames: {file: join(runDir, "channel.bin")}, onFrame, what: "the lab machine", log: (line) => log(`lab: ${line}`)});
    boot.watch(() => {
      if (at() > batchS) return `the lab boot outlived its deadline (${batchS} s)`;
      if (!labFacts && at() > bootS) return `no word from the lab machine within ${bootS} s of launch (${xen ? "Xen" : "Linux"} boot)`;
      if (performance.now() > envDeadline) return envDeadlineWhy;
      return undefined;
    }, 250);

    const result = await boot.finished();
    const killedBecause = result.killedBecause;
    this.#child = undefined;
    report.totalS = at();
    report.exit = String(result.exitCode ?? result.signal);
    report.killed = killedBecause ?? null;
    await writeFile(join(runDir, "qemu.out"), result.all);
    await writeFile(join(runDir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
    await rm(join(runDir, "initrd"), {force: true});
    await meterHold.collect(join(runDir, "scratch.img"));
    if (meterHold.xenFacts) await writeFile(join(lab.dir, XEN_METERS_FILE), meterHold.xenFacts);
    await rm(join(runDir, "scratch.img"), {force: true});
    for (const disk of innerDisks) await rm(disk.file, {force: true});
    this.reports.push(report);
    log(`lab: ${group} exited (${report.exit}) after ${report.totalS.toFixed(1)} s`);

    // Facts for fingerprints, cached on disk for the next session.
    if (labFacts) {
      for (const [index, spec] of specs.entries()) {
        const guest = assemblers[index]!.facts;
        if (!guest) continue;
        const facts: InnerFacts = {
          guest,
          lab: labFacts,
          xlInfo,
          launch: launches.get(index) ?? "",
          labLaunch,
          labRoot: lab.hash,
          image: image.hash,
          kernelPackage: lab.manifest.kernelPackage,
          labVcpus,
          labMemoryMb,
          ...(ptInfo[index] ? {passthrough: ptInfo[index]} : {})
        };
        this.#facts.set(spec.label, facts);
        const file = this.#factsFile(lab, image, spec);
        await mkdir(join(file, ".."), {recursive: true});
        await writeFile(file, `${JSON.stringify(facts, null, 2)}\n`);
      }
    }

    const consoleText = await readFile(join(runDir, "console.log"), "utf8").catch(() => "");
    // A pass-through environment that ran to its end without its guest saying a word was refused
    // (the controller, the IOMMU or the VMM said no): that does not change from one boot to the next.
    for (const [index, spec] of specs.entries()) {
      const rc = report.envs[index]!.rc;
      if (!spec.passthrough || assemblers[index]!.sawHello || rc === null || rc === "137") continue;
      const text = `${consoles[index] ?? ""}${labNotes.length ? `\n--- lab notes ---\n${labNotes.join("\n")}` : ""}`;
      this.#unmeasurable.set(spec.label, {reason: refusal(labNotes, consoles[index] ?? "", spec.inner, rc), text: `${text}\n--- lab console (tail) ---\n${consoleText.slice(-1500)}`, told: spec.label === live?.label});
      log(`lab: ${spec.label} is not measurable here: ${this.#unmeasurable.get(spec.label)!.reason}`);
    }
    if (!labFacts && !killedBecause && result.exitCode !== 0 && !consoleText.trim()) {
      throw new ProcessFailedError(labLaunch, result.exitCode, result.signal, false, result.all);
    }
    for (const [index, spec] of specs.entries()) {
      // Steps of the other environments that did not finish are not kept: they run again when asked for.
      if (!live || spec.label !== live.label) continue;
      const assembler = assemblers[index]!;
      const reason = killedBecause
        ? `vmmbench lab: the lab machine was killed by the host: ${killedBecause}`
        : !labFacts
          ? `vmmbench lab: the lab machine never came up (QEMU exit ${report.exit}; a panic or a bad root?)`
          : report.envs[index]!.startS === null
            ? `vmmbench lab: the lab machine stopped before this environment started (QEMU exit ${report.exit})`
            : report.envs[index]!.endS === null
              ? `vmmbench lab: the lab machine stopped while this environment ran (QEMU exit ${report.exit}; a kernel panic or a crash)`
              : this.#unmeasurable.has(spec.label)
                ? `vmmbench lab: not measurable here: ${this.#unmeasurable.get(spec.label)!.reason}`
                : `vmmbench lab: ${spec.inner} environment ended (rc ${report.envs[index]!.rc ?? "?"}) without reporting this step${labNotes.length ? `; lab notes: ${labNotes.join(" | ")}` : ""}${assembler.notes.length ? `; guest notes: ${assembler.notes.join(" | ")}` : ""}`;
      const text = `${consoles[index] ? `${consoles[index].slice(-2500)}\n--- lab console (tail) ---\n` : ""}${consoleText.slice(consoles[index] ? -1500 : -4000)}`;
      for (const output of assembler.unfinished(reason, join(runDir, "console.log"), text, Boolean(killedBecause))) deliver(index, output);
    }
    for (const {index, output} of meterHold.releaseAll(`the lab machine stopped before ${specs.length > 1 ? "the environment's" : "its"} meters came back (QEMU exit ${report.exit}${killedBecause ? `; killed: ${killedBecause}` : ""})`)) send(index, output);
    await delivery?.idle();
    delivery?.rethrow();
  }



  #runDir(group: string): Promise<string> {
    return newRunDir("lab-runs", group, {cacheDir: this.options.cacheDir, keep: this.options.keepRuns ?? 12, busyFile: "initrd"});
  }

}

/**
 * Why the lab could not run a pass-through environment, in one line: the lab's own note on the
 * controller, else the last error its VMM printed (QEMU's or xl's), else its exit status.
 */
export function refusal(labNotes: readonly string[], console: string, inner: string, rc: string): string {
  const note = labNotes.find((line) => line.startsWith("pass-through:"));
  if (note) return note.replace(/^pass-through:\s*/, "");
  const vmm = inner === "kvm" ? "QEMU (KVM, vfio-pci)" : `Xen ${inner.slice(4).toUpperCase()} (xl)`;
  const said = console
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => /error|fail|not (yet )?supported|cannot|unable|denied/i.test(line) && !line.startsWith("vmmbench-lab:"));
  return said.length ? `${vmm}: ${said.at(-1)}` : `${vmm} exited (rc ${rc}) before the guest said anything`;
}

/** Same probe and arguments: a buffered output answers the step. */
export function sameStep(a: Step, b: Step): boolean {
  return a.id === b.id && a.probe === b.probe && a.timeoutS === b.timeoutS && JSON.stringify(a.args) === JSON.stringify(b.args);
}

/** The campaign's step ids start with `<environment>/`; the same step for another environment, with its meter mode. */
export function relabel(step: Step, from: string, to: string, meters?: MeterMode): Step | undefined {
  if (!step.id.startsWith(`${from}/`)) return undefined;
  return {...step, id: `${to}/${step.id.slice(from.length + 1)}`, args: meterArgs(step.args, meters)};
}
