import {execa} from "execa";
import {writeFileSync} from "node:fs";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {findAnsiblePlaybook} from "../../data-loaders/fleet/transport.ts";
import {Store} from "../../data-loaders/store/store.ts";
import {startFleet, type Fleet} from "../helpers/fleet.ts";
import {ROOT} from "../helpers/shared.ts";
import {SSHD_SKIP_REASON} from "../helpers/sshd.ts";

const BIN = join(ROOT, "bin", "vmmbench.js");
const ANSIBLE = await findAnsiblePlaybook();
if (!ANSIBLE) console.warn("[vmmbench tests] ansible-playbook is missing: the fleet test through Ansible is skipped (apt-get install -y ansible-core)");

/** One LMbench step per host and round, three rounds: nine steps, each a few seconds. */
function plan(fleet: Fleet, transport: "ansible" | "ssh"): string {
  const file = join(fleet.dir, `plan-${transport}.yaml`);
  writeFileSync(
    file,
    `name: fleet-${transport}
environments:
  - target: ansible
    inventory: fleet.ini
    group: hypervisors
    transport: ${transport}
    known_hosts_file: ${fleet.knownHosts}
suites:
  lmbench: {table1: [lat_syscall, lat_pipe], ctx: [], mem_size_mb: [], budget_ms: 20, reps: 3}
repetitions: {min: 3, max: 3}
`
  );
  return file;
}

async function steps(db: string, runId: string) {
  const store = await Store.open(db);
  try {
    return await store.query(
      `SELECT environment, step_id, status, message FROM steps WHERE run_id = $1 ORDER BY environment, step_id`,
      [runId]
    );
  } finally {
    store.close();
  }
}

async function query(db: string, sql: string, params: unknown[] = []) {
  const store = await Store.open(db);
  try {
    return await store.query(sql, params);
  } finally {
    store.close();
  }
}

describe.skipIf(SSHD_SKIP_REASON !== null)("a campaign across an inventory group of three real sshd hosts (127.0.0.2–4)", () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet(3);
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  // A dozen ansible-playbook runs (each starts Python and reads the inventory) and a resume: minutes on a loaded 2-core machine.
  it.skipIf(!ANSIBLE)("fans out through ansible-playbook; a host killed mid-step is recorded as failed, the others finish, and --resume completes it", {timeout: 360_000}, async () => {
    const db = join(fleet.dir, "ansible.duckdb");
    const child = execa("node", [BIN, "run", "--plan", plan(fleet, "ansible"), "--db", db], {reject: false, env: {VMMBENCH_QUIET: "0"}});
    let log = "";
    child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
    // Once hv2 has finished round 0, kill its sshd while its round-1 probe runs: a host that drops mid-step.
    const hv2 = fleet.hosts[1]!.sshd;
    let killedDuring = "";
    const watcher = (async () => {
      while (child.exitCode === null) {
        const probe = /hv2\/r0\//.test(log) ? hv2.sessionCommands().find((command) => command.includes("vmmbench-lat")) : undefined;
        if (probe) {
          killedDuring = probe;
          await hv2.kill();
          return;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const result = await child;
    await watcher;
    expect(killedDuring, log).toContain("/tmp/vmmbench.");
    expect(result.exitCode, log).toBe(0);
    expect(log).toMatch(/inventory hosts go through ansible-playbook \[core [\d.]+\]/);
    const runId = /campaign (\S+):/.exec(log)![1]!;

    // hv1 and hv3 ran all three rounds; hv2 its first, then failed and was recorded so.
    const before = await steps(db, runId);
    const ok = (env: string) => before.filter((s) => s.environment === env && s.status === "done").map((s) => s.step_id);
    expect(ok("hv1")).toEqual(["hv1/r0/lmbench-table1", "hv1/r1/lmbench-table1", "hv1/r2/lmbench-table1"]);
    expect(ok("hv3")).toEqual(["hv3/r0/lmbench-table1", "hv3/r1/lmbench-table1", "hv3/r2/lmbench-table1"]);
    expect(ok("hv2")).toEqual(["hv2/r0/lmbench-table1"]);
    const failed = before.filter((s) => s.environment === "hv2" && s.status === "failed");
    expect(failed.map((s) => s.step_id)).toEqual(["hv2/r1/lmbench-table1", "hv2/r2/lmbench-table1"]);
    for (const step of failed) expect(String(step.message)).toMatch(/^did not run: host hv2 unreachable (during step hv2\/r1\/lmbench-table1)?/);
    expect(log).toMatch(/not measured: hv2: host hv2 unreachable.*vmmbench run --resume/);
    const environments = await query(db, `SELECT environment, launch, json_extract_string(extra, '$.transport') AS transport, json_extract_string(extra, '$.fleet_group') AS grp FROM environments WHERE run_id = $1 ORDER BY 1`, [runId]);
    expect(environments.map((e) => e.environment)).toEqual(["hv1", "hv2", "hv3"]);
    for (const e of environments) expect(e).toMatchObject({transport: expect.stringMatching(/^ansible-playbook/), grp: "hypervisors", launch: expect.stringContaining("ansible-playbook")});
    // The Table 1 samples; the meters riding along (docs/meters.md) are counted by their own tests.
    const kept = await query(db, `SELECT step_id, metric, repetition, value FROM results WHERE run_id = $1 AND environment <> 'hv2' AND suite <> 'meters' ORDER BY ALL`, [runId]);
    expect(kept.length).toBe(2 * 3 * 2 * 3);

    // The host comes back; resuming runs only what it missed.
    await hv2.restart();
    const resumed = await execa("node", [BIN, "run", "--resume", runId, "--db", db], {reject: false});
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain("2 step(s) that did not run before will be tried again");
    expect(resumed.stderr).toMatch(/2 step\(s\) run, 0 failed, 7 already done/);
    const after = await steps(db, runId);
    expect(after.filter((s) => s.status === "done").length).toBe(9);
    const perHost = await query(db, `SELECT environment, count(DISTINCT step_id) AS steps, count(*) AS samples, count(DISTINCT metric) AS metrics FROM results WHERE run_id = $1 AND status = 'ok' AND suite <> 'meters' GROUP BY 1 ORDER BY 1`, [runId]);
    expect(perHost).toEqual(["hv1", "hv2", "hv3"].map((environment) => ({environment, steps: 3, samples: 18, metrics: 2})));
    // What hv1 and hv3 measured before is kept as it was, not measured again.
    expect(await query(db, `SELECT step_id, metric, repetition, value FROM results WHERE run_id = $1 AND environment <> 'hv2' AND suite <> 'meters' ORDER BY ALL`, [runId])).toEqual(kept);
  });

  it("goes through vmmbench's own SSH target where the plan (or a controller without ansible-playbook) says so", async () => {
    const db = join(fleet.dir, "ssh.duckdb");
    const result = await execa("node", [BIN, "run", "--plan", plan(fleet, "ssh"), "--db", db], {reject: false});
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain("inventory hosts go through vmmbench's SSH target");
    const runId = /campaign (\S+):/.exec(result.stderr)![1]!;
    const perHost = await query(
      db,
      `SELECT r.environment, count(DISTINCT r.step_id) AS steps, any_value(json_extract_string(e.extra, '$.transport')) AS transport
       FROM results r JOIN environments e USING (run_id, environment) WHERE r.run_id = $1 AND r.status = 'ok' GROUP BY 1 ORDER BY 1`,
      [runId]
    );
    expect(perHost).toEqual(["hv1", "hv2", "hv3"].map((environment) => ({environment, steps: 3, transport: expect.stringMatching(/^vmmbench's SSH target/)})));
  });
});
