/**
 * Ends what a dead campaign left behind: its probes, guests and scratch files. Plain JavaScript so
 * that it starts in a few milliseconds without tsx: a campaign starts this file as a detached
 * watcher holding a pipe from the campaign (process-group.ts); when the campaign dies, even by
 * kill -9, the pipe closes and the watcher reaps its folder. The next campaign imports `reap` to
 * sweep folders whose watcher died too.
 *
 * A campaign's folder holds owner.json ({pid, start, boot, scratch}) and `children`, one JSON line
 * per process it started ({pid, start, boot, group, label}) or files it claimed ({label, files}).
 * A process is killed only when it is
 * provably the one recorded: same boot, same pid and the same start time (field 22 of
 * /proc/PID/stat, in clock ticks since boot); a pid reused since is left alone.
 */
import {existsSync, readFileSync, rmSync} from "node:fs";

/** Start time of a process in clock ticks since boot, or undefined when there is no such process. */
export function processStart(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

export function bootId() {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return "unknown";
  }
}

/** Whether the process recorded as {pid, start, boot} is still running. */
export function alive(record) {
  return record.boot === bootId() && record.start !== undefined && processStart(record.pid) === record.start;
}

/** The children recorded in a campaign folder (lines cut short by a crash are skipped). */
export function children(dir) {
  let text;
  try {
    text = readFileSync(`${dir}/children`, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").flatMap((line) => {
    try {
      return line ? [JSON.parse(line)] : [];
    } catch {
      return [];
    }
  });
}

/** Kills the recorded children that still run, removes their files, the scratch folder and the campaign's folder. */
export function reap(dir) {
  let owner;
  try {
    owner = JSON.parse(readFileSync(`${dir}/owner.json`, "utf8"));
  } catch {
    owner = undefined;
  }
  const sameBoot = owner?.boot === bootId();
  const counts = {processes: 0, files: 0};
  for (const child of children(dir)) {
    if (sameBoot && child.pid !== undefined && child.start !== undefined && killIfOurs(child)) counts.processes++;
    for (const file of child.files ?? []) counts.files += remove(file);
  }
  if (owner?.scratch) counts.files += remove(owner.scratch);
  rmSync(dir, {recursive: true, force: true});
  return counts;
}

function killIfOurs(child) {
  const start = processStart(child.pid);
  if (start !== undefined && start !== child.start) return false; // the pid was reused
  try {
    // A probe leads its own process group (and session); the group holds only what it forked,
    // so it is ended even when the probe itself died first.
    process.kill(child.group ? -child.pid : child.pid, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}

function remove(path) {
  if (!existsSync(path)) return 0;
  rmSync(path, {recursive: true, force: true});
  return 1;
}

// Started by a campaign: wait for its pipe to close, then reap what it left (if it did not).
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const dir = process.argv[2];
  for (const signal of ["SIGINT", "SIGHUP", "SIGTERM", "SIGPIPE"]) process.on(signal, () => {});
  process.stdin.on("error", () => {});
  process.stdin.resume();
  process.stdin.on("close", () => {
    if (dir && existsSync(dir)) reap(dir);
    process.exit(0);
  });
}
