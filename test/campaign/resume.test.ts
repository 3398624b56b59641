import {execa} from "execa";
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {campaignsRoot} from "../../data-loaders/campaign/process-group.ts";
import {Store} from "../../data-loaders/store/store.ts";
import {afterStep, eventually, running} from "../helpers/processes.ts";
import {ROOT} from "../helpers/shared.ts";

const BIN = join(ROOT, "bin", "vmmbench.js");

// Three rounds of two steps in two local environments: 12 steps, each a second or so.
const PLAN = `name: resume-test
environments:
  - {target: local, label: a}
  - {target: local, label: b}
suites:
  lmbench: {table1: [lat_syscall, lat_fork], ctx: [2p0k], mem_size_mb: [], budget_ms: 20, reps: 3}
repetitions: {min: 3, max: 3}
`;

describe("a killed campaign", () => {
  let dir: string;
  let db: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-resume-"));
    db = join(dir, "r.duckdb");
    writeFileSync(join(dir, "plan.yaml"), PLAN);
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it("resumes without redoing finished steps or duplicating rows, and leaves no probe or scratch file of the killed one", async () => {
    const child = execa("node", [BIN, "run", "--plan", join(dir, "plan.yaml"), "--db", db], {reject: false});
    const log = await afterStep(child, 5);
    // What the campaign started (process-group.ts): its probes and its scratch folder.
    const group = readdirSync(campaignsRoot()).map((name) => join(campaignsRoot(), name)).find((path) => path.includes(`/${child.pid}-`))!;
    const {scratch} = JSON.parse(readFileSync(join(group, "owner.json"), "utf8")) as {scratch: string};
    const probes = () => readFileSync(join(group, "children"), "utf8").trim().split("\n").map((line) => (JSON.parse(line) as {pid: number}).pid);
    expect(await eventually(() => existsSync(join(group, "children")) && probes().some(running))).toBe(true);
    const started = probes();
    child.kill("SIGKILL");
    await child;
    expect(log).toMatch(/^\[5\/12\] (ok|FAIL)/m);
    // The watcher ends the probe in flight and removes the scratch folder and the group's record.
    expect(await eventually(() => !started.some(running) && !existsSync(scratch) && !existsSync(group))).toBe(true);

    const before = await stepsAndSamples(db);
    expect(before.steps).toBeGreaterThanOrEqual(5);
    expect(before.steps).toBeLessThan(12);
    expect(before.status).toBe("running");

    const resumed = await execa("node", [BIN, "run", "--resume", "--db", db]);
    expect(resumed.stderr).toContain("resuming campaign");
    // Progress counts the steps this command runs: it ends at [n/n], not at [7/12].
    const left = 12 - before.steps;
    expect(resumed.stderr).toMatch(new RegExp(`^\\[${left}/${left}\\] `, "m"));
    expect(resumed.stderr).not.toMatch(/^\[\d+\/12\]/m);
    // Failed samples (a context switch measured below its own overhead on a loaded machine) still finish their step.
    expect(resumed.stderr).toMatch(new RegExp(`${12 - before.steps} step\\(s\\) run, \\d+ failed, ${before.steps} already done`));
    const after = await stepsAndSamples(db);
    expect(after).toMatchObject({steps: 12, duplicates: 0, status: "complete"});
    // The finished steps were kept as they were, not measured again.
    expect(after.firstSamples).toEqual(before.firstSamples);

    const again = await execa("node", [BIN, "run", "--resume", "--db", db], {reject: false});
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain("no unfinished campaign");
  });
});

async function stepsAndSamples(db: string) {
  const store = await Store.open(db);
  try {
    const [steps] = await store.query(`SELECT count(*) AS n, count(*) - count(DISTINCT step_id) AS dup FROM steps JOIN runs USING (run_id) WHERE source = 'run'`);
    const [run] = await store.query(`SELECT status FROM runs WHERE source = 'run'`);
    const first = await store.query(`SELECT value FROM results WHERE source = 'run' AND step_id LIKE 'a/r0/%' ORDER BY step_id, metric, repetition`);
    return {steps: Number(steps.n), duplicates: Number(steps.dup), status: run.status, firstSamples: first.map((r) => r.value)};
  } finally {
    store.close();
  }
}
