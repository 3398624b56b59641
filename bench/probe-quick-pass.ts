/**
 * Runs the built-in probes' quick plan natively and prints the wall time per probe and in all.
 * Usage: npx tsx bench/probe-quick-pass.ts [quick|full] [--dir DIR]
 */
import {spawnSync} from "node:child_process";
import {buildProbesDetailed} from "../data-loaders/probes/build.ts";
import {planSteps, type PlanName} from "../data-loaders/probes/catalog.ts";
import {parseProbeOutput} from "../data-loaders/probes/parse-output.ts";

async function main(): Promise<void> {
  const plan = (process.argv[2] ?? "quick") as PlanName;
  const dirIdx = process.argv.indexOf("--dir");
  const dir = dirIdx > 0 ? process.argv[dirIdx + 1] : undefined;
  const t0 = Date.now();
  const build = await buildProbesDetailed({log: (m) => console.error(m)});
  const tBuild = Date.now() - t0;
  for (const [name, err] of Object.entries(build.unavailable)) console.error(`${name} unavailable: ${err?.message}`);
  const steps = planSteps(plan, {dir, probes: Object.keys(build.binaries) as never});
  let total = 0;
  for (const step of steps) {
    const bin = build.binaries[step.probe as keyof typeof build.binaries]!;
    const s = Date.now();
    const r = spawnSync(bin, step.args, {encoding: "utf8", timeout: step.timeoutS * 1000, maxBuffer: 64 << 20});
    const ms = Date.now() - s;
    total += ms;
    const out = parseProbeOutput(r.stdout ?? "", step.id);
    console.log(`${step.probe.padEnd(18)} ${(ms / 1000).toFixed(1).padStart(6)} s  rc=${r.status} samples=${out.samples.length} failures=${out.failures.length}`);
    for (const f of out.failures) console.log(`   failure: ${f.metric} ${JSON.stringify(f.params)} ${f.message}`);
  }
  console.log(`build ${(tBuild / 1000).toFixed(1)} s, probes ${(total / 1000).toFixed(1)} s, total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
