/**
 * The reference engine end to end, without the real tools: tiny scripts named like LMbench's,
 * IOzone's and HPL's binaries sit first on PATH and print **real** outputs of those tools (excerpts
 * of the shared fixtures, read at test time). That checks discovery, invocation through the runner,
 * the ingest parsers' wiring and what each sample records as its engine and tool.
 */
import {execa} from "execa";
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {referenceFor, resolveReferenceTools} from "../../data-loaders/campaign/tool-engine.ts";
import {stepTemplates} from "../../data-loaders/campaign/steps.ts";
import {ParseError} from "../../data-loaders/errors.ts";
import {parseLmbenchTool} from "../../data-loaders/suites/lmbench/formats/tool.ts";
import {parsePlanText} from "../../data-loaders/plan/load.ts";
import {Store} from "../../data-loaders/store/store.ts";
import {HAVE_SHARED, ROOT, SHARED_FIXTURES} from "../helpers/shared.ts";

const BIN = join(ROOT, "bin", "vmmbench.js");
const LMBENCH = join(SHARED_FIXTURES, "lmbench", "lmbench3-a9-aarch64-phytium-kylin-full.txt");
const IOZONE = join(SHARED_FIXTURES, "iozone", "iozone3.465-auto-odirect-xfs-ssd.txt");
const HPL = join(SHARED_FIXTURES, "hpl", "hpl2.1-single-WC23C2C4-2017.txt");
const HAVE_FIXTURES = HAVE_SHARED && [LMBENCH, IOZONE, HPL].every((file) => existsSync(file));

/** The lines of a real LMbench results file that one binary prints (a line, or a block up to the blank line). */
function lmbenchExcerpt(text: string, start: RegExp, block = false): string {
  const lines = text.split("\n");
  const at = lines.findIndex((line) => start.test(line));
  if (at < 0) throw new Error(`no ${start} in ${LMBENCH}`);
  if (!block) return `${lines[at]}\n`;
  const end = lines.findIndex((line, i) => i > at && line.trim() === "");
  return `${lines.slice(at, end).join("\n")}\n`;
}

function script(dir: string, name: string, body: string): void {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\necho "${name} $* ENOUGH=\${ENOUGH:-} cwd=$(pwd)" >> "${join(dir, "..", "calls.log")}"\n${body}\n`);
  chmodSync(path, 0o755);
}

describe.skipIf(!HAVE_FIXTURES)("vmmbench run --engine reference (fake tools printing real outputs)", () => {
  let dir: string;
  let bin: string;
  let out: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-reference-"));
    bin = join(dir, "bin");
    out = join(dir, "outputs");
    mkdirSync(bin);
    mkdirSync(out);
    const lm = readFileSync(LMBENCH, "utf8");
    // What each binary prints (LMbench: on stderr, as the real ones do).
    writeFileSync(join(out, "null"), lmbenchExcerpt(lm, /^Simple syscall: /));
    writeFileSync(join(out, "stat"), lmbenchExcerpt(lm, /^Simple stat: /));
    writeFileSync(join(out, "fork"), lmbenchExcerpt(lm, /^Process fork\+exit: /));
    writeFileSync(join(out, "exec"), lmbenchExcerpt(lm, /^Process fork\+execve: /));
    writeFileSync(join(out, "pipe"), lmbenchExcerpt(lm, /^Pipe latency: /));
    writeFileSync(join(out, "ctx16"), `\n${lmbenchExcerpt(lm, /^"size=16k ovr=/, true)}`);
    // bw_mem prints one "size MB/s" pair; take the last row of the real blocks.
    const pair = (title: string) => lmbenchExcerpt(lm, new RegExp(`^${title}$`), true).trim().split("\n").at(-1)!;
    writeFileSync(join(out, "rd"), `${pair("Memory read bandwidth")}\n`);
    writeFileSync(join(out, "wr"), `${pair("Memory write bandwidth")}\n`);
    writeFileSync(join(out, "bcopy"), `${pair('"libc bcopy unaligned')}\n`);
    writeFileSync(join(out, "fcp"), `${pair('"unrolled bcopy unaligned')}\n`);

    // The last argument names the operation (lat_syscall -N 3 stat FILE: the file; checked to exist).
    script(bin, "lat_syscall", `op=$3; [ "$op" = stat ] && { [ -f "$4" ] || { echo "$4: No such file" >&2; exit 1; }; }\ncat "${out}/$op" >&2`);
    script(bin, "lat_proc", `[ "$3" = exec ] && { [ -x /tmp/hello ] || exit 1; }\ncat "${out}/$3" >&2`);
    script(bin, "hello", `echo "Hello world"`);
    script(bin, "lat_pipe", `cat "${out}/pipe" >&2`);
    script(bin, "lat_ctx", `cat "${out}/ctx16" >&2`);
    script(bin, "bw_mem", `cat "${out}/$4" >&2`);
    script(bin, "iozone", `cat "${IOZONE}"`);
    // HPL reads HPL.dat from its working directory: the runner must have written it there.
    script(bin, "xhpl", `[ -f HPL.dat ] && grep -q '^35000 *Ns' HPL.dat || { echo "HPL.dat missing or wrong" >&2; exit 1; }\ncat "${HPL}"`);
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it("runs the tools it finds on PATH, parses them like ingest and records engine and tool per sample", async () => {
    writeFileSync(
      join(dir, "plan.yaml"),
      `name: reference
environments: [{target: local}]
suites:
  lmbench: {table1: [lat_syscall, lat_stat, lat_fork, lat_exec, lat_pipe, lat_sig_handler], ctx: ["2p16k", "8p16k"], mem_size_mb: [2], budget_ms: 20, reps: 3}
  iozone: {file_kb: [64], record_kb: [4], fsync: false}
  linpack: {n: [35000], reps: 1}
repetitions: {min: 1, max: 1}
`
    );
    const db = join(dir, "r.duckdb");
    const result = await execa(process.execPath, [BIN, "run", "--engine", "reference", "--plan", join(dir, "plan.yaml"), "--db", db], {
      env: {PATH: `${bin}:${process.env.PATH}`},
      reject: false
    });
    expect(result.exitCode, result.stderr).toBe(0);
    // lat_sig is not installed: that metric falls back to the built-in probe, with a warning.
    expect(result.stderr).toMatch(/warning: reference engine: LMbench lat_sig \(not on PATH; set tools\.lmbench_bin\)/);

    const calls = readFileSync(join(dir, "calls.log"), "utf8");
    expect(calls).toMatch(/^lat_syscall -N 3 null ENOUGH=20000 /m);
    expect(calls).toMatch(/^lat_ctx -N 3 -s 16 2 8 ENOUGH=20000 /m);
    expect(calls).toMatch(/^bw_mem -N 3 2m rd /m);
    expect(calls).toMatch(/^iozone -i 0 -i 1 -s 64k -r 4k -f \S+\/iozone\.tmp /m);
    expect(calls).toMatch(/^xhpl  ENOUGH= cwd=\S+vmmbench-ref\.\w+$/m);

    const store = await Store.open(db);
    try {
      const rows = await store.query(
        `SELECT metric, params, value, tool, tool_version, engine FROM results WHERE source = 'run' AND metric <> 'linpack_residual' ORDER BY metric, params`
      );
      const by = (metric: string, params = "{}") => rows.find((row) => row.metric === metric && row.params === params);
      // Values are the real outputs' numbers, under the built-in probes' metric names and params.
      expect(by("lat_syscall")).toMatchObject({value: 0.1526, tool: "lmbench", engine: "reference", tool_version: expect.stringMatching(/^lmbench3 sha256:[0-9a-f]{12}$/)});
      expect(by("lat_stat")).toMatchObject({value: 1.1074, engine: "reference"});
      expect(by("lat_fork")).toMatchObject({value: 118.3404, engine: "reference"});
      expect(by("lat_exec")).toMatchObject({value: 345.375, engine: "reference"});
      expect(by("lat_pipe")).toMatchObject({value: 5.8399, engine: "reference"});
      expect(by("lat_ctx", '{"procs":2,"size_kb":16}')).toMatchObject({value: 2.32, engine: "reference"});
      expect(by("lat_ctx", '{"procs":8,"size_kb":16}')).toMatchObject({value: 5.48, engine: "reference"});
      expect(rows.filter((row) => row.metric === "lat_ctx")).toHaveLength(2); // the other rows of the block are not in the plan
      expect(by("bw_mem_read", '{"size_mb":2}')).toMatchObject({engine: "reference", tool: "lmbench"});
      expect(by("bw_mem_copy", '{"method":"unrolled","size_mb":2}')).toMatchObject({engine: "reference"});
      const iozoneParams = '{"direct":false,"file_kb":64,"fsync":false,"record_kb":4}';
      expect(by("file_write", iozoneParams)).toMatchObject({value: 1.90976, tool: "iozone", tool_version: "3.465", engine: "reference"});
      expect(by("file_reread", iozoneParams)).toMatchObject({value: 43.254784, engine: "reference"});
      expect(by("linpack_gflops", '{"n":35000,"threads":1}')).toMatchObject({value: 1715.87, tool: "hpl", tool_version: "2.1", engine: "reference"});
      // The fallback: the built-in probe measured it, and says so.
      expect(rows.filter((row) => row.metric === "lat_sig_handler").every((row) => row.engine === "builtin" && row.tool === "vmmbench")).toBe(true);
      expect(rows.filter((row) => row.metric === "lat_sig_handler").length).toBeGreaterThan(0);
      const steps = await store.query(`SELECT step_id, engine, tool FROM steps WHERE step_id LIKE 'native/r0/%' ORDER BY step_id`);
      expect(steps).toContainEqual({step_id: "native/r0/lmbench-table1", engine: "builtin", tool: "vmmbench"});
      expect(steps).toContainEqual({step_id: "native/r0/linpack-n35000", engine: "reference", tool: "hpl"});
    } finally {
      store.close();
    }
  }, 120_000);

  it("refuses to start under tools.strict when a tool is missing, before recording a run", async () => {
    const plan = parsePlanText(
      `engine: reference
tools: {strict: true, lmbench_bin: ${bin}}
environments: [{target: local}]
suites: {lmbench: {table1: [lat_sig_install]}}
`,
      "strict.yaml"
    );
    expect(() => referenceFor(plan)).toThrow(/tools\.strict: not found: LMbench lat_sig \(not in tools\.lmbench_bin /);
    const db = join(dir, "strict.duckdb");
    mkdirSync(join(dir, "empty"));
    writeFileSync(join(dir, "strict.yaml"), `tools: {strict: true, lmbench_bin: ${join(dir, "empty")}}\nenvironments: [{target: local}]\nsuites: {lmbench: {table1: [lat_syscall]}}\n`);
    const result = await execa(process.execPath, [BIN, "run", "--engine", "reference", "--plan", join(dir, "strict.yaml"), "--db", db], {reject: false});
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/vmmbench: error: plan: engine reference with tools\.strict: not found: LMbench lat_syscall \(not in tools\.lmbench_bin /);
    const store = await Store.open(db);
    try {
      expect(await store.query(`SELECT count(*)::INT AS n FROM runs WHERE source = 'run'`)).toEqual([{n: 0}]);
    } finally {
      store.close();
    }
  });

  it("prefers tools: paths over PATH and keeps guests on the built-in probes", () => {
    const plan = parsePlanText(
      `engine: reference
tools: {iozone: ${join(bin, "iozone")}}
environments: [{target: local}, {target: qemu, label: guest}]
suites: {iozone: {file_kb: [64, 1024], record_kb: [4, 1024]}}
`,
      "p.yaml"
    );
    const reference = referenceFor(plan, "/nonexistent");
    expect(reference.notes.join("\n")).toMatch(/guest are guests and run the built-in probes/);
    const native = stepTemplates(plan.suites, reference.forEnvironment(plan.environments[0]));
    // 1024 kB records do not fit a 64 kB file: skipped, as the built-in probe skips them.
    expect(native.map((t) => t.name)).toEqual(["iozone-64k-4k", "iozone-1024k-4k", "iozone-1024k-1024k"]);
    expect(native.every((t) => t.provenance?.engine === "reference" && t.args.includes(join(bin, "iozone")))).toBe(true);
    expect(stepTemplates(plan.suites, reference.forEnvironment(plan.environments[1])).map((t) => t.name)).toEqual(["iozone"]);
    expect(resolveReferenceTools({...plan, tools: {...plan.tools, paths: {...plan.tools.paths, iozone: null}}}, "/nonexistent").tools.iozone).toBeUndefined();
  });
});

describe("plan tools:", () => {
  const plan = (tools: string) => () => parsePlanText(`engine: reference\ntools: ${tools}\nenvironments: [{target: local}]\nsuites: {iozone: {}}\n`, "t.yaml");

  it("validates the mapping with the plan's error style", () => {
    expect(plan("{xhpl: bin/xhpl}")).toThrow(/^t\.yaml:2: tools\.xhpl: expected an absolute path, found "bin\/xhpl"$/);
    expect(plan("{hpl: /opt/xhpl}")).toThrow(/t\.yaml:2: tools\.hpl: expected one of the keys lmbench_bin, iozone, xhpl, linpack, strict, found "hpl"/);
    expect(plan("{strict: yes please}")).toThrow(/t\.yaml:2: tools\.strict: expected true or false, found "yes please"/);
    expect(plan("[/usr/bin/iozone]")).toThrow(/t\.yaml:2: tools: expected a mapping/);
    // The paths each suite's tools declare, by their plan keys (suites/<name>/tools.ts).
    expect(plan("{iozone: /usr/bin/iozone, lmbench_bin: /opt/lmbench/bin}")().tools).toEqual({
      paths: {lmbench_bin: "/opt/lmbench/bin", iozone: "/usr/bin/iozone", xhpl: null, linpack: null},
      strict: false
    });
  });

  it("checks that the files exist when a campaign starts, whatever the strictness", () => {
    const missing = plan("{xhpl: /nonexistent/xhpl}")();
    expect(() => referenceFor(missing)).toThrow(/^plan: tools\.xhpl: expected an executable file, found "\/nonexistent\/xhpl" \(no such file\)$/);
    // The builtin engine ignores tools: entirely.
    expect(referenceFor({...missing, engine: "builtin"}).forEnvironment(missing.environments[0])).toBeUndefined();
  });
});

describe("parseLmbenchTool (one LMbench binary's output)", () => {
  it("reads a line, a lat_ctx block and a titled bw_mem pair through the results-file parser", () => {
    expect(parseLmbenchTool("Simple syscall: 0.1936 microseconds\n", "o").samples).toEqual([
      {suite: "lmbench", metric: "lat_syscall", params: {}, unit: "us", value: 0.1936, repetition: 0}
    ]);
    const ctx = parseLmbenchTool('\n"size=16k ovr=1.02\n2 23.99\n8 18.84\n', "o").samples;
    expect(ctx.map((s) => [s.params.procs, s.params.size_kb, s.value])).toEqual([[2, 16, 23.99], [8, 16, 18.84]]);
    expect(parseLmbenchTool("67.11 22332.40\n", "o", {title: "Memory write bandwidth"}).samples[0]).toMatchObject({metric: "bw_mem_write", params: {size_mb: 67.11}, value: 22332.4});
  });

  it("refuses an output with no measurement (a tool's error message)", () => {
    expect(() => parseLmbenchTool("lat_syscall: /tmp/x: No such file or directory\n", "out.txt")).toThrow(ParseError);
    expect(() => parseLmbenchTool("lat_syscall: /tmp/x: No such file or directory\n", "out.txt")).toThrow(/out\.txt:1: expected an LMbench measurement/);
    expect(() => parseLmbenchTool("", "out.txt")).toThrow(/out\.txt:1: expected an LMbench measurement/);
  });
});
