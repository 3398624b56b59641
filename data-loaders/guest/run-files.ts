/**
 * The files of one guest boot, alike for QEMU, Xen and the nested lab: a fresh run directory that
 * keeps the boot's console, channel and command line for diagnosis (the oldest pruned), the ext4
 * scratch disks the file suite writes to, and the launch line as a shell would take it.
 */
import {existsSync} from "node:fs";
import {mkdir, mkdtemp, readdir, rm, stat, truncate, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {execa} from "execa";
import {claim} from "../campaign/process-group.ts";
import {MissingDependencyError, ProcessFailedError} from "../errors.ts";
import {cacheRoot} from "./paths.ts";

/**
 * A new `<cache>/<kind>/<time>-<label>-XXXXXX` directory. Older ones beyond the newest `keep` go,
 * except a boot still in progress (in another process): one whose `busyFile` (removed when its boot
 * ends) is still there and that is less than an hour old.
 */
export async function newRunDir(kind: string, label: string, options: {cacheDir?: string; keep: number; busyFile: string}): Promise<string> {
  const root = join(options.cacheDir ?? cacheRoot(), kind);
  await mkdir(root, {recursive: true});
  const entries = (await readdir(root)).filter((name) => !name.startsWith(".")).sort();
  for (const name of entries.slice(0, Math.max(0, entries.length - (options.keep - 1)))) {
    const dir = join(root, name);
    const st = await stat(dir).catch(() => undefined);
    if (st && (Date.now() - st.mtimeMs > 3600_000 || !existsSync(join(dir, options.busyFile)))) await rm(dir, {recursive: true, force: true});
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const dir = await mkdtemp(join(root, `${stamp}-${label.replace(/[^\w.-]+/g, "_")}-`));
  // The boot's big files go with a campaign killed before (or while) the guest runs; the logs stay.
  claim(label, [join(dir, options.busyFile), join(dir, "scratch.img")]);
  return dir;
}

/**
 * An empty ext4 file system of `sizeMb` in a sparse file (no lazy init: background zeroing would
 * disturb the measurement), labelled when the guest is to find it by its label (a pass-through disk).
 */
export async function makeScratchDisk(path: string, sizeMb: number, options: {label?: string} = {}): Promise<void> {
  await writeFile(path, "");
  await truncate(path, sizeMb * 1024 * 1024);
  for (const command of ["mkfs.ext4", "/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4"]) {
    const result = await execa(command, ["-F", "-q", "-E", "lazy_itable_init=0,lazy_journal_init=0", ...(options.label ? ["-L", options.label] : []), path], {reject: false, all: true});
    if ((result as {code?: string}).code === "ENOENT") continue;
    if (result.exitCode !== 0) throw new ProcessFailedError(`${command} ${path}`, result.exitCode, result.signal, Boolean(result.timedOut), String(result.all ?? ""));
    return;
  }
  throw new MissingDependencyError("mkfs.ext4", "apt-get install e2fsprogs", "needed for the guest's scratch disk");
}

/** The command line as a shell would take it, with the boot's directory shown as `$RUN`. */
export function launchLine(command: string, args: readonly string[], runDir?: string): string {
  return [command, ...args]
    .map((word) => (runDir ? word.split(runDir).join("$RUN") : word))
    .map((word) => (/^[\w@%+=:,./$-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`))
    .join(" ");
}
