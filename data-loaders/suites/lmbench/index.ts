/**
 * LMbench: the paper's Table 1 (system operations), Table 2 (context switch) and Figure 2 (memory
 * read/write bandwidth). Built-in probes lat.c, ctx.c and mem.c follow LMbench's lat_syscall/
 * lat_proc/lat_sig/lat_pipe, lat_ctx and bw_mem (docs/probes.md); the reference engine runs
 * LMbench's own binaries (tools.ts); ingest reads results files, `make see` summaries and
 * lat_mem_rd output (formats/).
 */
import {fileURLToPath} from "node:url";
import {mixed} from "../../parsers/evidence.ts";
import {defineSuite} from "../suite.ts";
import {STRIDE_TITLE, parseLatMemRd} from "./formats/lat-mem-rd.ts";
import {RESULTS_BANNER, parseLmbenchResults} from "./formats/results.ts";
import {SUMMARY_BANNER, parseLmbenchSummary} from "./formats/summary.ts";
import {TABLE1_METRICS, lmbenchOptions, type LmbenchOptions} from "./options.ts";
import {lmbenchTools, type LmbenchBinaries} from "./tools.ts";

const source = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const us = (label: string) => ({unit: "us", label});

export const lmbench = defineSuite<"lmbench", LmbenchOptions, LmbenchBinaries>({
  name: "lmbench",
  options: lmbenchOptions,
  metrics: {
    lat_syscall: us("syscall"),
    lat_read: us("read"),
    lat_write: us("write"),
    lat_stat: us("stat"),
    lat_fstat: us("fstat"),
    lat_open_close: us("open/close"),
    lat_fork: us("fork"),
    lat_exec: us("exec"),
    lat_sh: us("sh"),
    lat_sig_install: us("signal install"),
    lat_sig_handler: us("signal handler"),
    lat_pipe: us("pipe"),
    lat_ctx: us("context switch"),
    bw_mem_read: {unit: "MB/s", label: "memory read"},
    bw_mem_write: {unit: "MB/s", label: "memory write"},
    bw_mem_copy: {unit: "MB/s", label: "memory copy"}
  },
  presets: {
    quick: {budget_ms: 50, reps: 5, mem_size_mb: [32]},
    full: {budget_ms: 500, reps: 11, mem_size_mb: [8, 64, 256]},
    paper: {budget_ms: 200, reps: 7, mem_size_mb: [16, 64]},
    lab: {budget_ms: 50, reps: 5, mem_size_mb: [16]}
  },
  probes: [
    {
      name: "vmmbench-lat",
      source: source("./lat.c"),
      cflags: [],
      libs: ["-lm"],
      metrics: TABLE1_METRICS,
      paper: "Table 1 (system operations)",
      description:
        "LMbench lat_syscall/lat_proc/lat_sig/lat_pipe-style latencies in µs: each metric's iteration count is calibrated so one timed repetition lasts --budget-ms (lat_pipe: at least 1 s, as LMbench); one sample per repetition. lat_fork/lat_exec/lat_sh run in the dynamically linked companion vmmbench-lat-dyn where it can run, as LMbench's lat_proc is dynamic; each of their samples' note says which build measured it."
    },
    {
      // The same source with gcc's defaults, as LMbench's own makefile links lat_proc and hello.
      name: "vmmbench-lat-dyn",
      source: source("./lat.c"),
      cflags: ["-DVMMB_DYNAMIC"],
      libs: ["-lm"],
      companionOf: "vmmbench-lat",
      metrics: ["lat_fork", "lat_exec", "lat_sh"],
      paper: "Table 1 (process creation)",
      description: "vmmbench-lat linked dynamically: what it runs fork, exec and sh from, where a loader and libc exist."
    },
    {
      name: "vmmbench-ctx",
      source: source("./ctx.c"),
      cflags: [],
      libs: ["-lm"],
      metrics: ["lat_ctx"],
      paper: "Table 2 (context switch)",
      description:
        "LMbench lat_ctx: a ring of processes passes a token through pipes, each summing its size_kb working set per turn; the single-process token/sum overhead is subtracted. µs per switch."
    },
    {
      name: "vmmbench-mem",
      source: source("./mem.c"),
      // Keeps gcc from turning the hand-unrolled copy loop into a memcpy call.
      cflags: ["-fno-tree-loop-distribute-patterns"],
      libs: ["-lm"],
      metrics: ["bw_mem_read", "bw_mem_write", "bw_mem_copy"],
      paper: "Fig. 2 (memory read/write bandwidth)",
      description: "LMbench bw_mem rd/wr (one int per 16 bytes, 512-byte unrolled blocks) and copy (libc memcpy and an unrolled word copy), decimal MB/s per buffer size in MiB."
    }
  ],
  steps(lmbench) {
    const common = ["--budget-ms", String(lmbench.budgetMs), "--reps", String(lmbench.reps)];
    const step = (name: string, probe: string, args: string[]) => ({name, suite: "lmbench", probe, args: [...args, ...common], reps: lmbench.reps});
    return [
      ...(lmbench.table1.length ? [step("lmbench-table1", "vmmbench-lat", ["--metrics", lmbench.table1.join(",")])] : []),
      ...(lmbench.ctx.length ? [step("lmbench-ctx", "vmmbench-ctx", ["--cells", lmbench.ctx.map(([procs, kb]) => `${procs}:${kb}`).join(",")])] : []),
      ...(lmbench.memSizesMb.length ? [step("lmbench-mem", "vmmbench-mem", ["--sizes-mb", lmbench.memSizesMb.join(",")])] : [])
    ];
  },
  tools: lmbenchTools,
  formats: [
    {id: "lmbench-results", tool: "lmbench", description: 'LMbench 2.x/3.x raw results file ([key: value] header, "Simple syscall: ..." lines, blocks)', parse: parseLmbenchResults},
    {id: "lmbench-summary", tool: "lmbench", description: "LMbench 2.0/3.0 summary tables (make see / getsummary), several hosts per table", parse: parseLmbenchSummary},
    {id: "lmbench-lat-mem-rd", tool: "lmbench", description: 'LMbench lat_mem_rd output ("stride=N blocks of size MB / latency ns)', parse: parseLatMemRd}
  ],
  detection: {
    signatures: [
      {pattern: RESULTS_BANNER, format: "lmbench-results", first: "["},
      {pattern: SUMMARY_BANNER, format: "lmbench-summary", first: "L"}
    ],
    choose(formats, {file, lines, evidence}) {
      if (formats.has("lmbench-results") && formats.has("lmbench-summary")) throw mixed(file, lines, evidence, "lmbench-results", "lmbench-summary");
      return formats.has("lmbench-results") ? "lmbench-results" : "lmbench-summary";
    },
    // lat_mem_rd has no banner: its first significant line is a stride title.
    unsigned: (_text, lines, first) => (STRIDE_TITLE.test(lines[first]!.trim()) ? "lmbench-lat-mem-rd" : undefined),
    expected: "LMbench results file, LMbench summary, lat_mem_rd output"
  },
  report: {page: "lmbench", title: "LMbench", order: 2}
});
