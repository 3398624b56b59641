import type {EnvironmentSpec} from "../plan/types.ts";
import {QemuTarget} from "../targets/qemu.ts";

/** A plan's qemu environment as a target; the scratch disk is always attached so the file suite measures a virtual disk, not tmpfs. */
export function openQemuTarget(spec: Extract<EnvironmentSpec, {target: "qemu"}>, probes: Record<string, string>): QemuTarget {
  return new QemuTarget({label: spec.label, accel: spec.accel, vcpus: spec.vcpus, memoryMb: spec.memoryMb, diskCacheMode: spec.diskCache, probes});
}
