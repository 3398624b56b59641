/**
 * What each built-in probe measures and where the paper shows it. How a campaign calls them (the
 * arguments of the quick, full and paper plans) lives in data-loaders/plan/presets.ts and
 * data-loaders/campaign/steps.ts.
 */
import type {Suite} from "../model/sample.ts";
import type {ProbeName} from "./build.ts";

export interface ProbeCatalogEntry {
  probe: ProbeName;
  suite: Suite;
  /** Metrics the probe can emit (docs/metrics.md names). */
  metrics: readonly string[];
  /** Where the paper shows them. */
  paper: string;
  description: string;
}

export const TABLE1_METRICS = [
  "lat_syscall",
  "lat_read",
  "lat_write",
  "lat_stat",
  "lat_fstat",
  "lat_open_close",
  "lat_fork",
  "lat_exec",
  "lat_sh",
  "lat_sig_install",
  "lat_sig_handler",
  "lat_pipe"
] as const;

/** The paper's Table 2 cells as procs:size_kb. */
export const TABLE2_CELLS = ["2:0", "2:16", "2:64", "8:16", "8:64", "16:16", "16:64"] as const;

export const PROBE_CATALOG: Readonly<Record<ProbeName, ProbeCatalogEntry>> = {
  "vmmbench-lat": {
    probe: "vmmbench-lat",
    suite: "lmbench",
    metrics: TABLE1_METRICS,
    paper: "Table 1 (system operations)",
    description:
      "LMbench lat_syscall/lat_proc/lat_sig/lat_pipe-style latencies in µs: each metric's iteration count is calibrated so one timed repetition lasts --budget-ms (lat_pipe: at least 1 s, as LMbench); one sample per repetition. lat_fork/lat_exec/lat_sh run in the dynamically linked companion vmmbench-lat-dyn where it can run, as LMbench's lat_proc is dynamic; each of their samples' note says which build measured it."
  },
  "vmmbench-ctx": {
    probe: "vmmbench-ctx",
    suite: "lmbench",
    metrics: ["lat_ctx"],
    paper: "Table 2 (context switch)",
    description:
      "LMbench lat_ctx: a ring of processes passes a token through pipes, each summing its size_kb working set per turn; the single-process token/sum overhead is subtracted. µs per switch."
  },
  "vmmbench-mem": {
    probe: "vmmbench-mem",
    suite: "lmbench",
    metrics: ["bw_mem_read", "bw_mem_write", "bw_mem_copy"],
    paper: "Fig. 2 (memory read/write bandwidth)",
    description:
      "LMbench bw_mem rd/wr (one int per 16 bytes, 512-byte unrolled blocks) and copy (libc memcpy and an unrolled word copy), decimal MB/s per buffer size in MiB."
  },
  "vmmbench-file": {
    probe: "vmmbench-file",
    suite: "iozone",
    metrics: ["file_write", "file_rewrite", "file_read", "file_reread"],
    paper: "Figs. 3–4 (IOzone read/write bandwidth)",
    description:
      "IOzone -i0 -i1-like sequential write/rewrite/read/reread over file_kb × record_kb, decimal MB/s; --fsync includes fsync in write times (IOzone -e), --direct uses O_DIRECT (IOzone -I)."
  },
  "vmmbench-linpack": {
    probe: "vmmbench-linpack",
    suite: "linpack",
    metrics: ["linpack_gflops", "linpack_time", "linpack_residual"],
    paper: "Fig. 1 (LINPACK GFLOPS, one CPU, one thread)",
    description:
      "Random dense Ax=b solved by OpenBLAS dgesv (LU, partial pivoting), one thread by default; GFLOPS from 2/3·N³+2·N², HPL scaled residual must be < 16."
  }
};
