/**
 * `target: lab`: an environment inside the nested lab (docs/lab.md) — the lab machine bare, a real
 * KVM guest or a real Xen PV/PVH/HVM domU, all inside one QEMU TCG machine; with `passthrough:
 * true` the guest's disk is a controller passed through to it by the lab's IOMMU
 * (lab/passthrough.ts). Every lab environment of a campaign shares one session, so one lab boot
 * serves a whole group of them (lab/session.ts).
 */
import {flag, integer, mapping, oneOf} from "../plan/schema.ts";
import {LAB_PT_CONTROLLER} from "../lab/passthrough.ts";
import {defineTarget, type MeterMode} from "./target.ts";

const INNER = ["native", "kvm", "xen-pv", "xen-pvh", "xen-hvm"] as const;
const XEN_MODE = {"xen-pv": "pv", "xen-pvh": "pvh", "xen-hvm": "hvm"} as const;

export const labKind = defineTarget({
  name: "lab",
  schema: mapping({
    inner: oneOf(INNER),
    // KVM only: nested (NPT) or shadow paging (kvm_amd npt=0).
    paging: oneOf(["nested", "shadow"]).optional(),
    vcpus: integer(1, 2).default(1),
    memory_mb: integer(128, 4096).default(512),
    disk_mb: integer(0, 8192).default(512),
    // KVM and Xen: vCPUs of the lab machine that hosts them (absent: the lab's default, 2).
    lab_vcpus: integer(1, 2).optional(),
    // KVM and Xen: the disk is an NVMe controller passed through by the lab's IOMMU (VT-d), not a virtual one.
    passthrough: flag().default(false)
  })
    .refine((o) => o.paging === undefined || o.inner === "kvm", {error: "paging only with inner: kvm", path: ["paging"]})
    .refine((o) => o.lab_vcpus === undefined || o.inner !== "native", {
      error: "lab_vcpus only with inner: kvm, xen-pv, xen-pvh or xen-hvm (a native lab environment's vcpus are the lab's)",
      path: ["lab_vcpus"]
    })
    .refine((o) => !o.passthrough || o.inner !== "native", {error: "passthrough only with inner: kvm, xen-pv, xen-pvh or xen-hvm (it gives a guest the lab's disk controller)", path: ["passthrough"]})
    .refine((o) => !o.passthrough || o.disk_mb > 0, {error: "disk_mb > 0 with passthrough (the size of the passed-through disk)", path: ["disk_mb"]})
    .transform((o) => ({
      inner: o.inner,
      paging: o.paging ?? ("nested" as const),
      vcpus: o.vcpus as 1 | 2,
      memoryMb: o.memory_mb,
      diskMb: o.disk_mb,
      ...(o.lab_vcpus === undefined ? {} : {labVcpus: o.lab_vcpus as 1 | 2}),
      passthrough: o.passthrough
    })),
  runsTools: false,
  planned: (spec) => ({
    ...(spec.inner === "kvm" ? {hypervisor: "kvm", mode: "kvm"} : spec.inner === "native" ? {hypervisor: "none", mode: "none"} : {hypervisor: "xen", mode: XEN_MODE[spec.inner]}),
    vcpus: spec.vcpus,
    memoryMb: spec.memoryMb,
    passthrough: spec.passthrough,
    extra: {nested_under: "qemu-tcg", ...(spec.inner === "kvm" ? {paging: spec.paging} : {}), ...(spec.passthrough ? {pt_device: LAB_PT_CONTROLLER} : {})}
  }),
  async open(spec, {probes, peers, log}) {
    const {LabTarget, sharedLabSession} = await import("../lab/target.ts");
    const session = sharedLabSession({probes, log});
    const target = new LabTarget({session, label: spec.label, ...labEnv(spec)});
    // Knowing every lab environment of the plan from the start, its first boot already serves all that share it.
    for (const peer of peers) {
      if (peer.target !== "lab" || peer.label === spec.label) continue;
      const other = peer as typeof spec & {target: "lab"};
      session.add({label: other.label, ...labEnv(other)});
    }
    return target;
  },
  describe: (spec) =>
    `nested lab (QEMU TCG -cpu max): ${spec.inner === "native" ? "bare (the lab's baseline)" : spec.inner === "kvm" ? `KVM (kvm_amd, ${spec.paging} paging), ${spec.vcpus} vCPU` : `Xen ${XEN_MODE[spec.inner].toUpperCase()} domU, ${spec.vcpus} vCPU`}${spec.passthrough ? ", NVMe controller passed through (emulated VT-d)" : ""}`
});

/** A plan's lab environment as the session keeps it. */
function labEnv(spec: {inner: (typeof INNER)[number]; paging: "nested" | "shadow"; vcpus: 1 | 2; memoryMb: number; diskMb: number; labVcpus?: 1 | 2; passthrough: boolean; meters?: MeterMode}) {
  return {inner: spec.inner, paging: spec.paging, vcpus: spec.vcpus, memoryMb: spec.memoryMb, diskMb: spec.diskMb, labVcpus: spec.labVcpus, passthrough: spec.passthrough, meters: spec.meters};
}
