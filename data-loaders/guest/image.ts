/**
 * A hermetic guest image: the Debian kernel (uncompressed vmlinux) plus an initramfs built from
 * static busybox, the probes (with the host's loader and libc for the dynamic companion), the
 * guest modules and `/init`. Content-addressed: the hash covers the
 * kernel bytes and the initramfs bytes, and the image lives in `<cache>/images/<hash>/`, so the same
 * inputs give the same hash and the same files, and a changed probe gives a new image.
 */

import {buildProbes} from "../probes/build.ts";
import {existsSync} from "node:fs";
import {copyFile, link, readFile, readdir, rm, stat, utimes, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {buildInitramfs, type Compression} from "./initramfs.ts";
import {obtainKernel} from "./kernel.ts";
import {atomicDir, cacheRoot, sha256} from "./paths.ts";

/** Images kept in the cache besides the one in use; older ones, unused for a day, are removed. */
export const KEEP_IMAGES = 8;

/** Bumped whenever the image layout or /init protocol changes, so old cache entries are not reused. */
export const IMAGE_FORMAT = 2;

export interface ImageOptions {
  /** Probe name → absolute path of a static binary (or a dynamic companion). */
  probes: Record<string, string>;
  /** `none` boots fastest under TCG (see docs/guests.md); `gzip` is smaller. */
  compression?: Compression;
  /** Carry the loader and libraries of the dynamic probes (default true; see initramfs.ts). */
  sharedLibraries?: boolean;
  kernelPackage?: string;
  busybox?: string;
  cacheDir?: string;
  log?: (line: string) => void;
}

export interface ImageManifest {
  format: number;
  hash: string;
  kernelPackage: string;
  kernelVersion: string;
  kver: string;
  vmlinuxSha256: string;
  initramfsSha256: string;
  compression: Compression;
  busybox: string;
  probes: Record<string, string>;
  /** Shared objects carried for the dynamic probes: guest path → sha256. */
  libraries: Record<string, string>;
  modules: string[];
}

export interface GuestImage {
  /** Uncompressed kernel for `qemu -kernel`. */
  kernel: string;
  /** Initramfs for `qemu -initrd` (a batch archive is appended per boot). */
  initramfs: string;
  /** Content hash (hex, 64 chars). */
  hash: string;
  kver: string;
  dir: string;
  manifest: ImageManifest;
}

export async function buildImage(options: ImageOptions): Promise<GuestImage & {cached: boolean}> {
  const log = options.log ?? (() => {});
  const cache = options.cacheDir ?? cacheRoot();
  const kernel = await obtainKernel({package: options.kernelPackage, cacheDir: cache, log});
  const compression = options.compression ?? "none";
  const initramfs = await buildInitramfs({kernel, probes: options.probes, busybox: options.busybox, compression, sharedLibraries: options.sharedLibraries});
  const initramfsSha256 = sha256(initramfs.bytes);
  const hash = sha256(JSON.stringify({format: IMAGE_FORMAT, vmlinux: kernel.vmlinuxSha256, initramfs: initramfsSha256}));
  const manifest: ImageManifest = {
    format: IMAGE_FORMAT,
    hash,
    kernelPackage: kernel.package,
    kernelVersion: kernel.version,
    kver: kernel.kver,
    vmlinuxSha256: kernel.vmlinuxSha256,
    initramfsSha256,
    compression,
    busybox: initramfs.busyboxVersion,
    probes: initramfs.probes,
    libraries: initramfs.libraries,
    modules: kernel.modules.map((m) => m.name)
  };
  const dir = join(cache, "images", hash);
  const initramfsName = compression === "gzip" ? "initramfs.cpio.gz" : "initramfs.cpio";
  const cached = existsSync(join(dir, "image.json"));
  if (!cached) {
    log(`image: writing ${dir}`);
    await atomicDir(dir, async (tmp) => {
      await link(kernel.vmlinux, join(tmp, "vmlinux")).catch(() => copyFile(kernel.vmlinux, join(tmp, "vmlinux")));
      await writeFile(join(tmp, initramfsName), initramfs.bytes);
      await writeFile(join(tmp, "image.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    });
  } else {
    const now = new Date();
    await utimes(dir, now, now).catch(() => {}); // marks it as recently used for pruning
  }
  await pruneImages(join(cache, "images"), hash);
  return {kernel: join(dir, "vmlinux"), initramfs: join(dir, initramfsName), hash, kver: kernel.kver, dir, manifest, cached};
}

async function pruneImages(root: string, current: string): Promise<void> {
  const entries = await readdir(root).catch(() => [] as string[]);
  const dated: Array<{name: string; mtimeMs: number}> = [];
  for (const name of entries) {
    if (name === current || !/^[0-9a-f]{64}$/.test(name)) continue;
    const st = await stat(join(root, name)).catch(() => undefined);
    if (st) dated.push({name, mtimeMs: st.mtimeMs});
  }
  dated.sort((a, b) => b.mtimeMs - a.mtimeMs);
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const {name, mtimeMs} of dated.slice(KEEP_IMAGES)) {
    if (mtimeMs < dayAgo) await rm(join(root, name), {recursive: true, force: true});
  }
}

/** Reads an image back from its cache directory. */
export async function loadImage(dir: string): Promise<GuestImage> {
  const manifest = JSON.parse(await readFile(join(dir, "image.json"), "utf8")) as ImageManifest;
  const initramfsName = manifest.compression === "gzip" ? "initramfs.cpio.gz" : "initramfs.cpio";
  return {kernel: join(dir, "vmlinux"), initramfs: join(dir, initramfsName), hash: manifest.hash, kver: manifest.kver, dir, manifest};
}

export interface ImageBuildCommandOptions extends Partial<ImageOptions> {
  /** Where to print; default stdout. */
  print?: (line: string) => void;
}

/**
 * `vmmbench image build`: builds the probes (data-loaders/probes/build.ts) unless `probes` is given,
 * then the image, and prints what it did.
 */
export async function imageBuildCommand(options: ImageBuildCommandOptions = {}): Promise<GuestImage> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const started = Date.now();
  let probes = options.probes;
  if (!probes) {
    probes = await buildProbes();
  }
  const image = await buildImage({...options, probes, log: options.log ?? ((line) => print(line))});
  const m = image.manifest;
  print(`image ${image.hash.slice(0, 16)} ${image.cached ? "(cached)" : "(built)"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  print(`  dir        ${image.dir}`);
  print(`  kernel     ${m.kernelPackage} ${m.kernelVersion} (${m.kver}), vmlinux sha256 ${m.vmlinuxSha256.slice(0, 16)}`);
  print(`  initramfs  ${m.compression}, sha256 ${m.initramfsSha256.slice(0, 16)}, busybox ${m.busybox}`);
  print(`  modules    ${m.modules.join(" ")}`);
  print(`  probes     ${Object.keys(m.probes).join(" ") || "(none)"}`);
  print(`  libraries  ${Object.keys(m.libraries).join(" ") || "(none)"}`);
  return image;
}

/** What every target that boots this image for a batch of steps takes (QEMU, Xen domU). */
export interface GuestBatchOptions {
  label: string;
  /** Fingerprint.environment; default the label. */
  environment?: string;
  vcpus?: number;
  memoryMb?: number;
  /** Size of the ext4 scratch disk mounted on /scratch (the steps' cwd and TMPDIR); 0 = none. */
  diskMb?: number;
  /** Probe name → static binary; the image is built (or found in the cache) from these. */
  probes?: Record<string, string>;
  /** A prebuilt image instead of `probes`. */
  image?: GuestImage;
  /** Whole-batch deadline in seconds; default boot allowance + Σ (step timeout + step slack). */
  timeoutS?: number;
  /** Seconds from launch to the guest's first frame before it is declared hung. */
  bootTimeoutS?: number;
  /** Seconds beyond a step's own timeout before the host declares the guest hung. Default 20. */
  stepSlackS?: number;
  /** Extra environment for the probes in the guest. */
  env?: Record<string, string>;
  /** Cache root (images, run directories); default `<repo>/.cache`. */
  cacheDir?: string;
  log?: (line: string) => void;
}

/** The image a guest target boots: the one it was given, or one built (or found in the cache) from its probes. */
export function imageOf(options: GuestBatchOptions): Promise<GuestImage> {
  return options.image ? Promise.resolve(options.image) : buildImage({probes: options.probes!, cacheDir: options.cacheDir, log: options.log});
}
