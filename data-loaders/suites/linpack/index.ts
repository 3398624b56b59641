/**
 * LINPACK: the paper's Figure 1 (GFLOPS over N, one CPU, one thread) and its peak ratios. The
 * built-in probe linpack.c solves a random dense system with OpenBLAS's dgesv; the reference engine
 * runs HPL or Intel's LINPACK (tools.ts); ingest reads HPL.out, HPCC and Intel LINPACK output.
 */
import {fileURLToPath} from "node:url";
import {mixed} from "../../parsers/evidence.ts";
import {defineSuite} from "../suite.ts";
import {HPCC_BANNER, parseHpcc} from "./formats/hpcc.ts";
import {HPL_BANNER, parseHpl} from "./formats/hpl.ts";
import {TRIALS_HEADER, parseIntelLinpack} from "./formats/intel-linpack.ts";
import {linpackOptions, type LinpackOptions} from "./options.ts";
import {linpackTools, type LinpackTool} from "./tools.ts";

/** The orders a guest under emulation affords: the nested lab's, and a QEMU TCG guest's. */
const LAB_ORDERS = [200, 500];
const EMULATED_ORDERS = [100, 200, 300];

export const linpack = defineSuite<"linpack", LinpackOptions, LinpackTool>({
  name: "linpack",
  options: linpackOptions,
  metrics: {
    linpack_gflops: {unit: "GFLOPS", label: "GFLOPS"},
    linpack_time: {unit: "s", label: "solve time", overhead: false},
    linpack_residual: {unit: "1", label: "scaled residual"},
    // frequency × FLOPs per cycle of the kernel set × threads (suites/linpack/openblas-core.h)
    linpack_peak_theoretical: {unit: "GFLOPS", label: "theoretical peak", overhead: false},
    // the largest N solved, its note why the orders ended there (plateau, time budget, memory, the plan's list)
    linpack_sweep_end: {unit: "N", label: "largest N", overhead: false}
  },
  presets: {
    // Native sweeps to its plateau, and pins the kernel sets its guests run at their orders: the lab's
    // Nehalem (inside it a KVM guest has no AVX) and TCG's Haswell (what `auto` gives there).
    quick: {n: "sweep", max_seconds: 3, threads: 1, reps: 2, pinned: [{core: "Nehalem", n: LAB_ORDERS}, {core: "Haswell", n: EMULATED_ORDERS}]},
    full: {n: [500, 1000, 2000, 4000, 6000, 8000], threads: 1, reps: 3},
    paper: {n: [500, 1000, 2000], threads: 1, reps: 3, pinned: [{core: "Nehalem", n: LAB_ORDERS}]},
    // The lab pins the common denominator of its environments, SSE4.2's Nehalem set.
    lab: {n: LAB_ORDERS, reps: 2, core: "Nehalem", pinned: []},
    // Under TCG LINPACK runs 100–200× slower, so a fully emulated guest's sweep stops early.
    emulated: {n: EMULATED_ORDERS, pinned: []}
  },
  probes: [
    {
      name: "vmmbench-linpack",
      source: fileURLToPath(new URL("./linpack.c", import.meta.url)),
      cflags: [],
      libs: ["-lpthread", "-lm"],
      openblas: true,
      metrics: ["linpack_gflops", "linpack_time", "linpack_residual", "linpack_peak_theoretical", "linpack_sweep_end"],
      paper: "Fig. 1 (LINPACK GFLOPS, one CPU, one thread)",
      description:
        "Random dense Ax=b solved by OpenBLAS dgesv (LU, partial pivoting), one thread by default; GFLOPS from 2/3·N³+2·N², HPL scaled residual must be < 16. The OpenBLAS kernel set is the best the CPU's flags support where OpenBLAS would pick a weaker one (--core auto), or pinned; it is a param (core) of every sample. --sweep grows N until GFLOPS stop rising (HPL's N_max search). linpack_peak_theoretical is the clock times the kernel set's FLOPs per cycle times the threads; linpack_sweep_end is the largest N solved, its note why the orders ended there."
    }
  ],
  steps(linpack) {
    const common = ["--threads", String(linpack.threads === "vcpus" ? "all" : linpack.threads), "--reps", String(linpack.reps)];
    const sweep = (n: LinpackOptions["n"]) => (n === "sweep" ? ["--sweep", "--max-seconds", String(linpack.max_seconds)] : ["--n", n.join(",")]);
    return [
      {name: "linpack", suite: "linpack", probe: "vmmbench-linpack", args: [...sweep(linpack.n), ...(linpack.core === "auto" ? [] : ["--core", linpack.core]), ...common], reps: linpack.reps},
      // The same solves with a guest's kernel set, so that its ratio to this environment compares like with like.
      ...linpack.pinned.map(({core, n}) => ({name: `linpack-${core}`, suite: "linpack", probe: "vmmbench-linpack", args: [...sweep(n), "--core", core, ...common], reps: linpack.reps}))
    ];
  },
  tools: linpackTools,
  formats: [
    {id: "hpl", tool: "hpl", description: "HPL.out from HPLinpack 2.0-2.3 (netlib, Intel MKL, NVIDIA)", parse: parseHpl},
    {id: "hpcc", tool: "hpcc", description: "HPC Challenge hpccoutf.txt (HPL section and Summary section, appended runs)", parse: parseHpcc},
    {id: "intel-linpack", tool: "intel-linpack", description: "Intel Optimized LINPACK Benchmark (Linux and Windows layouts)", parse: parseIntelLinpack}
  ],
  detection: {
    signatures: [
      // HPCC prints a STREAM table inside its StarSTREAM section; that is HPCC's, not a second tool.
      {pattern: HPCC_BANNER, format: "hpcc", first: "T", embeds: ["stream"]},
      {pattern: HPL_BANNER, format: "hpl", first: "H"},
      {pattern: TRIALS_HEADER, format: "intel-linpack", first: "S"},
      {pattern: /^Intel\(R\) Optimized LINPACK Benchmark data/, format: "intel-linpack", first: "I"}
    ],
    choose(formats, {file, lines, evidence}) {
      if (formats.has("hpcc")) return "hpcc";
      if (formats.has("hpl")) {
        if (formats.has("intel-linpack")) throw mixed(file, lines, evidence, "hpl", "intel-linpack");
        return "hpl";
      }
      return "intel-linpack";
    },
    expected: "HPL.out, HPCC hpccoutf.txt, Intel LINPACK output"
  },
  report: {page: "linpack", title: "LINPACK", order: 1, omit: ["linpack_residual", "linpack_peak_theoretical", "linpack_sweep_end"], peaks: true}
});
