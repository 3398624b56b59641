/**
 * Is KVM usable here? Not "does /dev/kvm exist", nor "does QEMU start with it": a device node can
 * sit on a CPU without vmx/svm, accept KVM_CREATE_VM and then refuse the vCPU's MSRs (`failed to
 * set MSR 0x10a` with `-cpu host`), or be served by `kvm_pvm` (PVM), which creates VMs and starts
 * QEMU cleanly but runs only guest kernels built for PVM: a stock Debian kernel prints nothing.
 * So the answer is a real boot: the guest image under `-accel kvm -cpu host` must say HELLO within
 * a short deadline. The cheap checks (device, QEMU start) come first so that a machine without KVM
 * spends no boot on it, and the verdict is cached per host boot (boot_id), QEMU and image.
 */

import {constants, existsSync, readFileSync, readdirSync, statSync} from "node:fs";
import {access, mkdir, readFile, rename, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {execa} from "execa";
import {cacheRoot, sha256} from "../guest/paths.ts";

export interface KvmStatus {
  usable: boolean;
  /** The kernel module serving /dev/kvm (kvm_intel, kvm_amd, kvm_pvm), or null when none is loaded. */
  provider: string | null;
  /** What settled it: the device could not be opened, QEMU would not start, a guest booted or did not. */
  decidedBy: "device" | "qemu" | "boot";
  /** One line: "ok (guest booted in 0.9 s)" or why KVM is not usable. */
  reason: string;
  /** Seconds the guest took to say HELLO under KVM, when it did. */
  bootS: number | null;
}

/** What a guest boot under KVM gave: HELLO within the deadline, or why not. */
export type BootCheck = {ok: true; seconds: number} | {ok: false; why: string};

export interface KvmCheck {
  device: string;
  /** Where loaded modules appear (/sys/module). */
  modulesDir: string;
  /** null when `qemu -accel kvm -cpu host` starts (paused) and quits cleanly, else why not. */
  qemuStarts: () => Promise<string | null>;
  /** Boots the guest image under KVM with a short deadline. */
  guestBoots: () => Promise<BootCheck>;
}

const PROVIDERS = ["kvm_intel", "kvm_amd", "kvm_pvm"];

/** The module serving /dev/kvm, from what is loaded. */
export function kvmProvider(modulesDir = "/sys/module"): string | null {
  return PROVIDERS.find((name) => existsSync(join(modulesDir, name))) ?? null;
}

/** The decision itself, every probe injected: device, then QEMU, then a real boot. */
export async function checkKvm(check: KvmCheck): Promise<KvmStatus> {
  const provider = kvmProvider(check.modulesDir);
  try {
    await access(check.device, constants.R_OK | constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    return {usable: false, provider, decidedBy: "device", reason: `${check.device} cannot be opened read-write (${code})`, bootS: null};
  }
  const refused = await check.qemuStarts();
  if (refused !== null) return {usable: false, provider, decidedBy: "qemu", reason: `qemu -accel kvm -cpu host does not start: ${refused}`, bootS: null};
  const boot = await check.guestBoots();
  if (boot.ok) return {usable: true, provider, decidedBy: "boot", reason: `ok (the guest booted under KVM in ${boot.seconds.toFixed(1)} s)`, bootS: boot.seconds};
  const pvm = provider === "kvm_pvm" ? "/dev/kvm is served by kvm_pvm (PVM), which boots only PVM-enabled guest kernels; " : "";
  return {usable: false, provider, decidedBy: "boot", reason: `${pvm}the guest image did not boot under KVM: ${boot.why}`, bootS: null};
}

/** A real `qemu -accel kvm -cpu host -S` start, quit from the monitor. */
export async function qemuStartsWithKvm(qemu: string, accelArgs: string[] = ["-accel", "kvm"], timeoutMs = 15_000): Promise<string | null> {
  const result = await execa(
    qemu,
    ["-M", "pc", ...accelArgs, "-cpu", "host", "-nodefaults", "-no-user-config", "-display", "none", "-S", "-monitor", "stdio"],
    {input: "quit\n", reject: false, timeout: timeoutMs, all: true, killSignal: "SIGKILL"}
  );
  if ((result as {code?: string}).code === "ENOENT") return `${qemu} is not installed`;
  if (result.exitCode === 0) return null;
  const lines = String(result.all ?? "")
    .split("\n")
    // The monitor's prompt has no newline, so QEMU's own message can follow it on the same line.
    .map((line) => line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").replace(/^(\(qemu\)\s*)+/, "").trim())
    .filter((line) => line && !line.startsWith("QEMU "));
  if (result.timedOut) return `no answer within ${timeoutMs / 1000} s`;
  return lines.find((line) => /error|could not|failed|requires/i.test(line)) ?? lines.at(-1) ?? `exit status ${result.exitCode ?? result.signal}`;
}

export interface DetectKvmOptions {
  qemu?: string;
  device?: string;
  /** What `guestBoots` boots, by content hash (part of the cache key); asked only once the device and QEMU pass. */
  imageKey: () => Promise<string>;
  guestBoots: () => Promise<BootCheck>;
  cacheDir?: string;
  /** Ignore a cached verdict (doctor --recheck). */
  fresh?: boolean;
}

const memo = new Map<string, Promise<KvmStatus>>();

/**
 * checkKvm with the host's real device, modules and QEMU. The cheap checks run every time; a boot's
 * verdict is cached on disk per host boot, QEMU binary, KVM modules and image, so a reboot, a module
 * change, an upgrade or a new guest kernel checks again.
 */
export function detectKvm(options: DetectKvmOptions): Promise<KvmStatus> {
  const qemu = options.qemu ?? "qemu-system-x86_64";
  const device = options.device ?? "/dev/kvm";
  const memoKey = `${qemu}\0${device}\0${options.cacheDir ?? ""}`;
  let status = options.fresh ? undefined : memo.get(memoKey);
  if (!status) {
    status = (async () => {
      return checkKvm({
        device,
        modulesDir: "/sys/module",
        qemuStarts: () => qemuStartsWithKvm(qemu),
        guestBoots: async () => {
          const file = cacheFile(options.cacheDir, qemu, device, await options.imageKey());
          const cached = options.fresh ? undefined : await readCached(file);
          if (cached) return cached;
          const boot = await options.guestBoots();
          await mkdir(join(file, ".."), {recursive: true});
          await writeFile(`${file}.tmp`, `${JSON.stringify(boot, null, 2)}\n`);
          await rename(`${file}.tmp`, file);
          return boot;
        }
      });
    })();
    memo.set(memoKey, status);
    status.catch(() => memo.delete(memoKey));
  }
  return status;
}

/** The boot verdict cached for this host, QEMU and image, if a boot ever settled it (doctor reads it without booting). */
export async function cachedKvmBoot(options: {qemu?: string; device?: string; imageKey: string; cacheDir?: string}): Promise<BootCheck | undefined> {
  return readCached(cacheFile(options.cacheDir, options.qemu ?? "qemu-system-x86_64", options.device ?? "/dev/kvm", options.imageKey));
}

async function readCached(file: string): Promise<BootCheck | undefined> {
  const value = await readFile(file, "utf8").then((text) => JSON.parse(text) as BootCheck, () => undefined);
  return value && typeof value.ok === "boolean" ? value : undefined;
}

function cacheFile(cacheDir: string | undefined, qemu: string, device: string, imageKey: string): string {
  return join(cacheDir ?? cacheRoot(), "host", `kvm-boot-${cacheKey(qemu, device, imageKey).slice(0, 24)}.json`);
}

function cacheKey(qemu: string, device: string, imageKey: string): string {
  const read = (path: string) => {
    try {
      return readFileSync(path, "utf8").trim();
    } catch {
      return "";
    }
  };
  const modules = existsSync("/sys/module") ? readdirSync("/sys/module").filter((name) => name.startsWith("kvm")).sort().join(",") : "";
  return sha256(JSON.stringify({bootId: read("/proc/sys/kernel/random/boot_id"), qemu: qemuBinary(qemu), device, modules, imageKey, v: 1}));
}

/** The QEMU binary's resolved path, size and mtime, which change with every upgrade: cheaper than running it. */
function qemuBinary(qemu: string): string {
  const path = qemu.includes("/") ? qemu : (process.env.PATH ?? "").split(":").map((dir) => join(dir, qemu)).find((p) => existsSync(p));
  if (!path) return `${qemu} (missing)`;
  try {
    const {size, mtimeMs} = statSync(path);
    return `${path}:${size}:${mtimeMs}`;
  } catch {
    return path;
  }
}
