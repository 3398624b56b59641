import {buildProbesDetailed} from "../probes/build.ts";
import {failureToSample, parseProbeOutput} from "../probes/parse-output.ts";
import type {Sample} from "../model/sample.ts";
import {ConfigError} from "../errors.ts";
import {parseTags} from "../ingest/collect.ts";
import {createProgress} from "../campaign/progress.ts";
import {REFERENCE_RUNNER, writeReferenceRunner} from "../campaign/tool-runner.ts";
import {runCampaign, type CampaignSummary} from "../campaign/run.ts";
import {ProcessGroup, sweepStale} from "../campaign/process-group.ts";
import {labLog, openTarget} from "../campaign/targets.ts";
import {checkHost} from "../host/virt.ts";
import {loadPlan} from "../plan/load.ts";
import {isXenDom0, presetNeedsHost} from "../plan/presets.ts";
import {buildLabRoot} from "../lab/root.ts";
import {ensurePaperData} from "../paper/che2008.ts";
import {Store} from "../store/store.ts";
import {VERSION} from "../version.ts";

export interface RunCommandOptions {
  db: string;
  plan: string;
  resume: boolean | string;
  /** Overrides the plan's engine (`--engine`); not with resume, which keeps the stored plan's. */
  engine?: "builtin" | "reference";
  /** `--wait SECONDS`: wait for another process that holds the database. */
  waitS?: number;
  /** Aborted on Ctrl-C/SIGTERM: the probes and guests are ended and the campaign stops, resumable. */
  signal?: AbortSignal;
  /** `--tag key=value`: stored with a new campaign (not with resume, which keeps its own). */
  tags?: string[];
  log: (line: string) => void;
}

/** `vmmbench run`: builds the probes, runs (or resumes) a campaign and stores it with the reference data. */
export async function runCommand(opts: RunCommandOptions): Promise<CampaignSummary> {
  if (opts.engine && opts.resume) throw new ConfigError("--engine: a resumed campaign keeps the engine it started with; drop --engine or start a new campaign");
  if (opts.tags?.length && opts.resume) throw new ConfigError("--tag: a resumed campaign keeps the tags it started with; drop --tag or start a new campaign");
  const tags = parseTags(opts.tags ?? [], () => "--tag");
  // A typo'd plan, a --db that cannot be and a database another process holds fail before anything is built.
  if (!opts.resume && !presetNeedsHost(opts.plan)) loadPlan(opts.plan);
  const store = await Store.open(opts.db, {waitS: opts.waitS});
  let group: ProcessGroup | undefined;
  const endChildren = () => group?.killAll();
  opts.signal?.addEventListener("abort", endChildren);
  try {
    const needsHost = !opts.resume && presetNeedsHost(opts.plan);
    // Without a dom0 the preset's Xen is the nested lab's whatever KVM turns out to be: its root (the
    // cold start's longest wait) builds while the probes compile and the host's KVM is checked.
    if (needsHost && !isXenDom0()) buildLabRoot({log: labLog}).catch(() => undefined);
    const build = await buildProbesDetailed({log: opts.log});
    const host = needsHost ? (await checkHost({probes: build.binaries as Record<string, string>, log: opts.log})).host : undefined;
    if (host) opts.log(`host: KVM ${host.kvm ? "boots a guest" : `not used (${host.kvmReason})`}; Xen dom0: ${host.xen ? "yes" : "no"}`);
    const loaded = opts.resume ? undefined : loadPlan(opts.plan, host);
    // The override is written into the stored plan too, so a resume runs the same engine.
    const plan = loaded && opts.engine ? {...loaded, engine: opts.engine, raw: {...(loaded.raw as object), engine: opts.engine}} : loaded;
    // The reference engine's runner travels in every target's probe map (a target copies only what a step uses).
    const probes = {...(build.binaries as Record<string, string>), [REFERENCE_RUNNER]: writeReferenceRunner()};
    // What killed campaigns left (probes, guests, scratch files) goes before anything is measured.
    const swept = sweepStale();
    if (swept.campaigns) opts.log(`swept what ${swept.campaigns} killed campaign(s) left: ${swept.processes} process(es) ended, ${swept.files} scratch file(s) removed`);
    group = ProcessGroup.start();
    await ensurePaperData(store);
    const summary = await runCampaign({
      store,
      plan,
      resume: opts.resume,
      openTarget: (spec, peers) => openTarget(spec, probes, peers),
      parseOutput: probeSamples,
      progress: createProgress(),
      unavailable: Object.fromEntries(Object.entries(build.unavailable).map(([name, why]) => [name, why?.message ?? "not built"])),
      toolVersion: `vmmbench-probes ${VERSION} (${build.hash.slice(0, 12)})`,
      signal: opts.signal,
      tags
    });
    opts.log(
      `campaign ${summary.runId}: ${summary.rounds} round(s), ${summary.stepsRun} step(s) run, ${summary.stepsFailed} failed, ${summary.stepsSkipped} already done; stopped: ${summary.stopReason}`
    );
    for (const line of brokenAdvice(summary.broken, summary.runId)) opts.log(line);
    return summary;
  } finally {
    opts.signal?.removeEventListener("abort", endChildren);
    group?.close();
    store.close();
  }
}

/** Samples and in-probe failures of one probe invocation, failures kept as failed samples. */
function probeSamples(stdout: string, file: string): Sample[] {
  const output = parseProbeOutput(stdout, file);
  return [...output.samples, ...output.failures.map((failure) => failureToSample(failure))];
}

/** One line per reason an environment could not run, with what gets the rest measured. */
export function brokenAdvice(broken: Record<string, string>, runId: string): string[] {
  const byReason = new Map<string, string[]>();
  for (const [label, why] of Object.entries(broken)) byReason.set(why, [...(byReason.get(why) ?? []), label]);
  return [...byReason].map(([why, labels]) => {
    if (why.startsWith("not measurable here")) {
      return `not measured: ${labels.join(", ")}: ${why}. The nested lab cannot run ${labels.length > 1 ? "these" : "this"}; on a host with VT-d/AMD-Vi, a qemu or xen environment with \`passthrough: {pci: …}\` measures it.`;
    }
    const lab = labels.every((label) => label.startsWith("lab-"));
    const first = lab ? "the nested lab needs root, debootstrap and Debian's mirror once (`vmmbench lab build`)" : "fix that";
    return `not measured: ${labels.join(", ")}: ${why}. To get ${labels.length > 1 ? "them" : "it"}: ${first}, then \`vmmbench run --resume ${runId}\`.`;
  });
}
