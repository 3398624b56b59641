/**
 * The `paper` preset in the nested lab (every hypervisor and native inside the lab, forced with
 * VMMBENCH_PAPER_HOST=lab): wall time, boot time of each environment, and the share of the
 * campaign spent booting. By default a reduced run — one round (repetitions min = max = 1) — whose
 * figures scale to the preset's three rounds; `--full` runs the preset as it is.
 *
 *     npx tsx bench/lab.ts [--rounds N | --full] [--keep DIR]
 *
 * Boot figures come from each lab boot's report.json (.cache/lab-runs/): "lab up" is QEMU launch →
 * the lab script's first frame; for Xen boots "toolstack" adds Xen + dom0 + xenstored/xenconsoled;
 * an inner environment's boot is its start → the inner guest's HELLO (modprobe kvm_amd + QEMU +
 * guest kernel, or xl create + domU kernel). Boots that run no steps are the fingerprint boots
 * (once per group, then cached on disk with the lab root).
 */
import {execa} from "execa";
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {cacheRoot} from "../data-loaders/guest/paths.ts";
import type {BootReport} from "../data-loaders/lab/session.ts";
import {paperPreset} from "../data-loaders/plan/presets.ts";
import {Store} from "../data-loaders/store/store.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const argv = process.argv.slice(2);
const full = argv.includes("--full");
const rounds = full ? undefined : Number(argv[argv.indexOf("--rounds") + 1]) || 1;
const keep = argv.includes("--keep") ? argv[argv.indexOf("--keep") + 1] : undefined;

const plan = paperPreset({kvm: false, xen: false}) as Record<string, unknown>;
if (rounds) plan.repetitions = {...(plan.repetitions as object), min: rounds, max: rounds};
const dir = keep ?? mkdtempSync(join(tmpdir(), "vmmbench-bench-lab-"));
const planFile = join(dir, "paper-lab.json");
writeFileSync(planFile, JSON.stringify(plan, null, 2));
const db = join(dir, "lab.duckdb");

const t0 = Date.now();
console.log(`bench/lab: paper preset in the nested lab, ${full ? "full (stop rule of the preset)" : `${rounds} round(s)`}; plan ${planFile}`);
const child = execa("node", [join(ROOT, "bin", "vmmbench.js"), "run", "--plan", planFile, "--db", db], {cwd: ROOT, reject: false, all: true});
child.all!.on("data", (chunk: Buffer) => {
  for (const line of chunk.toString().split("\n")) if (/^lab: (booting|.* up after|Xen .* ready|.* exited)|campaign/.test(line)) console.log(`  | ${line}`);
});
const result = await child;
const wall = (Date.now() - t0) / 1000;

const runsDir = join(cacheRoot(), "lab-runs");
const reports: BootReport[] = existsSync(runsDir)
  ? readdirSync(runsDir)
      .map((name) => join(runsDir, name, "report.json"))
      .filter((file) => existsSync(file) && statSync(file).mtimeMs >= t0)
      .map((file) => JSON.parse(readFileSync(file, "utf8")) as BootReport)
      .sort((a, b) => a.launchedAt - b.launchedAt)
  : [];

const store = await Store.open(db);
const steps = await store.query(
  `SELECT environment, count(*)::INT AS steps, sum(duration_ms) / 1000 AS in_steps_s, count(*) FILTER (WHERE status = 'failed')::INT AS failed
   FROM steps JOIN runs USING (run_id) WHERE source = 'run' GROUP BY ALL ORDER BY 1`
);
store.close();

let bootS = 0;
console.log(`\nexit ${result.exitCode}; wall ${(wall / 60).toFixed(1)} min for ${reports.length} lab boot(s)`);
console.log("boot | group      | steps | lab up s | Xen toolstack s | inner boots (s)                                 | boot s | total s");
for (const [i, r] of reports.entries()) {
  const inner = r.envs.map((e) => (e.startS !== null && e.helloS !== null ? e.helloS - e.startS : 0));
  const labBoot = r.xen ? (r.xenReadyS ?? r.labUpS ?? r.totalS) : (r.labUpS ?? r.totalS);
  const stepsInBoot = r.envs.reduce((s, e) => s + e.steps, 0);
  // A boot without steps (fingerprints) is all boot.
  const booting = stepsInBoot === 0 ? r.totalS : labBoot + inner.reduce((s, x) => s + x, 0);
  bootS += booting;
  console.log(
    `${String(i + 1).padStart(4)} | ${r.group.padEnd(10)} | ${String(stepsInBoot).padStart(5)} | ${(r.labUpS ?? NaN).toFixed(1).padStart(8)} | ${(r.xen ? (r.xenReadyS ?? NaN).toFixed(1) : "-").padStart(15)} | ${r.envs
      .map((e, k) => `${e.label.replace(/^lab-/, "")} ${inner[k]!.toFixed(1)}`)
      .join(", ")
      .padEnd(47)} | ${booting.toFixed(1).padStart(6)} | ${r.totalS.toFixed(1).padStart(7)}${r.killed ? `  KILLED: ${r.killed}` : ""}`
  );
}
const inSteps = steps.reduce((s, row) => s + Number(row.in_steps_s), 0);
console.log(`\nper environment (time inside steps, as the guests measured it):`);
for (const row of steps) console.log(`  ${String(row.environment).padEnd(18)} ${row.steps} steps, ${Number(row.in_steps_s).toFixed(0)} s, ${row.failed} failed`);
console.log(`\nwall ${wall.toFixed(0)} s; booting ${bootS.toFixed(0)} s (${((bootS / wall) * 100).toFixed(0)}% of the campaign); inside steps ${inSteps.toFixed(0)} s (${((inSteps / wall) * 100).toFixed(0)}%); rest ${(wall - bootS - inSteps).toFixed(0)} s (probe/image builds, store, shutdowns)`);
if (rounds) {
  const fingerprint = reports.filter((r) => r.envs.every((e) => e.steps === 0)).reduce((s, r) => s + r.totalS, 0);
  const perRound = (wall - fingerprint) / rounds;
  console.log(`per round ≈ ${(perRound / 60).toFixed(1)} min; the preset's 3 rounds (its minimum) ≈ ${((fingerprint + 3 * perRound) / 60).toFixed(0)} min, 5 rounds (its maximum) ≈ ${((fingerprint + 5 * perRound) / 60).toFixed(0)} min`);
}
if (!keep) rmSync(dir, {recursive: true, force: true});
