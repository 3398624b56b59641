import {execa} from "execa";
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {Store} from "../../data-loaders/store/store.ts";
import {ROOT} from "../helpers/shared.ts";

const BIN = join(ROOT, "bin", "vmmbench.js");

describe("an environment that cannot start", () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-unrunnable-"));
    // A PATH with the compiler and node but no QEMU, as on a machine where qemu-system-x86 is not installed.
    mkdirSync(join(dir, "bin"));
    for (const tool of ["node", "gcc", "as", "ld", "uname", "cat", "sh"]) {
      const {stdout} = await execa("sh", ["-c", `command -v ${tool}`]);
      symlinkSync(stdout.trim(), join(dir, "bin", tool));
    }
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it("names what is missing, records its steps as failed and lets the other environments run", async () => {
    writeFileSync(
      join(dir, "plan.yaml"),
      `environments:
  - target: local
  - {target: qemu, label: guest}
suites:
  lmbench: {table1: [lat_syscall], ctx: [], mem_size_mb: [], budget_ms: 10, reps: 2}
repetitions: {min: 2, max: 2}
`
    );
    const db = join(dir, "u.duckdb");
    const result = await execa("node", [BIN, "run", "--plan", join(dir, "plan.yaml"), "--db", db], {env: {PATH: join(dir, "bin")}, extendEnv: false, reject: false});
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain("environment guest cannot run: qemu-system-x86_64 is missing");
    expect(result.stderr).toContain("apt-get install qemu-system-x86");
    expect(result.stderr).toMatch(/4 step\(s\) run, 2 failed/);
    const store = await Store.open(db);
    try {
      const steps = await store.query(`SELECT environment, steps.status, count(*) AS n FROM steps JOIN runs USING (run_id) WHERE source = 'run' GROUP BY ALL ORDER BY 1`);
      expect(steps).toEqual([
        {environment: "guest", status: "failed", n: 2},
        {environment: "native", status: "done", n: 2}
      ]);
      const [env] = await store.query(`SELECT launch, extra FROM environments WHERE environment = 'guest'`);
      expect(JSON.parse(String(env.extra)).error).toContain("qemu-system-x86_64 is missing");
      const failed = await store.query(`SELECT note FROM results WHERE environment = 'guest'`);
      expect(failed.every((r) => String(r.note).includes("apt-get install qemu-system-x86"))).toBe(true);
    } finally {
      store.close();
    }
  });
});
