/**
 * The probes' meter spans (probes/common.h), with the machine's real gcc and kernel: one meter line
 * per timed run, counted or not, outside the timed interval; --meters=cell and off; and the reasons
 * a probe records when /proc/stat or the host's port cannot be read. /proc/stat files captured in
 * the lab's guests (test/meters/fixtures/) are read through VMMB_PROC_STAT.
 */
import {execFile} from "node:child_process";
import {join} from "node:path";
import {beforeAll, describe, expect, it} from "vitest";
import {buildProbesDetailed, type ProbeBuild} from "../../data-loaders/probes/build.ts";
import {parseProbeOutput, type ProbeOutput} from "../../data-loaders/probes/parse-output.ts";
import {ROOT} from "../helpers/shared.ts";

let build: ProbeBuild;
beforeAll(async () => {
  build = await buildProbesDetailed({probes: ["vmmbench-lat", "vmmbench-ctx", "vmmbench-mem"]});
}, 300_000);

const FIXTURES = join(ROOT, "test", "meters", "fixtures");

/** `refusals`: the probe may exit 1 having refused every repetition it measured (lat_ctx on a loaded host), its spans printed. */
function run(probe: "vmmbench-lat" | "vmmbench-ctx" | "vmmbench-mem", args: string[], env: Record<string, string> = {}, {refusals = false} = {}): Promise<ProbeOutput & {stderr: string}> {
  return new Promise((resolve, reject) => {
    execFile(build.binaries[probe]!, args, {encoding: "utf8", timeout: 60_000, env: {...process.env, ...env}}, (error, stdout, stderr) => {
      if (error && !(refusals && error.code === 1 && /is not above the token-passing overhead/.test(stderr))) reject(new Error(`${probe} ${args.join(" ")}: ${error.message}\n${stderr}`));
      else resolve({...parseProbeOutput(stdout, probe), stderr});
    });
  });
}

const FORK = ["--metrics", "lat_fork", "--linkage", "static", "--budget-ms", "20", "--reps", "3"];

describe("probe meters", () => {
  it("prints a meter line for every timed run, the counted ones tied to their sample's repetition", async () => {
    const out = await run("vmmbench-lat", FORK);
    expect(out.info).toMatchObject({meters: "rep", meter_host: "none"});
    const counted = out.meters.filter((line) => line.repetition !== null);
    expect(counted.map((line) => line.repetition)).toEqual(out.samples.map((s) => s.repetition));
    // Every run counts its forks: the sample's iterations are the span's operations.
    expect(counted.map((line) => line.ops)).toEqual(out.iterations);
    expect(out.meters.map((line) => line.seq)).toEqual(out.meters.map((_, i) => i + 1));
    for (const line of counted) {
      expect(line).toMatchObject({metric: "lat_fork", per: "op", missing: {}});
      // A fork's child faults its pages in: the waited-for children count.
      expect(line.guest.minflt! / line.ops).toBeGreaterThan(5);
      expect(line.guest).toHaveProperty("ctxt");
      expect(line.guest).toHaveProperty("steal_us");
    }
  });

  it("takes one span per cell with --meters=cell and none with --meters=off", async () => {
    const cell = await run("vmmbench-lat", [...FORK, "--meters=cell"]);
    expect(cell.meters).toHaveLength(1);
    expect(cell.meters[0]).toMatchObject({repetition: 0, cell: true});
    expect(cell.meters[0]!.ops).toBeGreaterThanOrEqual(cell.iterations.reduce((a: number, b) => a + (b ?? 0), 0));
    const off = await run("vmmbench-lat", [...FORK, "--meters=off"]);
    expect(off.info).toMatchObject({meters: "off"});
    expect(off.meters).toEqual([]);
    expect(off.samples).toHaveLength(3);
  });

  it("counts context switches per switch of the ring, and the overhead runs only as paired spans", async () => {
    const out = await run("vmmbench-ctx", ["--cells", "2:0", "--budget-ms", "20", "--reps", "2"], {}, {refusals: true});
    const overhead = out.meters.filter((line) => line.params.part === "overhead");
    expect(overhead.length).toBeGreaterThan(0);
    expect(overhead.every((line) => line.repetition === null)).toBe(true);
    const ring = out.meters.filter((line) => line.repetition !== null);
    // One trip of a 2-process ring is two switches. A repetition the probe refused (not above the
    // token passing, as on a loaded host) has no sample but keeps its counted span.
    expect(ring.map((line) => line.repetition)).toEqual([0, 1]);
    out.samples.forEach((sample, i) => expect(ring.find((line) => line.repetition === sample.repetition)?.ops).toBe(2 * out.iterations[i]!));
    for (const line of ring) expect(line.guest.ctxt! / line.ops).toBeGreaterThan(0.5);
  });

  it("counts per MB for memory bandwidth", async () => {
    const out = await run("vmmbench-mem", ["--metrics", "bw_mem_write", "--sizes-mb", "1", "--budget-ms", "20", "--reps", "2"]);
    const line = out.meters.find((l) => l.repetition === 0)!;
    expect(line).toMatchObject({metric: "bw_mem_write", params: {size_mb: 1}, per: "MB"});
    expect(line.ops).toBeCloseTo((out.iterations[0]! * 1048576) / 1e6, 6);
  });

  it.each(["proc-stat-kvm-shadow.txt", "proc-stat-xen-pv.txt", "proc-stat-xen-pvh.txt"])("reads steal time and context switches from a guest's /proc/stat (%s)", async (file) => {
    const out = await run("vmmbench-lat", FORK, {VMMB_PROC_STAT: join(FIXTURES, file)});
    for (const line of out.meters) {
      // The same captured file at both ends of the span: read, and nothing changed.
      expect(line.guest).toMatchObject({ctxt: 0, steal_us: 0});
      expect(line.missing).toEqual({});
    }
  });

  it("says why /proc/stat could not be read instead of counting zero", async () => {
    const meminfo = await run("vmmbench-lat", FORK, {VMMB_PROC_STAT: "/proc/meminfo"});
    expect(meminfo.meters[0]!.missing.stat).toBe("/proc/meminfo has no 8-field cpu line");
    expect(meminfo.meters[0]!.guest).not.toHaveProperty("steal_us");
    const absent = await run("vmmbench-lat", FORK, {VMMB_PROC_STAT: "/nonexistent/stat"});
    expect(absent.meters[0]!.missing.stat).toBe("cannot open /nonexistent/stat: No such file or directory");
  });

  it("says why the host's marks failed, and still measures", async () => {
    const out = await run("vmmbench-lat", FORK, {VMMB_METER_PORT: "/nonexistent/ttyS2"});
    expect(out.meters[0]!.missing.host).toBe("cannot open the host meter port /nonexistent/ttyS2: No such file or directory");
    expect(out.samples).toHaveLength(3);
    const xen = await run("vmmbench-lat", FORK, {VMMB_XEN_MARKS: "1"});
    expect(xen.info).toMatchObject({meter_host: "none"});
    expect(xen.meters[0]!.missing.host).toBe("no Xen marks: /sys/hypervisor/guest_type unreadable");
  });
});
