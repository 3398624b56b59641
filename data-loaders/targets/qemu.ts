/**
 * The QEMU target: boots the hermetic guest image (data-loaders/guest/) once per batch and runs the
 * batch's steps inside it.
 *
 * - The batch travels as a second cpio archive appended to the image's initramfs (`/vmmbench/
 *   batch.sh`): no size limit, arguments passed as data, never through the kernel command line.
 * - The guest runs each step with its own timeout (the whole process group is killed) and reports
 *   stdout, stderr, exit status and duration as frames on the second serial port (`/dev/ttyS1`,
 *   `-serial file:channel.bin` here), not on the console. The host tails that file while the guest
 *   runs, so each step reaches `onOutput` as soon as it finishes.
 * - A guest that panics (QEMU exits: `panic=-1` + `-no-reboot`) or hangs (killed by PID at the boot,
 *   step or batch deadline) costs only the steps not finished; they come back with the console
 *   tail in stderr, `timedOut: true` when the host had to kill the guest.
 * - KVM when /dev/kvm is usable (`-accel kvm -cpu host`), else TCG (`-accel tcg,thread=multi
 *   -cpu max`), the combination measured fastest in docs/guests.md.
 * - With `passthrough` (KVM only), a disk controller of the host is the guest's disk instead of the
 *   scratch image: checked and bound to vfio-pci before the first boot, given back to its driver at
 *   close (targets/passthrough.ts); the guest mounts the file system labelled for it.
 * Every boot keeps `console.log`, `channel.bin` and `qemu.args` in `<cache>/qemu-runs/<dir>/`.
 */

import type {GuestFacts} from "../guest/frames.ts";
import {readFile, rm, writeFile} from "node:fs/promises";
import {hostname} from "node:os";
import {join} from "node:path";
import {performance} from "node:perf_hooks";
import {execa, type ResultPromise} from "execa";
import {adopt} from "../campaign/process-group.ts";
import {checkBootMemory} from "../guest/boot-memory.ts";
import {ConfigError, GuestFailedError, MissingDependencyError, ProcessFailedError} from "../errors.ts";
import {imageOf, type GuestBatchOptions, type GuestImage} from "../guest/image.ts";
import {batchArchive} from "../guest/initramfs.ts";
import {SCRATCH_DIR} from "../guest/init-script.ts";
import {launchLine, makeScratchDisk, newRunDir} from "../guest/run-files.ts";
import {runBatch} from "./guest-boot.ts";
import {detectKvm, type BootCheck, type KvmStatus} from "./kvm-detect.ts";
import {integer, mapping, oneOf, text} from "../plan/schema.ts";
import {bindVfio, checkPassthrough, guestDiskExtra, passthroughExtra, passthroughKey, type Binding, type PassthroughCheck, type PassthroughSpec} from "./passthrough.ts";
import {defineTarget, type Fingerprint, type MeterMode, type PlannedVirt, type Step, type StepOutput, type Target} from "./target.ts";
import {KvmMeterPort} from "../meters/kvm-port.ts";

export type QemuAccel = "tcg" | "kvm" | "auto";
export type DiskCacheMode = "none" | "writeback" | "writethrough" | "directsync" | "unsafe";

export interface QemuTargetOptions extends GuestBatchOptions {
  /** `auto` (default): KVM when usable, else TCG. `kvm` fails when KVM is not usable. */
  accel?: QemuAccel;
  /** Default 1 (under TCG, a second vCPU makes fork much dearer: docs/guests.md). Memory default 1024. */
  vcpus?: number;
  /** QEMU `cache=` of the scratch disk; default `none` (O_DIRECT on the host, no host page cache). */
  diskCacheMode?: DiskCacheMode;
  /** Default: 1024 when diskCacheMode is given, else 0. */
  diskMb?: number;
  /** Default 60 (TCG) / 30 (KVM). */
  bootTimeoutS?: number;
  /** Extra environment for the probes in the guest. */
  env?: Record<string, string>;
  /** Extra kernel command line words. */
  kernelArgs?: string[];
  /** Extra QEMU arguments (appended). */
  qemuArgs?: string[];
  /** QEMU binary; default `qemu-system-x86_64` from PATH. */
  qemu?: string;
  /** Run directories kept for diagnosis; default 20. */
  keepRuns?: number;
  /** Seconds a KVM check boot may take to say HELLO before KVM counts as unusable; default 20. */
  kvmCheckS?: number;
  /** Use `accel` as given, without checking it by a boot (the KVM check's own boot). */
  accelChecked?: boolean;
  /** Check KVM by a new boot even where a verdict is cached (doctor --recheck). */
  kvmRecheck?: boolean;
  /** The machine type and how it gets the guest its channel and disk; default the PC. */
  machine?: QemuMachine;
  /** The environment's meters: under KVM on the PC machine the host's side is read too (meters/kvm-port.ts). */
  meters?: MeterMode;
  /** A host PCI function (a disk controller) given to the guest with vfio-pci, whose labelled file system the guest writes to. */
  passthrough?: PassthroughSpec;
}

/** A QEMU machine type as the guest image needs it: a second serial port for the frames, a virtio disk. */
export interface QemuMachine {
  name: string;
  /** `-M …` and whatever the machine needs to boot the image. */
  args: readonly string[];
  /** Devices that give the guest its second serial port (/dev/ttyS1), writing to `file`. */
  channel(file: string): string[];
  /** Devices that give the guest its scratch disk (/dev/vda). */
  disk(file: string, cache: DiskCacheMode): string[];
  /** Kernel command-line words the machine needs under this accelerator. */
  kernelArgs?(accel: "tcg" | "kvm"): string[];
}

export const PC_MACHINE: QemuMachine = {
  name: "pc",
  args: ["-M", "pc"],
  channel: (file) => ["-serial", `file:${file}`],
  disk: (file, cache) => ["-drive", `file=${file},if=virtio,format=raw,cache=${cache}`]
};

interface Boot {
  runDir: string;
  args: string[];
}

const TCG_BOOT_ALLOWANCE_S = 60;
const KVM_BOOT_ALLOWANCE_S = 30;

export class QemuTarget implements Target {
  readonly label: string;
  readonly options: QemuTargetOptions;
  readonly #qemu: string;
  readonly #vcpus: number;
  readonly #memoryMb: number;
  readonly #diskMb: number;
  readonly #diskCacheMode: DiskCacheMode;
  readonly #machine: QemuMachine;
  #image: Promise<GuestImage> | undefined;
  #accel: Promise<"tcg" | "kvm"> | undefined;
  #kvm: KvmStatus | undefined;
  #version: Promise<string> | undefined;
  #info: GuestFacts | undefined;
  /** Why the last boot gave no facts (killed at its deadline, QEMU exited), for messages. */
  #lastFailure: string | undefined;
  #lastLaunch: string | undefined;
  #child: ResultPromise | undefined;
  #nextRunDir: string | undefined;
  #passthrough: {check: PassthroughCheck; binding: Binding} | undefined;
  /** Directory of the last boot (console.log, channel.bin, qemu.args). */
  lastRunDir: string | undefined;

  constructor(options: QemuTargetOptions) {
    if (!options.label) throw new ConfigError("a QEMU target needs a label");
    if (!options.probes && !options.image) throw new ConfigError(`target ${options.label}: give probes or an image`);
    this.label = options.label;
    this.options = options;
    this.#qemu = options.qemu ?? "qemu-system-x86_64";
    this.#vcpus = positiveInteger(options.vcpus ?? 1, "vcpus");
    this.#memoryMb = positiveInteger(options.memoryMb ?? 1024, "memoryMb");
    this.#diskCacheMode = options.diskCacheMode ?? "none";
    this.#machine = options.machine ?? PC_MACHINE;
    if (!["none", "writeback", "writethrough", "directsync", "unsafe"].includes(this.#diskCacheMode)) {
      throw new ConfigError(`diskCacheMode must be none, writeback, writethrough, directsync or unsafe, got ${JSON.stringify(options.diskCacheMode)}`);
    }
    this.#diskMb = options.diskMb ?? (options.diskCacheMode ? 1024 : 0);
    if (!(Number.isInteger(this.#diskMb) && this.#diskMb >= 0)) throw new ConfigError(`diskMb must be a whole number ≥ 0`);
    if (options.accel && !["tcg", "kvm", "auto"].includes(options.accel)) throw new ConfigError(`accel must be tcg, kvm or auto`);
  }

  /** QEMU and the accelerator first (a missing QEMU is named before any download), then the image and whether memory_mb boots it, then the pass-through device. */
  async prepare(): Promise<void> {
    await this.accel();
    checkBootMemory(this.#memoryMb, await this.image());
    await this.#bind();
  }

  /** Checks the pass-through device and binds it to vfio-pci, once. */
  async #bind(): Promise<void> {
    const wanted = this.options.passthrough;
    if (!wanted || this.#passthrough) return;
    if ((await this.accel()) !== "kvm") throw new ConfigError(`${this.label}: pass-through of ${wanted.pci} needs KVM (vfio-pci), and KVM is not usable here`);
    const check = await checkPassthrough(wanted.pci, "vfio-pci");
    this.#passthrough = {check, binding: await bindVfio(check)};
    this.options.log?.(`${this.label}: ${wanted.pci} bound to vfio-pci (was ${this.#passthrough.binding.previous ?? "unbound"})`);
  }

  /** The image this target boots (built on first use). */
  image(): Promise<GuestImage> {
    this.#image ??= imageOf(this.options);
    return this.#image;
  }

  /** `tcg` or `kvm`, resolved once: `auto` and `kvm` check KVM by booting the guest image under it. */
  accel(): Promise<"tcg" | "kvm"> {
    this.#accel ??= (async () => {
      await this.qemuVersion();
      const wanted = this.options.accel ?? "auto";
      if (wanted === "tcg" || (wanted === "kvm" && this.options.accelChecked)) return wanted;
      const kvm = await this.kvmStatus();
      if (kvm.usable) return "kvm";
      if (wanted === "kvm") {
        throw new MissingDependencyError("usable KVM", "enable hardware virtualization (vmx/svm) for this machine, or use accel: tcg (or auto)", kvm.reason);
      }
      this.options.log?.(`${this.label}: KVM not usable, using TCG: ${kvm.reason}`);
      return "tcg";
    })();
    return this.#accel;
  }

  /** The host's KVM verdict for this target's QEMU and image (a boot, cached per host). */
  async kvmStatus(): Promise<KvmStatus> {
    this.#kvm ??= await detectKvm({
      qemu: this.#qemu,
      imageKey: async () => (await this.image()).hash,
      cacheDir: this.options.cacheDir,
      fresh: this.options.kvmRecheck,
      guestBoots: async () => this.#kvmBoot(await this.image())
    });
    return this.#kvm;
  }

  /** One boot with no steps under `-accel kvm -cpu host`: HELLO within the deadline or why not. */
  #kvmBoot(image: GuestImage): Promise<BootCheck> {
    return new QemuTarget({
      label: `${this.label}-kvm-check`, image, accel: "kvm", accelChecked: true, qemu: this.#qemu, vcpus: 1, memoryMb: 256,
      bootTimeoutS: this.options.kvmCheckS ?? 20, cacheDir: this.options.cacheDir, keepRuns: this.options.keepRuns
    }).checkBoot();
  }

  /** Boots once with no steps: did the guest say HELLO before the boot deadline, and after how long? */
  async checkBoot(): Promise<BootCheck> {
    const started = performance.now();
    try {
      await this.run([], () => {});
    } catch (error) {
      return {ok: false, why: (error as Error).message.split("\n")[0]!};
    }
    if (this.#info) return {ok: true, seconds: (performance.now() - started) / 1000};
    return {ok: false, why: `${this.#lastFailure ?? "no output from the guest"} (console log: ${this.lastRunDir}/console.log)`};
  }

  /** First line of `qemu-system-x86_64 --version`; MissingDependencyError when QEMU is absent. */
  qemuVersion(): Promise<string> {
    this.#version ??= (async () => {
      const result = await execa(this.#qemu, ["--version"], {reject: false, timeout: 30_000});
      if ((result as {code?: string}).code === "ENOENT") {
        throw new MissingDependencyError(this.#qemu, "apt-get install qemu-system-x86", "not found on PATH");
      }
      if (result.exitCode !== 0) {
        throw new ProcessFailedError(`${this.#qemu} --version`, result.exitCode, result.signal, Boolean(result.timedOut), String(result.stderr));
      }
      return String(result.stdout).split("\n")[0]!.replace(/^QEMU emulator version\s*/, "").trim();
    })();
    this.#version.catch(() => (this.#version = undefined));
    return this.#version;
  }

  async fingerprint(): Promise<Fingerprint> {
    const [version, accel, image] = await Promise.all([this.qemuVersion(), this.accel(), this.image()]);
    if (!this.#info) await this.run([], () => {}); // one boot with no steps reads the guest's facts
    const info = this.#info;
    if (!info) throw new GuestFailedError(`${this.label}: the guest never reported its facts (${this.#lastFailure ?? "no reason known"}; see ${this.lastRunDir ?? "the qemu-runs directory"})`);
    const kvm = this.options.accel === "tcg" || this.options.accelChecked ? undefined : this.#kvm;
    return {
      environment: this.options.environment ?? this.label,
      hypervisor: accel === "kvm" ? "kvm" : "qemu-tcg",
      hypervisorVersion: `QEMU ${version}`,
      mode: accel,
      guestOs: `vmmbench initramfs (busybox ${image.manifest.busybox})`,
      kernel: info.kernel,
      cpuModel: info.cpu,
      vcpus: info.nproc ?? this.#vcpus,
      memoryMb: this.#memoryMb,
      passthrough: this.#passthrough !== undefined,
      host: hostname(),
      launch: this.#lastLaunch ?? "",
      extra: {
        machine: this.#machine.name,
        accel,
        cpu: accel === "kvm" ? "host" : "max",
        diskCacheMode: this.#diskMb > 0 ? this.#diskCacheMode : "none (no disk)",
        diskMb: String(this.#diskMb),
        image: image.hash,
        kernelPackage: `${image.manifest.kernelPackage} ${image.manifest.kernelVersion}`,
        guestMemTotalKb: String(info.memtotalKb ?? ""),
        kernelCmdline: info.cmdline,
        ...(kvm ? {kvm_check: kvm.reason, kvm_provider: kvm.provider ?? "none"} : {}),
        ...guestDiskExtra(info.disk),
        ...(this.#passthrough ? passthroughExtra(this.#passthrough.check, this.#passthrough.binding) : {})
      }
    };
  }

  async close(): Promise<void> {
    this.#child?.kill("SIGKILL");
    await this.#child?.catch(() => {});
    const pt = this.#passthrough;
    this.#passthrough = undefined;
    if (pt) this.options.log?.(`${this.label}: ${pt.binding.address} given back to ${await pt.binding.release()}`);
  }

  async run(steps: Step[], onOutput: (output: StepOutput) => Promise<void> | void): Promise<void> {
    const image = await this.image();
    validateBatch(steps, image);
    if (steps.length === 0 && this.#info) return;
    const accel = await this.accel();
    await this.#bind();
    // KVM's counters for each meter span of the guest's probes, from this host (docs/meters.md).
    const port = accel === "kvm" && this.#machine === PC_MACHINE && steps.length > 0 && (this.options.meters ?? "rep") !== "off"
      ? await KvmMeterPort.listen(join(await this.#runDirFor(), "meter.sock"), () => this.#child?.pid)
      : undefined;
    // Until QEMU starts, nothing else closes the socket (afterExit does once it runs).
    const boot = await this.#prepare(steps, image, accel, port).catch(async (error: unknown) => {
      await port?.close();
      throw error;
    });
    const consolePath = join(boot.runDir, "console.log");
    const channelPath = join(boot.runDir, "channel.bin");
    const log = this.options.log ?? (() => {});

    const bootAllowanceS = this.options.bootTimeoutS ?? (accel === "kvm" ? KVM_BOOT_ALLOWANCE_S : TCG_BOOT_ALLOWANCE_S);
    const stepSlackS = this.options.stepSlackS ?? 20;
    const batchTimeoutS = this.options.timeoutS ?? bootAllowanceS + steps.reduce((sum, step) => sum + step.timeoutS + stepSlackS, 0);

    const child = execa(this.#qemu, boot.args, {reject: false, stdin: "ignore", all: true, cleanup: true, buffer: true});
    this.#child = child;
    adopt(child, this.label);
    log(`${this.label}: booting (${accel}) in ${boot.runDir}`);
    await runBatch({
      child,
      frames: {file: channelPath},
      what: "QEMU",
      log: (line) => log(`${this.label}: ${line}`),
      steps,
      onOutput: port ? (output) => onOutput({...output, meters: port.meters(steps.findIndex((step) => step.id === output.id))}) : onOutput,
      bootS: bootAllowanceS,
      stepSlackS,
      batchS: batchTimeoutS,
      console: consolePath,
      noun: "guest",
      onOtherFrame: (frame, assembler) => {
        if (frame.kind === "NOTE") log(`${this.label}: guest: ${assembler.notes.at(-1)}`);
      },
      afterExit: async (result, assembler) => {
        this.#child = undefined;
        await port?.close();
        if (assembler.facts) this.#info = assembler.facts;
        this.#lastFailure = assembler.sawHello
          ? undefined
          : (result.killedBecause ?? `QEMU exited (${result.signal ? `killed by ${result.signal}` : `status ${result.exitCode}`}) before the guest said anything`);
        this.#lastLaunch = launchLine(this.#qemu, boot.args, boot.runDir);
        await writeFile(join(boot.runDir, "qemu.out"), result.all);
        await rm(join(boot.runDir, "initrd"), {force: true});
        await rm(join(boot.runDir, "scratch.img"), {force: true});
        log(`${this.label}: QEMU exited (${result.exitCode ?? result.signal}) after ${result.seconds.toFixed(1)} s`);
      },
      // QEMU itself refused to start (bad argument, missing firmware…): not a guest failure.
      notStarted: (result, console) =>
        result.exitCode !== 0 && !console.trim() ? new ProcessFailedError(launchLine(this.#qemu, boot.args, boot.runDir), result.exitCode, result.signal, false, result.all) : undefined
    });
  }

  /** A new run directory for the next boot (#prepare takes it). */
  async #runDirFor(): Promise<string> {
    this.#nextRunDir ??= await newRunDir("qemu-runs", this.label, {cacheDir: this.options.cacheDir, keep: this.options.keepRuns ?? 20, busyFile: "initrd"});
    return this.#nextRunDir;
  }

  async #prepare(steps: Step[], image: GuestImage, accel: "tcg" | "kvm", port: KvmMeterPort | undefined): Promise<Boot> {
    const runDir = await this.#runDirFor();
    this.#nextRunDir = undefined;
    this.lastRunDir = runDir;

    const passthrough = this.options.passthrough;
    const scratch = this.#diskMb > 0 && !passthrough;
    const disk = scratch || Boolean(passthrough);
    const env: Record<string, string> = {};
    if (disk) env.TMPDIR = SCRATCH_DIR;
    if (port) env.VMMB_METER_PORT = "/dev/ttyS2";
    Object.assign(env, this.options.env);
    const base = await readFile(image.initramfs);
    const padding = Buffer.alloc((4 - (base.length % 4)) % 4); // the next archive must start 4-byte aligned
    const batch = batchArchive({steps: steps.map(({probe, args, timeoutS}) => ({probe, args, timeoutS})), env, disk, ...(passthrough ? {diskLabel: passthrough.label} : {})});
    await writeFile(join(runDir, "initrd"), Buffer.concat([base, padding, batch]));
    if (scratch) await makeScratchDisk(join(runDir, "scratch.img"), this.#diskMb);

    const cmdline = ["console=ttyS0", "panic=-1", "tsc=reliable", "quiet", ...(this.#machine.kernelArgs?.(accel) ?? []), ...(this.options.kernelArgs ?? [])].join(" ");
    const args = [
      "-nodefaults",
      "-no-user-config",
      "-display", "none",
      "-no-reboot",
      ...this.#machine.args,
      ...(accel === "kvm" ? ["-accel", "kvm", "-cpu", "host"] : ["-accel", "tcg,thread=multi", "-cpu", "max"]),
      "-smp", String(this.#vcpus),
      "-m", String(this.#memoryMb),
      "-kernel", image.kernel,
      "-initrd", join(runDir, "initrd"),
      "-append", cmdline,
      "-serial", `file:${join(runDir, "console.log")}`,
      ...this.#machine.channel(join(runDir, "channel.bin")),
      ...(scratch ? this.#machine.disk(join(runDir, "scratch.img"), this.#diskCacheMode) : []),
      ...(passthrough ? ["-device", `vfio-pci,host=${passthrough.pci}`] : []),
      ...(port?.qemuArgs() ?? []),
      ...(this.options.qemuArgs ?? [])
    ];
    await writeFile(join(runDir, "qemu.args"), `${launchLine(this.#qemu, args)}\n`);
    return {runDir, args};
  }
}

function validateBatch(steps: Step[], image: GuestImage): void {
  const ids = new Set<string>();
  for (const step of steps) {
    if (ids.has(step.id)) throw new ConfigError(`step id ${JSON.stringify(step.id)} appears twice in one batch`);
    ids.add(step.id);
    if (!(step.probe in image.manifest.probes)) {
      throw new ConfigError(
        `step ${step.id}: probe ${JSON.stringify(step.probe)} is not in guest image ${image.hash.slice(0, 16)} (it has: ${Object.keys(image.manifest.probes).join(", ") || "none"})`
      );
    }
    if (!(typeof step.timeoutS === "number" && Number.isFinite(step.timeoutS) && step.timeoutS > 0)) {
      throw new ConfigError(`step ${step.id}: timeoutS must be a positive number`);
    }
    if (!Array.isArray(step.args) || step.args.some((arg) => typeof arg !== "string" || arg.includes("\0"))) {
      throw new ConfigError(`step ${step.id}: args must be strings without NUL bytes`);
    }
  }
}

function positiveInteger(value: number, name: string): number {
  if (!(Number.isInteger(value) && value > 0)) throw new ConfigError(`${name} must be a positive whole number, got ${value}`);
  return value;
}

/** The plan keys of a guest QEMU boots from the image (`target: qemu`, and machine types such as microvm). */
export const QEMU_GUEST_KEYS = {
  accel: oneOf(["auto", "tcg", "kvm"]).default("auto"),
  vcpus: integer(1, 64).default(1),
  memory_mb: integer(128, 1 << 20).default(1024),
  // The scratch disk the file suite writes to.
  disk_cache: oneOf(["none", "writeback", "writethrough", "unsafe", "directsync"]).default("none")
};

/** What such a guest stands for before it starts. */
export function plannedQemuGuest(spec: {accel: "auto" | "tcg" | "kvm"; vcpus: number; memoryMb: number}): PlannedVirt {
  return {...(spec.accel === "kvm" ? {hypervisor: "kvm", mode: "kvm"} : {hypervisor: "qemu-tcg", mode: "tcg"}), vcpus: spec.vcpus, memoryMb: spec.memoryMb, passthrough: null};
}

/** `target: qemu`: the guest image under QEMU, with KVM (a boot proves it works) or TCG (full emulation). */
export const qemuKind = defineTarget({
  name: "qemu",
  schema: mapping({
    ...QEMU_GUEST_KEYS,
    guest_os: text().default("vmmbench busybox guest"),
    // A host disk controller for the guest (vfio-pci), instead of the scratch image.
    passthrough: passthroughKey().optional()
  })
    .refine((o) => o.passthrough === undefined || o.accel !== "tcg", {error: "accel: kvm or auto with passthrough (vfio-pci needs KVM)", path: ["accel"]})
    .transform((o) => ({accel: o.accel, vcpus: o.vcpus, memoryMb: o.memory_mb, diskCache: o.disk_cache, guestOs: o.guest_os, ...(o.passthrough ? {passthrough: o.passthrough} : {})})),
  runsTools: false,
  // vfio-pci needs KVM: a pass-through guest is a KVM one or none.
  planned: (spec) =>
    spec.passthrough
      ? {...plannedQemuGuest({...spec, accel: "kvm"}), passthrough: true, extra: {pt_device: spec.passthrough.pci}}
      : plannedQemuGuest(spec),
  // The scratch disk is always attached, so the file suite measures a virtual disk, not tmpfs.
  open: (spec, {probes, log}) => new QemuTarget({label: spec.label, accel: spec.accel, vcpus: spec.vcpus, memoryMb: spec.memoryMb, diskCacheMode: spec.diskCache, probes, meters: spec.meters, ...(spec.passthrough ? {passthrough: spec.passthrough, log} : {})}),
  describe: (spec, host) => {
    const accel = spec.accel === "tcg" ? "TCG (full emulation)" : host.kvm ? "KVM (a guest booted under it)" : spec.accel === "kvm" || spec.passthrough ? "KVM — will fail: KVM does not boot a guest here" : "TCG (KVM does not boot a guest here)";
    return `QEMU ${accel}, ${spec.vcpus} vCPU, ${spec.memoryMb} MB${spec.passthrough ? `, ${spec.passthrough.pci} passed through (vfio-pci)` : ""}`;
  }
});
