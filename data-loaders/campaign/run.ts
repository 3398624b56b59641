import {randomBytes} from "node:crypto";
import {ConfigError, InterruptedError, ParseError, VmmbenchError} from "../errors.ts";
import {validatePlan} from "../plan/validate.ts";
import type {EnvironmentSpec, Plan} from "../plan/types.ts";
import type {Sample} from "../model/sample.ts";
import {oneAtATime} from "../store/one-at-a-time.ts";
import {keepRaw, labelFolder} from "../store/raw.ts";
import {removeUnreferencedRaw} from "../store/raw-sweep.ts";
import {StoreError, type RawOutput, type Store} from "../store/store.ts";
import {isStorageFailure, systemProblem} from "../system-error.ts";
import {targetKind} from "../targets/registry.ts";
import type {Fingerprint, Step, StepOutput, Target} from "../targets/target.ts";
import {VERSION} from "../version.ts";
import {laneName, lanesOf, type Lane} from "./lanes.ts";
import type {Progress} from "./progress.ts";
import {referenceFor} from "./tool-engine.ts";
import {stepTemplates, type StepTemplate} from "./steps.ts";
import {StopRuleTracker} from "./stop-rule.ts";
import {meterSamples} from "../meters/samples.ts";
import {withMeterMode} from "../meters/steps.ts";

/** Turns a probe's stdout into samples; failures inside the probe come back as failed samples. */
export type ProbeOutputParser = (stdout: string, file: string) => Sample[];

export interface CampaignOptions {
  store: Store;
  /** The plan to start; ignored when resuming (the stored plan is used). */
  plan?: Plan;
  /** Continue the newest unfinished campaign (or this run id) instead of starting one. */
  resume?: boolean | string;
  /** Opens an environment; `peers` are all of the plan's environments (a nested lab boots once for all of its own). */
  openTarget: (spec: EnvironmentSpec, peers: readonly EnvironmentSpec[]) => Promise<Target>;
  parseOutput: ProbeOutputParser;
  progress: Progress;
  /** Probes that could not be built, with the reason: their steps are recorded as failed, the rest go on. */
  unavailable?: Record<string, string>;
  /** Probe tool version recorded with each sample. */
  toolVersion: string;
  /** PATH searched for the real tools when the plan's engine is "reference" (default: this process's PATH). */
  toolPath?: string;
  /**
   * Aborted on Ctrl-C: nothing more is stored (the step in flight runs again on resume) and the
   * campaign ends with an InterruptedError that says how to resume.
   */
  signal?: AbortSignal;
  /** Tags a new campaign is stored with (`--tag kernel=6.6`): what `vmmbench compare` compares by. */
  tags?: Record<string, string>;
}

export interface CampaignSummary {
  runId: string;
  rounds: number;
  stepsRun: number;
  stepsSkipped: number;
  stepsFailed: number;
  stopReason: string;
  /** Series (environment × metric × params) the stop rule judged, across every round, replayed ones included. */
  series: number;
  /** Seconds spent building images and lab roots and checking KVM before the first step. */
  prepareS: number;
  /** Environments that could not run, with why. */
  broken: Record<string, string>;
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

/**
 * Runs a campaign: rounds of every step in every environment, environments in rotating order so
 * that slow drift of a shared machine spreads over all of them instead of biasing one; each step's
 * raw output, samples and status land together, so a killed campaign resumes where it stopped.
 */
export async function runCampaign(options: CampaignOptions): Promise<CampaignSummary> {
  // The machines of a fleet record their steps side by side over one connection (campaign/lanes.ts).
  options = {...options, store: oneAtATime(options.store)};
  const {store, progress} = options;
  // Missing tools under tools.strict fail here, before a run is recorded.
  const early = !options.resume && options.plan ? referenceFor(options.plan, options.toolPath) : undefined;
  const {runId, plan, resumed} = await startOrResume(options);
  const reference = early ?? referenceFor(plan, options.toolPath);
  for (const line of reference.notes) progress.note(line);
  const templatesOf = new Map(plan.environments.map((e) => [e.label, withMeterMode(stepTemplates(e.suites ?? plan.suites, reference.forEnvironment(e)), e.meters)]));
  const perRound = [...templatesOf.values()].reduce((n, t) => n + t.length, 0);
  const done = await store.completedStepIds(runId);
  const tracker = new StopRuleTracker(plan.repetitions);
  if (resumed) await replayFinishedRounds(store, runId, tracker);

  const targets = new Map<string, Target>();
  const broken = new Map<string, string>();
  const fingerprinted = new Set<string>();
  const summary: CampaignSummary = {runId, rounds: 0, stepsRun: 0, stepsSkipped: 0, stepsFailed: 0, stopReason: "", series: 0, prepareS: 0, broken: {}};
  progress.note(`${resumed ? "resuming" : "starting"} campaign ${runId} (plan "${plan.name}", ${plan.environments.length} environment(s), ${perRound} step(s) per round)`);
  /** An environment that cannot start (QEMU missing, a guest that never boots, a lab that cannot be built) fails alone. */
  const markBroken = async (spec: EnvironmentSpec, error: unknown) => {
    const message = errorMessage(error);
    broken.set(spec.label, message);
    progress.note(`environment ${spec.label} cannot run: ${message}`);
    // Recorded at once, so its failed steps show in `results` even if the campaign is killed later.
    if (!fingerprinted.has(spec.label)) await store.recordEnvironment(runId, unrunnableFingerprint(spec, message));
  };
  /** A guest's facts come from its boot; one that ran steps but cannot say who it is keeps its steps and says why. */
  const recordFingerprint = async (spec: EnvironmentSpec, target: Target) => {
    let fingerprint: Fingerprint;
    try {
      const facts = await target.fingerprint();
      fingerprint = {...facts, environment: spec.label, extra: spec.note ? {...facts.extra, note: spec.note} : facts.extra};
    } catch (error) {
      if (!isEnvironmentFailure(error)) throw error;
      progress.note(`environment ${spec.label}: no fingerprint: ${errorMessage(error)}`);
      fingerprint = unrunnableFingerprint(spec, errorMessage(error), "started, fingerprint unknown");
    }
    await store.recordEnvironment(runId, fingerprint);
    fingerprinted.add(spec.label);
  };
  try {
    // Images, lab roots and the KVM check are built before anything is measured, so a build never
    // competes with a measurement for the machine's cores.
    const prepareStart = Date.now();
    await Promise.all(
      plan.environments.map(async (spec) => {
        try {
          const target = await targetFor(spec, targets, options, plan.environments);
          await target.prepare?.();
        } catch (error) {
          if (!isEnvironmentFailure(error)) throw error;
          await markBroken(spec, error);
        }
      })
    );
    summary.prepareS = (Date.now() - prepareStart) / 1000;
    progress.note(`prepared ${plan.environments.length - broken.size} of ${plan.environments.length} environment(s) in ${summary.prepareS.toFixed(1)} s`);
  } catch (error) {
    for (const target of targets.values()) await target.close().catch(() => undefined);
    throw error;
  }
  const started = Date.now();
  const lanes = lanesOf(plan.environments);
  const stepsPerRound = (lane: Lane) => lane.environments.reduce((n, spec) => n + templatesOf.get(spec.label)!.length, 0);
  /** Lanes whose stop rule holds, with why: one machine of a fleet stops on its own series. */
  const laneStops = new Map<Lane, string>();
  progress.start(perRound * plan.repetitions.min);
  try {
    for (let round = 0; ; round++) {
      stopIfAborted(options.signal);
      const elapsedS = (Date.now() - started) / 1000;
      for (const lane of lanes) {
        const reason = laneStops.has(lane) ? null : tracker.stopReason(round, elapsedS, lane.labels);
        if (!reason) continue;
        laneStops.set(lane, reason);
        if (lanes.length > 1) progress.note(`${laneName(lane)}: stopped: ${reason}`);
      }
      const running = lanes.filter((lane) => !laneStops.has(lane));
      if (running.length === 0) {
        summary.stopReason = stopReasons(lanes, laneStops);
        summary.series = tracker.seriesCount;
        break;
      }
      if (round >= plan.repetitions.min) progress.grow(running.reduce((n, lane) => n + stepsPerRound(lane), 0));
      // Each machine runs its environments in rotating order; different machines run side by side.
      let failure: {error: unknown} | undefined;
      await Promise.all(
        running.map(async (lane) => {
          try {
            for (const spec of rotate(lane.environments, round)) {
              if (failure) return;
              const templates = templatesOf.get(spec.label)!;
              const pending = templates.filter((t) => !done.has(stepId(spec.label, round, t)));
              summary.stepsSkipped += templates.length - pending.length;
              // Steps a resumed campaign finished before are not counted again ("[20/30]" at the end of a resume).
              progress.grow(pending.length - templates.length);
              if (pending.length === 0) continue;
              if (broken.has(spec.label)) {
                await recordUnrunnable(options, runId, spec.label, round, pending, broken.get(spec.label)!, summary);
                continue;
              }
              let target: Target;
              try {
                target = await targetFor(spec, targets, options, plan.environments);
                await runRound(options, runId, spec.label, round, pending, target, tracker, summary, plan.stepTimeoutS);
              } catch (error) {
                // An environment that cannot start (QEMU missing, SSH host refusing) is recorded as failed steps; the others go on.
                if (!isEnvironmentFailure(error) || options.signal?.aborted) throw error;
                await markBroken(spec, error);
                const recorded = await store.completedStepIds(runId);
                const left = pending.filter((t) => !recorded.has(stepId(spec.label, round, t)));
                await recordUnrunnable(options, runId, spec.label, round, left, broken.get(spec.label)!, summary);
                continue;
              }
              // After the first batch: a guest's fingerprint comes from its own boot, so none is spent on it.
              if (!fingerprinted.has(spec.label)) await recordFingerprint(spec, target);
            }
          } catch (error) {
            // The campaign ends; the other machines stop after the environment they are in.
            failure ??= {error};
          }
        })
      );
      if (failure) throw failure.error;
      summary.rounds = round + 1;
    }
    for (const spec of plan.environments) {
      if (fingerprinted.has(spec.label) || broken.has(spec.label)) continue;
      // Resumed with nothing left to run here: make sure the environment's row exists.
      const known = await store.query(`SELECT 1 FROM environments WHERE run_id = $1 AND environment = $2`, [runId, spec.label]);
      if (known.length > 0) continue;
      try {
        await recordFingerprint(spec, await targetFor(spec, targets, options, plan.environments));
      } catch (error) {
        if (!isEnvironmentFailure(error)) throw error;
        await markBroken(spec, error);
      }
    }
    await store.finishRun(runId, "complete");
    summary.broken = Object.fromEntries(broken);
    return summary;
  } catch (error) {
    throw stopped(error, store, runId, summary, options.signal);
  } finally {
    progress.finish();
    for (const target of targets.values()) await target.close().catch(() => undefined);
  }
}

function stopIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new InterruptedError(String(signal.reason ?? "interrupted"));
}

/**
 * Why a campaign ended early, as one error that says what was kept and how to resume: Ctrl-C, or
 * a disk that can take nothing more (the step in flight is not stored; the resume runs it again).
 */
function stopped(error: unknown, store: Store, runId: string, summary: CampaignSummary, signal: AbortSignal | undefined): unknown {
  const kept = `the ${summary.stepsRun} step(s) it finished this time are stored`;
  const resume = `vmmbench run --resume ${runId}`;
  if (signal?.aborted) return new InterruptedError(`campaign ${runId} stopped (${String(signal.reason ?? "interrupted")}); ${kept}; continue it with: ${resume}`);
  const problem = isStorageFailure(error) ? systemProblem(error, store.dataDir) : undefined;
  if (problem) return new StoreError(`campaign ${runId} stopped: ${problem.what}; ${kept}; ${problem.advice ? `${problem.advice}, then` : "then"}: ${resume}`, {cause: error});
  return error;
}

async function startOrResume(options: CampaignOptions): Promise<{runId: string; plan: Plan; resumed: boolean}> {
  const {store} = options;
  if (options.resume) {
    const row = typeof options.resume === "string" ? await store.run(options.resume) : await store.latestUnfinishedRun();
    if (!row) throw new ConfigError(typeof options.resume === "string" ? `no run ${options.resume} in ${store.path}` : `no unfinished campaign in ${store.path} to resume`);
    if (row.source !== "run") throw new ConfigError(`run ${row.run_id} is an ${row.source}, not a campaign`);
    // Steps of environments that could not start are tried again: resuming is how a user gets them.
    const retried = await store.forgetStepsNotRun(String(row.run_id));
    if (retried) options.progress.note(`${retried} step(s) that did not run before will be tried again`);
    // Outputs of the step a killed campaign had in flight: it runs again.
    const orphans = await removeUnreferencedRaw(store, String(row.run_id));
    if (orphans) options.progress.note(`removed ${orphans} raw output file(s) of steps that were never stored`);
    return {runId: String(row.run_id), plan: validatePlan(JSON.parse(String(row.plan)), () => `stored plan of ${row.run_id}`), resumed: true};
  }
  if (!options.plan) throw new ConfigError("a plan is needed to start a campaign");
  const runId = newRunId();
  await store.beginRun({runId, source: "run", plan: options.plan.raw, stopRule: options.plan.repetitions, vmmbenchVersion: VERSION, tags: options.tags});
  return {runId, plan: options.plan, resumed: false};
}

async function replayFinishedRounds(store: Store, runId: string, tracker: StopRuleTracker): Promise<void> {
  const rows = await store.query(
    `SELECT environment, step_id, metric, params, value FROM results WHERE run_id = $1 AND status = 'ok' AND value IS NOT NULL AND suite <> 'meters'`,
    [runId]
  );
  for (const row of rows) {
    const round = Number(/\/r(\d+)\//.exec(String(row.step_id))?.[1] ?? 0);
    tracker.add(String(row.environment), round, [
      {suite: "lmbench", metric: String(row.metric), params: JSON.parse(String(row.params)), unit: "", value: Number(row.value), repetition: 0}
    ]);
  }
}

/** Opens each environment once per campaign. */
async function targetFor(spec: EnvironmentSpec, targets: Map<string, Target>, options: CampaignOptions, peers: readonly EnvironmentSpec[]): Promise<Target> {
  let target = targets.get(spec.label);
  if (!target) {
    target = await options.openTarget(spec, peers);
    targets.set(spec.label, target);
  }
  return target;
}

/**
 * Failures that end one environment, not the campaign: typed errors from a target, and the errors
 * of child processes and file systems (execa, ENOENT) that a target did not wrap. An interruption
 * and a disk or database that can store nothing more end the campaign instead (see `stopped`).
 */
function isEnvironmentFailure(error: unknown): boolean {
  if (error instanceof InterruptedError || isStorageFailure(error)) return false;
  return error instanceof VmmbenchError || (error instanceof Error && ("code" in error || "exitCode" in error || "shortMessage" in error));
}

function errorMessage(error: unknown): string {
  const text = error instanceof Error ? ((error as {shortMessage?: string}).shortMessage ?? error.message) : String(error);
  return text.split("\n")[0]!.trim() || "unknown error";
}

/** What is known of an environment that never started (or cannot say what it is): its plan entry and why. */
function unrunnableFingerprint(env: EnvironmentSpec, message: string, launch = "did not start"): Fingerprint {
  const {extra, ...planned} = targetKind(env.target)!.planned(env);
  return {
    environment: env.label,
    ...planned,
    hypervisorVersion: null,
    guestOs: "",
    kernel: "",
    cpuModel: "",
    host: "",
    launch: `${env.target} (${launch})`,
    extra: {error: message, status: launch, ...(env.note ? {note: env.note} : {}), ...extra}
  };
}

async function recordUnrunnable(options: CampaignOptions, runId: string, environment: string, round: number, templates: StepTemplate[], message: string, summary: CampaignSummary): Promise<void> {
  for (const template of templates) {
    stopIfAborted(options.signal);
    const output: StepOutput = {id: stepId(environment, round, template), stdout: "", stderr: message, exitCode: null, signal: null, timedOut: false, durationMs: 0};
    const result = recordFor(options.store.dataDir, runId, environment, round, template, output, options.parseOutput);
    await options.store.recordStep({runId, stepId: output.id, environment, status: "failed", startedAt: new Date(), durationMs: 0, message: result.message, raw: result.raw, samples: result.samples, provenance: {tool: "vmmbench", toolVersion: options.toolVersion, engine: "builtin"}});
    summary.stepsRun++;
    summary.stepsFailed++;
    options.progress.done(output.id, false, 0, result.message);
  }
}

function stepId(environment: string, round: number, template: StepTemplate): string {
  return `${environment}/r${round}/${template.name}`;
}

/** Why the campaign stopped: the one reason, or each lane's (a fleet's hosts may stop at different rounds). */
function stopReasons(lanes: readonly Lane[], stopped: ReadonlyMap<Lane, string>): string {
  if (lanes.length === 1) return stopped.get(lanes[0]!)!;
  const byReason = new Map<string, string[]>();
  for (const lane of lanes) byReason.set(stopped.get(lane)!, [...(byReason.get(stopped.get(lane)!) ?? []), laneName(lane)]);
  return [...byReason].map(([reason, names]) => `${names.join(", ")}: ${reason}`).join("; ");
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

async function runRound(
  options: CampaignOptions,
  runId: string,
  environment: string,
  round: number,
  templates: StepTemplate[],
  target: Target,
  tracker: StopRuleTracker,
  summary: CampaignSummary,
  timeoutS: number
): Promise<void> {
  const {store, progress} = options;
  const byId = new Map<string, StepTemplate>();
  const steps: Step[] = templates.map((t) => {
    const id = stepId(environment, round, t);
    byId.set(id, t);
    return {id, probe: t.probe, args: t.args, timeoutS};
  });
  const unavailable = options.unavailable ?? {};
  const runnable = steps.filter((step) => !(step.probe in unavailable));
  let index = 0;
  const record = async (output: StepOutput) => {
    // After Ctrl-C the step in flight was killed by the campaign, not failed: it is not stored, and runs again on resume.
    stopIfAborted(options.signal);
    const template = byId.get(output.id);
    if (!template) return;
    index++;
    const result = recordFor(store.dataDir, runId, environment, round, template, output, options.parseOutput);
    await store.recordStep({
      runId,
      stepId: output.id,
      environment,
      status: result.ok ? "done" : "failed",
      startedAt: new Date(Date.now() - output.durationMs),
      durationMs: output.durationMs,
      message: result.message,
      raw: result.raw,
      samples: result.samples,
      provenance: template.provenance
        ? {...template.provenance, toolVersion: result.toolVersion ?? template.provenance.toolVersion}
        : {tool: "vmmbench", toolVersion: options.toolVersion, engine: "builtin"}
    });
    // The stop rule judges what was measured; meters explain it.
    tracker.add(environment, round, result.samples.filter((s) => s.suite !== "meters"));
    summary.stepsRun++;
    if (!result.ok) summary.stepsFailed++;
    progress.done(output.id, result.ok, output.durationMs, result.message);
    if (index < runnable.length) progress.step(runnable[index].id);
  };
  for (const step of steps) {
    const why = unavailable[step.probe];
    if (why) await record({id: step.id, stdout: "", stderr: `${step.probe} unavailable: ${why}`, exitCode: null, signal: null, timedOut: false, durationMs: 0});
  }
  index = 0;
  if (runnable.length === 0) return;
  progress.step(runnable[0].id);
  await target.run(runnable, record);
}

interface StepResult {
  ok: boolean;
  message?: string;
  raw: RawOutput[];
  samples: Sample[];
  /** The version the output itself states (reference tools), if any. */
  toolVersion: string | null;
}

/** Keeps the step's output verbatim and turns it into samples; a failed process is data, not an exception. */
function recordFor(
  dataDir: string,
  runId: string,
  environment: string,
  round: number,
  template: StepTemplate,
  output: StepOutput,
  parse: ProbeOutputParser
): StepResult {
  const base = `${labelFolder(environment)}/r${round}-${template.name}`;
  const raw = [keepRaw(dataDir, runId, `${base}.${template.parse ? "out" : "jsonl"}`, output.stdout, template.rawFormat ?? "vmmbench-probe-jsonl")];
  if (output.stderr.trim()) raw.push(keepRaw(dataDir, runId, `${base}.stderr`, output.stderr, "stderr"));
  for (const kept of output.meters?.raw ?? []) raw.push(keepRaw(dataDir, runId, `${base}.${kept.name}`, kept.content, kept.format));
  let samples: Sample[] = [];
  let parseProblem: string | undefined;
  let toolVersion: string | null = null;
  try {
    // Reference tools' steps carry their own parser (the ingest parsers); built-in probes print JSON lines.
    const parsed = template.parse ? template.parse(output.stdout, raw[0].path) : {samples: parse(output.stdout, raw[0].path), toolVersion: null};
    toolVersion = parsed.toolVersion;
    // Built-in probes meter their runs: the guest's side in their output, the host's beside it.
    const metered = template.parse ? [] : meterSamples(output.stdout, raw[0].path, output.meters);
    samples = [...parsed.samples, ...metered].map((s) => ({...s, repetition: round * template.reps + s.repetition}));
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    parseProblem = error.message;
  }
  // A target explains a step it could not run or finish in a "vmmbench: …" line of its stderr.
  const why = /^vmmbench(?: lab)?: (.+)$/m.exec(output.stderr)?.[1];
  const processProblem = output.exitCode === null && !output.signal && (!output.timedOut || output.durationMs === 0)
    ? output.durationMs === 0 ? `did not run${why ? `: ${why}` : ""}` : `did not finish${why ? `: ${why}` : ""}`
    : output.timedOut
    ? `timed out after ${(output.durationMs / 1000).toFixed(1)} s`
    : output.signal
      ? `killed by ${output.signal}`
      : output.exitCode !== 0
        ? `exited with code ${output.exitCode}`
        : undefined;
  // A probe that measured most repetitions and failed a few (a context switch timed below its own
  // overhead on a loaded machine) finished its step: the failed samples are kept as data and noted.
  const measured = samples.filter((s) => s.suite !== "meters");
  const failedInside = measured.filter((s) => s.status === "failed").length;
  const okInside = measured.length - failedInside;
  const problems = [processProblem, parseProblem, okInside === 0 && failedInside ? `all ${failedInside} sample(s) failed` : undefined].filter(Boolean);
  const notes = failedInside && okInside ? `${failedInside} failed sample(s) kept` : undefined;
  const stderrTail = why ? "" : output.stderr.trim().split("\n").slice(-3).join(" | ");
  if (processProblem && measured.length === 0) {
    samples = [...samples, {suite: template.suite, metric: "step_failed", params: {step: template.name}, unit: "", value: NaN, repetition: round, status: "failed", note: `${processProblem}${stderrTail ? `: ${stderrTail}` : ""}`}];
  }
  return {
    ok: problems.length === 0,
    message: problems.length ? `${problems.join("; ")}${stderrTail && processProblem ? `: ${stderrTail}` : ""}` : notes,
    raw,
    samples,
    toolVersion
  };
}
