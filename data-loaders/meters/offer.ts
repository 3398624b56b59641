/**
 * What the host's side of the meters can read here, for `vmmbench doctor` (docs/meters.md): KVM's
 * debugfs counters (root, debugfs mounted, KVM loaded) and which Xen meters the Xen build offers —
 * this dom0's own, else the nested lab's as its last Xen boot reported it.
 */
import {accessSync, constants, existsSync, readFileSync} from "node:fs";
import {join} from "node:path";
import type {LabRoot} from "../lab/root.ts";
import {XEN_METERS_FILE} from "../lab/meters.ts";
import {isXenDom0} from "../plan/presets.ts";
import {KVM_DEBUGFS} from "./kvm-debugfs.ts";
import {describeXenMeters, localXenMeterFacts} from "./xen-offer.ts";

export async function hostMeterFacts(lab: LabRoot | undefined): Promise<Array<{name: string; value: string}>> {
  return [
    {name: "KVM meters", value: kvmMeters()},
    {name: "Xen meters", value: await xenMeters(lab)}
  ];
}

function kvmMeters(): string {
  const lab = "the nested lab reads its own KVM's";
  if (!existsSync("/dev/kvm")) return `no KVM here; ${lab}`;
  if (!existsSync(KVM_DEBUGFS)) return `${KVM_DEBUGFS} absent (mount debugfs: mount -t debugfs none /sys/kernel/debug); ${lab}`;
  try {
    accessSync(KVM_DEBUGFS, constants.R_OK | constants.X_OK);
    return `${KVM_DEBUGFS} readable: exits by reason, page faults, shadow MMU, per VM`;
  } catch {
    return `${KVM_DEBUGFS} not readable by this user (root reads it); ${lab}`;
  }
}

async function xenMeters(lab: LabRoot | undefined): Promise<string> {
  if (isXenDom0()) return `this dom0: ${describeXenMeters(await localXenMeterFacts())}`;
  const file = lab ? join(lab.dir, XEN_METERS_FILE) : undefined;
  if (file && existsSync(file)) return `the lab's Xen ${lab!.manifest.xenPackageVersion}: ${describeXenMeters(readFileSync(file, "utf8"))}`;
  return "no dom0 here; the lab's Xen tells after its first Xen boot (vmmbench lab check --xen)";
}
