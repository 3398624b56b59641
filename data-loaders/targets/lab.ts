/**
 * `target: lab`: an environment inside the nested lab (docs/lab.md) — the lab machine bare, a real
 * KVM guest or a real Xen PV/PVH domU, all inside one QEMU TCG machine. Every lab environment of a
 * campaign shares one session, so one lab boot serves a whole group of them (lab/session.ts).
 */
import {integer, mapping, oneOf} from "../plan/schema.ts";
import {defineTarget} from "./target.ts";

const INNER = ["native", "kvm", "xen-pv", "xen-pvh"] as const;

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
    lab_vcpus: integer(1, 2).optional()
  })
    .refine((o) => o.paging === undefined || o.inner === "kvm", {error: "paging only with inner: kvm", path: ["paging"]})
    .refine((o) => o.lab_vcpus === undefined || o.inner !== "native", {
      error: "lab_vcpus only with inner: kvm, xen-pv or xen-pvh (a native lab environment's vcpus are the lab's)",
      path: ["lab_vcpus"]
    })
    .transform((o) => ({
      inner: o.inner,
      paging: o.paging ?? ("nested" as const),
      vcpus: o.vcpus as 1 | 2,
      memoryMb: o.memory_mb,
      diskMb: o.disk_mb,
      ...(o.lab_vcpus === undefined ? {} : {labVcpus: o.lab_vcpus as 1 | 2})
    })),
  runsTools: false,
  planned: (spec) => ({
    ...(spec.inner === "kvm" ? {hypervisor: "kvm", mode: "kvm"} : spec.inner === "native" ? {hypervisor: "none", mode: "none"} : {hypervisor: "xen", mode: spec.inner === "xen-pv" ? "pv" : "pvh"}),
    vcpus: spec.vcpus,
    memoryMb: spec.memoryMb,
    passthrough: null,
    extra: {nested_under: "qemu-tcg", ...(spec.inner === "kvm" ? {paging: spec.paging} : {})}
  }),
  async open(spec, {probes, peers, log}) {
    const {LabTarget, sharedLabSession} = await import("../lab/target.ts");
    const session = sharedLabSession({probes, log});
    const target = new LabTarget({session, label: spec.label, inner: spec.inner, paging: spec.paging, vcpus: spec.vcpus, memoryMb: spec.memoryMb, diskMb: spec.diskMb, labVcpus: spec.labVcpus, meters: spec.meters});
    // Knowing every lab environment of the plan from the start, its first boot already serves all that share it.
    for (const peer of peers) {
      if (peer.target !== "lab" || peer.label === spec.label) continue;
      const other = peer as typeof spec & {target: "lab"};
      session.add({label: other.label, inner: other.inner, paging: other.paging, vcpus: other.vcpus, memoryMb: other.memoryMb, diskMb: other.diskMb, labVcpus: other.labVcpus, meters: other.meters});
    }
    return target;
  },
  describe: (spec) =>
    `nested lab (QEMU TCG -cpu max): ${spec.inner === "native" ? "bare (the lab's baseline)" : spec.inner === "kvm" ? `KVM (kvm_amd, ${spec.paging} paging), ${spec.vcpus} vCPU` : `Xen ${spec.inner === "xen-pv" ? "PV" : "PVH"} domU, ${spec.vcpus} vCPU`}`
});
