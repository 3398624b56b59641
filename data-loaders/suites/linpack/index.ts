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

export const linpack = defineSuite<"linpack", LinpackOptions, LinpackTool>({
  name: "linpack",
  options: linpackOptions,
  metrics: {
    linpack_gflops: {unit: "GFLOPS", label: "GFLOPS"},
    linpack_time: {unit: "s", label: "solve time"},
    linpack_residual: {unit: "1", label: "scaled residual"}
  },
  presets: {
    quick: {n: [200, 500, 1000, 2000], threads: 1, reps: 2},
    full: {n: [500, 1000, 2000, 4000, 6000, 8000], threads: 1, reps: 3},
    paper: {n: [500, 1000, 2000], threads: 1, reps: 3},
    lab: {n: [200, 500], reps: 2},
    // Under TCG LINPACK runs 100–200× slower, so a fully emulated guest's sweep stops early.
    emulated: {n: [100, 200, 300]}
  },
  probes: [
    {
      name: "vmmbench-linpack",
      source: fileURLToPath(new URL("./linpack.c", import.meta.url)),
      cflags: [],
      libs: ["-lpthread", "-lm"],
      openblas: true,
      metrics: ["linpack_gflops", "linpack_time", "linpack_residual"],
      paper: "Fig. 1 (LINPACK GFLOPS, one CPU, one thread)",
      description: "Random dense Ax=b solved by OpenBLAS dgesv (LU, partial pivoting), one thread by default; GFLOPS from 2/3·N³+2·N², HPL scaled residual must be < 16."
    }
  ],
  steps(linpack) {
    return [
      {
        name: "linpack",
        suite: "linpack",
        probe: "vmmbench-linpack",
        args: ["--n", linpack.n.join(","), "--threads", String(linpack.threads), "--reps", String(linpack.reps)],
        reps: linpack.reps
      }
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
  report: {page: "linpack", title: "LINPACK"}
});
