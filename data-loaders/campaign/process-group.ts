/**
 * The processes and scratch files of one campaign, tied to its life.
 *
 * A killed campaign used to leave its probes running into the next campaign's measurements (12 s
 * seen) and the IOzone probe's scratch file in /tmp for good (up to 1 GiB with the full plan).
 * Now every probe, guest and VMM a target starts is adopted here (one `adopt` call after the
 * spawn): its pid, start time and process group go to `<cache>/campaigns/<pid>-<start>/children`;
 * a guest's boot files (its initrd and scratch disk) are claimed as soon as their folder exists
 * (`claim`, from guest/run-files.ts), before the guest starts.
 * While the group is open, TMPDIR is a private folder inside the system's temporary folder (the
 * same file system, so IOzone's scratch file is measured where it was), which every child inherits
 * and which goes with the group: probe scratch files, QEMU's snapshot overlays, SSH control sockets.
 *  - A campaign that ends, fails or is interrupted kills what is left and removes the folder.
 *  - A campaign killed with SIGKILL cannot: a detached watcher (reaper.mjs) holds a pipe from it
 *    and, when the pipe closes, does the same within milliseconds.
 *  - Were the watcher killed too, the next campaign's `sweepStale` finds the folder of a campaign
 *    that no longer runs and reaps it. Processes are killed only when provably the ones recorded
 *    (same boot, pid and start time), never by name.
 */
import {spawn, type ChildProcess} from "node:child_process";
import {appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {cacheRoot} from "../guest/paths.ts";
import {alive, bootId, children, processStart, reap, type ChildRecord, type ProcessRecord} from "./reaper.mjs";

const REAPER = fileURLToPath(new URL("./reaper.mjs", import.meta.url));

export interface AdoptOptions {
  /** The child leads its own process group (a detached probe): the whole group is ended. */
  group?: boolean;
}

export interface SweepCounts {
  campaigns: number;
  processes: number;
  files: number;
}

let active: ProcessGroup | undefined;

/** Records a process a target started with the running campaign (a no-op outside one). */
export function adopt(child: {pid?: number}, label: string, options: AdoptOptions = {}): void {
  if (child.pid !== undefined) active?.record({pid: child.pid, start: processStart(child.pid), boot: bootId(), group: options.group ?? false, label});
}

/** Records files that must not outlive the running campaign (a no-op outside one), before they are written. */
export function claim(label: string, files: string[]): void {
  active?.record({label, files});
}

export function campaignsRoot(): string {
  return join(cacheRoot(), "campaigns");
}

/** Reaps the folders of campaigns that no longer run (their watcher died with them). */
export function sweepStale(root = campaignsRoot()): SweepCounts {
  const counts: SweepCounts = {campaigns: 0, processes: 0, files: 0};
  if (!existsSync(root)) return counts;
  for (const name of readdirSync(root)) {
    const dir = join(root, name);
    const owner = readOwner(dir);
    if (owner && alive(owner)) continue; // another campaign, still running
    const reaped = reap(dir);
    counts.campaigns++;
    counts.processes += reaped.processes;
    counts.files += reaped.files;
  }
  return counts;
}

export class ProcessGroup {
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly scratch: string,
    private readonly watcher: ChildProcess,
    /** TMPDIR as it was before the group took it over. */
    private readonly tmpdir: string | undefined
  ) {}

  /** Starts this process's group (one at a time) with its watcher; a campaign calls `sweepStale` before. */
  static start(root = campaignsRoot()): ProcessGroup {
    if (active) throw new Error("a campaign's process group is already open in this process");
    const start = processStart(process.pid);
    const dir = join(root, `${process.pid}-${start}`);
    mkdirSync(dir, {recursive: true, mode: 0o700});
    const scratch = mkdtempSync(join(tmpdir(), "vmmbench-scratch-"));
    writeFileSync(join(dir, "owner.json"), JSON.stringify({pid: process.pid, start, boot: bootId(), scratch}));
    // Detached (its own session), so Ctrl-C in the terminal reaches the campaign, not the watcher.
    const watcher = spawn(process.execPath, [REAPER, dir], {detached: true, stdio: ["pipe", "ignore", "ignore"]});
    watcher.unref();
    (watcher.stdin as unknown as {unref?: () => void}).unref?.();
    watcher.stdin!.on("error", () => undefined);
    active = new ProcessGroup(dir, scratch, watcher, process.env.TMPDIR);
    process.env.TMPDIR = scratch;
    return active;
  }

  record(entry: Partial<ChildRecord>): void {
    if (this.closed) return;
    appendFileSync(join(this.dir, "children"), `${JSON.stringify(entry)}\n`);
  }

  /** Kills every adopted process still running (Ctrl-C: the steps in flight end now). */
  killAll(): number {
    let killed = 0;
    for (const child of children(this.dir)) {
      if (child.pid === undefined || !alive(child as ProcessRecord)) continue;
      try {
        process.kill(child.group ? -child.pid : child.pid, "SIGKILL");
        killed++;
      } catch {
        // ended meanwhile
      }
    }
    return killed;
  }

  /** Ends what is left, removes the scratch files and the folder, and lets the watcher go. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.tmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = this.tmpdir;
    reap(this.dir);
    this.watcher.stdin!.end();
    if (active === this) active = undefined;
  }
}

function readOwner(dir: string): {pid: number; start?: string; boot: string} | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, "owner.json"), "utf8"));
  } catch {
    return undefined;
  }
}
