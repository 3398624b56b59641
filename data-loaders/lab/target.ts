/**
 * One inner environment of the nested lab as a Target, so that lab results travel the normal
 * campaign path (fingerprint → environments table, steps → raw outputs + samples). All lab
 * targets of a campaign share one LabSession (see session.ts), which amortises boots across them.
 */

import {hostname} from "node:os";
import {ConfigError} from "../errors.ts";
import type {Fingerprint, Step, StepOutput, Target} from "../targets/target.ts";
import {LabSession, type LabEnvSpec, type LabSessionOptions} from "./session.ts";

export interface LabTargetOptions extends LabEnvSpec {
  session: LabSession;
  environment?: string;
}

export class LabTarget implements Target {
  readonly label: string;
  readonly spec: LabEnvSpec;
  readonly session: LabSession;
  readonly #environment: string;

  constructor(options: LabTargetOptions) {
    const {session, environment, ...spec} = options;
    if (!spec.label) throw new ConfigError("a lab target needs a label");
    this.label = spec.label;
    this.spec = spec;
    this.session = session;
    this.#environment = environment ?? spec.label;
    session.add(spec);
  }

  async fingerprint(): Promise<Fingerprint> {
    const facts = await this.session.facts(this.label);
    const {guest, lab, xlInfo} = facts;
    const inner = this.spec.inner;
    const labQemu = (lab.qemu ?? "").replace(/^QEMU emulator version\s*/, "");
    const common: Record<string, string> = {
      nested_under: "qemu-tcg",
      lab_root: facts.labRoot,
      lab_kernel: lab.kernel ?? "",
      lab_vcpus: String(facts.labVcpus),
      lab_memory_mb: String(facts.labMemoryMb),
      lab_launch: facts.labLaunch,
      lab_cpu: lab.cpu ?? "",
      kernel_package: facts.kernelPackage,
      image: facts.image,
      inner,
      kernel_cmdline: guest.cmdline
    };
    const base = {
      environment: this.#environment,
      kernel: guest.kernel,
      cpuModel: guest.cpu,
      vcpus: guest.nproc ?? this.spec.vcpus,
      passthrough: false,
      host: hostname()
    };
    switch (inner) {
      case "native":
        return {
          ...base,
          hypervisor: "none",
          hypervisorVersion: null,
          mode: "none",
          guestOs: "Debian 12 lab root (debootstrap minbase)",
          memoryMb: guest.memtotalKb ? Math.round(guest.memtotalKb / 1024) : facts.labMemoryMb,
          launch: facts.labLaunch,
          extra: {...common, paging: "tcg-softmmu"}
        };
      case "kvm":
        return {
          ...base,
          hypervisor: "kvm",
          hypervisorVersion: `KVM (Linux ${lab.kernel ?? "?"}, kvm_amd) + QEMU ${labQemu}`,
          mode: "kvm",
          guestOs: "vmmbench initramfs (busybox)",
          memoryMb: this.spec.memoryMb,
          launch: facts.launch,
          extra: {...common, paging: this.spec.paging, accel: "kvm", cpu: "host", diskMb: String(this.spec.diskMb)}
        };
      case "xen-pv":
      case "xen-pvh": {
        const type = inner === "xen-pv" ? "pv" : "pvh";
        return {
          ...base,
          hypervisor: "xen",
          hypervisorVersion: xlInfo?.xen_version ? `Xen ${xlInfo.xen_version}` : null,
          mode: type,
          guestOs: "vmmbench initramfs (busybox)",
          memoryMb: this.spec.memoryMb,
          launch: facts.launch,
          extra: {
            ...common,
            domain_type: type,
            xen_version: xlInfo?.xen_version ?? "",
            xen_caps: xlInfo?.xen_caps ?? "",
            xen_scheduler: xlInfo?.xen_scheduler ?? "",
            virt_caps: xlInfo?.virt_caps ?? "",
            dom0_kernel: xlInfo?.release ?? lab.kernel ?? "",
            xl_config: facts.launch,
            diskMb: String(this.spec.diskMb)
          }
        };
      }
    }
  }

  /** The lab root (built once, minutes), the guest image and its disk. */
  async prepare(): Promise<void> {
    await this.session.prepare();
  }

  run(steps: Step[], onOutput: (output: StepOutput) => Promise<void> | void): Promise<void> {
    return this.session.run(this.label, steps, onOutput);
  }

  close(): Promise<void> {
    return this.session.close();
  }
}

/** Lab sessions shared by the targets of one process, one per probe set. */
const sessions = new Map<string, LabSession>();

export function sharedLabSession(options: LabSessionOptions): LabSession {
  const key = JSON.stringify({probes: options.probes, cacheDir: options.cacheDir ?? null});
  let session = sessions.get(key);
  if (!session) sessions.set(key, (session = new LabSession(options)));
  return session;
}
