/**
 * `target: microvm`: the guest image under QEMU's microvm machine type — no PCI, no firmware, no
 * legacy devices beyond what the kernel needs, virtio over MMIO — the lighter VMM configuration
 * Firecracker popularised, beside the full PC of `target: qemu`. The frames' second serial port is
 * an extra ISA serial device, and the scratch disk a virtio-blk-device found through ACPI.
 *
 * Under TCG the guest has no HPET or ACPI PM timer to calibrate its TSC against, only the PIT, and on
 * a loaded host that calibration fails and the kernel hangs without a clock. Its TSC is the host's
 * (TCG reads the host's counter), so where the host knows its TSC's frequency (`tsc_known_freq`,
 * `constant_tsc`: "cpu MHz" is that frequency) the guest is told it (`tsc_early_khz`); elsewhere it
 * calibrates against the PIT as it can.
 */
import {readFileSync} from "node:fs";
import {mapping} from "../plan/schema.ts";
import {QEMU_GUEST_KEYS, QemuTarget, plannedQemuGuest, type QemuMachine} from "./qemu.ts";
import {defineTarget} from "./target.ts";

export const MICROVM: QemuMachine = {
  name: "microvm",
  args: ["-M", "microvm,isa-serial=on,rtc=on,pit=on,pic=on"],
  channel: (file) => ["-chardev", `file,id=channel,path=${file}`, "-device", "isa-serial,chardev=channel,iobase=0x2f8,irq=3"],
  disk: (file, cache) => ["-drive", `file=${file},if=none,id=scratch,format=raw,cache=${cache}`, "-device", "virtio-blk-device,drive=scratch"],
  kernelArgs: (accel) => {
    const khz = accel === "tcg" ? hostTscKhz(readCpuinfo()) : undefined;
    return khz ? [`tsc_early_khz=${khz}`] : [];
  }
};

function readCpuinfo(): string {
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return "";
  }
}

/** The host TSC's frequency in kHz where the kernel knows it (not calibrated): "cpu MHz" is then tsc_khz. */
export function hostTscKhz(cpuinfo: string): number | undefined {
  const flags = /^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.split(/\s+/) ?? [];
  const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(cpuinfo)?.[1]);
  return flags.includes("tsc_known_freq") && flags.includes("constant_tsc") && mhz > 0 ? Math.round(mhz * 1000) : undefined;
}

export const microvmKind = defineTarget({
  name: "microvm",
  schema: mapping(QEMU_GUEST_KEYS).transform((o) => ({accel: o.accel, vcpus: o.vcpus, memoryMb: o.memory_mb, diskCache: o.disk_cache})),
  runsTools: false,
  planned: (spec) => ({...plannedQemuGuest(spec), extra: {machine: "microvm"}}),
  open: (spec, {probes}) =>
    new QemuTarget({label: spec.label, accel: spec.accel, vcpus: spec.vcpus, memoryMb: spec.memoryMb, diskCacheMode: spec.diskCache, probes, machine: MICROVM, meters: spec.meters}),
  describe: (spec, host) =>
    `QEMU microvm, ${spec.accel === "tcg" || (spec.accel === "auto" && !host.kvm) ? "TCG" : host.kvm ? "KVM" : "KVM — will fail: KVM does not boot a guest here"}, ${spec.vcpus} vCPU, ${spec.memoryMb} MB`
});
