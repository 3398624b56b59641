/**
 * LMbench's own binaries under the reference engine (campaign/tool-engine.ts): lat_syscall,
 * lat_proc, lat_sig and lat_pipe per Table 1 metric, lat_ctx per working-set size, bw_mem per
 * buffer size and operation, each parsed with the ingest parser and given the built-in probe's
 * params for the same measurement. A metric whose binary is missing stays with the built-in probe.
 */
import {REFERENCE_RUNNER, binaryId, project, runnerArgs} from "../../campaign/tool-runner.ts";
import type {Params} from "../../model/sample.ts";
import type {StepTemplate, SuiteTools} from "../suite.ts";
import {BW_MEM_TITLES, parseLmbenchTool} from "./formats/tool.ts";
import type {LmbenchOptions} from "./options.ts";

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

/** LMbench binary name (lat_syscall, hello, …) → path. */
export type LmbenchBinaries = Record<string, string>;

/** The LMbench binaries a suite needs. */
function needs(lmbench: LmbenchOptions): string[] {
  const out = new Set<string>();
  for (const metric of lmbench.table1) {
    const tool = TABLE1_TOOLS[metric];
    if (!tool) continue;
    out.add(tool.bin);
    if (tool.hello) out.add("hello");
  }
  if (lmbench.ctx.length) out.add("lat_ctx");
  if (lmbench.memSizesMb.length) out.add("bw_mem");
  return [...out];
}

export const lmbenchTools: SuiteTools<LmbenchOptions, LmbenchBinaries> = {
  paths: {lmbench_bin: {kind: "dir", what: "a directory of LMbench binaries"}},

  find(options, paths, onPath) {
    const dir = paths.lmbench_bin;
    const found: LmbenchBinaries = {};
    const missing: string[] = [];
    for (const bin of [...new Set(options.flatMap(needs))]) {
      const path = dir ? onPath(bin, dir) : onPath(bin);
      if (path) found[bin] = path;
      else missing.push(`LMbench ${bin} (${dir ? `not in tools.lmbench_bin ${dir}` : "not on PATH; set tools.lmbench_bin"})`);
    }
    return {found, names: Object.entries(found).map(([name, path]) => `${name}=${path}`), missing};
  },

  steps(lmbench, tools) {
    const templates: StepTemplate[] = [];
    const reps = ["-N", String(lmbench.reps)];
    // What scripts/lmbench exports after config-run's calibration: ENOUGH, the shortest timed
    // interval in µs (the plan's budget, as for the built-in probes), and the timing and loop
    // overheads — 0 here, as the built-in probes subtract neither. Without them every binary spends
    // tens of seconds recalibrating before it measures anything.
    const env = {ENOUGH: String(Math.round(lmbench.budgetMs * 1000)), TIMING_O: "0", LOOP_O: "0"};
    const provenance = (bin: string) => ({tool: "lmbench", toolVersion: `lmbench3 ${binaryId(tools[bin]!)}`, engine: "reference" as const});
    const table1Left: string[] = [];
    for (const metric of lmbench.table1) {
      const tool = TABLE1_TOOLS[metric]!;
      const path = tools[tool.bin];
      const hello = tools.hello;
      if (!path || (tool.hello && !hello)) {
        table1Left.push(metric);
        continue;
      }
      templates.push({
        name: `lmbench-${metric}`,
        suite: "lmbench",
        probe: REFERENCE_RUNNER,
        args: runnerArgs({files: tool.file ? {lmbench: "vmmbench\n"} : undefined, install: tool.hello ? [hello!, LMBENCH_HELLO] : undefined, env, mergeStderr: true}, path, [...reps, ...tool.args]),
        reps: 1,
        parse: (stdout, file) =>
          project(parseLmbenchTool(stdout, file), file, `LMbench's ${metric} line (${tool.bin} ${tool.args[0] ?? ""})`, (s) => (s.metric === metric ? {} : undefined)),
        provenance: provenance(tool.bin),
        rawFormat: "lmbench-tool"
      });
    }
    const ctxPath = tools.lat_ctx;
    if (lmbench.ctx.length && ctxPath) {
      for (const kb of [...new Set(lmbench.ctx.map(([, size]) => size))]) {
        const procs = lmbench.ctx.filter(([, size]) => size === kb).map(([p]) => p);
        templates.push({
          name: `lmbench-ctx-${kb}k`,
          suite: "lmbench",
          probe: REFERENCE_RUNNER,
          args: runnerArgs({env, mergeStderr: true}, ctxPath, [...reps, "-s", String(kb), ...procs.map(String)]),
          reps: 1,
          parse: (stdout, file) =>
            project(parseLmbenchTool(stdout, file), file, `lat_ctx rows for ${procs.map((p) => `${p}p${kb}k`).join(", ")}`, (s) =>
              s.metric === "lat_ctx" && s.params.size_kb === kb && procs.includes(Number(s.params.procs)) ? {procs: Number(s.params.procs), size_kb: kb} : undefined
            ),
          provenance: provenance("lat_ctx"),
          rawFormat: "lmbench-tool"
        });
      }
    }
    const memPath = tools.bw_mem;
    if (lmbench.memSizesMb.length && memPath) {
      for (const mb of lmbench.memSizesMb) {
        for (const {metric, op, params} of MEM_OPS) {
          templates.push({
            name: `lmbench-bw_mem-${op}-${mb}m`,
            suite: "lmbench",
            probe: REFERENCE_RUNNER,
            args: runnerArgs({env, mergeStderr: true}, memPath, [...reps, `${mb}m`, op]),
            reps: 1,
            parse: (stdout, file) =>
              project(parseLmbenchTool(stdout, file, {title: BW_MEM_TITLES[op]}), file, `bw_mem ${op} "size MB/s" output`, (s) =>
                s.metric === metric ? {size_mb: mb, ...params} : undefined
              ),
            provenance: provenance("bw_mem"),
            rawFormat: "lmbench-tool"
          });
        }
      }
    }
    const left: LmbenchOptions = {
      ...lmbench,
      table1: table1Left,
      ctx: lmbench.ctx.length && ctxPath ? [] : lmbench.ctx,
      memSizesMb: lmbench.memSizesMb.length && memPath ? [] : lmbench.memSizesMb
    };
    return {templates, left: left.table1.length || left.ctx.length || left.memSizesMb.length ? left : undefined};
  }
};
