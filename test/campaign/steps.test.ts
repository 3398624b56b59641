import {spawnSync} from "node:child_process";
import {describe, expect, it} from "vitest";
import {stepTemplates} from "../../data-loaders/campaign/steps.ts";
import {loadPlan} from "../../data-loaders/plan/load.ts";
import {PRESET_NAMES} from "../../data-loaders/plan/presets.ts";
import {buildProbes} from "../../data-loaders/probes/build.ts";

describe("plan steps", () => {
  it("turns every preset into probe arguments the probes accept (--dry-run)", async () => {
    const bins = await buildProbes();
    const hosts = [{kvm: false, xen: false}, {kvm: true, xen: true}];
    for (const plan of PRESET_NAMES.flatMap((name) => hosts.map((host) => loadPlan(name, host)))) {
      const name = plan.name;
      for (const env of plan.environments) {
        for (const step of stepTemplates(env.suites ?? plan.suites)) {
          if (!bins[step.probe]) continue; // e.g. LINPACK without OpenBLAS: reported by the build, not here
          const r = spawnSync(bins[step.probe], [...step.args, "--dry-run"], {encoding: "utf8"});
          expect(r.status, `${name}/${env.label}/${step.name}: ${r.stderr}`).toBe(0);
        }
      }
    }
  });

  it("lets an environment override suite options and drop a suite", async () => {
    const {parsePlanText} = await import("../../data-loaders/plan/load.ts");
    const plan = parsePlanText(
      `environments:
  - target: local
  - target: qemu
    label: tcg
    suites: {linpack: {n: [200]}, iozone: null}
suites:
  linpack: {n: [1000, 2000], reps: 2}
  iozone: {}
`,
      "p.yaml"
    );
    expect(stepTemplates(plan.environments[0].suites ?? plan.suites).map((s) => s.name)).toEqual(["iozone", "linpack"]);
    const tcg = stepTemplates(plan.environments[1].suites!);
    expect(tcg.map((s) => s.name)).toEqual(["linpack"]);
    expect(tcg[0].args).toEqual(["--n", "200", "--threads", "1", "--reps", "2"]);
    expect(() => parsePlanText("environments:\n  - target: local\n    suites: {iozone: {}}\nsuites: {linpack: {}}\n", "p.yaml")).toThrow(/p\.yaml:3: environments\.0\.suites\.iozone: expected only suites the plan runs/);
  });
});
