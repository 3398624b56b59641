/**
 * HPL (xhpl, one MPI process, a generated HPL.dat) or Intel's Optimized LINPACK under the reference
 * engine: one run per N, parsed with the ingest parser, with the built-in probe's params.
 */
import {availableParallelism} from "node:os";
import {REFERENCE_RUNNER, binaryId, project, runnerArgs} from "../../campaign/tool-runner.ts";
import type {SuiteTools} from "../suite.ts";
import {parseHpl} from "./formats/hpl.ts";
import {parseIntelLinpack} from "./formats/intel-linpack.ts";
import type {LinpackOptions} from "./options.ts";

/** HPL's block size for the generated HPL.dat (one process, P = Q = 1). */
export const HPL_NB = 192;
/** HPL reads at most 20 problem sizes from HPL.dat (HPL_MAX_PARAM). */
const HPL_MAX_PARAM = 20;
/** The orders a reference tool runs for `n: sweep` (the built-in probe's own sweep stops when GFLOPS do). */
const SWEEP_FOR_TOOLS = [1000, 2000, 4000, 8000];

export interface LinpackTool {
  kind: "hpl" | "intel-linpack";
  path: string;
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

export const linpackTools: SuiteTools<LinpackOptions, LinpackTool> = {
  paths: {xhpl: {kind: "file", what: "an executable file"}, linpack: {kind: "file", what: "an executable file"}},

  find(options, paths, onPath) {
    if (options.length === 0) return {found: undefined, names: [], missing: []};
    const hpl = paths.xhpl ?? (paths.linpack ? undefined : onPath("xhpl"));
    const intel = paths.linpack ?? (hpl ? undefined : onPath("xlinpack_xeon64"));
    if (hpl) return {found: {kind: "hpl", path: hpl}, names: [`xhpl=${hpl}`], missing: []};
    if (intel) return {found: {kind: "intel-linpack", path: intel}, names: [`xlinpack_xeon64=${intel}`], missing: []};
    return {found: undefined, names: [], missing: ["LINPACK (neither xhpl nor xlinpack_xeon64 on PATH; set tools.xhpl or tools.linpack)"]};
  },

  // The tool's own BLAS kernels run (pinned kernel sets are the built-in probe's business), over the
  // plan's orders; a sweep, which needs each result before the next order, becomes SWEEP_FOR_TOOLS.
  steps(linpack, tool) {
    const threads = linpack.threads === "vcpus" ? String(availableParallelism()) : String(linpack.threads);
    const env = {OPENBLAS_NUM_THREADS: threads, OMP_NUM_THREADS: threads, MKL_NUM_THREADS: threads};
    const fallbackVersion = `${tool.kind} ${binaryId(tool.path)}`;
    const orders = linpack.n === "sweep" ? SWEEP_FOR_TOOLS : linpack.n;
    const templates = orders.map((n) => ({
      name: `linpack-n${n}`,
      suite: "linpack",
      probe: REFERENCE_RUNNER,
      args:
        tool.kind === "hpl"
          ? runnerArgs({files: {"HPL.dat": hplDat(n, linpack.reps)}, env}, tool.path, [])
          : runnerArgs({files: {lininput: intelLinpackInput(n, linpack.reps)}, env}, tool.path, ["@DIR@/lininput"]),
      reps: Math.min(linpack.reps, tool.kind === "hpl" ? HPL_MAX_PARAM : linpack.reps),
      parse: (stdout: string, file: string) =>
        project(tool.kind === "hpl" ? parseHpl(stdout, file) : parseIntelLinpack(stdout, file), file, `LINPACK results for N=${n}`, (s) =>
          s.params.n === n ? {n, threads: Number(threads)} : undefined
        ),
      provenance: {tool: tool.kind, toolVersion: fallbackVersion, engine: "reference" as const},
      rawFormat: tool.kind
    }));
    return {templates, left: undefined};
  }
};
