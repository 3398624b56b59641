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
 * Every boot keeps `console.log`, `channel.bin` and `qemu.args` in `<cache>/qemu-runs/<dir>/`.
 */

import {OrderedDelivery, StepAssembler, type GuestFacts} from "../guest/frames.ts";
import {existsSync} from "node:fs";
import {mkdir, mkdtemp, readFile, readdir, rm, stat, truncate, writeFile} from "node:fs/promises";
import {hostname} from "node:os";
import {join} from "node:path";
import {performance} from "node:perf_hooks";
import {execa, type ResultPromise} from "execa";
import {adopt} from "../campaign/process-group.ts";
import {ConfigError, GuestFailedError, MissingDependencyError, ProcessFailedError} from "../errors.ts";
import {ChannelParser, tailFile, type Frame} from "../guest/channel.ts";
import {buildImage, type GuestBatchOptions, type GuestImage} from "../guest/image.ts";
import {batchArchive} from "../guest/initramfs.ts";
import {SCRATCH_DIR} from "../guest/init-script.ts";
import {cacheRoot} from "../guest/paths.ts";
import {detectKvm, type BootCheck, type KvmStatus} from "./kvm-detect.ts";
import type {Fingerprint, Step, StepOutput, Target} from "./target.ts";

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
  /** TCG adds OPENBLAS_CORETYPE=Haswell. */
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
}

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
  #image: Promise<GuestImage> | undefined;
  #accel: Promise<"tcg" | "kvm"> | undefined;
  #kvm: KvmStatus | undefined;
  #version: Promise<string> | undefined;
  #info: GuestFacts | undefined;
  /** Why the last boot gave no facts (killed at its deadline, QEMU exited), for messages. */
  #lastFailure: string | undefined;
  #lastLaunch: string | undefined;
  #child: ResultPromise | undefined;
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
    if (!["none", "writeback", "writethrough", "directsync", "unsafe"].includes(this.#diskCacheMode)) {
      throw new ConfigError(`diskCacheMode must be none, writeback, writethrough, directsync or unsafe, got ${JSON.stringify(options.diskCacheMode)}`);
    }
    this.#diskMb = options.diskMb ?? (options.diskCacheMode ? 1024 : 0);
    if (!(Number.isInteger(this.#diskMb) && this.#diskMb >= 0)) throw new ConfigError(`diskMb must be a whole number ≥ 0`);
    if (options.accel && !["tcg", "kvm", "auto"].includes(options.accel)) throw new ConfigError(`accel must be tcg, kvm or auto`);
  }

  /** QEMU and the accelerator first (a missing QEMU is named before any download), then the image. */
  async prepare(): Promise<void> {
    await this.accel();
    await this.image();
  }

  /** The image this target boots (built on first use). */
  image(): Promise<GuestImage> {
    this.#image ??= this.options.image
      ? Promise.resolve(this.options.image)
      : buildImage({probes: this.options.probes!, cacheDir: this.options.cacheDir, log: this.options.log});
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
      passthrough: false,
      host: hostname(),
      launch: this.#lastLaunch ?? "",
      extra: {
        accel,
        cpu: accel === "kvm" ? "host" : "max",
        diskCacheMode: this.#diskMb > 0 ? this.#diskCacheMode : "none (no disk)",
        diskMb: String(this.#diskMb),
        image: image.hash,
        kernelPackage: `${image.manifest.kernelPackage} ${image.manifest.kernelVersion}`,
        guestMemTotalKb: String(info.memtotalKb ?? ""),
        kernelCmdline: info.cmdline,
        ...(kvm ? {kvm_check: kvm.reason, kvm_provider: kvm.provider ?? "none"} : {})
      }
    };
  }

  async close(): Promise<void> {
    this.#child?.kill("SIGKILL");
    await this.#child?.catch(() => {});
  }

  async run(steps: Step[], onOutput: (output: StepOutput) => Promise<void> | void): Promise<void> {
    const image = await this.image();
    validateBatch(steps, image);
    if (steps.length === 0 && this.#info) return;
    const accel = await this.accel();
    const boot = await this.#prepare(steps, image, accel);
    const consolePath = join(boot.runDir, "console.log");
    const channelPath = join(boot.runDir, "channel.bin");
    const log = this.options.log ?? (() => {});

    const bootAllowanceS = this.options.bootTimeoutS ?? (accel === "kvm" ? KVM_BOOT_ALLOWANCE_S : TCG_BOOT_ALLOWANCE_S);
    const stepSlackS = this.options.stepSlackS ?? 20;
    const batchTimeoutS = this.options.timeoutS ?? bootAllowanceS + steps.reduce((sum, step) => sum + step.timeoutS + stepSlackS, 0);

    const started = performance.now();
    const child = execa(this.#qemu, boot.args, {reject: false, stdin: "ignore", all: true, cleanup: true, buffer: true});
    this.#child = child;
    adopt(child, this.label, {files: [join(boot.runDir, "initrd"), join(boot.runDir, "scratch.img")]});
    log(`${this.label}: booting (${accel}) in ${boot.runDir}`);

    // Deadlines: boot (until the first frame), the step in flight, the whole batch.
    let killedBecause: string | undefined;
    const kill = (why: string) => {
      if (killedBecause) return;
      killedBecause = why;
      log(`${this.label}: killing QEMU (pid ${child.pid}): ${why}`);
      child.kill("SIGKILL");
    };
    const assembler = new StepAssembler(steps);
    const batchDeadline = started + batchTimeoutS * 1000;
    const watchdog = setInterval(() => {
      const now = performance.now();
      const stepDeadline = assembler.inFlightDeadline(stepSlackS);
      if (!assembler.sawHello && now > started + bootAllowanceS * 1000) kill(`no frame from the guest within ${bootAllowanceS} s of launch`);
      else if (now > batchDeadline) kill(`batch timeout (${batchTimeoutS} s)`);
      else if (stepDeadline !== undefined && now > stepDeadline) {
        const step = steps.find((s) => s.id === assembler.inFlightId)!;
        kill(`step ${step.id} did not finish within its timeout (${step.timeoutS} s) + ${stepSlackS} s: the guest is hung`);
      }
    }, 100);

    // Frames → StepOutputs (guest/frames.ts), delivered in order through one promise chain.
    const parser = new ChannelParser();
    const delivery = new OrderedDelivery(onOutput, () => kill("onOutput threw"));
    const onFrame = (frame: Frame) => {
      for (const output of assembler.frame(frame)) delivery.deliver(output);
      if (frame.kind === "NOTE") log(`${this.label}: guest: ${assembler.notes.at(-1)}`);
    };
    const tail = tailFile(channelPath, (chunk) => parser.push(chunk).forEach(onFrame));

    const result = await child;
    clearInterval(watchdog);
    await tail.stop();
    await delivery.idle();
    this.#child = undefined;
    const elapsedS = (performance.now() - started) / 1000;
    if (assembler.facts) this.#info = assembler.facts;
    this.#lastFailure = assembler.sawHello
      ? undefined
      : (killedBecause ?? `QEMU exited (${result.signal ? `killed by ${result.signal}` : `status ${result.exitCode}`}) before the guest said anything`);
    this.#lastLaunch = launchLine(this.#qemu, boot.args, boot.runDir);
    await writeFile(join(boot.runDir, "qemu.out"), String(result.all ?? ""));
    await rm(join(boot.runDir, "initrd"), {force: true});
    await rm(join(boot.runDir, "scratch.img"), {force: true});
    log(`${this.label}: QEMU exited (${result.exitCode ?? result.signal}) after ${elapsedS.toFixed(1)} s`);
    delivery.rethrow();

    const console = await readFile(consolePath, "utf8").catch(() => "");
    if (!assembler.sawHello && !killedBecause && result.exitCode !== 0 && !console.trim()) {
      // QEMU itself refused to start (bad argument, missing firmware…): not a guest failure.
      throw new ProcessFailedError(launchLine(this.#qemu, boot.args, boot.runDir), result.exitCode, result.signal, false, String(result.all ?? ""));
    }
    if (assembler.finished === steps.length) return;
    const reason = killedBecause
      ? `vmmbench: the guest was killed by the host: ${killedBecause}`
      : assembler.sawBye
        ? "vmmbench: the guest finished without reporting this step"
        : `vmmbench: the guest stopped before this step finished (QEMU exit ${result.exitCode ?? result.signal}; a kernel panic or a crash)`;
    for (const output of assembler.unfinished(reason, consolePath, console, Boolean(killedBecause))) delivery.deliver(output);
    await delivery.idle();
    delivery.rethrow();
  }

  async #prepare(steps: Step[], image: GuestImage, accel: "tcg" | "kvm"): Promise<Boot> {
    const runsRoot = join(this.options.cacheDir ?? cacheRoot(), "qemu-runs");
    await mkdir(runsRoot, {recursive: true});
    await pruneRuns(runsRoot, this.options.keepRuns ?? 20);
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    const runDir = await mkdtemp(join(runsRoot, `${stamp}-${this.label.replace(/[^\w.-]+/g, "_")}-`));
    this.lastRunDir = runDir;

    const disk = this.#diskMb > 0;
    const env: Record<string, string> = {};
    if (accel === "tcg") env.OPENBLAS_CORETYPE = "Haswell"; // OpenBLAS misdetects TCG's CPU
    if (disk) env.TMPDIR = SCRATCH_DIR;
    Object.assign(env, this.options.env);
    const base = await readFile(image.initramfs);
    const padding = Buffer.alloc((4 - (base.length % 4)) % 4); // the next archive must start 4-byte aligned
    const batch = batchArchive({steps: steps.map(({probe, args, timeoutS}) => ({probe, args, timeoutS})), env, disk});
    await writeFile(join(runDir, "initrd"), Buffer.concat([base, padding, batch]));
    if (disk) await makeExt4(join(runDir, "scratch.img"), this.#diskMb);

    const cmdline = ["console=ttyS0", "panic=-1", "tsc=reliable", "quiet", ...(this.options.kernelArgs ?? [])].join(" ");
    const args = [
      "-nodefaults",
      "-no-user-config",
      "-display", "none",
      "-no-reboot",
      "-M", "pc",
      ...(accel === "kvm" ? ["-accel", "kvm", "-cpu", "host"] : ["-accel", "tcg,thread=multi", "-cpu", "max"]),
      "-smp", String(this.#vcpus),
      "-m", String(this.#memoryMb),
      "-kernel", image.kernel,
      "-initrd", join(runDir, "initrd"),
      "-append", cmdline,
      "-serial", `file:${join(runDir, "console.log")}`,
      "-serial", `file:${join(runDir, "channel.bin")}`,
      ...(disk ? ["-drive", `file=${join(runDir, "scratch.img")},if=virtio,format=raw,cache=${this.#diskCacheMode}`] : []),
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

async function makeExt4(path: string, sizeMb: number): Promise<void> {
  await writeFile(path, "");
  await truncate(path, sizeMb * 1024 * 1024);
  const mkfs = ["mkfs.ext4", "/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4"];
  for (const command of mkfs) {
    const result = await execa(command, ["-F", "-q", "-E", "lazy_itable_init=0,lazy_journal_init=0", path], {reject: false, all: true});
    if ((result as {code?: string}).code === "ENOENT") continue;
    if (result.exitCode !== 0) {
      throw new ProcessFailedError(`${command} ${path}`, result.exitCode, result.signal, Boolean(result.timedOut), String(result.all ?? ""));
    }
    return;
  }
  throw new MissingDependencyError("mkfs.ext4", "apt-get install e2fsprogs", "needed for the guest's scratch disk");
}

async function pruneRuns(root: string, keep: number): Promise<void> {
  const entries = (await readdir(root)).filter((name) => !name.startsWith(".")).sort();
  const excess = entries.length - Math.max(0, keep - 1);
  for (const name of entries.slice(0, Math.max(0, excess))) {
    const dir = join(root, name);
    // Leave directories of boots still in progress (another process) alone.
    const st = await stat(dir).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > 60 * 60 * 1000) await rm(dir, {recursive: true, force: true});
    else if (st && !existsSync(join(dir, "initrd"))) await rm(dir, {recursive: true, force: true});
  }
}

/** The command line as a shell would take it, with this boot's directory shown as `$RUN`. */
function launchLine(qemu: string, args: string[], runDir?: string): string {
  return [qemu, ...args]
    .map((word) => (runDir ? word.split(runDir).join("$RUN") : word))
    .map((word) => (/^[\w@%+=:,./$-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`))
    .join(" ");
}

function positiveInteger(value: number, name: string): number {
  if (!(Number.isInteger(value) && value > 0)) throw new ConfigError(`${name} must be a positive whole number, got ${value}`);
  return value;
}
