/**
 * The reference engine (`vmmbench run --engine reference`, or `engine: reference` in a plan): where
 * LMbench, IOzone, HPL or Intel's LINPACK are installed, a campaign runs them instead of the
 * built-in probes for the suites they cover and parses their output with the same parsers as
 * `vmmbench ingest`, filling the same metrics and params. The rule (docs/probes.md "Reference engine"):
 *
 * - each part of a plan (every Table 1 metric, the Table 2 cells, memory bandwidth, IOzone, LINPACK)
 *   looks for its tool: the plan's `tools:` path first, else PATH;
 * - a part whose tool is not found runs the built-in probe, with a warning, and its samples say
 *   engine 'builtin'; with `tools: {strict: true}` the campaign refuses to start instead;
 * - a path written in `tools:` that is not an executable file is always an error (a typo must not
 *   fall back silently);
 * - only environments on real machines (local, ssh) run reference tools; guests (qemu) have no
 *   shared libraries or tools and keep the built-in probes.
 *
 * Every reference step runs through one small POSIX sh runner (REFERENCE_RUNNER, a probe like the
 * others in the target's probe map): it gives the tool a fresh scratch directory as its working
 * directory (HPL reads HPL.dat from there), writes input files, installs LMbench's /tmp/hello for
 * lat_proc and removes both afterwards, as scripts/lmbench does.
 */
import {createHash} from "node:crypto";
import {accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from "node:fs";
import {delimiter, isAbsolute, join} from "node:path";
import {fileURLToPath} from "node:url";
import {ConfigError, ParseError} from "../errors.ts";
import {parseHpl} from "../parsers/hpl.ts";
import {parseIntelLinpack} from "../parsers/intel-linpack.ts";
import {parseIozoneAuto} from "../parsers/iozone-auto.ts";
import {BW_MEM_TITLES, parseLmbenchTool} from "../parsers/lmbench-tool.ts";
import type {EnvironmentSpec, IozoneOptions, LinpackOptions, LmbenchOptions, Plan, ToolPaths} from "../plan/types.ts";
import type {ParsedOutput, Params, Sample} from "../model/sample.ts";
import type {StepTemplate} from "./steps.ts";

/** Probe name of the runner script in a target's probe map. */
export const REFERENCE_RUNNER = "vmmbench-ref";

/**
 * `vmmbench-ref [--file NAME CONTENT]... [--install SRC DST] [--env NAME=VALUE]... [--merge-stderr] -- TOOL ARG...`
 * Runs TOOL in a fresh scratch directory (its working directory), "@DIR@" in an argument standing
 * for that directory; exit 125 means the runner itself failed, anything else is the tool's status.
 */
export const RUNNER_SCRIPT = `#!/bin/sh
# vmmbench reference-tool runner (written by vmmbench; docs/probes.md "Reference engine").
set -u
dir=$(mktemp -d "\${TMPDIR:-/tmp}/vmmbench-ref.XXXXXX") || exit 125
installed=
trap 'rm -rf "$dir"; [ -z "$installed" ] || rm -f "$installed"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
merge=0
while [ $# -gt 0 ]; do
  case $1 in
    --file) printf '%s' "$3" > "$dir/$2" || exit 125; shift 3 ;;
    --install) cp "$2" "$3" || exit 125; installed=$3; shift 3 ;;
    --env) export "$2" || exit 125; shift 2 ;;
    --merge-stderr) merge=1; shift ;;
    --) shift; break ;;
    *) echo "vmmbench-ref: unknown option $1" >&2; exit 125 ;;
  esac
done
[ $# -gt 0 ] || { echo "vmmbench-ref: no tool to run" >&2; exit 125; }
n=$#
while [ $n -gt 0 ]; do
  a=$1; shift; n=$((n - 1))
  while :; do case $a in *@DIR@*) a="\${a%%@DIR@*}$dir\${a#*@DIR@}" ;; *) break ;; esac; done
  set -- "$@" "$a"
done
cd "$dir" || exit 125
if [ $merge = 1 ]; then "$@" 2>&1; else "$@"; fi
`;

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Writes the runner (content-addressed, atomically) and returns its absolute path. */
export function writeReferenceRunner(cacheDir = join(REPO_ROOT, ".cache", "reference")): string {
  const hash = createHash("sha256").update(RUNNER_SCRIPT).digest("hex").slice(0, 16);
  const dir = join(cacheDir, hash);
  const path = join(dir, REFERENCE_RUNNER);
  if (existsSync(path) && readFileSync(path, "utf8") === RUNNER_SCRIPT) return path;
  mkdirSync(dir, {recursive: true});
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, RUNNER_SCRIPT, {mode: 0o755});
  renameSync(tmp, path);
  return path;
}

/** LMbench binary and arguments (before -N) per Table 1 metric; `file`: needs the stat/open file, `hello`: needs /tmp/hello. */
const TABLE1_TOOLS: Readonly<Record<string, {bin: string; args: string[]; file?: true; hello?: true}>> = {
  lat_syscall: {bin: "lat_syscall", args: ["null"]},
  lat_read: {bin: "lat_syscall", args: ["read"]},
  lat_write: {bin: "lat_syscall", args: ["write"]},
  lat_stat: {bin: "lat_syscall", args: ["stat", "@DIR@/lmbench"], file: true},
  lat_fstat: {bin: "lat_syscall", args: ["fstat", "@DIR@/lmbench"], file: true},
  lat_open_close: {bin: "lat_syscall", args: ["open", "@DIR@/lmbench"], file: true},
  lat_fork: {bin: "lat_proc", args: ["fork"]},
  lat_exec: {bin: "lat_proc", args: ["exec"], hello: true},
  lat_sh: {bin: "lat_proc", args: ["shell"], hello: true},
  lat_sig_install: {bin: "lat_sig", args: ["install"]},
  lat_sig_handler: {bin: "lat_sig", args: ["catch"]},
  lat_pipe: {bin: "lat_pipe", args: []}
};

/** Built-in bw_mem metrics (and copy methods) → the bw_mem operation that runs the same loop. */
const MEM_OPS: ReadonlyArray<{metric: string; op: string; params: Params}> = [
  {metric: "bw_mem_read", op: "rd", params: {}},
  {metric: "bw_mem_write", op: "wr", params: {}},
  {metric: "bw_mem_copy", op: "bcopy", params: {method: "libc"}},
  {metric: "bw_mem_copy", op: "fcp", params: {method: "unrolled"}}
];

/** Where LMbench's lat_proc execs its hello program (compiled in: PROG in lat_proc.c). */
const LMBENCH_HELLO = "/tmp/hello";
/** HPL's block size for the generated HPL.dat (one process, P = Q = 1). */
export const HPL_NB = 192;
/** HPL reads at most 20 problem sizes from HPL.dat (HPL_MAX_PARAM). */
const HPL_MAX_PARAM = 20;

/** The tools found for one campaign: absolute paths. */
export interface ReferenceTools {
  /** LMbench binary name (lat_syscall, hello, …) → path. */
  lmbench: Record<string, string>;
  iozone?: string;
  linpack?: {kind: "hpl" | "intel-linpack"; path: string};
}

export interface ReferenceResolution {
  tools: ReferenceTools;
  /** Lines to log: what runs which engine, what fell back and why. */
  notes: string[];
}

/** Is this an executable regular file? */
function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, pathEnv: string): string | undefined {
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/** The LMbench binaries a suite needs. */
function lmbenchNeeds(lmbench: LmbenchOptions | undefined): string[] {
  if (!lmbench) return [];
  const needs = new Set<string>();
  for (const metric of lmbench.table1) {
    const tool = TABLE1_TOOLS[metric];
    if (!tool) continue;
    needs.add(tool.bin);
    if (tool.hello) needs.add("hello");
  }
  if (lmbench.ctx.length) needs.add("lat_ctx");
  if (lmbench.memSizesMb.length) needs.add("bw_mem");
  return [...needs];
}

/**
 * Finds the reference tools the plan's suites (and every environment's own suites) need.
 * Throws ConfigError for a `tools:` path that is not an executable file, and — with `strict` —
 * for any suite part whose tool is missing.
 */
export function resolveReferenceTools(plan: Pick<Plan, "tools" | "suites" | "environments">, pathEnv = process.env.PATH ?? ""): ReferenceResolution {
  const spec: ToolPaths = plan.tools;
  const suites = [plan.suites, ...plan.environments.map((e) => e.suites ?? {})];
  const explicit = (key: string, path: string | null, kind: "file" | "dir"): string | null => {
    if (path === null) return null;
    const ok = kind === "dir" ? existsSync(path) && statSync(path).isDirectory() : executable(path);
    if (!ok) throw new ConfigError(`plan: tools.${key}: expected ${kind === "dir" ? "a directory of LMbench binaries" : "an executable file"}, found ${JSON.stringify(path)} (${existsSync(path) ? "not executable" : "no such file"})`);
    return path;
  };
  const lmbenchDir = explicit("lmbench_bin", spec.lmbenchBin, "dir");
  const iozonePath = explicit("iozone", spec.iozone, "file");
  const xhplPath = explicit("xhpl", spec.xhpl, "file");
  const linpackPath = explicit("linpack", spec.linpack, "file");

  const tools: ReferenceTools = {lmbench: {}};
  const notes: string[] = [];
  const missing: string[] = [];

  const lmNeeds = [...new Set(suites.flatMap((s) => lmbenchNeeds(s.lmbench)))];
  for (const bin of lmNeeds) {
    const path = lmbenchDir ? (executable(join(lmbenchDir, bin)) ? join(lmbenchDir, bin) : undefined) : onPath(bin, pathEnv);
    if (path) tools.lmbench[bin] = path;
    else missing.push(`LMbench ${bin} (${lmbenchDir ? `not in tools.lmbench_bin ${lmbenchDir}` : "not on PATH; set tools.lmbench_bin"})`);
  }
  if (suites.some((s) => s.iozone)) {
    const path = iozonePath ?? onPath("iozone", pathEnv);
    if (path) tools.iozone = path;
    else missing.push("IOzone (iozone not on PATH; set tools.iozone)");
  }
  if (suites.some((s) => s.linpack)) {
    const hpl = xhplPath ?? (linpackPath ? undefined : onPath("xhpl", pathEnv));
    const intel = linpackPath ?? (hpl ? undefined : onPath("xlinpack_xeon64", pathEnv));
    if (hpl) tools.linpack = {kind: "hpl", path: hpl};
    else if (intel) tools.linpack = {kind: "intel-linpack", path: intel};
    else missing.push("LINPACK (neither xhpl nor xlinpack_xeon64 on PATH; set tools.xhpl or tools.linpack)");
  }
  if (missing.length && spec.strict) {
    throw new ConfigError(`plan: engine reference with tools.strict: not found: ${missing.join("; ")}`);
  }
  const found = [
    ...Object.entries(tools.lmbench).map(([name, path]) => `${name}=${path}`),
    ...(tools.iozone ? [`iozone=${tools.iozone}`] : []),
    ...(tools.linpack ? [`${tools.linpack.kind === "hpl" ? "xhpl" : "xlinpack_xeon64"}=${tools.linpack.path}`] : [])
  ];
  if (found.length) notes.push(`reference engine: ${found.join(", ")}`);
  for (const what of missing) notes.push(`warning: reference engine: ${what}; those measurements use the built-in probe (engine 'builtin')`);
  return {tools, notes};
}

export interface CampaignReference {
  notes: string[];
  /** The tools an environment's steps use; undefined: built-in probes only. */
  forEnvironment(spec: EnvironmentSpec): ReferenceTools | undefined;
}

/**
 * The reference engine's decision for a whole plan: nothing for `engine: builtin`; otherwise the
 * tools found (resolveReferenceTools) for local and ssh environments, the built-in probes for
 * guests (a warning, or a ConfigError under tools.strict).
 */
export function referenceFor(plan: Pick<Plan, "engine" | "tools" | "suites" | "environments">, pathEnv?: string): CampaignReference {
  if (plan.engine !== "reference") return {notes: [], forEnvironment: () => undefined};
  const guests = plan.environments.filter((e) => e.target !== "local" && e.target !== "ssh").map((e) => e.label);
  if (guests.length && plan.tools.strict) {
    throw new ConfigError(`plan: engine reference with tools.strict: environment(s) ${guests.join(", ")} are guests, which run only the built-in probes`);
  }
  const {tools, notes} = resolveReferenceTools(plan, pathEnv);
  if (guests.length) notes.push(`warning: reference engine: environment(s) ${guests.join(", ")} are guests and run the built-in probes (engine 'builtin')`);
  return {notes, forEnvironment: (spec) => (spec.target === "local" || spec.target === "ssh" ? tools : undefined)};
}

/** A short, stable identity for a tool that prints no version: the start of its binary's sha256. */
export function binaryId(path: string): string {
  try {
    return `sha256:${createHash("sha256").update(readFileSync(path)).digest("hex").slice(0, 12)}`;
  } catch {
    return "unknown";
  }
}

type Parse = NonNullable<StepTemplate["parse"]>;

function runnerArgs(opts: {files?: Record<string, string>; install?: [string, string]; env?: Record<string, string>; mergeStderr?: boolean}, tool: string, args: string[]): string[] {
  const out: string[] = [];
  for (const [name, content] of Object.entries(opts.files ?? {})) out.push("--file", name, content);
  if (opts.install) out.push("--install", ...opts.install);
  for (const [name, value] of Object.entries(opts.env ?? {})) out.push("--env", `${name}=${value}`);
  if (opts.mergeStderr) out.push("--merge-stderr");
  return [...out, "--", tool, ...args];
}

/** Keeps the samples of `metric` (those `keep` accepts), with params replaced by the built-in probe's for the same measurement. */
function project(parsed: ParsedOutput, file: string, want: string, keep: (sample: Sample) => Params | undefined): {samples: Sample[]; toolVersion: string | null} {
  const samples: Sample[] = [];
  for (const sample of parsed.samples) {
    const params = keep(sample);
    if (params) samples.push({...sample, params});
  }
  if (samples.length === 0) throw new ParseError(file, 1, want, `${parsed.format} output with ${parsed.samples.map((s) => s.metric).join(", ") || "no samples"}`);
  return {samples, toolVersion: parsed.toolVersion};
}

/** Reference steps for the Table 1 metrics whose LMbench binary was found; the rest stay built-in. */
export function lmbenchTemplates(lmbench: LmbenchOptions, tools: ReferenceTools): {templates: StepTemplate[]; table1Left: string[]; ctx: boolean; mem: boolean} {
  const templates: StepTemplate[] = [];
  const reps = ["-N", String(lmbench.reps)];
  // What scripts/lmbench exports after config-run's calibration: ENOUGH, the shortest timed
  // interval in µs (the plan's budget, as for the built-in probes), and the timing and loop
  // overheads — 0 here, as the built-in probes subtract neither. Without them every binary spends
  // tens of seconds recalibrating before it measures anything.
  const env = {ENOUGH: String(Math.round(lmbench.budgetMs * 1000)), TIMING_O: "0", LOOP_O: "0"};
  const provenance = (bin: string) => ({tool: "lmbench", toolVersion: `lmbench3 ${binaryId(tools.lmbench[bin]!)}`, engine: "reference" as const});
  const table1Left: string[] = [];
  for (const metric of lmbench.table1) {
    const tool = TABLE1_TOOLS[metric]!;
    const path = tools.lmbench[tool.bin];
    const hello = tools.lmbench.hello;
    if (!path || (tool.hello && !hello)) {
      table1Left.push(metric);
      continue;
    }
    const parse: Parse = (stdout, file) =>
      project(parseLmbenchTool(stdout, file), file, `LMbench's ${metric} line (${tool.bin} ${tool.args[0] ?? ""})`, (s) => (s.metric === metric ? {} : undefined));
    templates.push({
      name: `lmbench-${metric}`,
      suite: "lmbench",
      probe: REFERENCE_RUNNER,
      args: runnerArgs({files: tool.file ? {lmbench: "vmmbench\n"} : undefined, install: tool.hello ? [hello!, LMBENCH_HELLO] : undefined, env, mergeStderr: true}, path, [...reps, ...tool.args]),
      reps: 1,
      parse,
      provenance: provenance(tool.bin),
      rawFormat: "lmbench-tool"
    });
  }
  const ctxPath = tools.lmbench.lat_ctx;
  if (lmbench.ctx.length && ctxPath) {
    const sizes = [...new Set(lmbench.ctx.map(([, kb]) => kb))];
    for (const kb of sizes) {
      const procs = lmbench.ctx.filter(([, size]) => size === kb).map(([p]) => p);
      const parse: Parse = (stdout, file) =>
        project(parseLmbenchTool(stdout, file), file, `lat_ctx rows for ${procs.map((p) => `${p}p${kb}k`).join(", ")}`, (s) =>
          s.metric === "lat_ctx" && s.params.size_kb === kb && procs.includes(Number(s.params.procs)) ? {procs: Number(s.params.procs), size_kb: kb} : undefined
        );
      templates.push({
        name: `lmbench-ctx-${kb}k`,
        suite: "lmbench",
        probe: REFERENCE_RUNNER,
        args: runnerArgs({env, mergeStderr: true}, ctxPath, [...reps, "-s", String(kb), ...procs.map(String)]),
        reps: 1,
        parse,
        provenance: provenance("lat_ctx"),
        rawFormat: "lmbench-tool"
      });
    }
  }
  const memPath = tools.lmbench.bw_mem;
  if (lmbench.memSizesMb.length && memPath) {
    for (const mb of lmbench.memSizesMb) {
      for (const {metric, op, params} of MEM_OPS) {
        const parse: Parse = (stdout, file) =>
          project(parseLmbenchTool(stdout, file, {title: BW_MEM_TITLES[op]}), file, `bw_mem ${op} "size MB/s" output`, (s) =>
            s.metric === metric ? {size_mb: mb, ...params} : undefined
          );
        templates.push({
          name: `lmbench-bw_mem-${op}-${mb}m`,
          suite: "lmbench",
          probe: REFERENCE_RUNNER,
          args: runnerArgs({env, mergeStderr: true}, memPath, [...reps, `${mb}m`, op]),
          reps: 1,
          parse,
          provenance: provenance("bw_mem"),
          rawFormat: "lmbench-tool"
        });
      }
    }
  }
  return {templates, table1Left, ctx: Boolean(lmbench.ctx.length && ctxPath), mem: Boolean(lmbench.memSizesMb.length && memPath)};
}

/** One IOzone run (-i 0 -i 1) per file size × record size; records larger than the file are skipped, as the built-in probe does. */
export function iozoneTemplates(iozone: IozoneOptions, path: string): StepTemplate[] {
  const templates: StepTemplate[] = [];
  const fallbackVersion = `iozone ${binaryId(path)}`;
  for (const fileKb of iozone.fileKb) {
    for (const recordKb of iozone.recordKb) {
      if (recordKb > fileKb) continue;
      const args = ["-i", "0", "-i", "1", "-s", `${fileKb}k`, "-r", `${recordKb}k`, ...(iozone.fsync ? ["-e"] : []), ...(iozone.direct ? ["-I"] : []), "-f", "@DIR@/iozone.tmp"];
      const params = {file_kb: fileKb, record_kb: recordKb, fsync: iozone.fsync, direct: iozone.direct};
      const parse: Parse = (stdout, file) =>
        project(parseIozoneAuto(stdout, file), file, `IOzone write/rewrite/read/reread for ${fileKb} kB × ${recordKb} kB`, (s) =>
          s.params.file_kb === fileKb && s.params.record_kb === recordKb && /^file_(write|rewrite|read|reread)$/.test(s.metric) ? {...params} : undefined
        );
      templates.push({
        name: `iozone-${fileKb}k-${recordKb}k`,
        suite: "iozone",
        probe: REFERENCE_RUNNER,
        args: runnerArgs({}, path, args),
        reps: 1,
        parse,
        provenance: {tool: "iozone", toolVersion: fallbackVersion, engine: "reference"},
        rawFormat: "iozone-auto"
      });
    }
  }
  return templates;
}

/** HPL.dat for one process (P = Q = 1) solving N `reps` times; the rest are HPL's sample defaults. */
export function hplDat(n: number, reps: number, nb = HPL_NB): string {
  const count = Math.min(reps, HPL_MAX_PARAM);
  return [
    "HPLinpack benchmark input file",
    "written by vmmbench (reference engine)",
    "HPL.out      output file name (if any)",
    "6            device out (6=stdout,7=stderr,file)",
    `${count}            # of problems sizes (N)`,
    `${Array(count).fill(n).join(" ")}  Ns`,
    "1            # of NBs",
    `${nb}          NBs`,
    "0            PMAP process mapping (0=Row-,1=Column-major)",
    "1            # of process grids (P x Q)",
    "1            Ps",
    "1            Qs",
    "16.0         threshold",
    "1            # of panel fact",
    "2            PFACTs (0=left, 1=Crout, 2=Right)",
    "1            # of recursive stopping criterium",
    "4            NBMINs (>= 1)",
    "1            # of panels in recursion",
    "2            NDIVs",
    "1            # of recursive panel fact.",
    "1            RFACTs (0=left, 1=Crout, 2=Right)",
    "1            # of broadcast",
    "1            BCASTs (0=1rg,1=1rM,2=2rg,3=2rM,4=Lng,5=LnM)",
    "1            # of lookahead depth",
    "1            DEPTHs (>=0)",
    "2            SWAP (0=bin-exch,1=long,2=mix)",
    "64           swapping threshold",
    "0            L1 in (0=transposed,1=no-transposed) form",
    "0            U  in (0=transposed,1=no-transposed) form",
    "1            Equilibration (0=no,1=yes)",
    "8            memory alignment in double (> 0)",
    ""
  ].join("\n");
}

/** Input file of Intel's LINPACK (the lininput_xeon64 layout) for one size run `reps` times. */
export function intelLinpackInput(n: number, reps: number): string {
  return [
    "Intel(R) Optimized LINPACK Benchmark input written by vmmbench",
    "Intel(R) Optimized LINPACK Benchmark data",
    "1                     # number of tests",
    `${n}                  # problem sizes`,
    `${n}                  # leading dimensions`,
    `${reps}               # times to run a test`,
    "4                     # alignment values (in KBytes)",
    ""
  ].join("\n");
}

/** One LINPACK run per N: xhpl with a generated HPL.dat (one MPI process), or Intel's LINPACK with a generated input. */
export function linpackTemplates(linpack: LinpackOptions, tool: NonNullable<ReferenceTools["linpack"]>): StepTemplate[] {
  const threads = String(linpack.threads);
  const env = {OPENBLAS_NUM_THREADS: threads, OMP_NUM_THREADS: threads, MKL_NUM_THREADS: threads};
  const fallbackVersion = `${tool.kind} ${binaryId(tool.path)}`;
  return linpack.n.map((n) => {
    const parse: Parse = (stdout, file) =>
      project(tool.kind === "hpl" ? parseHpl(stdout, file) : parseIntelLinpack(stdout, file), file, `LINPACK results for N=${n}`, (s) =>
        s.params.n === n ? {n, threads: linpack.threads} : undefined
      );
    const args =
      tool.kind === "hpl"
        ? runnerArgs({files: {"HPL.dat": hplDat(n, linpack.reps)}, env}, tool.path, [])
        : runnerArgs({files: {lininput: intelLinpackInput(n, linpack.reps)}, env}, tool.path, ["@DIR@/lininput"]);
    return {
      name: `linpack-n${n}`,
      suite: "linpack" as const,
      probe: REFERENCE_RUNNER,
      args,
      reps: Math.min(linpack.reps, tool.kind === "hpl" ? HPL_MAX_PARAM : linpack.reps),
      parse,
      provenance: {tool: tool.kind, toolVersion: fallbackVersion, engine: "reference" as const},
      rawFormat: tool.kind
    };
  });
}
