import {spawn, type ChildProcess} from "node:child_process";
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterEach, beforeEach, describe, expect, it} from "vitest";
import {adopt, claim, ProcessGroup, sweepStale} from "../../data-loaders/campaign/process-group.ts";
import {bootId, processStart} from "../../data-loaders/campaign/reaper.mjs";
import {eventually, running} from "../helpers/processes.ts";

/** A process to stand in for a probe: its own group (as the local target starts probes), sleeping. */
function sleeper(): ChildProcess {
  const child = spawn("sleep", ["60"], {detached: true, stdio: "ignore"});
  child.unref();
  return child;
}

describe("a campaign's process group", () => {
  let root: string;
  const started: ChildProcess[] = [];
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "vmmbench-groups-"));
  });
  afterEach(() => {
    for (const child of started) if (child.pid && running(child.pid)) process.kill(child.pid, "SIGKILL");
    rmSync(root, {recursive: true, force: true});
  });

  it("gives its children a private TMPDIR, ends what it adopted and removes the folder when it closes", async () => {
    const before = process.env.TMPDIR;
    const group = ProcessGroup.start(root);
    const probe = sleeper();
    started.push(probe);
    adopt(probe, "native/r0/lmbench-table1", {group: true});
    const scratch = process.env.TMPDIR!;
    expect(scratch).toBe(group.scratch);
    // A guest's boot files, claimed before they are written (guest/run-files.ts).
    const bootFile = join(root, "initrd");
    claim("qemu", [bootFile]);
    writeFileSync(bootFile, "x");
    expect(readFileSync(`/proc/${probe.pid}/environ`, "utf8").split("\0")).toContain(`TMPDIR=${scratch}`);
    writeFileSync(join(scratch, "vmmbench-file.123.tmp"), Buffer.alloc(1024));
    expect(running(probe.pid!)).toBe(true);
    group.close();
    expect(await eventually(() => !running(probe.pid!))).toBe(true);
    expect(existsSync(scratch)).toBe(false);
    expect(existsSync(bootFile)).toBe(false);
    expect(readdirSync(root)).toEqual([]);
    expect(process.env.TMPDIR).toBe(before);
  });

  it("sweeps what a dead campaign left, killing only the processes it can prove it started", async () => {
    const ours = sleeper();
    const reused = sleeper();
    const unrelated = sleeper();
    started.push(ours, reused, unrelated);
    const dead = {pid: 999_999_999, start: "1", boot: bootId()};
    const dir = join(root, `${dead.pid}-${dead.start}`);
    const scratch = mkdtempSync(join(tmpdir(), "vmmbench-scratch-"));
    const disk = join(scratch, "scratch.img");
    writeFileSync(disk, "x");
    mkdirSync(dir);
    writeFileSync(join(dir, "owner.json"), JSON.stringify({...dead, scratch}));
    const line = (pid: number, start: string | undefined, files: string[] = []) => JSON.stringify({pid, start, boot: bootId(), group: true, label: "probe", files});
    // `reused` stands for a pid the dead campaign recorded that now belongs to another process (its start time differs).
    writeFileSync(join(dir, "children"), [line(ours.pid!, processStart(ours.pid!), [disk]), line(reused.pid!, "12345")].join("\n") + "\n");

    // A campaign that still runs (this process) is left alone.
    const live = join(root, "live");
    mkdirSync(live);
    writeFileSync(join(live, "owner.json"), JSON.stringify({pid: process.pid, start: processStart(process.pid), boot: bootId()}));
    writeFileSync(join(live, "children"), `${line(unrelated.pid!, processStart(unrelated.pid!))}\n`);

    expect(sweepStale(root)).toEqual({campaigns: 1, processes: 1, files: 2});
    expect(await eventually(() => !running(ours.pid!))).toBe(true);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(scratch)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(running(reused.pid!)).toBe(true);
    expect(running(unrelated.pid!)).toBe(true);
  });
});
