/**
 * `vmmbench lab build|check|info`: the nested lab (data-loaders/lab/, docs/lab.md).
 *   build  builds (or finds) the lab root: Debian root + kernel + QEMU + Xen 4.17 in an ext4 image
 *   check  boots it and runs one tiny probe bare, in a KVM guest and (--xen) in Xen PV/PVH domUs,
 *          printing boot times and what each environment reported
 *   info   the cached lab root and the last lab boots
 * Measuring goes through `vmmbench run` with `target: lab` environments (the `paper` preset).
 */

import {existsSync} from "node:fs";
import {readFile, readdir} from "node:fs/promises";
import {join} from "node:path";
import {ConfigError} from "../errors.ts";
import {cacheRoot} from "../guest/paths.ts";
import {buildLabRoot, DEFAULT_RECIPE, findLabRoot, recipeHash} from "../lab/root.ts";
import {LabSession, type BootReport, type LabEnvSpec} from "../lab/session.ts";
import type {StepOutput} from "../targets/target.ts";

export interface LabCommandOptions {
  sub: string;
  xen: boolean;
  kvm: boolean;
  paging: "nested" | "shadow";
  print: (line: string) => void;
  log: (line: string) => void;
}

export async function labCommand(opts: LabCommandOptions): Promise<number> {
  switch (opts.sub) {
    case "build": {
      const started = Date.now();
      const lab = await buildLabRoot({log: opts.log});
      const m = lab.manifest;
      opts.print(`lab root ${lab.hash.slice(0, 16)} ${lab.cached ? "(cached)" : "(built)"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      opts.print(`  dir      ${lab.dir}`);
      opts.print(`  kernel   ${m.kernelPackage} (${m.versions[m.kernelPackage] ?? "?"})`);
      opts.print(`  xen      ${m.xenPackageVersion}`);
      opts.print(`  qemu     ${m.qemuPackageVersion}`);
      opts.print(`  image    root.img ${m.rootImageMb} MB; first build: debootstrap ${m.buildSeconds.debootstrap} s, packages ${m.buildSeconds.packages} s, packing ${m.buildSeconds.image} s`);
      return 0;
    }
    case "info": {
      const lab = await findLabRoot();
      if (!lab) {
        opts.print(`no lab root built for recipe ${recipeHash(DEFAULT_RECIPE).slice(0, 16)} (run: vmmbench lab build)`);
      } else {
        opts.print(`lab root ${lab.hash.slice(0, 16)} in ${lab.dir}: kernel ${lab.manifest.kver}, Xen ${lab.manifest.xenPackageVersion}, QEMU ${lab.manifest.qemuPackageVersion}, built ${lab.manifest.builtAt}`);
      }
      const runs = join(cacheRoot(), "lab-runs");
      const dirs = existsSync(runs) ? (await readdir(runs)).sort().slice(-8) : [];
      for (const dir of dirs) {
        const file = join(runs, dir, "report.json");
        if (!existsSync(file)) continue;
        const r = JSON.parse(await readFile(file, "utf8")) as BootReport;
        opts.print(`  ${dir}: ${r.group}, ${r.totalS.toFixed(0)} s, up ${r.labUpS?.toFixed(1) ?? "never"} s${r.killed ? `, KILLED: ${r.killed}` : ""}; ${r.envs.map((e) => `${e.label} ${e.steps} step(s) rc ${e.rc ?? "-"}`).join(", ")}`);
      }
      return 0;
    }
    case "check":
      return labCheck(opts);
    default:
      throw new ConfigError(`lab: expected "build", "check" or "info", found ${opts.sub ? `"${opts.sub}"` : "nothing"}`);
  }
}

async function labCheck(opts: LabCommandOptions): Promise<number> {
  const {buildProbes} = await import("../probes/build.ts");
  const probes = await buildProbes({log: opts.log});
  const session = new LabSession({probes, log: opts.log});
  const specs: LabEnvSpec[] = [
    {label: "lab-native", inner: "native", paging: "nested", vcpus: 2, memoryMb: 512, diskMb: 0},
    ...(opts.kvm ? [{label: `lab-kvm-${opts.paging}`, inner: "kvm" as const, paging: opts.paging, vcpus: 1, memoryMb: 512, diskMb: 0}] : []),
    ...(opts.xen
      ? [
          {label: "lab-xen-pv", inner: "xen-pv" as const, paging: "nested" as const, vcpus: 1, memoryMb: 512, diskMb: 0},
          {label: "lab-xen-pvh", inner: "xen-pvh" as const, paging: "nested" as const, vcpus: 1, memoryMb: 512, diskMb: 0}
        ]
      : [])
  ];
  for (const spec of specs) session.add(spec);
  const started = Date.now();
  let failed = 0;
  try {
    for (const spec of specs) {
      const steps = [{id: `${spec.label}/check/lat`, probe: "vmmbench-lat", args: ["--metrics", "lat_syscall,lat_fork", "--budget-ms", "20", "--reps", "3"], timeoutS: 300}];
      const outputs: StepOutput[] = [];
      await session.run(spec.label, steps, (o) => void outputs.push(o));
      for (const o of outputs) {
        const values = o.stdout
          .split("\n")
          .filter((line) => line.includes('"sample"'))
          .map((line) => JSON.parse(line) as {metric: string; value: number});
        const best = new Map<string, number>();
        for (const v of values) best.set(v.metric, Math.min(best.get(v.metric) ?? Infinity, v.value));
        if (o.exitCode !== 0) failed++;
        opts.print(`${spec.label.padEnd(18)} ${o.exitCode === 0 ? "ok " : "FAILED"} ${[...best].map(([m, v]) => `${m} ${v.toFixed(2)} µs`).join(", ")}${o.exitCode === 0 ? "" : `\n${o.stderr.trim().split("\n").slice(-12).join("\n")}`}`);
      }
    }
  } finally {
    await session.close();
  }
  for (const r of session.reports) {
    opts.print(`boot ${r.group}: lab up ${r.labUpS?.toFixed(1) ?? "never"} s${r.xen ? `, Xen toolstack ready ${r.xenReadyS?.toFixed(1) ?? "never"} s` : ""}, total ${r.totalS.toFixed(1)} s (${r.runDir})`);
    for (const e of r.envs) {
      const boot = e.startS !== null && e.helloS !== null ? (e.helloS - e.startS).toFixed(1) : "-";
      opts.print(`  ${e.label.padEnd(18)} inner boot ${boot} s, ran ${e.startS !== null && e.endS !== null ? (e.endS - e.startS).toFixed(1) : "-"} s`);
    }
  }
  opts.print(`lab check: ${failed ? `${failed} environment(s) FAILED` : "all environments ran"} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return failed ? 1 : 0;
}
