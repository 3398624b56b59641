/**
 * What metering costs (docs/meters.md): the same LMbench Table 1 step with meters and without, in
 * the same campaign, environments in rotating order so that each round runs both back to back
 * (in the lab both ride one boot). Per Table 1 metric: the median with meters over the median
 * without, with its 95% bootstrap interval (data-loaders/report/bootstrap.ts), and the step's wall
 * time with and without. The project's rule: meters may cost at most 5% on any Table 1 metric, or
 * they are taken per cell instead of per repetition (`meters: cell`) — run `--mode cell` to see
 * what that buys.
 *
 *     npx tsx bench/meters.ts [--rounds 5] [--lab] [--mode rep|cell] [--keep DIR]
 *
 * Native pairs always; `--lab` adds the nested lab's KVM (shadow paging), Xen PV and Xen PVH pairs
 * (two lab boots per round, a few minutes each on 2 cores).
 */
import {execa} from "execa";
import {mkdirSync, mkdtempSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {groupReplicates, percentileInterval, ratioReplicates} from "../data-loaders/report/bootstrap.ts";
import {median} from "../data-loaders/stats.ts";
import {TABLE1_METRICS} from "../data-loaders/suites/lmbench/options.ts";
import {Store} from "../data-loaders/store/store.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const argv = process.argv.slice(2);
const option = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const rounds = Number(option("--rounds") ?? 5);
const mode = option("--mode") ?? "rep";
const lab = argv.includes("--lab");
const keep = option("--keep");
const dir = keep ? (mkdirSync(keep, {recursive: true}), keep) : mkdtempSync(join(tmpdir(), "vmmbench-bench-meters-"));

const pair = (label: string, env: Record<string, unknown>) => [{...env, label, meters: mode}, {...env, label: `${label}-off`, meters: "off"}];
const environments = [
  ...pair("native", {target: "local"}),
  ...(lab
    ? [
        ...pair("lab-kvm", {target: "lab", inner: "kvm", paging: "shadow", vcpus: 1, lab_vcpus: 1, memory_mb: 512, disk_mb: 0}),
        ...pair("lab-xen-pv", {target: "lab", inner: "xen-pv", vcpus: 1, memory_mb: 512, disk_mb: 0}),
        ...pair("lab-xen-pvh", {target: "lab", inner: "xen-pvh", vcpus: 1, memory_mb: 512, disk_mb: 0})
      ]
    : [])
];
const plan = {
  name: "meters-overhead",
  environments,
  // The quick preset's Table 1 step.
  suites: {lmbench: {table1: [...TABLE1_METRICS], ctx: [], mem_size_mb: [], budget_ms: 50, reps: 5}},
  repetitions: {min: rounds, max: rounds},
  step_timeout_s: 900
};
const planFile = join(dir, "meters-overhead.json");
writeFileSync(planFile, JSON.stringify(plan, null, 2));
const db = join(dir, "meters.duckdb");
console.log(`bench/meters: Table 1 with meters (${mode}) and without, ${rounds} round(s), ${environments.length / 2} pair(s); plan ${planFile}`);
const started = Date.now();
const run = await execa("node", [join(ROOT, "bin", "vmmbench.js"), "run", "--plan", planFile, "--db", db], {cwd: ROOT, reject: false, all: true});
if (run.exitCode !== 0) {
  console.error(String(run.all).slice(-3000));
  process.exit(1);
}
console.log(`campaign: ${((Date.now() - started) / 60000).toFixed(1)} min wall (the machine is shared: medians over ${rounds} round(s))\n`);

const store = await Store.open(db);
const rows = await store.query(
  `SELECT environment, metric, list(value ORDER BY value) AS vals FROM results
   WHERE source = 'run' AND suite = 'lmbench' AND status = 'ok' GROUP BY ALL`
);
const durations = await store.query(`SELECT environment, list(duration_ms ORDER BY duration_ms) AS ms FROM steps JOIN runs USING (run_id) WHERE source = 'run' AND steps.status = 'done' GROUP BY ALL`);
store.close();
const values = new Map(rows.map((r) => [`${r.environment} ${r.metric}`, (r.vals as number[]).map(Number)]));
const stepMs = new Map(durations.map((r) => [String(r.environment), (r.ms as number[]).map(Number)]));

let worst = {overhead: -Infinity, what: ""};
const provenWorse: string[] = [];
const unsure: string[] = [];
for (const base of environments.filter((e) => !String(e.label).endsWith("-off")).map((e) => String(e.label))) {
  console.log(`${base} (meters ${mode}) against ${base}-off: median µs per operation, n = repetitions`);
  console.log("  metric            n   with        without     overhead  95% CI");
  for (const metric of TABLE1_METRICS) {
    const a = values.get(`${base} ${metric}`);
    const b = values.get(`${base}-off ${metric}`);
    if (!a?.length || !b?.length) {
      console.log(`  ${metric.padEnd(16)}  not measured in both`);
      continue;
    }
    const ratio = median(a)! / median(b)!;
    const ci = percentileInterval(ratioReplicates(groupReplicates(`${base} ${metric} with`, a, a.length), groupReplicates(`${base} ${metric} without`, b, b.length)));
    const pct = (x: number) => `${x >= 1 ? "+" : ""}${((x - 1) * 100).toFixed(1)}%`;
    console.log(`  ${metric.padEnd(16)} ${String(Math.min(a.length, b.length)).padStart(3)}  ${median(a)!.toPrecision(4).padEnd(10)}  ${median(b)!.toPrecision(4).padEnd(10)}  ${pct(ratio).padStart(7)}  [${pct(ci.low)}, ${pct(ci.high)}]`);
    if (ratio - 1 > worst.overhead) worst = {overhead: ratio - 1, what: `${base} ${metric}`};
    if (ci.low > 1.05) provenWorse.push(`${base} ${metric}`);
    else if (ci.high > 1.05) unsure.push(`${base} ${metric}`);
  }
  const [w, wo] = [stepMs.get(base) ?? [], stepMs.get(`${base}-off`) ?? []];
  if (w.length && wo.length) console.log(`  step wall time   ${String(Math.min(w.length, wo.length)).padStart(3)}  ${(median(w)! / 1000).toFixed(1)} s      ${(median(wo)! / 1000).toFixed(1)} s      ${`${((median(w)! / median(wo)! - 1) * 100).toFixed(0)}%`.padStart(7)}`);
  console.log("");
}
console.log(`largest point estimate: ${(worst.overhead * 100).toFixed(1)}% (${worst.what}); metrics whose whole 95% interval lies above +5%: ${provenWorse.length ? provenWorse.join(", ") : "none"}`);
console.log(
  provenWorse.length
    ? "rule: over 5% — take meters per cell (meters: cell) for these environments"
    : unsure.length
      ? `rule: can't tell — the 95% interval reaches above +5% for ${unsure.length} metric(s) (${unsure.join(", ")}); more rounds or a quieter machine`
      : "rule: within 5% on every metric (every 95% interval below +5%) — meters stay per repetition"
);
console.log(`kept in ${dir}`);
