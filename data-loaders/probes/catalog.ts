/**
 * What each built-in probe measures and how a plan calls it.
 *
 * `quick` is sized so that the whole native pass (Table 1, Table 2's seven cells, memory
 * bandwidth, a small file sweep, LINPACK up to N=2000) finishes in well under two minutes on a
 * 2-core machine; `full` follows the original tools' defaults more closely (LMbench's 11
 * repetitions and longer timing intervals, an IOzone -a-like sweep, an HPL-like N sweep).
 * Under emulation (QEMU TCG) the same arguments take 10–200× longer: the timeouts below are
 * generous on purpose and a target may scale them.
 */
import type {Suite} from "../samples.ts";
import type {Step} from "../targets/target.ts";
import type {ProbeName} from "./build.ts";

export type PlanName = "quick" | "full";

export interface ProbeCatalogEntry {
  probe: ProbeName;
  suite: Suite;
  /** Metrics the probe can emit (docs/metrics.md names). */
  metrics: readonly string[];
  /** Where the paper shows them. */
  paper: string;
  description: string;
  /** Arguments per plan, without the target-specific directory options. */
  args: Record<PlanName, readonly string[]>;
  /** Step timeout per plan, in seconds, for a native run (targets under emulation should scale it). */
  timeoutS: Record<PlanName, number>;
  /** Option that names a scratch directory on the target (`--tmpdir`, `--dir`), if any. */
  dirOption?: "--tmpdir" | "--dir";
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
      "LMbench lat_syscall/lat_proc/lat_sig/lat_pipe-style latencies in µs: each metric's iteration count is calibrated so one timed repetition lasts --budget-ms; one sample per repetition.",
    args: {
      quick: ["--budget-ms", "50", "--reps", "5"],
      full: ["--budget-ms", "500", "--reps", "11"]
    },
    timeoutS: {quick: 300, full: 1200},
    dirOption: "--tmpdir"
  },
  "vmmbench-ctx": {
    probe: "vmmbench-ctx",
    suite: "lmbench",
    metrics: ["lat_ctx"],
    paper: "Table 2 (context switch)",
    description:
      "LMbench lat_ctx: a ring of processes passes a token through pipes, each summing its size_kb working set per turn; the single-process token/sum overhead is subtracted. µs per switch.",
    args: {
      quick: ["--cells", TABLE2_CELLS.join(","), "--budget-ms", "50", "--reps", "5"],
      full: ["--cells", "2:0,2:16,2:64,4:16,4:64,8:16,8:64,16:16,16:64,32:16,32:64", "--budget-ms", "500", "--reps", "11"]
    },
    timeoutS: {quick: 300, full: 1800}
  },
  "vmmbench-mem": {
    probe: "vmmbench-mem",
    suite: "lmbench",
    metrics: ["bw_mem_read", "bw_mem_write", "bw_mem_copy"],
    paper: "Fig. 2 (memory read/write bandwidth)",
    description:
      "LMbench bw_mem rd/wr (one int per 16 bytes, 512-byte unrolled blocks) and copy (libc memcpy and an unrolled word copy), decimal MB/s per buffer size in MiB.",
    args: {
      quick: ["--sizes-mb", "8,64", "--budget-ms", "50", "--reps", "5"],
      full: ["--sizes-mb", "0.5,1,2,4,8,16,32,64,128,256", "--budget-ms", "300", "--reps", "11"]
    },
    timeoutS: {quick: 300, full: 1800}
  },
  "vmmbench-file": {
    probe: "vmmbench-file",
    suite: "iozone",
    metrics: ["file_write", "file_rewrite", "file_read", "file_reread"],
    paper: "Figs. 3–4 (IOzone read/write bandwidth)",
    description:
      "IOzone -i0 -i1-like sequential write/rewrite/read/reread over file_kb × record_kb, decimal MB/s; --fsync includes fsync in write times (IOzone -e), --direct uses O_DIRECT (IOzone -I).",
    args: {
      quick: ["--file-kb", "1024,16384", "--record-kb", "4,64,1024", "--reps", "2"],
      full: [
        "--file-kb",
        "64,256,1024,4096,16384,65536,262144,524288",
        "--record-kb",
        "4,16,64,256,1024,4096,16384",
        "--reps",
        "1"
      ]
    },
    timeoutS: {quick: 600, full: 3600},
    dirOption: "--dir"
  },
  "vmmbench-linpack": {
    probe: "vmmbench-linpack",
    suite: "linpack",
    metrics: ["linpack_gflops", "linpack_time", "linpack_residual"],
    paper: "Fig. 1 (LINPACK GFLOPS, one CPU, one thread)",
    description:
      "Random dense Ax=b solved by OpenBLAS dgesv (LU, partial pivoting), one thread by default; GFLOPS from 2/3·N³+2·N², HPL scaled residual must be < 16.",
    args: {
      quick: ["--n", "500,1000,2000", "--threads", "1", "--reps", "1"],
      full: ["--sweep", "--threads", "1", "--reps", "3", "--max-seconds", "60"]
    },
    timeoutS: {quick: 600, full: 3600}
  }
};

export interface PlanStepOptions {
  /** Probes to include (default all, in catalog order). */
  probes?: readonly ProbeName[];
  /** Scratch directory on the target for lat's test file and the file probe (default: the probe's own, $TMPDIR or /tmp). */
  dir?: string;
  /** Multiplies every timeout (e.g. 50 under QEMU TCG). */
  timeoutScale?: number;
  /** Extra arguments per probe, appended after the plan's. */
  extraArgs?: Partial<Record<ProbeName, readonly string[]>>;
}

/** The probe arguments of one plan, with the scratch directory filled in where the probe takes one. */
export function probeArgs(probe: ProbeName, plan: PlanName, dir?: string): string[] {
  const entry = PROBE_CATALOG[probe];
  const args = [...entry.args[plan]];
  if (dir !== undefined && entry.dirOption) args.push(entry.dirOption, dir);
  return args;
}

/** Steps (see targets/target.ts) for one plan: one per probe, ids like "quick:vmmbench-lat". */
export function planSteps(plan: PlanName, opts: PlanStepOptions = {}): Step[] {
  const probes = opts.probes ?? (Object.keys(PROBE_CATALOG) as ProbeName[]);
  const scale = opts.timeoutScale ?? 1;
  return probes.map((probe) => ({
    id: `${plan}:${probe}`,
    probe,
    args: [...probeArgs(probe, plan, opts.dir), ...(opts.extraArgs?.[probe] ?? [])],
    timeoutS: Math.ceil(PROBE_CATALOG[probe].timeoutS[plan] * scale)
  }));
}
