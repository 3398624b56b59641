/**
 * Checks that the plans' probe arguments are accepted by the probes (--dry-run).
 * Usage: npx tsx bench/probe-check-presets.ts [plan-name-or-file ...]   (default: quick full)
 */
import {spawnSync} from "node:child_process";
import {buildProbes} from "../data-loaders/probes/build.ts";
import {stepTemplates} from "../data-loaders/campaign/steps.ts";
import {loadPlan} from "../data-loaders/plan/load.ts";

async function main(): Promise<void> {
  const bins = await buildProbes();
  const names = process.argv.slice(2).length ? process.argv.slice(2) : ["quick", "full"];
  for (const name of names) {
    let plan;
    try {
      plan = loadPlan(name);
    } catch (e) {
      console.log(`${name}: ${(e as Error).message}`);
      continue;
    }
    for (const step of stepTemplates(plan)) {
      const r = spawnSync(bins[step.probe], [...step.args, "--dry-run"], {encoding: "utf8"});
      console.log(`${name} ${step.name}: rc=${r.status} ${r.status ? r.stderr.split("\n")[0] : ""} ${step.args.join(" ")}`);
    }
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
