/**
 * A resumed campaign judges the same series as one that ran straight through. The stop rule keys a
 * series by its params, which a probe prints in its own key order (vmmbench-file: file_kb,
 * record_kb, fsync, direct; vmmbench-mem: size_mb, method) while a resume reads them back from the
 * store with sorted keys: before the canonical form was shared, IOzone's and bw_mem's series were
 * counted twice after a resume, each half with too few rounds, so the rule ran to `max` instead of
 * stopping. Real probes on the local target; the crash is a throw between round 0 and round 1.
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {runCampaign, type CampaignOptions} from "../../data-loaders/campaign/run.ts";
import type {Progress} from "../../data-loaders/campaign/progress.ts";
import {openTarget} from "../../data-loaders/campaign/targets.ts";
import {parsePlanText} from "../../data-loaders/plan/load.ts";
import {failureToSample, parseProbeOutput} from "../../data-loaders/probes/parse-output.ts";
import {buildProbes} from "../../data-loaders/probes/build.ts";
import {Store} from "../../data-loaders/store/store.ts";

// An RSD bound nothing exceeds: the rule stops as soon as it may (after 2 rounds), if every series has 2 rounds.
const PLAN = `name: resume-series
environments: [{target: local, label: native}]
suites:
  lmbench: {table1: [], ctx: [], mem_size_mb: [1], budget_ms: 5, reps: 2}
  iozone: {file_kb: [256], record_kb: [64], fsync: false, reps: 2}
repetitions: {min: 1, max: 4, rsd: 10}
`;

class Crash extends Error {}

function quietProgress(crashAtRound?: number): Progress {
  let round = 0;
  return {
    start() {},
    step() {},
    done() {},
    note() {},
    finish() {},
    // grow() is called as each round past `min` starts: the place to die between two rounds.
    grow() {
      round++;
      if (round === crashAtRound) throw new Crash("killed between rounds");
    }
  };
}

describe("resuming a campaign with IOzone and memory steps", () => {
  let dir: string;
  let probes: Record<string, string>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-resume-series-"));
    probes = await buildProbes();
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  const options = (store: Store, progress: Progress): CampaignOptions => ({
    store,
    openTarget: (spec, peers) => openTarget(spec, probes, peers),
    parseOutput: (stdout, file) => {
      const out = parseProbeOutput(stdout, file);
      return [...out.samples, ...out.failures.map((f) => failureToSample(f))];
    },
    progress,
    toolVersion: "test"
  });

  it("counts the same series and stops after the same rounds as an uninterrupted run", async () => {
    const plan = parsePlanText(PLAN, "plan.yaml");
    const straight = await Store.open(join(dir, "straight.duckdb"));
    const whole = await runCampaign({...options(straight, quietProgress()), plan});
    straight.close();

    const crashed = await Store.open(join(dir, "crashed.duckdb"));
    try {
      await expect(runCampaign({...options(crashed, quietProgress(1)), plan})).rejects.toThrow(Crash);
      const [run] = await crashed.query(`SELECT status FROM runs WHERE source = 'run'`);
      expect(run.status).toBe("running");
      const resumed = await runCampaign({...options(crashed, quietProgress()), resume: true});
      // 2 bw_mem (read, write) … and 4 IOzone series: one environment, one size each.
      expect(whole.series).toBeGreaterThanOrEqual(6);
      expect(resumed.series).toBe(whole.series);
      expect(whole.stopReason).toMatch(/every series has RSD below .* after 2 rounds/);
      expect(resumed.stopReason).toBe(whole.stopReason);
      expect(resumed.rounds).toBe(whole.rounds);
      const distinct = await crashed.query(`SELECT count(DISTINCT (metric, params)) AS n FROM results WHERE source = 'run' AND suite <> 'meters'`);
      expect(Number(distinct[0]!.n)).toBe(whole.series);
    } finally {
      crashed.close();
    }
  }, 120_000);
});
