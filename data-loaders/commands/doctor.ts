/**
 * `vmmbench doctor`: what this host offers and what each environment of a plan will really run on,
 * in a form users paste into bug reports. KVM's line comes from a real boot of the guest image
 * (targets/kvm-detect.ts), cached per host; everything else is read, never guessed.
 */
import {hostFacts, type Fact} from "../host/facts.ts";
import {checkHost} from "../host/virt.ts";
import {loadPlan} from "../plan/load.ts";
import {isXenDom0, presetNeedsHost, type HostVirt} from "../plan/presets.ts";
import type {EnvironmentSpec} from "../plan/types.ts";
import {buildProbesDetailed} from "../probes/build.ts";
import {targetKind} from "../targets/registry.ts";
import {VERSION} from "../version.ts";

export interface DoctorOptions {
  plan: string;
  /** Boot again instead of reading the cached KVM verdict. */
  recheck: boolean;
  print: (line: string) => void;
  log: (line: string) => void;
}

export async function doctorCommand(options: DoctorOptions): Promise<void> {
  const facts = await hostFacts();
  if (options.recheck) options.log("doctor: checking KVM again by booting the guest image (up to 20 s)");
  const check = await probesOrWhy(options).then((probes) => (typeof probes === "string" ? undefined : checkHost({probes, recheck: options.recheck, log: options.log})));
  const kvm = check?.kvm ?? {usable: false, reason: "could not be checked: the probes for the guest image could not be built"};
  const image = check && !("error" in check.image)
    ? `${check.image.hash.slice(0, 12)} (${check.image.manifest.kernelPackage} ${check.image.manifest.kernelVersion}, busybox ${check.image.manifest.busybox})`
    : `cannot be built: ${check && "error" in check.image ? check.image.error : "no probes"}`;
  const host: HostVirt = check?.host ?? {kvm: false, xen: isXenDom0(), kvmReason: kvm.reason};
  options.print(`vmmbench ${VERSION} doctor`);
  printFacts([...facts.slice(0, 4), {name: "KVM", value: `${kvm.usable ? "usable" : "not usable"}: ${kvm.reason}`}, ...facts.slice(4), {name: "guest image", value: image}], options.print);
  options.print("");
  const plan = loadPlan(options.plan, presetNeedsHost(options.plan) ? host : undefined);
  options.print(`plan "${plan.name}" on this host:`);
  printFacts(plan.environments.map((spec) => ({name: spec.label, value: runsOn(spec, host)})), options.print);
}

async function probesOrWhy(options: DoctorOptions): Promise<Record<string, string> | string> {
  try {
    return (await buildProbesDetailed({log: options.log})).binaries as Record<string, string>;
  } catch (error) {
    return (error as Error).message;
  }
}

/** What an environment of a plan will run on, in words. */
export function runsOn(spec: EnvironmentSpec, host: HostVirt): string {
  return `${targetKind(spec.target)!.describe(spec, host)}${spec.note ? ` (${spec.note})` : ""}`;
}

function printFacts(facts: Fact[], print: (line: string) => void): void {
  const width = Math.max(...facts.map((f) => f.name.length));
  for (const fact of facts) print(`  ${fact.name.padEnd(width)}  ${fact.value}`);
}
