/**
 * Synthetic campaigns written through the real store (runs, fingerprints, steps, samples), for the
 * tests and benches that need a known truth: every series' values drawn from a seeded lognormal,
 * B optionally shifted, environments interleaved in rounds as a plan's rotation would.
 */
import {randomLcg, randomLogNormal} from "d3-random";
import type {Sample} from "../../data-loaders/model/sample.ts";
import type {Store} from "../../data-loaders/store/store.ts";
import type {Fingerprint} from "../../data-loaders/targets/target.ts";

export interface SyntheticSeries {
  metric: string;
  unit: string;
  /** Median of A's values. */
  median: number;
}

export interface SyntheticRun {
  runId: string;
  environments: string[];
  series: readonly SyntheticSeries[];
  rounds: number;
  /** Values per series per environment and round. */
  reps: number;
  /** Relative spread (σ of the log) of every value. */
  noise: number;
  /** Multiplier of the values of (environment, metric), e.g. 1.1 for a 10% rise. */
  shift?: (environment: string, metric: string) => number;
  tags?: Record<string, string>;
  seed: number;
}

export function fingerprint(environment: string): Fingerprint {
  return {
    environment,
    hypervisor: "none",
    hypervisorVersion: null,
    mode: "none",
    guestOs: "Debian 12",
    kernel: "6.1.0",
    cpuModel: "test CPU",
    vcpus: 2,
    memoryMb: 2048,
    passthrough: false,
    host: environment,
    launch: "synthetic",
    extra: {}
  };
}

export async function writeSyntheticRun(store: Store, run: SyntheticRun): Promise<void> {
  const draw = randomLogNormal.source(randomLcg(((run.seed * 2654435761) >>> 0) / 2 ** 32))(0, run.noise);
  await store.beginRun({runId: run.runId, source: "run", plan: {name: "synthetic"}, vmmbenchVersion: "test", tags: run.tags ?? {}});
  for (const environment of run.environments) await store.recordEnvironment(run.runId, fingerprint(environment));
  for (let round = 0; round < run.rounds; round++) {
    for (const environment of run.environments) {
      const samples: Sample[] = run.series.flatMap((s) =>
        Array.from({length: run.reps}, (_, rep) => ({suite: "lmbench", metric: s.metric, params: {}, unit: s.unit, value: s.median * (run.shift?.(environment, s.metric) ?? 1) * draw(), repetition: round * run.reps + rep}))
      );
      await store.recordStep({
        runId: run.runId,
        stepId: `${environment}/r${round}/synthetic`,
        environment,
        status: "done",
        startedAt: new Date(),
        durationMs: 1,
        raw: [],
        samples,
        provenance: {tool: "vmmbench", toolVersion: "test", engine: "builtin"}
      });
    }
  }
  await store.finishRun(run.runId, "complete");
}
