/**
 * The built-in probes, built with the machine's real gcc and run with tiny budgets.
 * Values are only checked for sanity (this machine is itself a VM with 2 shared cores).
 */
import {execFile, execFileSync, spawnSync} from "node:child_process";
import {copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {MissingDependencyError} from "../../data-loaders/errors.ts";
import {buildProbesDetailed, COMPANIONS, elfHasInterpreter, PROBE_NAMES, pruneProbeCache, withCompanions, type ProbeBuild, type ProbeName} from "../../data-loaders/probes/build.ts";
import {PROBE_CATALOG} from "../../data-loaders/probes/catalog.ts";
import {TABLE1_METRICS} from "../../data-loaders/suites/lmbench/options.ts";
import {parseProbeOutput, type ProbeOutput} from "../../data-loaders/probes/parse-output.ts";
import {ROOT} from "../helpers/shared.ts";

let build: ProbeBuild;
let scratch: string;

beforeAll(async () => {
  build = await buildProbesDetailed();
  scratch = mkdtempSync(join(tmpdir(), "vmmbench-probes-test-"));
}, 300_000);

afterAll(() => {
  if (scratch) rmSync(scratch, {recursive: true, force: true});
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  out: ProbeOutput;
}

function bin(name: ProbeName): string {
  const path = build.binaries[name];
  if (!path) throw new Error(`${name} was not built: ${build.unavailable[name]?.message}`);
  return path;
}

function run(name: ProbeName, args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(bin(name), args, {timeout: timeoutMs, encoding: "utf8"}, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      resolve({code, stdout, stderr, out: code === 2 ? emptyOutput() : parseProbeOutput(stdout, name)});
    });
  });
}

function emptyOutput(): ProbeOutput {
  return {info: null, infos: [], samples: [], iterations: [], failures: [], meters: []};
}

function values(out: ProbeOutput, metric: string, params?: Record<string, unknown>): number[] {
  return out.samples
    .filter((s) => s.metric === metric && (!params || Object.entries(params).every(([k, v]) => s.params[k] === v)))
    .map((s) => s.value);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const haveLinpack = () => build.binaries["vmmbench-linpack"] !== undefined;

describe("buildProbes", () => {
  it("builds every probe into the content-hash cache (LINPACK needs OpenBLAS)", () => {
    for (const name of PROBE_NAMES) {
      if (name === "vmmbench-linpack" && !haveLinpack()) {
        expect(build.unavailable[name]).toBeInstanceOf(MissingDependencyError);
        continue;
      }
      expect(build.binaries[name]).toBe(join(ROOT, ".cache", "probes", build.hash, name));
      expect(existsSync(build.binaries[name]!)).toBe(true);
    }
  });

  it("links every probe statically (no PT_INTERP, `file` agrees) and its companion dynamically", async () => {
    const hasFile = spawnSync("file", ["--version"]).status === 0;
    for (const [name, path] of Object.entries(build.binaries)) {
      const companion = name in COMPANIONS;
      expect(await elfHasInterpreter(path!), path).toBe(companion);
      if (hasFile) expect(execFileSync("file", ["-b", path!], {encoding: "utf8"})).toMatch(companion ? /dynamically linked/ : /statically linked/);
    }
    expect(build.binaries["vmmbench-lat-dyn"]).toBe(join(ROOT, ".cache", "probes", build.hash, "vmmbench-lat-dyn"));
  });

  it("lists a probe's companions with it, where the probe map has them", () => {
    const map = {"vmmbench-lat": "/a", "vmmbench-lat-dyn": "/b", "vmmbench-ctx": "/c"};
    expect(withCompanions(["vmmbench-lat", "vmmbench-ctx"], map)).toEqual(["vmmbench-lat", "vmmbench-ctx", "vmmbench-lat-dyn"]);
    expect(withCompanions(["vmmbench-ctx"], map)).toEqual(["vmmbench-ctx"]);
    expect(withCompanions(["vmmbench-lat"], {"vmmbench-lat": "/a"})).toEqual(["vmmbench-lat"]);
  });

  it("rebuilds only when a source changes, and parallel callers share one result", async () => {
    const root = join(scratch, "repo");
    cpSync(join(ROOT, "data-loaders"), join(root, "data-loaders"), {recursive: true});
    const cacheDir = join(scratch, "cache");
    const opts = {root, cacheDir, probes: ["vmmbench-lat"] as const};
    const [a, b] = await Promise.all([buildProbesDetailed(opts), buildProbesDetailed(opts)]);
    expect(a.binaries).toEqual(b.binaries);
    const path = a.binaries["vmmbench-lat"]!;
    const mtime = statSync(path).mtimeMs;
    const again = await buildProbesDetailed(opts);
    expect(again.binaries["vmmbench-lat"]).toBe(path);
    expect(statSync(path).mtimeMs).toBe(mtime);
    expect(readdirSync(join(cacheDir, a.hash)).filter((f) => f.includes(".tmp-"))).toEqual([]);

    const lat = join(root, "data-loaders", "suites", "lmbench", "lat.c");
    writeFileSync(lat, `${execFileSync("cat", [lat], {encoding: "utf8"})}\n/* changed */\n`);
    const changed = await buildProbesDetailed(opts);
    expect(changed.hash).not.toBe(a.hash);
    expect(existsSync(changed.binaries["vmmbench-lat"]!)).toBe(true);

    expect(await pruneProbeCache({cacheDir, keep: 1})).toEqual([join(cacheDir, a.hash)]);
    expect(existsSync(changed.binaries["vmmbench-lat"]!)).toBe(true);
  });

  it("names the Debian package when gcc is missing", async () => {
    const err = await buildProbesDetailed({gcc: "/nonexistent/gcc", cacheDir: join(scratch, "c2")}).catch((e) => e);
    expect(err).toBeInstanceOf(MissingDependencyError);
    expect(err.message).toMatch(/apt-get install -y gcc libc6-dev/);
  });

  it("leaves LINPACK out with the reason when OpenBLAS is missing, unless asked for by name", async () => {
    const cacheDir = join(scratch, "c3");
    const r = await buildProbesDetailed({openblas: null, cacheDir, probes: undefined});
    expect(r.binaries["vmmbench-linpack"]).toBeUndefined();
    expect(r.unavailable["vmmbench-linpack"]).toBeInstanceOf(MissingDependencyError);
    expect(r.unavailable["vmmbench-linpack"]!.message).toMatch(/libopenblas-dev/);
    expect(r.binaries["vmmbench-lat"]).toBeDefined();
    const err = await buildProbesDetailed({openblas: null, cacheDir, probes: ["vmmbench-linpack"]}).catch((e) => e);
    expect(err).toBeInstanceOf(MissingDependencyError);
  });
});

describe("vmmbench-lat", () => {
  it("measures every Table 1 metric with sane values", async () => {
    const r = await run("vmmbench-lat", ["--budget-ms", "5", "--reps", "3", "--tmpdir", scratch]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.info).toMatchObject({probe: "vmmbench-lat", version: "0.1.0"});
    // A noisy repetition can leave the signal-handler time below the subtracted kill() overhead.
    expect(r.out.failures.filter((f) => f.metric !== "lat_sig_handler")).toEqual([]);
    for (const m of TABLE1_METRICS) {
      const v = values(r.out, m);
      if (m === "lat_sig_handler") expect(v.length).toBeGreaterThanOrEqual(1);
      else expect(v, m).toHaveLength(3);
      for (const x of v) expect(x, m).toBeGreaterThan(0);
    }
    const syscall = median(values(r.out, "lat_syscall"));
    expect(syscall).toBeLessThan(100);
    expect(median(values(r.out, "lat_fork"))).toBeGreaterThan(syscall);
    expect(median(values(r.out, "lat_exec"))).toBeGreaterThan(syscall);
    expect(median(values(r.out, "lat_pipe"))).toBeGreaterThan(syscall);
    expect(r.out.samples.every((s) => s.unit === "us" && s.suite === "lmbench")).toBe(true);
    expect(r.out.iterations.every((n) => n !== null && n >= 1)).toBe(true);
    expect(readdirSync(scratch).filter((f) => f.startsWith("vmmbench-lat."))).toEqual([]);
  });

  it("reports a missing shell as an error line and still measures the rest", async () => {
    const r = await run("vmmbench-lat", ["--metrics", "lat_syscall,lat_sh", "--budget-ms", "2", "--reps", "1", "--sh", "/nonexistent/sh"]);
    expect(r.code).toBe(0);
    expect(values(r.out, "lat_syscall")).toHaveLength(1);
    expect(r.out.failures).toHaveLength(1);
    expect(r.out.failures[0]).toMatchObject({metric: "lat_sh", params: {}});
    expect(r.out.failures[0].message).toMatch(/\/nonexistent\/sh/);
  });

  it("exits 1 when nothing could be measured", async () => {
    const r = await run("vmmbench-lat", ["--metrics", "lat_stat", "--budget-ms", "2", "--reps", "1", "--tmpdir", "/nonexistent/dir"]);
    expect(r.code).toBe(1);
    expect(r.out.failures[0].message).toMatch(/--tmpdir/);
  });

  // The guest case: a root with nothing but busybox and the probes (no libraries, no /proc). The
  // dynamic companion is there but cannot run, so the process metrics fall back to the static build;
  // once the loader and libc that ldd lists are copied in, the companion takes them over.
  it.skipIf(process.getuid?.() !== 0 || !existsSync("/bin/busybox"))("runs in a bare busybox chroot, with and without a dynamic loader", () => {
    const root = join(scratch, "chroot");
    mkdirSync(join(root, "bin"), {recursive: true});
    mkdirSync(join(root, "tmp"));
    mkdirSync(join(root, "dev"));
    copyFileSync("/bin/busybox", join(root, "bin", "busybox"));
    symlinkSync("busybox", join(root, "bin", "sh"));
    copyFileSync(bin("vmmbench-lat"), join(root, "vmmbench-lat"));
    copyFileSync(build.binaries["vmmbench-lat-dyn"]!, join(root, "vmmbench-lat-dyn"));
    execFileSync("chmod", ["755", join(root, "vmmbench-lat"), join(root, "vmmbench-lat-dyn"), join(root, "bin", "busybox")]);
    const lat = () =>
      spawnSync("chroot", [root, "/vmmbench-lat", "--metrics", "lat_syscall,lat_fork,lat_exec,lat_sh,lat_stat", "--budget-ms", "3", "--reps", "1"], {
        encoding: "utf8",
        timeout: 30_000
      });

    const bare = lat();
    expect(bare.status, bare.stderr).toBe(0);
    const out = parseProbeOutput(bare.stdout, "chroot");
    expect(out.failures).toEqual([]);
    expect(out.samples.map((s) => s.metric).sort()).toEqual(["lat_exec", "lat_fork", "lat_sh", "lat_stat", "lat_syscall"]);
    for (const s of out.samples) expect(s.note, s.metric).toBe(s.metric === "lat_syscall" || s.metric === "lat_stat" ? undefined : "static process: no dynamic loader");
    expect(bare.stderr).toMatch(/process metrics from the static build: no dynamic loader/);

    const ldd = execFileSync("ldd", [build.binaries["vmmbench-lat-dyn"]!], {encoding: "utf8"});
    for (const path of [...ldd.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]!)) {
      mkdirSync(join(root, path, ".."), {recursive: true});
      copyFileSync(path, join(root, path));
    }
    const withLoader = lat();
    expect(withLoader.status, withLoader.stderr).toBe(0);
    const dyn = parseProbeOutput(withLoader.stdout, "chroot");
    expect(dyn.failures).toEqual([]);
    expect(dyn.infos.map((i) => i.linkage)).toEqual(["static", "dynamic"]);
    const notes = Object.fromEntries(dyn.samples.map((s) => [s.metric, s.note]));
    expect(notes).toEqual({lat_syscall: undefined, lat_fork: "dynamic process", lat_exec: "dynamic process", lat_sh: "dynamic process", lat_stat: undefined});
  });
});

describe("vmmbench-lat process linkage", () => {
  const PROC = ["--metrics", "lat_syscall,lat_fork,lat_exec,lat_sh", "--budget-ms", "3", "--reps", "2"];
  const notes = (out: ProbeOutput) => [...new Set(out.samples.filter((s) => s.metric !== "lat_syscall").map((s) => s.note))];

  it("runs lat_fork, lat_exec and lat_sh from the dynamic companion beside it, and says so in each sample", async () => {
    const r = await run("vmmbench-lat", PROC);
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.failures).toEqual([]);
    // The static probe's info line, then the companion's, then its samples in the metrics' order.
    expect(r.out.infos.map((i) => i.linkage)).toEqual(["static", "dynamic"]);
    expect(r.out.samples.map((s) => s.metric)).toEqual(["lat_syscall", "lat_syscall", "lat_fork", "lat_fork", "lat_exec", "lat_exec", "lat_sh", "lat_sh"]);
    expect(notes(r.out)).toEqual(["dynamic process"]);
    expect(r.out.samples.filter((s) => s.metric === "lat_syscall").every((s) => s.note === undefined)).toBe(true);
    // Params stay {}: the linkage is a note, not part of the series key.
    expect(r.out.samples.every((s) => Object.keys(s.params).length === 0)).toBe(true);
  });

  it("measures them itself with --linkage static", async () => {
    const r = await run("vmmbench-lat", [...PROC, "--linkage", "static"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.infos).toHaveLength(1);
    expect(notes(r.out)).toEqual(["static process: asked for (--linkage static)"]);
  });

  it("falls back to the static build when no companion is beside it; --linkage dynamic then fails those metrics", () => {
    const dir = mkdtempSync(join(scratch, "alone-"));
    copyFileSync(bin("vmmbench-lat"), join(dir, "vmmbench-lat"));
    execFileSync("chmod", ["755", join(dir, "vmmbench-lat")]);
    const alone = spawnSync(join(dir, "vmmbench-lat"), PROC, {encoding: "utf8", timeout: 60_000});
    expect(alone.status, alone.stderr).toBe(0);
    const out = parseProbeOutput(alone.stdout, "alone");
    expect(out.failures).toEqual([]);
    expect(notes(out)).toEqual(["static process: no vmmbench-lat-dyn beside this probe"]);

    const strict = spawnSync(join(dir, "vmmbench-lat"), [...PROC, "--linkage", "dynamic"], {encoding: "utf8", timeout: 60_000});
    expect(strict.status).toBe(0); // lat_syscall was measured
    const failed = parseProbeOutput(strict.stdout, "strict");
    expect(failed.failures.map((f) => f.metric)).toEqual(["lat_fork", "lat_exec", "lat_sh"]);
    expect(failed.failures[0]!.message).toBe("--linkage dynamic: no vmmbench-lat-dyn beside this probe");
  });

  it("the companion refuses --linkage static", () => {
    const r = spawnSync(build.binaries["vmmbench-lat-dyn"]!, ["--linkage", "static"], {encoding: "utf8"});
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/this is the dynamic build/);
  });
});

describe("vmmbench-ctx", () => {
  it("measures positive context-switch times per procs × size_kb cell", async () => {
    const r = await run("vmmbench-ctx", ["--cells", "2:0,4:16", "--budget-ms", "5", "--reps", "3"]);
    expect(r.code, r.stderr).toBe(0);
    for (const cell of [{procs: 2, size_kb: 0}, {procs: 4, size_kb: 16}]) {
      const v = values(r.out, "lat_ctx", cell);
      expect(v.length, JSON.stringify(cell)).toBeGreaterThanOrEqual(1);
      for (const x of v) {
        expect(x).toBeGreaterThan(0);
        expect(x).toBeLessThan(100_000);
      }
    }
  });
});

describe("vmmbench-mem", () => {
  it("measures read, write and both copies in MB/s", async () => {
    const r = await run("vmmbench-mem", ["--sizes-mb", "1", "--budget-ms", "5", "--reps", "2"]);
    expect(r.code, r.stderr).toBe(0);
    expect(values(r.out, "bw_mem_read", {size_mb: 1})).toHaveLength(2);
    expect(values(r.out, "bw_mem_write", {size_mb: 1})).toHaveLength(2);
    expect(values(r.out, "bw_mem_copy", {size_mb: 1, method: "libc"})).toHaveLength(2);
    expect(values(r.out, "bw_mem_copy", {size_mb: 1, method: "unrolled"})).toHaveLength(2);
    for (const s of r.out.samples) {
      expect(s.unit).toBe("MB/s");
      expect(s.value).toBeGreaterThan(100);
      expect(s.value).toBeLessThan(10_000_000);
    }
  });
});

describe("vmmbench-file", () => {
  it("sweeps file_kb × record_kb, skips records larger than the file, warns about the page cache", async () => {
    const dir = mkdtempSync(join(scratch, "file-"));
    const r = await run("vmmbench-file", ["--dir", dir, "--file-kb", "64,256", "--record-kb", "4,128"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.failures).toEqual([]);
    // 64 KiB × 4 KiB, 256 × 4, 256 × 128 (128 > 64 is skipped): 3 cells × 4 metrics
    expect(r.out.samples).toHaveLength(12);
    for (const m of ["file_write", "file_rewrite", "file_read", "file_reread"]) {
      expect(values(r.out, m, {file_kb: 256, record_kb: 128, fsync: false, direct: false}), m).toHaveLength(1);
    }
    expect(r.out.samples.every((s) => s.value > 0 && s.unit === "MB/s")).toBe(true);
    expect(r.out.samples.find((s) => s.metric === "file_read")?.note).toMatch(/smaller than RAM/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("times fsync with --fsync", async () => {
    const dir = mkdtempSync(join(scratch, "fsync-"));
    const r = await run("vmmbench-file", ["--dir", dir, "--file-kb", "64", "--record-kb", "16", "--fsync", "--metrics", "file_write,file_read"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.samples.map((s) => s.metric)).toEqual(["file_write", "file_read"]);
    expect(r.out.samples[0].params).toMatchObject({fsync: true});
    expect(r.out.samples[0].note).toBeUndefined();
  });

  it("writes an error line for a missing directory and exits 1", async () => {
    const r = await run("vmmbench-file", ["--dir", "/nonexistent/dir", "--file-kb", "64", "--record-kb", "4"]);
    expect(r.code).toBe(1);
    expect(r.out.failures[0].message).toMatch(/not a writable directory/);
  });

  it.skipIf(process.getuid?.() !== 0)("reports ENOSPC on a full file system as an error line", async (ctx) => {
    const mnt = mkdtempSync(join(scratch, "tmpfs-"));
    const m = spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt]);
    if (m.status !== 0) ctx.skip();
    try {
      const r = await run("vmmbench-file", ["--dir", mnt, "--file-kb", "256,4096", "--record-kb", "64"]);
      expect(r.code).toBe(0); // the 256 KiB cell fits
      expect(values(r.out, "file_write", {file_kb: 256})).toHaveLength(1);
      const f = r.out.failures.find((x) => x.params.file_kb === 4096);
      expect(f?.metric).toBe("file_write");
      expect(f?.message).toMatch(/no space left/i);
      expect(readdirSync(mnt)).toEqual([]);
    } finally {
      spawnSync("umount", [mnt]);
    }
  });
});

describe("vmmbench-linpack", () => {
  it.skipIf(!existsSync("/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.a") && !process.env.VMMBENCH_OPENBLAS)(
    "solves with a passing residual and positive GFLOPS",
    async () => {
      const r = await run("vmmbench-linpack", ["--n", "100,400"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.out.info).toMatchObject({probe: "vmmbench-linpack", threads: 1});
      for (const n of [100, 400]) {
        const [g] = values(r.out, "linpack_gflops", {n, threads: 1});
        const [t] = values(r.out, "linpack_time", {n, threads: 1});
        const [res] = values(r.out, "linpack_residual", {n, threads: 1});
        expect(g).toBeGreaterThan(0);
        expect(t).toBeGreaterThan(0);
        expect(res).toBeGreaterThanOrEqual(0);
        expect(res).toBeLessThan(16);
        expect(g).toBeCloseTo(((2 / 3) * n ** 3 + 2 * n ** 2) / t / 1e9, 2);
      }
    }
  );
});

describe("arguments", () => {
  const bad: [ProbeName, string[], RegExp][] = [
    ["vmmbench-lat", ["--bogus"], /'--bogus'.*accepted: .*--metrics/],
    ["vmmbench-lat", ["--metrics", "lat_nope"], /lat_nope.*accepted: lat_syscall/],
    ["vmmbench-lat", ["--budget-ms", "abc"], /--budget-ms: 'abc' is not a number/],
    ["vmmbench-lat", ["--reps", "0"], /--reps: 0 is out of range/],
    ["vmmbench-lat", ["--reps"], /--reps needs a value/],
    ["vmmbench-lat", ["--linkage", "dyn"], /--linkage: 'dyn' is not a linkage \(accepted: auto, static, dynamic\)/],
    ["vmmbench-ctx", ["--cells", "2-16"], /--cells: '2-16' is not procs:size_kb/],
    ["vmmbench-ctx", ["--cells", "1:16"], /out of range \(accepted: 2\.\.1024\)/],
    ["vmmbench-mem", ["--sizes-mb", "8,,64"], /--sizes-mb: empty item/],
    ["vmmbench-mem", ["--copy-methods", "rep"], /'rep'.*accepted: libc, unrolled/],
    ["vmmbench-file", ["--record-kb", "x"], /--record-kb: 'x' is not an integer/],
    ["vmmbench-file", ["extra"], /'extra'.*accepted: .*--dir/],
    ["vmmbench-linpack", ["--threads", "0"], /--threads: 0 is out of range/],
    ["vmmbench-linpack", ["--n", "500", "--sweep"], /--sweep and --n/]
  ];
  it.each(bad)("%s %j exits 2 with a clear message", async (probe, args, message) => {
    if (probe === "vmmbench-linpack" && !haveLinpack()) return;
    const r = await run(probe, args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
  });

  it("catalogues every probe it builds", () => {
    expect(Object.keys(PROBE_CATALOG).sort()).toEqual([...PROBE_NAMES].sort());
  });
});
