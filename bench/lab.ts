/**
 * The `paper` preset in the nested lab (every hypervisor and native inside the lab, forced with
 * VMMBENCH_PAPER_HOST=lab): wall time, boot time of each environment, and the share of the
 * campaign spent booting. By default a reduced run — one round (repetitions min = max = 1) — whose
 * figures scale to the preset's three rounds; `--full` runs the preset as it is. The campaign runs
 * in this process with the plan's environments handed to `openTarget` (so one lab boot serves a
 * whole group from round 0); `--cli` runs `vmmbench run --plan FILE` instead.
 *
 *     npx tsx bench/lab.ts [--rounds N | --full] [--keep DIR] [--cli]
 *     npx tsx bench/lab.ts --analyse DIR     # figures of a run kept with --keep, without running
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
const dir = argv.includes("--analyse") ? argv[argv.indexOf("--analyse") + 1]! : (keep ?? mkdtempSync(join(tmpdir(), "vmmbench-bench-lab-")));
const planFile = join(dir, "paper-lab.json");
if (!argv.includes("--analyse")) writeFileSync(planFile, JSON.stringify(plan, null, 2));
const db = join(dir, "lab.duckdb");

// `--analyse DIR` prints the figures of a run kept with `--keep DIR` without running again.
const analyse = argv.includes("--analyse") ? argv[argv.indexOf("--analyse") + 1] : undefined;
let t0: number;
let wall: number;
let exitCode: number | undefined;
if (analyse) {
  ({t0, wall, exitCode} = JSON.parse(readFileSync(join(analyse, "bench.json"), "utf8")) as {t0: number; wall: number; exitCode: number});
} else {
  t0 = Date.now();
  console.log(`bench/lab: paper preset in the nested lab, ${full ? "full (stop rule of the preset)" : `${rounds} round(s)`}; plan ${planFile}`);
  process.env.VMMBENCH_LAB_TAG = `bench-lab-${t0}`;
  if (argv.includes("--cli")) {
    // Exactly `vmmbench run --plan FILE` (today the campaign does not tell the lab its peers: round 0 boots once per environment).
    const child = execa("node", [join(ROOT, "bin", "vmmbench.js"), "run", "--plan", planFile, "--db", db], {cwd: ROOT, reject: false, all: true});
    child.all!.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) if (/^lab: (booting|.* up after|Xen .* ready|.* exited)|campaign/.test(line)) console.log(`  | ${line}`);
    });
    exitCode = (await child).exitCode;
  } else {
    exitCode = await runInProcess();
  }
  wall = (Date.now() - t0) / 1000;
  writeFileSync(join(dir, "bench.json"), JSON.stringify({t0, wall, exitCode}));
}

const labels = new Set((plan.environments as Array<{label: string}>).map((e) => e.label));
const runsDir = join(cacheRoot(), "lab-runs");
const reports: BootReport[] = existsSync(runsDir)
  ? readdirSync(runsDir)
      .map((name) => join(runsDir, name, "report.json"))
      .filter((file) => existsSync(file) && statSync(file).mtimeMs >= t0)
      .map((file) => JSON.parse(readFileSync(file, "utf8")) as BootReport)
      // Other processes may boot labs meanwhile: keep this campaign's (its tag; by time and labels for older reports).
      .filter((r) => (r.tag ? r.tag === `bench-lab-${t0}` : r.launchedAt <= t0 + wall * 1000 && r.envs.every((e) => labels.has(e.label) && e.steps !== 1)))
      .sort((a, b) => a.launchedAt - b.launchedAt)
  : [];

const store = await Store.open(db);
const steps = await store.query(
  `SELECT environment, count(*)::INT AS steps, sum(duration_ms) / 1000 AS in_steps_s, count(*) FILTER (WHERE steps.status = 'failed')::INT AS failed
   FROM steps JOIN runs USING (run_id) WHERE source = 'run' GROUP BY ALL ORDER BY 1`
);
store.close();

let bootS = 0;
console.log(`\nexit ${exitCode}; wall ${(wall / 60).toFixed(1)} min for ${reports.length} lab boot(s)`);
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
if (!keep && !analyse) rmSync(dir, {recursive: true, force: true});

/** The campaign as `vmmbench run` runs it, but with the plan's environments given to openTarget (peers). */
async function runInProcess(): Promise<number> {
  const {buildProbesDetailed} = await import("../data-loaders/probes/build.ts");
  const {failureToSample, parseProbeOutput} = await import("../data-loaders/probes/parse-output.ts");
  const {createProgress} = await import("../data-loaders/campaign/progress.ts");
  const {runCampaign} = await import("../data-loaders/campaign/run.ts");
  const {openTarget} = await import("../data-loaders/campaign/targets.ts");
  const {loadPlan} = await import("../data-loaders/plan/load.ts");
  const loaded = loadPlan(planFile);
  const build = await buildProbesDetailed({});
  const probes = build.binaries as Record<string, string>;
  const store = await Store.open(db);
  try {
    const summary = await runCampaign({
      store,
      plan: loaded,
      openTarget: (spec) => openTarget(spec, probes, loaded.environments),
      parseOutput: (stdout, file) => {
        const output = parseProbeOutput(stdout, file);
        return [...output.samples, ...output.failures.map((failure) => failureToSample(failure))];
      },
      progress: createProgress(),
      unavailable: Object.fromEntries(Object.entries(build.unavailable).map(([name, why]) => [name, why?.message ?? "not built"])),
      toolVersion: "bench/lab"
    });
    console.log(`campaign ${summary.runId}: ${summary.rounds} round(s), ${summary.stepsRun} step(s), ${summary.stepsFailed} failed; ${summary.stopReason}`);
    return summary.stepsFailed > 0 ? 1 : 0;
  } finally {
    store.close();
  }
}
