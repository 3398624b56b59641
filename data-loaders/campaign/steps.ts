import type {Plan} from "../plan/types.ts";
import type {Sample, Suite} from "../model/sample.ts";
import type {StepProvenance} from "../store/store.ts";
import {iozoneTemplates, linpackTemplates, lmbenchTemplates, type ReferenceTools} from "./reference.ts";

/** One probe invocation of a round, before it is bound to an environment and a round number. */
export interface StepTemplate {
  name: string;
  suite: Suite;
  probe: string;
  args: string[];
  /** Repetitions the probe takes inside one invocation (to number samples across rounds). */
  reps: number;
  /**
   * Turns this step's stdout into samples, with the version the output states (null: unknown).
   * Absent: a built-in probe, parsed by the campaign's `parseOutput` (probe JSON lines).
   */
  parse?: (stdout: string, file: string) => {samples: Sample[]; toolVersion: string | null};
  /** Who wrote the samples; absent: the built-in probes (`engine: 'builtin'`). */
  provenance?: StepProvenance & {engine: "builtin" | "reference"};
  /** Format recorded with the kept stdout; absent: "vmmbench-probe-jsonl". */
  rawFormat?: string;
}

/**
 * The probe invocations one round makes in an environment, from the suites it runs. With
 * `reference` (the tools the reference engine found), the parts those tools cover run them instead
 * (campaign/reference.ts); the rest keep the built-in probes.
 */
export function stepTemplates(suites: Plan["suites"], reference?: ReferenceTools): StepTemplate[] {
  const steps: StepTemplate[] = [];
  const {lmbench, linpack, iozone} = suites;
  if (lmbench) {
    const common = ["--budget-ms", String(lmbench.budgetMs), "--reps", String(lmbench.reps)];
    const ref = reference ? lmbenchTemplates(lmbench, reference) : undefined;
    const table1 = ref ? ref.table1Left : lmbench.table1;
    if (ref) steps.push(...ref.templates);
    if (table1.length) {
      steps.push({name: "lmbench-table1", suite: "lmbench", probe: "vmmbench-lat", args: ["--metrics", table1.join(","), ...common], reps: lmbench.reps});
    }
    if (lmbench.ctx.length && !ref?.ctx) {
      const cells = lmbench.ctx.map(([procs, kb]) => `${procs}:${kb}`).join(",");
      steps.push({name: "lmbench-ctx", suite: "lmbench", probe: "vmmbench-ctx", args: ["--cells", cells, ...common], reps: lmbench.reps});
    }
    if (lmbench.memSizesMb.length && !ref?.mem) {
      steps.push({name: "lmbench-mem", suite: "lmbench", probe: "vmmbench-mem", args: ["--sizes-mb", lmbench.memSizesMb.join(","), ...common], reps: lmbench.reps});
    }
  }
  if (iozone && reference?.iozone) {
    steps.push(...iozoneTemplates(iozone, reference.iozone));
  } else if (iozone) {
    const args = ["--file-kb", iozone.fileKb.join(","), "--record-kb", iozone.recordKb.join(","), "--reps", String(iozone.reps)];
    if (iozone.fsync) args.push("--fsync");
    if (iozone.direct) args.push("--direct");
    steps.push({name: "iozone", suite: "iozone", probe: "vmmbench-file", args, reps: iozone.reps});
  }
  if (linpack && reference?.linpack) {
    steps.push(...linpackTemplates(linpack, reference.linpack));
  } else if (linpack) {
    steps.push({
      name: "linpack",
      suite: "linpack",
      probe: "vmmbench-linpack",
      args: ["--n", linpack.n.join(","), "--threads", String(linpack.threads), "--reps", String(linpack.reps)],
      reps: linpack.reps
    });
  }
  return steps;
}
