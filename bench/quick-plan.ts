/**
 * Wall time of the README's main command (`npm run report`: `vmmbench run --plan quick`, then the
 * site build) and where it goes, from the command's own log lines timed as they arrive:
 *   build    probes compiled and the host checked (guest image, KVM boot check), until the campaign starts
 *   prepare  guest images and the lab root built before the first step (the lab root is the cold cost)
 *   boot     everything between steps: guest and lab boots, inner guests starting, store writes
 *   measure  time inside steps (the steps table)
 *   site     `vmmbench site build`
 * Targets (issue 12): ≤ 6 min from a cold cache on 2 cores, ≤ 4 min warm.
 *
 *     npx tsx bench/quick-plan.ts [--runs N] [--cold] [--keep DB]
 *
 * --cold gives every run a fresh empty VMMBENCH_CACHE (probes, kernel, image, lab root, KVM check
 * all rebuilt; Debian packages downloaded again). --keep copies the last run's database to DB (for
 * bench/reproduction.ts) before its folder goes.
 */
import {execa} from "execa";
import {copyFileSync, mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {median} from "../data-loaders/stats.ts";
import {Store} from "../data-loaders/store/store.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const BIN = join(ROOT, "bin", "vmmbench.js");
const arg = (name: string) => process.argv[process.argv.indexOf(name) + 1];
const runs = Number(process.argv.includes("--runs") ? arg("--runs") : 1) || 1;
const cold = process.argv.includes("--cold");
const keep = process.argv.includes("--keep") ? arg("--keep") : undefined;

interface Split {
  total: number;
  build: number;
  prepare: number;
  boot: number;
  measure: number;
  site: number;
  failed: number;
}

const splits: Split[] = [];
for (let r = 0; r < runs; r++) {
  const dir = mkdtempSync(join(tmpdir(), "vmmbench-bench-quick-"));
  const env = {...process.env, VMMBENCH_QUIET: "0", ...(cold ? {VMMBENCH_CACHE: join(dir, "cache")} : {})};
  try {
    const db = join(dir, "q.duckdb");
    const start = performance.now();
    const at = () => (performance.now() - start) / 1000;
    let campaignAt = NaN;
    let prepare = 0;
    const child = execa("node", [BIN, "run", "--plan", "quick", "--db", db], {cwd: ROOT, env, reject: false, all: true, buffer: false});
    let pending = "";
    child.all!.on("data", (chunk: Buffer) => {
      pending += chunk.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith("starting campaign")) campaignAt = at();
        const prepared = /^prepared \d+ of \d+ environment\(s\) in ([\d.]+) s/.exec(line);
        if (prepared) prepare = Number(prepared[1]);
        if (/^(host:|not measured:|environment .* cannot run)/.test(line)) console.log(`  | ${line}`);
      }
    });
    const result = await child;
    const runS = at();
    if (result.exitCode !== 0) console.log(`  run exited ${result.exitCode ?? result.signal}`);
    const siteStart = performance.now();
    // Into the run's temporary folder: a bench never replaces the user's dist/.
    await execa("node", [BIN, "site", "build", "--db", db, "--out", join(dir, "dist")], {cwd: ROOT, env, reject: false});
    const site = (performance.now() - siteStart) / 1000;
    const store = await Store.open(db);
    const [row] = await store.query(
      `SELECT sum(duration_ms) / 1000 AS measure, count(*) FILTER (WHERE steps.status = 'failed') AS failed FROM steps JOIN runs USING (run_id) WHERE source = 'run'`
    );
    const perEnv = await store.query(
      `SELECT environment, count(*) AS steps, sum(duration_ms) / 1000 AS s FROM steps JOIN runs USING (run_id) WHERE source = 'run' GROUP BY ALL ORDER BY min(steps.started_at)`
    );
    store.close();
    const measure = Number(row.measure ?? 0);
    const build = Number.isFinite(campaignAt) ? campaignAt : runS;
    const split: Split = {total: runS + site, build, prepare, boot: runS - build - prepare - measure, measure, site, failed: Number(row.failed ?? 0)};
    splits.push(split);
    console.log(
      `run ${r + 1}${cold ? " (cold cache)" : ""}: ${split.total.toFixed(0)} s in all (target ≤ ${cold ? 360 : 240} s): build ${split.build.toFixed(0)} s, prepare ${split.prepare.toFixed(0)} s, boot ${split.boot.toFixed(0)} s, measure ${split.measure.toFixed(0)} s, site ${split.site.toFixed(0)} s; ${split.failed} failed step(s)`
    );
    for (const e of perEnv) console.log(`  ${String(e.environment).padEnd(12)} ${e.steps} steps, ${Number(e.s).toFixed(1)} s in steps`);
    if (keep) copyFileSync(db, keep);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}
if (runs > 1) {
  const m = (key: keyof Split) => median(splits.map((s) => s[key])).toFixed(0);
  console.log(`median of ${runs}: ${m("total")} s in all: build ${m("build")}, prepare ${m("prepare")}, boot ${m("boot")}, measure ${m("measure")}, site ${m("site")}`);
}
