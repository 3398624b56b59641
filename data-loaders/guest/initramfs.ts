/**
 * The guest's initramfs: static busybox with its applet links, the probes, the guest modules with
 * `modules.dep` and a load order, and `/init` (see init-script.ts). Built in memory as a
 * deterministic newc archive; `batchArchive` makes the small second archive holding one batch.
 *
 * The probes are static, but a dynamically linked one (vmmbench-lat-dyn, the companion that gives
 * lat_fork/lat_exec/lat_sh LMbench's dynamic linkage) brings the host's dynamic loader and the
 * libraries `ldd` lists for it, at the same paths, so the guest measures the same linkage as the
 * host. Without them (`sharedLibraries: false`) the companion cannot run and vmmbench-lat measures
 * those metrics statically, saying so in each sample's note.
 */

import {readFile} from "node:fs/promises";
import {basename} from "node:path";
import {gzipSync} from "node:zlib";
import {execa} from "execa";
import {ConfigError, MissingDependencyError} from "../errors.ts";
import {cpioArchive, type CpioEntry} from "./cpio.ts";
import {PROBE_DIR, initScript, shQuote} from "./init-script.ts";
import {modulesDep, type GuestKernel} from "./kernel.ts";
import {sha256} from "./paths.ts";

export type Compression = "none" | "gzip";

export interface InitramfsInput {
  kernel: Pick<GuestKernel, "kver" | "modules">;
  /** Probe name → absolute path of a static binary (or a `#!/bin/sh` script, or a dynamic companion: see sharedLibraries). */
  probes: Record<string, string>;
  /** A static busybox; default `/bin/busybox` from Debian's busybox-static. */
  busybox?: string;
  compression?: Compression;
  /** Carry the loader and shared libraries the dynamic probes need (default true). */
  sharedLibraries?: boolean;
}

export interface Initramfs {
  bytes: Buffer;
  /** Probe name → sha256 of its bytes, as recorded in the image manifest. */
  probes: Record<string, string>;
  /** Guest path of each shared object carried for the dynamic probes → sha256 of its bytes. */
  libraries: Record<string, string>;
  busyboxVersion: string;
}

export const DEFAULT_BUSYBOX = "/bin/busybox";
const PROBE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

export async function buildInitramfs(input: InitramfsInput): Promise<Initramfs> {
  const busyboxPath = input.busybox ?? DEFAULT_BUSYBOX;
  const busybox = await readBusybox(busyboxPath);
  const entries: CpioEntry[] = [
    {type: "file", path: "init", mode: 0o755, data: Buffer.from(initScript(input.kernel.kver))},
    {type: "file", path: "bin/busybox", mode: 0o755, data: busybox.data},
    {type: "char", path: "dev/console", mode: 0o600, major: 5, minor: 1},
    {type: "char", path: "dev/null", mode: 0o666, major: 1, minor: 3},
    {type: "char", path: "dev/ttyS0", mode: 0o660, major: 4, minor: 64},
    {type: "char", path: "dev/ttyS1", mode: 0o660, major: 4, minor: 65},
    ...["proc", "sys", "tmp", "root", "mnt", "scratch", "vmmbench", "etc", "usr/bin", "usr/sbin", "sbin"].map(
      (path): CpioEntry => ({type: "dir", path, mode: path === "tmp" ? 0o1777 : 0o755})
    ),
    {type: "file", path: "etc/passwd", data: Buffer.from("root:x:0:0:root:/root:/bin/sh\n")},
    {type: "file", path: "etc/group", data: Buffer.from("root:x:0:\n")}
  ];
  for (const applet of busybox.applets) {
    if (applet === "bin/busybox") continue;
    entries.push({type: "symlink", path: applet, target: "/bin/busybox"});
  }

  const root = `lib/modules/${input.kernel.kver}`;
  for (const module of input.kernel.modules) {
    entries.push({type: "file", path: `${root}/${module.path}`, data: await readFile(module.file)});
  }
  entries.push({type: "file", path: `${root}/modules.dep`, data: Buffer.from(modulesDep(input.kernel.modules))});
  entries.push({type: "file", path: `${root}/load-order`, data: Buffer.from(input.kernel.modules.map((m) => `${m.path}\n`).join(""))});

  const probes: Record<string, string> = {};
  const shared = new Set<string>();
  for (const name of Object.keys(input.probes).sort()) {
    if (!PROBE_NAME.test(name)) throw new ConfigError(`probe name ${JSON.stringify(name)} is not a plain file name`);
    const data = await readFile(input.probes[name]).catch((error: NodeJS.ErrnoException) => {
      throw new ConfigError(`probe ${name}: cannot read ${input.probes[name]} (${error.code ?? error.message})`);
    });
    entries.push({type: "file", path: `${PROBE_DIR.slice(1)}/${name}`, mode: 0o755, data});
    probes[name] = sha256(data);
    const interpreter = input.sharedLibraries === false ? null : elfInterpreter(data);
    if (interpreter !== null) {
      for (const path of await lddPaths(interpreter, input.probes[name])) shared.add(path);
    }
  }
  const libraries: Record<string, string> = {};
  for (const path of [...shared].sort()) {
    // The file's bytes at the path the loader looks for (symlinks such as /lib64/ld-linux-x86-64.so.2 followed).
    const data = await readFile(path);
    entries.push({type: "file", path: path.slice(1), mode: 0o755, data});
    libraries[path] = sha256(data);
  }
  entries.push({
    type: "file",
    path: "etc/vmmbench-image",
    data: Buffer.from(
      `kver=${input.kernel.kver}\nbusybox=${busybox.version}\nprobes=${Object.keys(probes).join(",")}\nlibraries=${Object.keys(libraries).join(",")}\n`
    )
  });

  const archive = cpioArchive(entries);
  const bytes = input.compression === "gzip" ? gzipSync(archive, {level: 6}) : archive;
  return {bytes, probes, libraries, busyboxVersion: busybox.version};
}

/**
 * Absolute paths of the loader and libraries a dynamic ELF file needs, as this host resolves them
 * (the vDSO, which has no file, left out). Asks the file's own loader (`ld.so --list`, what `ldd`
 * runs), so no PATH lookup is involved. A library it cannot find throws.
 */
async function lddPaths(interpreter: string, file: string): Promise<string[]> {
  const r = await execa(interpreter, ["--list", file], {reject: false});
  if (r.failed && (r as {code?: string}).code === "ENOENT") {
    throw new MissingDependencyError(`the dynamic loader ${interpreter} (needed by ${basename(file)})`, "apt-get install libc6");
  }
  if (r.exitCode !== 0) throw new ConfigError(`${interpreter} --list ${file} failed: ${String(r.stderr || r.stdout).trim()}`);
  const paths: string[] = [];
  for (const line of String(r.stdout).split("\n")) {
    const missing = /^\s*(\S+) => not found/.exec(line);
    if (missing) throw new MissingDependencyError(`${missing[1]} (needed by ${basename(file)})`, "apt-get install libc6");
    const path = /^\s*(?:\S+ => )?(\/\S+) \(0x[0-9a-f]+\)$/.exec(line)?.[1];
    if (path) paths.push(path);
  }
  return paths;
}

async function readBusybox(path: string): Promise<{data: Buffer; applets: string[]; version: string}> {
  const install = "apt-get install busybox-static";
  const data = await readFile(path).catch(() => {
    throw new MissingDependencyError(`static busybox (${path})`, install);
  });
  if (!isStaticElf(data)) throw new MissingDependencyError(`a static busybox (${path} is dynamically linked)`, install);
  const listing = await execa(path, ["--list-full"], {reject: false});
  if (listing.exitCode !== 0) throw new MissingDependencyError(`a working busybox (${path} --list-full failed)`, install);
  const applets = String(listing.stdout)
    .split("\n")
    .map((line) => line.trim().replace(/^\/+/, ""))
    .filter((line) => line && !line.startsWith("linuxrc") && line !== "init" && basename(line) !== "init")
    .sort();
  const banner = await execa(path, [], {reject: false});
  const version = /BusyBox (v[^\s]+(?: \([^)]*\))?)/.exec(String(banner.stdout))?.[1] ?? "unknown";
  return {data, applets, version};
}

/** An x86-64 ELF without a PT_INTERP program header runs without a loader: a static binary. */
export function isStaticElf(data: Buffer): boolean {
  if (!isElf64(data)) return false;
  const phEnd = Number(data.readBigUInt64LE(32)) + data.readUInt16LE(54) * data.readUInt16LE(56);
  return phEnd <= data.length && elfInterpreter(data) === null;
}

/** The loader an x86-64 ELF file names in its PT_INTERP header (e.g. /lib64/ld-linux-x86-64.so.2), or null: static, or not ELF. */
export function elfInterpreter(data: Buffer): string | null {
  if (!isElf64(data)) return null;
  const phoff = Number(data.readBigUInt64LE(32));
  const phentsize = data.readUInt16LE(54);
  const phnum = data.readUInt16LE(56);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 40 > data.length) return null;
    if (data.readUInt32LE(at) !== 3 /* PT_INTERP */) continue;
    const offset = Number(data.readBigUInt64LE(at + 8));
    const size = Number(data.readBigUInt64LE(at + 32));
    return data.subarray(offset, offset + size).toString("latin1").replace(/\0+$/, "");
  }
  return null;
}

function isElf64(data: Buffer): boolean {
  return data.length >= 64 && data.readUInt32BE(0) === 0x7f454c46 && data[4] === 2;
}

export interface BatchStep {
  probe: string;
  args: string[];
  timeoutS: number;
}

export interface BatchOptions {
  steps: BatchStep[];
  env?: Record<string, string>;
  /** A virtio disk with an ext4 filesystem is attached: load modules and mount it on /scratch. */
  disk?: boolean;
  /**
   * The disk is the one whose file system carries this label (a passed-through controller's, whose
   * device name the guest cannot know): without it the steps do not run, rather than run in tmpfs.
   */
  diskLabel?: string;
}

/** The batch as a shell file sourced by `/init`. Arguments are single-quoted, never interpreted. */
export function batchScript(batch: BatchOptions): string {
  const lines = ["# vmmbench batch (generated by data-loaders/guest/initramfs.ts)", `VMMB_DISK=${batch.disk ? 1 : 0}`];
  if (batch.diskLabel !== undefined) {
    if (!/^[\w.-]{1,16}$/.test(batch.diskLabel)) throw new ConfigError(`disk label ${JSON.stringify(batch.diskLabel)}: letters, digits, _ . - (ext4 allows 16)`);
    lines.push(`VMMB_DISK_LABEL=${batch.diskLabel}`);
  }
  for (const [key, value] of Object.entries(batch.env ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new ConfigError(`environment variable name ${JSON.stringify(key)} is not valid`);
    lines.push(`export ${key}=${shQuote(value)}`);
  }
  if (batch.steps.length > 0) {
    lines.push("VMMB_STEPS=1", "vmmb_steps() {");
    batch.steps.forEach((step, index) => {
      if (!PROBE_NAME.test(step.probe)) throw new ConfigError(`probe name ${JSON.stringify(step.probe)} is not a plain file name`);
      if (!(step.timeoutS > 0)) throw new ConfigError(`step ${index}: timeoutS must be positive`);
      const words = [String(index), String(Math.max(1, Math.ceil(step.timeoutS))), `${PROBE_DIR}/${step.probe}`, ...step.args].map(shQuote);
      lines.push(`  run_step ${words.join(" ")}`);
    });
    lines.push("}");
  }
  return `${lines.join("\n")}\n`;
}

/** The second archive the host appends to the initramfs: just `/vmmbench/batch.sh`. */
export function batchArchive(batch: BatchOptions): Buffer {
  return cpioArchive([{type: "file", path: "vmmbench/batch.sh", data: Buffer.from(batchScript(batch))}], {inodeBase: 900000});
}
