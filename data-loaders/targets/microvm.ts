/**
 * `target: microvm`: the guest image under QEMU's microvm machine type — no PCI, no firmware, no
 * legacy devices beyond what the kernel needs, virtio over MMIO — the lighter VMM configuration
 * Firecracker popularised, beside the full PC of `target: qemu`. Under TCG the kernel calibrates its
 * clock against the PIT, so the PIT and PIC stay on; the frames' second serial port is an extra ISA
 * serial device, and the scratch disk a virtio-blk-device found through ACPI.
 */
import {integer, mapping, oneOf} from "../plan/schema.ts";
import {QemuTarget, type QemuMachine} from "./qemu.ts";
import {defineTarget} from "./target.ts";

export const MICROVM: QemuMachine = {
  name: "microvm",
  args: ["-M", "microvm,isa-serial=on,rtc=on,pit=on,pic=on"],
  channel: (file) => ["-chardev", `file,id=channel,path=${file}`, "-device", "isa-serial,chardev=channel,iobase=0x2f8,irq=3"],
  disk: (file, cache) => ["-drive", `file=${file},if=none,id=scratch,format=raw,cache=${cache}`, "-device", "virtio-blk-device,drive=scratch"]
};

export const microvmKind = defineTarget({
  name: "microvm",
  schema: mapping({
    accel: oneOf(["auto", "tcg", "kvm"]).default("auto"),
    vcpus: integer(1, 64).default(1),
    memory_mb: integer(128, 1 << 20).default(1024),
    disk_cache: oneOf(["none", "writeback", "writethrough", "unsafe", "directsync"]).default("none")
  }).transform((o) => ({accel: o.accel, vcpus: o.vcpus, memoryMb: o.memory_mb, diskCache: o.disk_cache})),
  runsTools: false,
  planned: (spec) => ({...(spec.accel === "kvm" ? {hypervisor: "kvm", mode: "kvm"} : {hypervisor: "qemu-tcg", mode: "tcg"}), vcpus: spec.vcpus, memoryMb: spec.memoryMb, passthrough: null, extra: {machine: "microvm"}}),
  open: (spec, {probes}) =>
    new QemuTarget({label: spec.label, accel: spec.accel, vcpus: spec.vcpus, memoryMb: spec.memoryMb, diskCacheMode: spec.diskCache, probes, machine: MICROVM}),
  describe: (spec, host) =>
    `QEMU microvm, ${spec.accel === "tcg" || (spec.accel === "auto" && !host.kvm) ? "TCG" : host.kvm ? "KVM" : "KVM — will fail: KVM does not boot a guest here"}, ${spec.vcpus} vCPU, ${spec.memoryMb} MB`
});
