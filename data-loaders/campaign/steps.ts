import type {Plan} from "../plan/types.ts";
import type {Suite} from "../samples.ts";

/** One probe invocation of a round, before it is bound to an environment and a round number. */
export interface StepTemplate {
  name: string;
  suite: Suite;
  probe: string;
  args: string[];
  /** Repetitions the probe takes inside one invocation (to number samples across rounds). */
  reps: number;
}

/** The probe invocations one round makes in an environment, from the suites it runs. */
export function stepTemplates(suites: Plan["suites"]): StepTemplate[] {
  const steps: StepTemplate[] = [];
  const {lmbench, linpack, iozone} = suites;
  if (lmbench) {
    const common = ["--budget-ms", String(lmbench.budgetMs), "--reps", String(lmbench.reps)];
    if (lmbench.table1.length) {
      steps.push({name: "lmbench-table1", suite: "lmbench", probe: "vmmbench-lat", args: ["--metrics", lmbench.table1.join(","), ...common], reps: lmbench.reps});
    }
    if (lmbench.ctx.length) {
      const cells = lmbench.ctx.map(([procs, kb]) => `${procs}:${kb}`).join(",");
      steps.push({name: "lmbench-ctx", suite: "lmbench", probe: "vmmbench-ctx", args: ["--cells", cells, ...common], reps: lmbench.reps});
    }
    if (lmbench.memSizesMb.length) {
      steps.push({name: "lmbench-mem", suite: "lmbench", probe: "vmmbench-mem", args: ["--sizes-mb", lmbench.memSizesMb.join(","), ...common], reps: lmbench.reps});
    }
  }
  if (iozone) {
    const args = ["--file-kb", iozone.fileKb.join(","), "--record-kb", iozone.recordKb.join(","), "--reps", String(iozone.reps)];
    if (iozone.fsync) args.push("--fsync");
    if (iozone.direct) args.push("--direct");
    steps.push({name: "iozone", suite: "iozone", probe: "vmmbench-file", args, reps: iozone.reps});
  }
  if (linpack) {
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
