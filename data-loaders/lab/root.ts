/**
 * The nested lab's root filesystem: a Debian root (debootstrap minbase + the distribution kernel +
 * qemu-system-x86 + Xen 4.17 + busybox) packed into an ext4 disk image, built once and cached by
 * the hash of its recipe under `<cache>/lab/<hash>/`:
 *
 *   root.img     ext4 (no lazy init), attached read-only-in-effect (`snapshot=on`) to every lab boot
 *   vmlinux      the root's kernel, uncompressed (QEMU boots it through its PVH entry, no decompression under TCG)
 *   vmlinuz      the same kernel compressed (Xen's dom0 kernel module)
 *   xen.elf      `zcat /boot/xen-4.17-amd64.gz`: the multiboot ELF QEMU loads with `-kernel`
 *   initrd.cpio  a small initramfs of our own (busybox + virtio/ext4 modules) that mounts root.img
 *                and hands over to the boot's lab script (see initrd.ts)
 *   lab.json     the manifest: package versions, kernel release, sizes, build times
 *
 * Downloaded packages are kept in `<cache>/lab/debs/` (debootstrap --cache-dir and a bind mount of
 * the chroot's apt archive), so a rebuild after a recipe change does not fetch them again.
 * Building needs root (debootstrap, chroot, mount) and Debian's mirror.
 */

import {existsSync} from "node:fs";
import {mkdir, readFile, readdir, rm, stat, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {gunzipSync} from "node:zlib";
import {execa} from "execa";
import {ConfigError, MissingDependencyError, ProcessFailedError} from "../errors.ts";
import {extractVmlinux} from "../guest/kernel.ts";
import {atomicDir, cacheRoot, sha256} from "../guest/paths.ts";
import {buildLabInitrd, LAB_INITRD_MODULES} from "./initrd.ts";

/** Bumped when the layout of a lab directory or the build procedure changes. */
export const LAB_FORMAT = 2;

export interface LabRecipe {
  format: number;
  suite: string;
  mirror: string;
  securityMirror: string;
  packages: string[];
}

export const DEFAULT_RECIPE: LabRecipe = {
  format: LAB_FORMAT,
  suite: "bookworm",
  mirror: process.env.VMMBENCH_LAB_MIRROR ?? "http://deb.debian.org/debian",
  securityMirror: process.env.VMMBENCH_LAB_SECURITY_MIRROR ?? "http://deb.debian.org/debian-security",
  packages: [
    "linux-image-amd64",
    "qemu-system-x86",
    "xen-hypervisor-4.17-amd64",
    "xen-utils-4.17",
    "busybox-static",
    "kmod",
    "e2fsprogs",
    "procps",
    "util-linux",
    // Xen HVM domUs: the device model (its dependencies bring SeaBIOS and the option ROMs).
    "qemu-system-xen",
    // lspci for the pass-through boots' diagnostics.
    "pciutils"
  ]
};

export interface LabManifest {
  format: number;
  hash: string;
  recipe: LabRecipe;
  /** `uname -r` of the lab kernel, e.g. 6.1.0-56-amd64. */
  kver: string;
  /** The Debian package of that kernel (the guest image is built from the same one). */
  kernelPackage: string;
  /** Package → version, as dpkg reports them inside the root. */
  versions: Record<string, string>;
  /** Xen version from the hypervisor package (`xl info` reports the running one). */
  xenPackageVersion: string;
  qemuPackageVersion: string;
  rootImageMb: number;
  builtAt: string;
  buildSeconds: {debootstrap: number; packages: number; image: number; total: number};
}

export interface LabRoot {
  dir: string;
  hash: string;
  rootImage: string;
  vmlinux: string;
  vmlinuz: string;
  xen: string;
  initrd: string;
  manifest: LabManifest;
}

export function recipeHash(recipe: LabRecipe): string {
  return sha256(JSON.stringify(recipe));
}

export function labRootDir(cacheDir: string | undefined, hash: string): string {
  return join(cacheDir ?? cacheRoot(), "lab", hash);
}

/** The cached lab root, or undefined when it has not been built. */
export async function findLabRoot(options: {cacheDir?: string; recipe?: LabRecipe} = {}): Promise<LabRoot | undefined> {
  const recipe = options.recipe ?? DEFAULT_RECIPE;
  const dir = labRootDir(options.cacheDir, recipeHash(recipe));
  if (!existsSync(join(dir, "lab.json"))) return undefined;
  return loadLabRoot(dir);
}

export async function loadLabRoot(dir: string): Promise<LabRoot> {
  const manifest = JSON.parse(await readFile(join(dir, "lab.json"), "utf8")) as LabManifest;
  return {
    dir,
    hash: manifest.hash,
    rootImage: join(dir, "root.img"),
    vmlinux: join(dir, "vmlinux"),
    vmlinuz: join(dir, "vmlinuz"),
    xen: join(dir, "xen.elf"),
    initrd: join(dir, "initrd.cpio"),
    manifest
  };
}

export interface BuildLabOptions {
  cacheDir?: string;
  recipe?: LabRecipe;
  log?: (line: string) => void;
}

const building = new Map<string, Promise<LabRoot & {cached: boolean}>>();

/**
 * Builds the lab root (or returns the cached one). Takes ~1.5–8 min the first time (network, 2
 * cores). One build per recipe and cache at a time in this process: a caller that starts it early
 * (`vmmbench run` while it checks the host) and the lab session that needs it share the build.
 */
export function buildLabRoot(options: BuildLabOptions = {}): Promise<LabRoot & {cached: boolean}> {
  const key = `${options.cacheDir ?? cacheRoot()}\0${recipeHash(options.recipe ?? DEFAULT_RECIPE)}`;
  let build = building.get(key);
  if (!build) {
    build = buildLabRootOnce(options);
    building.set(key, build);
    build.catch(() => building.delete(key));
  }
  return build;
}

async function buildLabRootOnce(options: BuildLabOptions): Promise<LabRoot & {cached: boolean}> {
  const recipe = options.recipe ?? DEFAULT_RECIPE;
  const log = options.log ?? (() => {});
  const hash = recipeHash(recipe);
  const dir = labRootDir(options.cacheDir, hash);
  if (existsSync(join(dir, "lab.json"))) return {...(await loadLabRoot(dir)), cached: true};
  if (process.getuid?.() !== 0) {
    throw new MissingDependencyError("root privileges to build the lab root", "run `vmmbench lab build` as root once (debootstrap and chroot need root)");
  }
  const debootstrap = await ensureDebootstrap(log);
  for (const tool of ["mkfs.ext4", "chroot", "mount"]) await requireTool(tool, tool === "mkfs.ext4" ? "e2fsprogs" : tool === "mount" ? "mount" : "coreutils");
  const debs = join(options.cacheDir ?? cacheRoot(), "lab", "debs");
  await mkdir(debs, {recursive: true});
  await mkdir(join(options.cacheDir ?? cacheRoot(), "lab"), {recursive: true});
  log(`lab: building root ${hash.slice(0, 16)} in ${dir} (debootstrap + ${recipe.packages.length} packages; several minutes)`);
  const t0 = Date.now();
  await atomicDir(dir, async (tmp) => {
    const root = join(tmp, "root");
    const run = (command: string, args: string[], what: string, timeoutMs = 30 * 60_000) => checked(command, args, what, timeoutMs);
    await run(debootstrap, ["--variant=minbase", `--cache-dir=${debs}`, "--include=ca-certificates", recipe.suite, root, recipe.mirror], "debootstrap");
    const t1 = Date.now();
    log(`lab: debootstrap done in ${((t1 - t0) / 1000).toFixed(0)} s; installing ${recipe.packages.join(" ")}`);
    await writeFile(
      join(root, "etc/apt/sources.list"),
      [
        `deb ${recipe.mirror} ${recipe.suite} main`,
        `deb ${recipe.mirror} ${recipe.suite}-updates main`,
        `deb ${recipe.securityMirror} ${recipe.suite}-security main`,
        ""
      ].join("\n")
    );
    // No service starts inside the chroot (and none at lab boot: the lab script starts what it needs).
    await writeFile(join(root, "usr/sbin/policy-rc.d"), "#!/bin/sh\nexit 101\n", {mode: 0o755});
    const mounts: string[] = [];
    try {
      await run("mount", ["--bind", debs, join(root, "var/cache/apt/archives")], "bind-mount the package cache");
      mounts.push(join(root, "var/cache/apt/archives"));
      await run("mount", ["-t", "proc", "proc", join(root, "proc")], "mount proc in the chroot");
      mounts.push(join(root, "proc"));
      const env = "DEBIAN_FRONTEND=noninteractive";
      await run("chroot", [root, "sh", "-c", `${env} apt-get update -q`], "apt-get update in the lab root");
      await run(
        "chroot",
        [root, "sh", "-c", `${env} apt-get install -y -q --no-install-recommends ${recipe.packages.join(" ")}`],
        "apt-get install in the lab root"
      );
    } finally {
      for (const mount of mounts.reverse()) await execa("umount", ["-l", mount], {reject: false});
    }
    const t2 = Date.now();
    log(`lab: packages installed in ${((t2 - t1) / 1000).toFixed(0)} s; packing`);
    await rm(join(root, "usr/sbin/policy-rc.d"), {force: true});
    for (const path of ["vmmb", "scratch", "guest", "run/lock"]) await mkdir(join(root, path), {recursive: true});
    await writeFile(join(root, "etc/hostname"), "vmmbench-lab\n");
    await writeFile(join(root, "etc/fstab"), "# the lab script mounts what it needs\n");

    const versions = await packageVersions(root);
    const bootFiles = await readdir(join(root, "boot"));
    const vmlinuzName = bootFiles.filter((name) => /^vmlinuz-.*-amd64$/.test(name)).sort().at(-1);
    if (!vmlinuzName) throw new ConfigError("the lab root has no /boot/vmlinuz-*-amd64 after installing linux-image-amd64");
    const kver = vmlinuzName.slice("vmlinuz-".length);
    const xenGz = bootFiles.filter((name) => /^xen-.*\.gz$/.test(name)).sort().at(-1);
    if (!xenGz) throw new ConfigError("the lab root has no /boot/xen-*.gz after installing the Xen hypervisor package");

    const vmlinuz = await readFile(join(root, "boot", vmlinuzName));
    await writeFile(join(tmp, "vmlinuz"), vmlinuz);
    await writeFile(join(tmp, "vmlinux"), await extractVmlinux(vmlinuz));
    await writeFile(join(tmp, "xen.elf"), gunzipSync(await readFile(join(root, "boot", xenGz))));

    const moduleRoot = join(root, "lib/modules", kver);
    const initrd = await buildLabInitrd({busybox: join(root, "bin/busybox"), moduleRoot, kver, modules: [...LAB_INITRD_MODULES]});
    await writeFile(join(tmp, "initrd.cpio"), initrd);

    // Root image: the tree's size + headroom for the lab's own writes (they go to a snapshot anyway).
    const usedMb = Number(String((await run("du", ["-sm", root], "du")).stdout).split(/\s/)[0]);
    const sizeMb = Math.ceil((usedMb * 1.25 + 256) / 64) * 64;
    await run("truncate", ["-s", `${sizeMb}M`, join(tmp, "root.img")], "truncate");
    await run(
      "mkfs.ext4",
      ["-F", "-q", "-L", "vmmblab", "-E", "lazy_itable_init=0,lazy_journal_init=0", "-d", root, join(tmp, "root.img")],
      "mkfs.ext4 -d (pack the lab root)"
    );
    const t3 = Date.now();
    await rm(root, {recursive: true, force: true});
    const manifest: LabManifest = {
      format: LAB_FORMAT,
      hash,
      recipe,
      kver,
      kernelPackage: `linux-image-${kver}`,
      versions,
      xenPackageVersion: versions["xen-hypervisor-4.17-amd64"] ?? Object.entries(versions).find(([name]) => name.startsWith("xen-hypervisor"))?.[1] ?? "",
      qemuPackageVersion: versions["qemu-system-x86"] ?? "",
      rootImageMb: sizeMb,
      builtAt: new Date().toISOString(),
      buildSeconds: {
        debootstrap: Math.round((t1 - t0) / 1000),
        packages: Math.round((t2 - t1) / 1000),
        image: Math.round((t3 - t2) / 1000),
        total: Math.round((t3 - t0) / 1000)
      }
    };
    await writeFile(join(tmp, "lab.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    log(`lab: root ${hash.slice(0, 16)} ready (${sizeMb} MB image, kernel ${kver}, Xen ${manifest.xenPackageVersion}) in ${manifest.buildSeconds.total} s`);
  });
  return {...(await loadLabRoot(dir)), cached: false};
}

async function packageVersions(root: string): Promise<Record<string, string>> {
  const result = await checked("chroot", [root, "dpkg-query", "-W", "-f", "${Package}\t${Version}\n"], "dpkg-query in the lab root");
  const versions: Record<string, string> = {};
  for (const line of String(result.stdout).split("\n")) {
    const [name, version] = line.split("\t");
    if (name && version) versions[name] = version;
  }
  return versions;
}

async function ensureDebootstrap(log: (line: string) => void): Promise<string> {
  for (const candidate of ["debootstrap", "/usr/sbin/debootstrap"]) {
    const found = await execa(candidate, ["--version"], {reject: false});
    if ((found as {code?: string}).code !== "ENOENT" && found.exitCode === 0) return candidate;
  }
  log("lab: debootstrap is missing; installing it with apt-get");
  const install = await execa("apt-get", ["install", "-y", "-q", "--no-install-recommends", "debootstrap"], {
    reject: false,
    all: true,
    env: {DEBIAN_FRONTEND: "noninteractive"}
  });
  if (install.exitCode === 0 && existsSync("/usr/sbin/debootstrap")) return "/usr/sbin/debootstrap";
  throw new MissingDependencyError("debootstrap", "apt-get install debootstrap", String(install.all ?? "").trim().slice(-300) || undefined);
}

async function requireTool(command: string, pkg: string): Promise<void> {
  const result = await execa("sh", ["-c", `command -v ${command} || test -x /usr/sbin/${command} || test -x /sbin/${command}`], {reject: false});
  if (result.exitCode !== 0) throw new MissingDependencyError(command, `apt-get install ${pkg}`);
}

async function checked(command: string, args: string[], what: string, timeoutMs = 30 * 60_000) {
  const result = await execa(command, args, {reject: false, all: true, timeout: timeoutMs, maxBuffer: 1 << 28});
  if ((result as {code?: string}).code === "ENOENT") throw new MissingDependencyError(command, `apt-get install ${command}`);
  if (result.exitCode !== 0) {
    throw new ProcessFailedError(`${what} (${command} ${args.join(" ")})`, result.exitCode, result.signal, Boolean(result.timedOut), String(result.all ?? "").slice(-2000));
  }
  return result;
}

/** Size in MB of a file (for reports). */
export async function fileMb(path: string): Promise<number> {
  return Math.round(((await stat(path)).size / (1 << 20)) * 10) / 10;
}
