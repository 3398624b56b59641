import type {EnvironmentSpec} from "../plan/types.ts";
import {LocalTarget} from "../targets/local.ts";
import {SshTarget} from "../targets/ssh.ts";
import type {Target} from "../targets/target.ts";

/** Opens the target a plan's environment names; VMM targets are imported only when a plan uses them. */
export async function openTarget(spec: EnvironmentSpec, probes: Record<string, string>): Promise<Target> {
  switch (spec.target) {
    case "local":
      return new LocalTarget({label: spec.label, probes});
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
  }
}
