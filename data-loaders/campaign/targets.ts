import type {EnvironmentSpec} from "../plan/types.ts";
import {LocalTarget} from "../targets/local.ts";
import {SshTarget} from "../targets/ssh.ts";
import type {Target} from "../targets/target.ts";
import {scratchEnv} from "./process-group.ts";

/**
 * Opens the target a plan's environment names; VMM targets are imported only when a plan uses them.
 * `peers` (the plan's environments) lets the nested lab know every lab environment from the start,
 * so that its first boot already serves all of those that share it (data-loaders/lab/session.ts).
 */
export async function openTarget(spec: EnvironmentSpec, probes: Record<string, string>, peers: readonly EnvironmentSpec[] = []): Promise<Target> {
  switch (spec.target) {
    case "local":
      // Probes' scratch files (IOzone's test file) go to the campaign's private folder, removed even if it is killed.
      return new LocalTarget({label: spec.label, probes, env: scratchEnv()});
    case "ssh":
      return new SshTarget({
        label: spec.label,
        destination: spec.destination,
        port: spec.port,
        identityFile: spec.identityFile ?? undefined,
        strictHostKeyChecking: spec.strictHostKeyChecking,
        probes,
        ...(spec.hypervisor ? {hypervisor: spec.hypervisor} : {}),
        passthrough: spec.passthrough
      });
    case "qemu": {
      const {openQemuTarget} = await import("./qemu-target.ts");
      return openQemuTarget(spec, probes);
    }
    case "xen": {
      const {XenTarget} = await import("../targets/xen.ts");
      return new XenTarget({label: spec.label, type: spec.type, vcpus: spec.vcpus, memoryMb: spec.memoryMb, diskMb: spec.diskMb, probes, log: labLog});
    }
    case "lab": {
      // All lab environments of a campaign share one session: one lab boot serves a whole group of them.
      const {LabTarget, sharedLabSession} = await import("../lab/target.ts");
      const session = sharedLabSession({probes, log: labLog});
      const target = new LabTarget({session, label: spec.label, inner: spec.inner, paging: spec.paging, vcpus: spec.vcpus, memoryMb: spec.memoryMb, diskMb: spec.diskMb, labVcpus: spec.labVcpus});
      for (const peer of peers) {
        if (peer.target === "lab" && peer.label !== spec.label) {
          session.add({label: peer.label, inner: peer.inner, paging: peer.paging, vcpus: peer.vcpus, memoryMb: peer.memoryMb, diskMb: peer.diskMb, labVcpus: peer.labVcpus});
        }
      }
      return target;
    }
  }
}

/** Lab and Xen boots take minutes: say what they are doing (stderr, beside the progress line). */
export function labLog(line: string): void {
  if (process.env.VMMBENCH_QUIET !== "1") process.stderr.write(`${line}\n`);
}
