/**
 * What the host offers the host-dependent presets: KVM that really boots the guest image (not a
 * device node, see targets/kvm-detect.ts) and a Xen dom0. `VMMBENCH_PAPER_HOST=lab` sends every
 * hypervisor to the nested lab, whatever the host has. `VMMBENCH_PASSTHROUGH_PCI` names a disk
 * controller of this host the paper preset passes through to the host's own guests (without it,
 * pass-through is measured in the lab).
 */
import type {GuestImage} from "../guest/image.ts";
import {isXenDom0, type HostVirt} from "../plan/presets.ts";
import {pciAddress} from "../targets/passthrough.ts";
import {QemuTarget} from "../targets/qemu.ts";

export interface HostCheck {
  host: HostVirt;
  /** KVM's verdict in full (doctor prints it; the plan keeps the reason without the console log's path). */
  kvm: {usable: boolean; reason: string};
  /** The guest image the check booted, or why there is none. */
  image: GuestImage | {error: string};
}

export async function checkHost(options: {probes: Record<string, string>; recheck?: boolean; log?: (line: string) => void; cacheDir?: string}): Promise<HostCheck> {
  const xen = isXenDom0();
  if (process.env.VMMBENCH_PAPER_HOST === "lab") {
    const reason = "VMMBENCH_PAPER_HOST=lab asks for the nested lab";
    return {host: {kvm: false, xen: false, kvmReason: reason}, kvm: {usable: false, reason}, image: {error: reason}};
  }
  const target = new QemuTarget({label: "host", probes: options.probes, accel: "auto", cacheDir: options.cacheDir, log: options.log, kvmRecheck: options.recheck});
  let image: HostCheck["image"];
  let kvm: HostCheck["kvm"];
  try {
    image = await target.image();
    kvm = await target.kvmStatus();
  } catch (error) {
    // No guest image (no kernel package, no QEMU): no KVM to measure either; the campaign names what is missing.
    const why = (error as Error).message.split("\n")[0]!;
    image ??= {error: why};
    kvm = {usable: false, reason: `could not be checked (${why})`};
  }
  const kvmReason = kvm.usable ? undefined : kvm.reason.replace(/ \(console log: [^)]*\)$/, "");
  const pci = process.env.VMMBENCH_PASSTHROUGH_PCI?.trim();
  return {host: {kvm: kvm.usable, xen, ...(kvmReason ? {kvmReason} : {}), ...(pci ? {passthroughPci: pciAddress(pci)} : {})}, kvm, image};
}
