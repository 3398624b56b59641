/**
 * The guest kernel: a Debian `linux-image-*-amd64` package fetched with `apt-get download` (never
 * installed), unpacked with `dpkg-deb -x`, reduced to what a benchmark guest needs:
 *   - `vmlinux`, the uncompressed kernel pulled out of `vmlinuz` the way the kernel's own
 *     `scripts/extract-vmlinux` does it (scan for a compression magic, decompress, keep the first
 *     result that is an ELF). QEMU boots it straight through its PVH entry, which saves the 3–4 s
 *     an emulated CPU spends decompressing `vmlinuz`; `vmlinuz` itself is kept for Xen HVM domUs,
 *     whose device model boots only a bzImage.
 *   - the modules for virtio disks/consoles, ext4, pass-through disk controllers and Xen's front
 *     ends (Debian builds them `=m`), with their
 *     dependency closure read from each module's `.modinfo` `depends=` field, in load order.
 * The result is cached under `<cache>/kernels/<package>/`.
 */

import {existsSync, readdirSync} from "node:fs";
import {copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile} from "node:fs/promises";
import {basename, dirname, join, relative} from "node:path";
import {gunzipSync} from "node:zlib";
import {execa} from "execa";
import {adopt} from "../campaign/process-group.ts";
import {ConfigError, MissingDependencyError, ProcessFailedError} from "../errors.ts";
import {atomicDir, cacheRoot, sha256} from "./paths.ts";

/**
 * Modules the guest loads (dependencies are added): virtio PCI transport, disk, console, ext4; the
 * disk controllers a guest may be given by pass-through (NVMe, AHCI); Xen's block and PCI front
 * ends for a domU (the guest loads those only under Xen).
 */
// virtio_mmio: machines without PCI (QEMU's microvm) attach the scratch disk over MMIO.
export const GUEST_MODULES = ["virtio_pci", "virtio_mmio", "virtio_blk", "virtio_console", "crc32c_generic", "ext4", "nvme", "ahci", "sd_mod", "xen_blkfront", "xen_pcifront"] as const;

export interface KernelModule {
  name: string;
  /** Path relative to `/lib/modules/<kver>/`, e.g. `kernel/fs/ext4/ext4.ko`. */
  path: string;
  /** Absolute path of the cached `.ko`. */
  file: string;
  depends: string[];
}

export interface GuestKernel {
  /** Debian package the kernel came from, e.g. `linux-image-6.1.0-56-amd64`. */
  package: string;
  version: string;
  /** `uname -r` of the guest, e.g. `6.1.0-56-amd64`. */
  kver: string;
  /** Uncompressed ELF kernel, bootable by `qemu -kernel` (PVH entry). */
  vmlinux: string;
  /** The package's compressed kernel (bzImage), for loaders without a PVH entry (Xen HVM's device model). */
  vmlinuz: string;
  vmlinuxSha256: string;
  /** Modules in load order (dependencies first). */
  modules: KernelModule[];
  dir: string;
}

interface Manifest {
  package: string;
  version: string;
  kver: string;
  vmlinuxSha256: string;
  modules: Array<{name: string; path: string; depends: string[]}>;
}

export interface KernelOptions {
  /** Debian package to use; default: `$VMMBENCH_KERNEL_PACKAGE`, else what `linux-image-amd64` depends on. */
  package?: string;
  cacheDir?: string;
  log?: (line: string) => void;
}

export async function obtainKernel(options: KernelOptions = {}): Promise<GuestKernel> {
  const root = join(options.cacheDir ?? cacheRoot(), "kernels");
  const log = options.log ?? (() => {});
  const pkg = options.package ?? process.env.VMMBENCH_KERNEL_PACKAGE ?? (await resolveKernelPackage(root));
  if (!/^linux-image-[\w.+-]+$/.test(pkg)) throw new ConfigError(`not a Debian kernel package name: ${JSON.stringify(pkg)}`);
  const dir = cacheEntry(root, pkg);
  if (!existsSync(join(dir, "manifest.json"))) {
    log(`kernel: fetching ${pkg} with apt-get download`);
    await mkdir(root, {recursive: true});
    await atomicDir(dir, (tmp) => unpackKernelPackage(pkg, tmp, log));
  }
  return loadCached(dir);
}

/** Bumped when a cache entry holds other files (2: the compressed kernel too, for Xen HVM's direct boot). */
const KERNEL_LAYOUT = 2;

/** A changed module list or layout is a new cache entry: the modules are extracted from the package once. */
const ENTRY_SUFFIX = `+modules-${sha256(`${KERNEL_LAYOUT}:${GUEST_MODULES.join(",")}`).slice(0, 8)}`;

function cacheEntry(root: string, pkg: string): string {
  return join(root, `${pkg}${ENTRY_SUFFIX}`);
}

async function loadCached(dir: string): Promise<GuestKernel> {
  const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as Manifest;
  return {
    package: manifest.package,
    version: manifest.version,
    kver: manifest.kver,
    vmlinux: join(dir, "vmlinux"),
    vmlinuz: join(dir, "vmlinuz"),
    vmlinuxSha256: manifest.vmlinuxSha256,
    modules: manifest.modules.map((m) => ({...m, file: join(dir, "modules", m.path)})),
    dir
  };
}

/**
 * Which package: the host's own kernel when it is a Debian one, else the current dependency of the
 * `linux-image-amd64` metapackage; offline (no apt lists), the newest kernel already cached.
 */
/** A lookup run while a campaign prepares its guests ends with the campaign (bench/faults.ts saw apt-cache outlive a kill -9). */
function adopted<T extends {pid?: number}>(child: T): T {
  adopt(child, "apt-cache");
  return child;
}

async function resolveKernelPackage(root: string): Promise<string> {
  const release = (await import("node:os")).release();
  const candidates: string[] = [];
  if (/^\d+\.\d+\.\d+-\d+-amd64$/.test(release)) candidates.push(`linux-image-${release}`);
  const depends = await adopted(execa("apt-cache", ["depends", "linux-image-amd64"], {reject: false}));
  const match = /Depends:\s*(linux-image-[\w.+-]+-amd64)\b/.exec(String(depends.stdout ?? ""));
  if (match) candidates.push(match[1]);
  for (const candidate of candidates) {
    const policy = await adopted(execa("apt-cache", ["show", "--no-all-versions", candidate], {reject: false}));
    if (policy.exitCode === 0 && String(policy.stdout).includes("Package:")) return candidate;
    if (existsSync(join(cacheEntry(root, candidate), "manifest.json"))) return candidate;
  }
  const cached = existsSync(root)
    ? readdirSync(root)
        .filter((name) => name.startsWith("linux-image-") && name.endsWith(ENTRY_SUFFIX) && existsSync(join(root, name, "manifest.json")))
        .map((name) => name.slice(0, -ENTRY_SUFFIX.length))
    : [];
  if (cached.length > 0) return cached.sort(compareVersions).at(-1)!;
  throw new MissingDependencyError(
    "a Debian kernel package (linux-image-*-amd64)",
    "apt-get update && apt-get download linux-image-amd64",
    "apt-cache knows no linux-image-amd64; the Debian mirror must be reachable, or set VMMBENCH_KERNEL_PACKAGE"
  );
}

function compareVersions(a: string, b: string): number {
  return a.localeCompare(b, "en", {numeric: true});
}

async function unpackKernelPackage(pkg: string, out: string, log: (line: string) => void): Promise<void> {
  const work = await mkdtemp(join(out, "..", `.unpack-${pkg}-`));
  try {
    const download = await execa("apt-get", ["download", pkg], {cwd: work, reject: false, all: true});
    if (download.failed) {
      if ((download as {code?: string}).code === "ENOENT") {
        throw new MissingDependencyError("apt-get", "use a Debian/Ubuntu host, or set VMMBENCH_KERNEL_PACKAGE to a cached kernel");
      }
      throw new MissingDependencyError(
        `Debian kernel package ${pkg}`,
        `apt-get update && apt-get download ${pkg}`,
        `apt-get download failed; the Debian mirror must be reachable: ${String(download.all ?? "").trim().slice(-300)}`
      );
    }
    const deb = (await readdir(work)).find((name) => name.endsWith(".deb"));
    if (!deb) throw new MissingDependencyError(`Debian kernel package ${pkg}`, `apt-get download ${pkg}`, "no .deb was written");
    const version = String((await runTool("dpkg-deb", ["-f", join(work, deb), "Version"], "dpkg")).stdout).trim();
    log(`kernel: unpacking ${deb}`);
    const tree = join(work, "root");
    await runTool("dpkg-deb", ["-x", join(work, deb), tree], "dpkg");

    const vmlinuzName = (await readdir(join(tree, "boot"))).find((name) => name.startsWith("vmlinuz-"));
    if (!vmlinuzName) throw new ConfigError(`${pkg} holds no /boot/vmlinuz-*`);
    const kver = vmlinuzName.slice("vmlinuz-".length);
    log(`kernel: extracting vmlinux from ${vmlinuzName}`);
    const vmlinuz = await readFile(join(tree, "boot", vmlinuzName));
    const vmlinux = await extractVmlinux(vmlinuz);
    await writeFile(join(out, "vmlinux"), vmlinux);
    // QEMU boots an ELF vmlinux only through its PVH entry, which Xen's HVM device model lacks.
    await writeFile(join(out, "vmlinuz"), vmlinuz);
    const config = join(tree, "boot", `config-${kver}`);
    if (existsSync(config)) await copyFile(config, join(out, "config"));

    const moduleRoot = join(tree, "lib", "modules", kver);
    const modules = await collectModules(moduleRoot, [...GUEST_MODULES]);
    for (const module of modules) {
      await mkdir(dirname(join(out, "modules", module.path)), {recursive: true});
      await copyFile(join(moduleRoot, module.path), join(out, "modules", module.path));
    }
    const manifest: Manifest = {package: pkg, version, kver, vmlinuxSha256: sha256(vmlinux), modules};
    await writeFile(join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  } finally {
    await rm(work, {recursive: true, force: true});
  }
}

async function runTool(command: string, args: string[], debianPackage: string) {
  const result = await execa(command, args, {reject: false, encoding: "buffer", maxBuffer: 1 << 30});
  if ((result as {code?: string}).code === "ENOENT") {
    throw new MissingDependencyError(command, `apt-get install ${debianPackage}`);
  }
  if (result.failed) {
    throw new ProcessFailedError(
      [command, ...args].join(" "),
      result.exitCode,
      result.signal,
      Boolean(result.timedOut),
      Buffer.from(result.stderr as Uint8Array).toString()
    );
  }
  return {stdout: Buffer.from(result.stdout as Uint8Array)};
}

const MAGICS: Array<{name: string; magic: Buffer; tool: {command: string; args: string[]; pkg: string}}> = [
  {name: "xz", magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), tool: {command: "xz", args: ["-dc", "--single-stream"], pkg: "xz-utils"}},
  {name: "zstd", magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), tool: {command: "zstd", args: ["-dcq"], pkg: "zstd"}},
  // gzip(1) decompresses and warns about the bytes after the stream (exit 2), as extract-vmlinux expects.
  {name: "gzip", magic: Buffer.from([0x1f, 0x8b, 0x08]), tool: {command: "gzip", args: ["-dcq"], pkg: "gzip"}}
];

/** `scripts/extract-vmlinux` in TypeScript: the first payload that decompresses to an ELF wins. */
export async function extractVmlinux(vmlinuz: Buffer): Promise<Buffer> {
  if (isElf(vmlinuz)) return vmlinuz;
  const tried: string[] = [];
  for (const {name, magic, tool} of MAGICS) {
    for (let at = vmlinuz.indexOf(magic); at >= 0; at = vmlinuz.indexOf(magic, at + 1)) {
      tried.push(`${name}@${at}`);
      let out: Buffer | undefined;
      const result = await execa(tool.command, tool.args, {
        input: vmlinuz.subarray(at),
        encoding: "buffer",
        reject: false,
        maxBuffer: 1 << 30
      });
      if ((result as {code?: string}).code === "ENOENT") {
        if (name !== "gzip") throw new MissingDependencyError(tool.command, `apt-get install ${tool.pkg}`);
        out = gunzipLenient(vmlinuz.subarray(at));
      } else {
        out = Buffer.from(result.stdout as Uint8Array);
      }
      if (out && isElf(out)) return out;
      if (tried.length > 32) break;
    }
  }
  throw new ConfigError(`no compressed ELF kernel found inside vmlinuz (tried ${tried.join(", ") || "nothing"})`);
}

function gunzipLenient(data: Buffer): Buffer | undefined {
  try {
    return gunzipSync(data, {finishFlush: 2 /* Z_SYNC_FLUSH */});
  } catch {
    return undefined;
  }
}

function isElf(data: Buffer): boolean {
  return data.length > 64 && data.readUInt32BE(0) === 0x7f454c46;
}

/** `depends=` from a module's `.modinfo` section: a NUL-separated key=value list. */
export function parseModinfoDepends(ko: Buffer): string[] {
  const key = Buffer.from("\0depends=");
  const at = ko.indexOf(key);
  if (at < 0) return [];
  const start = at + key.length;
  const end = ko.indexOf(0, start);
  const value = ko.subarray(start, end < 0 ? undefined : end).toString("latin1");
  return value ? value.split(",").map(normalizeModuleName).filter(Boolean) : [];
}

export function normalizeModuleName(name: string): string {
  return name.replaceAll("-", "_");
}

/** The dependency closure of `wanted`, dependencies first, ties broken by name (deterministic). */
export async function collectModules(moduleRoot: string, wanted: string[]): Promise<Manifest["modules"]> {
  const index = new Map<string, string>();
  for (const file of await listFiles(join(moduleRoot, "kernel"))) {
    if (file.endsWith(".ko")) index.set(normalizeModuleName(basename(file, ".ko")), relative(moduleRoot, file));
  }
  const ordered: Manifest["modules"] = [];
  const seen = new Set<string>();
  const visit = async (name: string, chain: string[]): Promise<void> => {
    if (seen.has(name)) return;
    if (chain.includes(name)) throw new ConfigError(`module dependency cycle: ${[...chain, name].join(" → ")}`);
    const path = index.get(name);
    if (!path) {
      const builtin = join(moduleRoot, "modules.builtin");
      if (existsSync(builtin) && (await readFile(builtin, "utf8")).split("\n").some((line) => normalizeModuleName(basename(line, ".ko")) === name)) {
        seen.add(name);
        return;
      }
      throw new ConfigError(`kernel module ${name} is neither a module nor built in`);
    }
    const depends = parseModinfoDepends(await readFile(join(moduleRoot, path))).sort();
    for (const dep of depends) await visit(dep, [...chain, name]);
    seen.add(name);
    ordered.push({name, path, depends});
  };
  for (const name of wanted) await visit(normalizeModuleName(name), []);
  return ordered;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else out.push(path);
  }
  return out;
}

/** `modules.dep` as depmod writes it (full transitive list, nearest first), for busybox modprobe. */
export function modulesDep(modules: Array<{name: string; path: string; depends: string[]}>): string {
  const byName = new Map(modules.map((m) => [m.name, m]));
  const closure = (name: string, acc: string[]): string[] => {
    for (const dep of byName.get(name)?.depends ?? []) {
      const module = byName.get(dep);
      if (module && !acc.includes(module.path)) {
        acc.push(module.path);
        closure(dep, acc);
      }
    }
    return acc;
  };
  return modules.map((m) => `${m.path}:${closure(m.name, []).map((p) => ` ${p}`).join("")}\n`).join("");
}
