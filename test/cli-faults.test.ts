/**
 * The CLI under faults and hostile use (issue 15), end to end as a user runs it: each case gets
 * one line on stderr that says what is wrong and what to do, the documented exit status, and
 * never a stack trace. Cases that need a full disk mount a small tmpfs and run only as root.
 */
import {execa, type ResultPromise} from "execa";
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {sha256} from "../data-loaders/store/raw.ts";
import {holdDatabase} from "./helpers/hold.ts";
import {afterStep} from "./helpers/processes.ts";
import {ROOT} from "./helpers/shared.ts";

const BIN = join(ROOT, "bin", "vmmbench.js");
const IS_ROOT = process.getuid?.() === 0;

interface Result {
  stdout: string;
  stderr: string;
  exitCode: number | undefined;
}

const vmmbench = (args: string[], env: Record<string, string> = {}): Promise<Result> =>
  execa("node", [BIN, ...args], {cwd: ROOT, reject: false, timeout: 300_000, env: {FORCE_COLOR: "0", ...env}}) as Promise<Result>;

/** The command failed with `exitCode` and said so in one line matching `message`, with no stack trace. */
function failsWith(result: Result, exitCode: number, message: RegExp): void {
  expect(result.stderr).not.toMatch(/^\s+at |Node\.js v\d|Unhandled|node:internal/m);
  const last = result.stderr.trimEnd().split("\n").at(-1)!;
  expect(last).toMatch(message);
  expect(result.exitCode, result.stderr).toBe(exitCode);
}

const PLAN = (environments: string, extra = "") => `name: faults
environments:
${environments}
suites:
  lmbench: {table1: [lat_syscall, lat_fork], ctx: [], mem_size_mb: [], budget_ms: 20, reps: 3}
repetitions: {min: 1, max: 1}
${extra}`;

describe("vmmbench under faults and hostile use", () => {
  let dir: string;
  let db: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-faults-"));
    chmodSync(dir, 0o755);
    db = join(dir, "v.duckdb");
    // Two labels that sanitise to the same folder name once overwrote each other's raw files.
    writeFileSync(join(dir, "plan.yaml"), PLAN(`  - {target: local, label: "x y"}\n  - {target: local, label: x-y}`));
    const run = await vmmbench(["run", "--plan", join(dir, "plan.yaml"), "--db", db]);
    expect(run.exitCode, run.stderr).toBe(0);
  }, 300_000);
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  const count = async (sql: string) => Number(JSON.parse((await vmmbench(["sql", sql, "--db", db, "--format", "json"])).stdout)[0].n);

  it("records a guest too small to boot as failed with the memory it needs, and measures the rest", async () => {
    const small = join(dir, "small.duckdb");
    writeFileSync(join(dir, "small.yaml"), PLAN("  - {target: local}\n  - {target: qemu, label: tcg-128, accel: tcg, memory_mb: 128}"));
    const run = await vmmbench(["run", "--plan", join(dir, "small.yaml"), "--db", small]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stderr).toMatch(/^not measured: tcg-128: memory_mb 128 is too little to boot the guest image: .*give it memory_mb: \d+ or more\./m);
    const rows = JSON.parse((await vmmbench(["sql", "select environment, status, count(*) n from results where source = 'run' group by all order by 1", "--db", small, "--format", "json"])).stdout);
    expect(rows).toEqual([{environment: "native", status: "ok", n: expect.any(Number)}, {environment: "tcg-128", status: "failed", n: 1}]);
    const env = JSON.parse((await vmmbench(["sql", "select launch, extra from environments where environment = 'tcg-128'", "--db", small, "--format", "json"])).stdout)[0];
    expect(env.launch).toBe("qemu (did not start)");
    expect(JSON.parse(env.extra)).toMatchObject({status: "did not start", error: expect.stringMatching(/^memory_mb 128 is too little/)});
  });

  it("keeps every raw output of labels that look alike, each with the bytes its sha256 names", async () => {
    const rows = JSON.parse((await vmmbench(["sql", "select path, sha256 from raw_outputs join runs using (run_id) where source = 'run'", "--db", db, "--format", "json"])).stdout) as {path: string; sha256: string}[];
    expect(new Set(rows.map((r) => r.path.split("/")[2])).size).toBe(2);
    expect(new Set(rows.map((r) => r.path)).size).toBe(rows.length);
    for (const row of rows) expect(sha256(readFileSync(join(dir, row.path)))).toBe(row.sha256);
  });

  it("opens the database read-only for sql, and lets no query reach files, the network or extensions", async () => {
    const samples = await count("select count(*) n from samples");
    failsWith(await vmmbench(["sql", "drop table samples", "--db", db]), 1, /^vmmbench: error: query failed: .*read-only mode.*\(the database is opened read-only; add --write to change it\)$/);
    for (const query of [`copy samples to '${join(dir, "out.csv")}'`, `attach '${join(dir, "other.duckdb")}'`, "select * from read_text('/etc/shadow')", "install httpfs"]) {
      failsWith(await vmmbench(["sql", query, "--db", db, "--write"]), 1, /^vmmbench: error: query failed: Permission Error: .*\(vmmbench's SQL cannot read or write files, reach the network or load extensions\)$/);
    }
    failsWith(await vmmbench(["sql", "drop table samples", "--db", db, "--write"]), 1, /^vmmbench: error: refused, nothing was changed: after this query table samples is missing$/);
    failsWith(await vmmbench(["sql", "update meta set value = '99' where key = 'schema_version'", "--db", db, "--write"]), 1, /schema version 99 where this vmmbench reads version \d+$/);
    expect(await count("select count(*) n from samples")).toBe(samples);
    expect(existsSync(join(dir, "out.csv")) || existsSync(join(dir, "other.duckdb"))).toBe(false);
  });

  it("answers a SELECT on a read-only file, as another user, and beside another reader", async () => {
    const before = sha256(readFileSync(db));
    chmodSync(db, 0o444);
    try {
      expect((await vmmbench(["sql", "select count(*) n from results", "--db", db])).exitCode).toBe(0);
      if (IS_ROOT) {
        const nobody = await execa("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "node", BIN, "sql", "select count(*) as n from results where source = 'reference'", "--db", db, "--format", "json"], {cwd: ROOT, reject: false, env: {HOME: "/nonexistent"}});
        expect(nobody.exitCode, nobody.stderr).toBe(0);
        expect(JSON.parse(nobody.stdout)[0].n).toBe(50);
      }
      const reader = await holdDatabase(db, "read");
      try {
        expect((await vmmbench(["sql", "select 1", "--db", db])).exitCode).toBe(0);
        failsWith(await vmmbench(["ingest", join(ROOT, "test", "fixtures", "lmbench", "results-2.0.txt"), "--env", "old", "--db", db]), 1, new RegExp(`^vmmbench: error: .*v\\.duckdb is in use by process ${reader.pid} \\(.*hold-database\\.ts .*\\); wait for it to finish, or pass --wait SECONDS to wait for it$`));
      } finally {
        await reader.release();
      }
    } finally {
      chmodSync(db, 0o644);
    }
    expect(sha256(readFileSync(db))).toBe(before);
  });

  it("reads a snapshot while another process writes the database, or waits for it when asked", async () => {
    const holder = await holdDatabase(db);
    try {
      const sql = await vmmbench(["sql", "select count(*) n from runs where run_id = 'held-run'", "--db", db, "--format", "csv"]);
      expect(sql.exitCode).toBe(0);
      expect(sql.stdout).toBe("n\n1");
      expect(sql.stderr).toMatch(new RegExp(`^note: .* is in use by process ${holder.pid} .*; reading a snapshot taken at \\d\\d:\\d\\d:\\d\\d \\(--wait SECONDS waits for it instead\\)$`, "m"));
      failsWith(await vmmbench(["sql", "select 1", "--db", db, "--wait", "0.5"]), 1, /is in use by process \d+ .*\(waited 0\.5 s\)/);
      failsWith(await vmmbench(["run", "--resume", "--db", db]), 1, /is in use by process \d+ .*hold-database/);
    } finally {
      await holder.release();
    }
  });

  it("names a mistyped or impossible --db instead of creating an empty database", async () => {
    failsWith(await vmmbench(["sql", "select 1", "--db", join(dir, "typo.duckdb")]), 1, /^vmmbench: error: --db .*typo\.duckdb: no database at .*typo\.duckdb \(vmmbench run or vmmbench ingest creates one; check the path\)$/);
    failsWith(await vmmbench(["site", "build", "--db", join(dir, "typo.duckdb"), "--out", join(dir, "dist")]), 1, /no database at .*typo\.duckdb/);
    expect(existsSync(join(dir, "typo.duckdb"))).toBe(false);
    writeFileSync(join(dir, "file"), "x");
    failsWith(await vmmbench(["run", "--plan", join(dir, "plan.yaml"), "--db", join(dir, "file", "v.duckdb")]), 1, /\/file is a file, not a folder, so no database can be at/);
  });

  it("refuses labels that are too long, leave the run's folder or carry control characters, at their line", async () => {
    const cases: [string, RegExp][] = [
      ["x".repeat(300), /bad\.yaml:4: environments\.0\.label: expected a label of 1 to 64 characters/],
      ["..", /expected a label .* and not "\." or "\.\.", found "\.\."$/],
      ["red\u001b[31mlabel", /found "red\\u001b\[31mlabel"$/],
      ["two\nlines", /found "two\\nlines"$/]
    ];
    for (const [label, message] of cases) {
      writeFileSync(join(dir, "bad.yaml"), PLAN(`  - target: local\n    label: ${JSON.stringify(label)}`));
      const result = await vmmbench(["run", "--plan", join(dir, "bad.yaml"), "--db", join(dir, "bad.duckdb")]);
      failsWith(result, 2, message);
      expect(result.stderr).not.toContain("\u001b");
    }
    failsWith(await vmmbench(["ingest", join(dir, "plan.yaml"), "--env", "a\u001b]0;title\u0007", "--db", join(dir, "bad.duckdb")]), 2, /^vmmbench: error: --env: expected a label .*found "a\\u001b\]0;title\\u0007"$/);
    expect(existsSync(join(dir, "bad.duckdb"))).toBe(false);
  });

  it("refuses YAML alias bombs in plans and manifests, and files too big to read as text, naming the file", async () => {
    const levels = "abcdefghi".split("").map((name, i) => `${name}: &${name} [${i === 0 ? Array(9).fill('"lol"').join(",") : Array(9).fill(`*${"abcdefghi"[i - 1]}`).join(",")}]`);
    writeFileSync(join(dir, "bomb.yaml"), `${levels.join("\n")}\nenvironments: [{target: local}]\nsuites: {lmbench: {}}\nfiles: []\n`);
    failsWith(await vmmbench(["run", "--plan", join(dir, "bomb.yaml"), "--db", join(dir, "bomb.duckdb")]), 2, /bomb\.yaml: expected at most 100 alias expansions/);
    failsWith(await vmmbench(["ingest", "--manifest", join(dir, "bomb.yaml"), "--db", join(dir, "bomb.duckdb")]), 2, /bomb\.yaml: expected at most 100 alias expansions/);
    const big = join(dir, "huge", "iozone.txt");
    mkdirSync(join(dir, "huge"));
    writeFileSync(big, "");
    truncateSync(big, 600 * 2 ** 20); // sparse: nothing is written
    failsWith(await vmmbench(["ingest", join(dir, "huge"), "--env", "big", "--db", join(dir, "bomb.duckdb")]), 2, /huge\/iozone\.txt: 600 MiB, more than the 512 MiB a text file can be read as; split it/);
    rmSync(join(dir, "huge"), {recursive: true});
  });

  it("ingests a folder holding a file whose name is not UTF-8", async () => {
    const folder = join(dir, "latin1");
    mkdirSync(folder);
    const name = Buffer.concat([Buffer.from(join(folder, "r")), Buffer.from([0xe9]), Buffer.from("sultats.txt")]);
    writeFileSync(name, readFileSync(join(ROOT, "test", "fixtures", "lmbench", "results-2.0.txt")));
    const result = await vmmbench(["ingest", folder, "--env", "latin1", "--db", db]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/ingested 1 file\(s\)/);
    expect(await count("select count(*) n from steps where step_id = '0000:latin1:r\\xe9sultats.txt'")).toBe(1);
  });

  it("accepts --db everywhere, refuses --plan with --resume, and stops quietly when its reader leaves", async () => {
    expect((await vmmbench(["lab", "info", "--db", db])).exitCode).toBe(0);
    failsWith(await vmmbench(["run", "--resume", "--plan", "quick", "--db", db]), 2, /^vmmbench: error: --plan with --resume: a resumed campaign runs the plan it started with/);
    const piped = await execa("sh", ["-c", `node ${BIN} sql "select * from range(200000)" --db ${db} | head -1`], {cwd: ROOT, reject: false});
    expect(piped.stdout).toBe("range");
    expect(piped.stderr).toBe("");
  });

  it("stops a campaign on Ctrl-C with what it kept and how to resume, and the resume completes it", async () => {
    const slow = join(dir, "slow.duckdb");
    writeFileSync(join(dir, "slow.yaml"), PLAN("  - {target: local}").replace("repetitions: {min: 1, max: 1}", "repetitions: {min: 3, max: 3}"));
    const child: ResultPromise = execa("node", [BIN, "run", "--plan", join(dir, "slow.yaml"), "--db", slow], {cwd: ROOT, reject: false, env: {FORCE_COLOR: "0"}});
    await afterStep(child, 1);
    child.kill("SIGINT");
    const stopped = (await child) as unknown as Result;
    failsWith(stopped, 130, /^vmmbench: interrupted: campaign (\S+) stopped \(SIGINT\); the \d step\(s\) it finished this time are stored; continue it with: vmmbench run --resume \1$/);
    const resumed = await vmmbench(["run", "--resume", "--db", slow]);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/3 round\(s\), \d step\(s\) run, \d+ failed, \d already done/);
  });

  describe.runIf(IS_ROOT)("on a full disk (a 32 MB tmpfs, filled while the command runs)", () => {
    let mnt: string;
    beforeAll(async () => {
      mnt = join(dir, "mnt");
      mkdirSync(mnt);
      await execa("mount", ["-t", "tmpfs", "-o", "size=32m", "tmpfs", mnt]);
    });
    afterAll(async () => {
      await execa("umount", [mnt], {reject: false});
    });
    const fill = () => execa("sh", ["-c", `dd if=/dev/zero of=${join(mnt, "fill")} bs=1M 2>/dev/null; true`]);

    it("stops a campaign with where and what to do, loses nothing it stored and resumes to the end", async () => {
      const full = join(mnt, "v.duckdb");
      writeFileSync(join(dir, "three.yaml"), PLAN("  - {target: local}").replace("repetitions: {min: 1, max: 1}", "repetitions: {min: 3, max: 3}"));
      const child = execa("node", [BIN, "run", "--plan", join(dir, "three.yaml"), "--db", full], {cwd: ROOT, reject: false, env: {FORCE_COLOR: "0"}});
      await afterStep(child, 2);
      await fill();
      failsWith((await child) as unknown as Result, 1, new RegExp(`^vmmbench: error: campaign (\\S+) stopped: no space left .*; the \\d step\\(s\\) it finished this time are stored; free some space \\(df -h ${mnt}\\), then: vmmbench run --resume \\1$`));
      // A SELECT needs no space: readers write nothing.
      const select = await vmmbench(["sql", "select count(*) n from steps", "--db", full]);
      expect(select.exitCode, select.stderr).toBe(0);
      failsWith(await vmmbench(["ingest", join(ROOT, "test", "fixtures", "lmbench"), "--env", "old", "--db", full]), 1, /^vmmbench: error: ingest stopped and stored nothing \(it is all or nothing\): no space left .*; free some space \(df -h .*\), then run it again$/);
      rmSync(join(mnt, "fill"));
      const resumed = await vmmbench(["run", "--resume", "--db", full]);
      expect(resumed.exitCode, resumed.stderr).toBe(0);
      const steps = JSON.parse((await vmmbench(["sql", "select count(*) n, count(distinct step_id) d from steps join runs using (run_id) where source = 'run'", "--db", full, "--format", "json"])).stdout)[0];
      expect(steps).toEqual({n: 3, d: 3});
      // Nothing of the stopped step stayed behind in the run's folder.
      const runDir = join(mnt, "runs", readdirSync(join(mnt, "runs"))[0]!, "native");
      const stored = JSON.parse((await vmmbench(["sql", "select count(*) n from raw_outputs join runs using (run_id) where source = 'run'", "--db", full, "--format", "json"])).stdout)[0].n;
      expect(readdirSync(runDir).length).toBe(stored);
    });
  });

  it("keeps the last good report when a site build fails", async () => {
    const out = join(dir, "site");
    mkdirSync(out);
    writeFileSync(join(out, "index.html"), "the last good report");
    failsWith(await vmmbench(["site", "build", "--db", join(dir, "missing.duckdb"), "--out", out]), 1, /no database at/);
    expect(readFileSync(join(out, "index.html"), "utf8")).toBe("the last good report");
    expect(readdirSync(dir).filter((name) => name.startsWith(".site.build-"))).toEqual([]);
  });
});
