import {execa} from "execa";
import {existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {ROOT} from "./helpers/shared.ts";

const BIN = join(ROOT, "bin", "vmmbench.js");
const vmmbench = (args: string[], options: {reject?: boolean; timeout?: number} = {}) =>
  execa("node", [BIN, ...args], {cwd: ROOT, reject: options.reject ?? false, timeout: options.timeout ?? 300_000, env: {FORCE_COLOR: "0"}});

// Table 1 and two context-switch cells with tiny budgets: the CLI's whole path in a few seconds.
const SMALL_PLAN = `name: cli-test
environments:
  - target: local
suites:
  lmbench:
    ctx: [2p16k]
    mem_size_mb: [4]
    budget_ms: 10
    reps: 3
repetitions: {min: 1, max: 1}
step_timeout_s: 120
`;

describe("vmmbench CLI end to end", () => {
  let dir: string;
  let db: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-cli-"));
    db = join(dir, "results.duckdb");
    writeFileSync(join(dir, "plan.yaml"), SMALL_PLAN);
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it("lists its commands with examples", async () => {
    const {stdout, exitCode} = await vmmbench(["--help"]);
    expect(exitCode).toBe(0);
    for (const command of ["run", "ingest", "sql", "image", "site"]) expect(stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    expect(stdout).toContain("vmmbench run --plan quick");
    expect((await vmmbench(["run", "--help"])).stdout).toContain("--resume");
  });

  it("runs a campaign into the database and keeps every raw output", async () => {
    const result = await vmmbench(["run", "--plan", join(dir, "plan.yaml"), "--db", db]);
    expect(result.stderr).toMatch(/campaign \S+: 1 round\(s\)/);
    expect(result.exitCode).toBe(0);
    // Not a terminal: one plain progress line per step.
    expect(result.stderr).toMatch(/^\[1\/\d+\] ok {3}native\/r0\//m);

    const count = await vmmbench(["sql", "select count(distinct metric) as n from results where source='run' and environment='native'", "--db", db, "--format", "json"]);
    expect(JSON.parse(count.stdout)[0].n).toBeGreaterThanOrEqual(9);

    const raw = await vmmbench(["sql", "select r.path, r.sha256 from raw_outputs r join runs using (run_id) where source='run'", "--db", db, "--format", "json"]);
    const files = JSON.parse(raw.stdout) as {path: string}[];
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) expect(existsSync(join(dir, f.path)), f.path).toBe(true);
    const runDirs = readdirSync(join(dir, "runs"));
    expect(runDirs).toHaveLength(1);
  });

  it("prints query results as a table, CSV or JSON", async () => {
    const q = "select environment, metric, value from results where source='reference' and metric='lat_fork' order by value";
    const table = await vmmbench(["sql", q, "--db", db]);
    expect(table.stdout).toMatch(/^environment\s+metric\s+value$/m);
    expect(table.stdout).toMatch(/paper F8 on KVM-60\s+lat_fork\s+2200/);
    expect(table.stdout).toContain("(3 rows)");
    const csv = await vmmbench(["sql", q, "--db", db, "--format", "csv"]);
    expect(csv.stdout.split("\n")).toEqual(["environment,metric,value", "paper native F8,lat_fork,88.73", "paper F8 on Xen 3.1,lat_fork,1511.5", "paper F8 on KVM-60,lat_fork,2200"]);
  });

  it("fails clearly on bad input and exits non-zero", async () => {
    const unknown = await vmmbench(["frobnicate"]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const badFlag = await vmmbench(["sql", "select 1", "--colour", "red", "--db", db]);
    expect(badFlag.exitCode).toBe(2);
    expect(badFlag.stderr).toMatch(/Unknown option '--colour'.*accepted: --format, --write, --db, --wait/);
    const badSql = await vmmbench(["sql", "select nope from results", "--db", db]);
    expect(badSql.exitCode).toBe(1);
    expect(badSql.stderr).toMatch(/query failed: .*nope/);
    writeFileSync(join(dir, "bad.yaml"), "environments:\n  - target: local\nsuites:\n  lmbench:\n    budget_ms: fast\n");
    const badPlan = await vmmbench(["run", "--plan", join(dir, "bad.yaml"), "--db", db]);
    expect(badPlan.exitCode).toBe(2);
    expect(badPlan.stderr).toMatch(/bad\.yaml:5: suites\.lmbench\.budget_ms: expected an integer/);
  });
});
