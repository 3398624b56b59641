import {buildProbesDetailed} from "../probes/build.ts";
import {failureToSample, parseProbeOutput} from "../probes/parse-output.ts";
import type {Sample} from "../samples.ts";
import {createProgress} from "../campaign/progress.ts";
import {runCampaign, type CampaignSummary} from "../campaign/run.ts";
import {openTarget} from "../campaign/targets.ts";
import {loadPlan} from "../plan/load.ts";
import {ensureReference} from "../reference.ts";
import {Store} from "../store/store.ts";
import {VERSION} from "../version.ts";

export interface RunCommandOptions {
  db: string;
  plan: string;
  resume: boolean | string;
  log: (line: string) => void;
}

/** `vmmbench run`: builds the probes, runs (or resumes) a campaign and stores it with the reference data. */
export async function runCommand(opts: RunCommandOptions): Promise<CampaignSummary> {
  const plan = opts.resume ? undefined : loadPlan(opts.plan);
  const build = await buildProbesDetailed({log: opts.log});
  const store = await Store.open(opts.db);
  try {
    await ensureReference(store);
    const summary = await runCampaign({
      store,
      plan,
      resume: opts.resume,
      openTarget: (spec) => openTarget(spec, build.binaries as Record<string, string>),
      parseOutput: probeSamples,
      progress: createProgress(),
      unavailable: Object.fromEntries(Object.entries(build.unavailable).map(([name, why]) => [name, why?.message ?? "not built"])),
      toolVersion: `vmmbench-probes ${VERSION} (${build.hash.slice(0, 12)})`
    });
    opts.log(
      `campaign ${summary.runId}: ${summary.rounds} round(s), ${summary.stepsRun} step(s) run, ${summary.stepsFailed} failed, ${summary.stepsSkipped} already done; stopped: ${summary.stopReason}`
    );
    return summary;
  } finally {
    store.close();
  }
}

/** Samples and in-probe failures of one probe invocation, failures kept as failed samples. */
function probeSamples(stdout: string, file: string): Sample[] {
  const output = parseProbeOutput(stdout, file);
  return [...output.samples, ...output.failures.map((failure) => failureToSample(failure))];
}
