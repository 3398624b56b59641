/**
 * Wall time of the README's main campaign (`vmmbench run --plan quick`: native + a QEMU guest, all
 * three suites), and where it goes: time inside steps per environment vs. the rest (guest boots,
 * probe builds, store writes). Target (issue 5): ≤ 5 minutes on 2 cores.
 *
 *     npx tsx bench/quick-plan.ts [--runs 1]
 */
import {execa} from "execa";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {median} from "../data-loaders/stats.ts";
import {Store} from "../data-loaders/store/store.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 1;
const walls: number[] = [];
for (let r = 0; r < runs; r++) {
  const dir = mkdtempSync(join(tmpdir(), "vmmbench-bench-quick-"));
  try {
    const db = join(dir, "q.duckdb");
    const start = performance.now();
    await execa("node", [join(ROOT, "bin", "vmmbench.js"), "run", "--plan", "quick", "--db", db], {cwd: ROOT, reject: false});
    const wall = (performance.now() - start) / 1000;
    walls.push(wall);
    const store = await Store.open(db);
    const rows = await store.query(
      `SELECT environment, count(*) AS steps, sum(duration_ms) / 1000 AS in_steps_s, count(*) FILTER (WHERE steps.status = 'failed') AS failed
       FROM steps JOIN runs USING (run_id) WHERE source = 'run' GROUP BY ALL ORDER BY 1`
    );
    store.close();
    const inSteps = rows.reduce((s, row) => s + Number(row.in_steps_s), 0);
    console.log(`run ${r + 1}: ${wall.toFixed(1)} s wall (target ≤ 300 s); ${inSteps.toFixed(1)} s inside steps, ${(wall - inSteps).toFixed(1)} s (${(((wall - inSteps) / wall) * 100).toFixed(0)}%) outside them: boots, builds, store`);
    for (const row of rows) console.log(`  ${String(row.environment).padEnd(10)} ${row.steps} steps, ${Number(row.in_steps_s).toFixed(1)} s in steps, ${row.failed} failed`);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}
if (runs > 1) console.log(`median wall ${median(walls).toFixed(1)} s over ${runs} runs`);
