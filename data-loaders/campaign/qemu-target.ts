import type {EnvironmentSpec} from "../plan/types.ts";
import {QemuTarget} from "../targets/qemu.ts";
import {checkBootMemory} from "./guest-memory.ts";

/** A plan's QEMU environment: checks at prepare time that its memory boots the guest image. */
class PlanQemuTarget extends QemuTarget {
  override async prepare(): Promise<void> {
    await super.prepare();
    checkBootMemory(this.options.memoryMb ?? 1024, await this.image());
  }
}

/** A plan's qemu environment as a target; the scratch disk is always attached so the file suite measures a virtual disk, not tmpfs. */
export function openQemuTarget(spec: Extract<EnvironmentSpec, {target: "qemu"}>, probes: Record<string, string>): QemuTarget {
  return new PlanQemuTarget({label: spec.label, accel: spec.accel, vcpus: spec.vcpus, memoryMb: spec.memoryMb, diskCacheMode: spec.diskCache, probes});
}
