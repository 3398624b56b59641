/**
 * Is KVM usable here? Not "does /dev/kvm exist": a device node can be present on a CPU without
 * vmx/svm, or accept KVM_CREATE_VM and then refuse the vCPU's MSRs (seen on this project's build
 * machines: `failed to set MSR 0x10a` with `-cpu host`). So the answer comes from QEMU itself:
 * start the very machine a guest would get (`-M pc -accel kvm -cpu host`), paused (`-S`), and
 * quit it from the monitor. Exit 0 means KVM works; anything else is the reason it does not.
 */

import {constants} from "node:fs";
import {access} from "node:fs/promises";
import {execa} from "execa";

export interface KvmStatus {
  usable: boolean;
  /** Why not (or "ok"), for logs and error messages. */
  reason: string;
}

const cache = new Map<string, Promise<KvmStatus>>();

export function detectKvm(options: {qemu?: string; device?: string; timeoutMs?: number} = {}): Promise<KvmStatus> {
  const qemu = options.qemu ?? "qemu-system-x86_64";
  const device = options.device ?? "/dev/kvm";
  const key = `${qemu}\0${device}`;
  let status = cache.get(key);
  if (!status) {
    status = probe(qemu, device, options.timeoutMs ?? 15_000);
    cache.set(key, status);
  }
  return status;
}

async function probe(qemu: string, device: string, timeoutMs: number): Promise<KvmStatus> {
  try {
    await access(device, constants.R_OK | constants.W_OK);
  } catch (error) {
    return {usable: false, reason: `${device} cannot be opened read-write (${(error as NodeJS.ErrnoException).code ?? "error"})`};
  }
  const result = await execa(
    qemu,
    ["-M", "pc", "-accel", "kvm", "-cpu", "host", "-nodefaults", "-no-user-config", "-display", "none", "-S", "-monitor", "stdio"],
    {input: "quit\n", reject: false, timeout: timeoutMs, all: true, killSignal: "SIGKILL"}
  );
  if ((result as {code?: string}).code === "ENOENT") return {usable: false, reason: `${qemu} is not installed`};
  if (result.exitCode === 0) return {usable: true, reason: "ok"};
  const lines = String(result.all ?? "")
    .split("\n")
    .map((line) => line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").trim())
    .filter((line) => line && !line.startsWith("QEMU ") && !line.startsWith("(qemu)"));
  const why = result.timedOut ? "timed out" : (lines.find((line) => /error|could not|failed/i.test(line)) ?? lines.at(-1) ?? `exit ${result.exitCode}`);
  return {usable: false, reason: `qemu -accel kvm -cpu host does not start: ${why}`};
}
