/**
 * Device pass-through on a real host (`passthrough: {pci: "0000:03:00.0"}` of the `qemu` and `xen`
 * targets): the checks a user needs before a disk controller leaves the host — an IOMMU is on, the
 * device exists, it is not the host's boot disk nor holds anything mounted, swapped on or stacked
 * under another block device, its IOMMU group can go with it — read from sysfs and procfs (a root
 * of each can be given, so the checks are tested on captured trees); and the binding itself, to
 * vfio-pci for QEMU (its previous driver is given it back after the run) or to pciback for Xen
 * (`xl pci-assignable-add`, and `xl pci-assignable-remove -r` after).
 *
 * The binding is a shell function (VFIO_SHELL) so that the nested lab runs the very same code
 * inside its machine (lab/passthrough.ts) and its test exercises it on a real kernel.
 */
import {existsSync} from "node:fs";
import {readFile, readdir, readlink} from "node:fs/promises";
import {basename, join, resolve} from "node:path";
import {execa} from "execa";
import {ConfigError, MissingDependencyError, ProcessFailedError} from "../errors.ts";
import {mapping, text} from "../plan/schema.ts";

/** Where the host's sysfs and procfs are (tests point them at captured trees). */
export interface HostRoots {
  sys: string;
  proc: string;
}

export const HOST_ROOTS: HostRoots = {sys: "/sys", proc: "/proc"};

/** The label the pass-through disk's file system must carry: the guest finds it by that, and never formats it. */
export const PASSTHROUGH_LABEL = "vmmbench-pt";

/** The plan key: the PCI function to give the guest, and the label of the file system the IOzone step writes to. */
export const passthroughKey = () =>
  mapping({
    pci: text().refine((s) => PCI_ADDRESS.test(s.trim().toLowerCase()) || SHORT_ADDRESS.test(s.trim().toLowerCase()), {
      error: 'a PCI address such as "0000:03:00.0" (domain:bus:device.function, as lspci -D prints it)'
    }),
    label: text().default(PASSTHROUGH_LABEL)
  }).transform((o) => ({pci: pciAddress(o.pci), label: o.label}));

export type PassthroughSpec = {pci: string; label: string};

const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
const SHORT_ADDRESS = /^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

/** "03:00.0" or "0000:03:00.0" → "0000:03:00.0". */
export function pciAddress(text: string): string {
  const s = text.trim().toLowerCase();
  if (PCI_ADDRESS.test(s)) return s;
  if (SHORT_ADDRESS.test(s)) return `0000:${s}`;
  throw new ConfigError(`${JSON.stringify(text)} is not a PCI address (expected domain:bus:device.function, e.g. 0000:03:00.0)`);
}

/** A pass-through that cannot go ahead on this host: the message says what to do. */
export class PassthroughError extends ConfigError {}

export interface PciFunction {
  address: string;
  /** sysfs path of the function (resolved). */
  path: string;
  vendor: string;
  device: string;
  class: string;
  driver: string | null;
  iommuGroup: string | null;
  /** The other functions of its IOMMU group. */
  groupPeers: Array<{address: string; driver: string | null; class: string}>;
  /** Block devices below it (disks and their partitions), with major:minor. */
  disks: Array<{name: string; dev: string; holders: string[]}>;
}

/** The IOMMU as the host kernel shows it: its units (/sys/class/iommu) and how many groups it made. */
export async function hostIommu(roots: HostRoots = HOST_ROOTS): Promise<{units: string[]; groups: number}> {
  const list = async (dir: string) => (existsSync(dir) ? (await readdir(dir)).sort() : []);
  return {units: await list(join(roots.sys, "class/iommu")), groups: (await list(join(roots.sys, "kernel/iommu_groups"))).length};
}

/** "dmar0" → Intel VT-d, "ivhd0" → AMD-Vi: the words a fingerprint keeps. */
export function iommuKind(units: readonly string[]): string {
  if (units.some((u) => u.startsWith("dmar"))) return `Intel VT-d (${units.join(", ")})`;
  if (units.some((u) => u.startsWith("ivhd"))) return `AMD-Vi (${units.join(", ")})`;
  return units.length ? units.join(", ") : "none";
}

async function readText(path: string): Promise<string> {
  return (await readFile(path, "utf8")).trim();
}

async function linkName(path: string): Promise<string | null> {
  try {
    return basename(await readlink(path));
  } catch {
    return null;
  }
}

/** What sysfs says of one PCI function; PassthroughError when there is no such function. */
export async function readPciFunction(address: string, roots: HostRoots = HOST_ROOTS): Promise<PciFunction> {
  const link = join(roots.sys, "bus/pci/devices", address);
  let target: string;
  try {
    target = await readlink(link);
  } catch {
    throw new PassthroughError(`no PCI device ${address} on this host (${link} does not exist; lspci -D lists the addresses)`);
  }
  const path = resolve(join(roots.sys, "bus/pci/devices"), target);
  const iommuGroup = await linkName(join(path, "iommu_group"));
  const groupPeers: PciFunction["groupPeers"] = [];
  if (iommuGroup !== null) {
    const members = join(roots.sys, "kernel/iommu_groups", iommuGroup, "devices");
    for (const peer of existsSync(members) ? (await readdir(members)).sort() : []) {
      if (peer === address) continue;
      const peerPath = join(roots.sys, "bus/pci/devices", peer);
      groupPeers.push({address: peer, driver: await linkName(join(peerPath, "driver")), class: await readText(join(peerPath, "class")).catch(() => "")});
    }
  }
  return {
    address,
    path,
    vendor: await readText(join(path, "vendor")),
    device: await readText(join(path, "device")),
    class: await readText(join(path, "class")),
    driver: await linkName(join(path, "driver")),
    iommuGroup,
    groupPeers,
    disks: await disksBelow(path, roots)
  };
}

/** Every block device whose sysfs path lies under `path` (a controller's disks and partitions). */
async function disksBelow(path: string, roots: HostRoots): Promise<PciFunction["disks"]> {
  const dir = join(roots.sys, "class/block");
  const disks: PciFunction["disks"] = [];
  for (const name of existsSync(dir) ? (await readdir(dir)).sort() : []) {
    const real = resolve(dir, await readlink(join(dir, name)));
    if (!real.startsWith(`${path}/`)) continue;
    const holders = existsSync(join(real, "holders")) ? (await readdir(join(real, "holders"))).sort() : [];
    disks.push({name, dev: await readText(join(real, "dev")), holders});
  }
  return disks;
}

/** Mount points by major:minor (/proc/self/mountinfo), and the swap devices' names (/proc/swaps). */
async function inUse(roots: HostRoots): Promise<{mounts: Map<string, string[]>; swaps: Set<string>}> {
  const mounts = new Map<string, string[]>();
  const info = await readFile(join(roots.proc, "self/mountinfo"), "utf8").catch(() => "");
  for (const line of info.split("\n")) {
    const fields = line.split(" ");
    if (fields.length < 5) continue;
    const [dev, point] = [fields[2]!, fields[4]!.replace(/\\040/g, " ")];
    mounts.set(dev, [...(mounts.get(dev) ?? []), point]);
  }
  const swaps = new Set<string>();
  const swapText = await readFile(join(roots.proc, "swaps"), "utf8").catch(() => "");
  for (const line of swapText.split("\n").slice(1)) {
    const device = line.split(/\s+/)[0];
    if (device) swaps.add(basename(device));
  }
  return {mounts, swaps};
}

/** Drivers that may share an IOMMU group with a passed-through function: none, the pass-through ones, bridges. */
const HARMLESS_PEER_DRIVERS = new Set(["vfio-pci", "pciback", "pcieport", "pci-stub"]);

export interface PassthroughCheck {
  device: PciFunction;
  /** The host's IOMMU in words (fingerprint). */
  iommu: string;
  /** The driver to bind: already bound to it, or not. */
  bound: boolean;
}

/**
 * The checks before `address` leaves the host for a guest: `want` is the driver the VMM needs
 * (vfio-pci for QEMU, pciback for Xen). Xen's IOMMU is the hypervisor's, not dom0's: its caller
 * passes what `xl info` says (virt_caps) instead of sysfs's IOMMU groups.
 */
export async function checkPassthrough(address: string, want: "vfio-pci" | "pciback", options: {roots?: HostRoots; xenVirtCaps?: string} = {}): Promise<PassthroughCheck> {
  const roots = options.roots ?? HOST_ROOTS;
  let iommu: string;
  if (options.xenVirtCaps !== undefined) {
    const caps = options.xenVirtCaps.split(/\s+/);
    if (!caps.some((c) => c.endsWith("_directio"))) {
      throw new PassthroughError(
        `Xen has no IOMMU on (xl info virt_caps: "${options.xenVirtCaps}", no pv_directio/hvm_directio): enable VT-d/AMD-Vi in the firmware and boot Xen with iommu=1`
      );
    }
    iommu = `Xen I/O virtualisation (virt_caps: ${caps.filter((c) => c.endsWith("_directio")).join(" ")})`;
  } else {
    const {units, groups} = await hostIommu(roots);
    if (groups === 0) {
      throw new PassthroughError(
        `no IOMMU is on (${join(roots.sys, "kernel/iommu_groups")} is empty${units.length ? `; units ${units.join(", ")} present` : ""}): enable VT-d/AMD-Vi in the firmware and boot with intel_iommu=on or amd_iommu=on`
      );
    }
    iommu = iommuKind(units);
  }
  const device = await readPciFunction(address, roots);
  if (options.xenVirtCaps === undefined && device.iommuGroup === null) {
    throw new PassthroughError(`${address} is in no IOMMU group: the IOMMU does not cover it, so vfio-pci cannot take it`);
  }
  const {mounts, swaps} = await inUse(roots);
  for (const disk of device.disks) {
    const points = mounts.get(disk.dev) ?? [];
    if (points.includes("/")) throw new PassthroughError(`${address} holds ${disk.name}, mounted on /: it is the host's boot disk and cannot be passed through`);
    if (points.length) throw new PassthroughError(`${address} holds ${disk.name}, mounted on ${points.join(", ")}: unmount it first`);
    if (swaps.has(disk.name)) throw new PassthroughError(`${address} holds ${disk.name}, in use as swap: swapoff it first`);
    if (disk.holders.length) throw new PassthroughError(`${address} holds ${disk.name}, used by ${disk.holders.join(", ")} (device mapper, RAID): stop them first`);
  }
  const busy = device.groupPeers.filter((p) => p.driver !== null && !HARMLESS_PEER_DRIVERS.has(p.driver));
  if (want === "vfio-pci" && busy.length) {
    throw new PassthroughError(
      `${address} shares IOMMU group ${device.iommuGroup} with ${busy.map((p) => `${p.address} (${p.driver})`).join(", ")}: vfio-pci needs the whole group; unbind those or pass them through too`
    );
  }
  return {device, iommu, bound: device.driver === want};
}

/**
 * Shell functions binding a PCI function to vfio-pci and giving it back: `vmmb_vfio_bind ADDR`
 * prints the driver it had ("" when none), `vmmb_vfio_release ADDR DRIVER` binds that driver
 * again (or lets the kernel probe one). Each fails with a message on stderr.
 */
export const VFIO_SHELL = `vmmb_vfio_bind() {
  a=$1; d=/sys/bus/pci/devices/$a
  [ -e "$d" ] || { echo "no PCI device $a" >&2; return 1; }
  [ -d /sys/bus/pci/drivers/vfio-pci ] || modprobe vfio-pci 2>/dev/null || { echo "modprobe vfio-pci failed" >&2; return 1; }
  old=""; [ -e "$d/driver" ] && old=$(basename "$(readlink "$d/driver")")
  [ "$old" = vfio-pci ] && { echo vfio-pci; return 0; }
  echo vfio-pci > "$d/driver_override" || return 1
  [ -n "$old" ] && { echo "$a" > "$d/driver/unbind" || return 1; }
  echo "$a" > /sys/bus/pci/drivers_probe 2>/dev/null
  now=""; [ -e "$d/driver" ] && now=$(basename "$(readlink "$d/driver")")
  [ "$now" = vfio-pci ] || { echo "$a did not bind to vfio-pci (driver now: \${now:-none})" >&2; return 1; }
  echo "$old"
}
vmmb_vfio_release() {
  a=$1; old=$2; d=/sys/bus/pci/devices/$a
  [ -e "$d/driver" ] && echo "$a" > "$d/driver/unbind"
  echo > "$d/driver_override"
  if [ -n "$old" ] && [ "$old" != vfio-pci ]; then
    [ -d "/sys/bus/pci/drivers/$old" ] || modprobe "$old" 2>/dev/null
    echo "$a" > "/sys/bus/pci/drivers/$old/bind" 2>/dev/null || echo "$a" > /sys/bus/pci/drivers_probe
  fi
  now=""; [ -e "$d/driver" ] && now=$(basename "$(readlink "$d/driver")")
  [ -z "$old" ] || [ "$now" = "$old" ] || { echo "$a was not given back to $old (driver now: \${now:-none})" >&2; return 1; }
  echo "\${now:-none}"
}
`;

async function shell(script: string, what: string): Promise<string> {
  const result = await execa("sh", ["-c", script], {reject: false, all: true});
  if (result.exitCode !== 0) throw new ProcessFailedError(what, result.exitCode, result.signal, false, String(result.all ?? ""));
  return String(result.stdout).trim().split("\n").at(-1) ?? "";
}

/** A pass-through in effect: the device bound for the guest, and how to give it back. */
export interface Binding {
  address: string;
  /** The driver the device had before (null: none), given back by `release`. */
  previous: string | null;
  /** The driver it is bound to now (vfio-pci or pciback). */
  driver: string;
  release(): Promise<string>;
}

/** Binds `address` to vfio-pci (after checkPassthrough) and returns how to give it back. */
export async function bindVfio(check: PassthroughCheck): Promise<Binding> {
  const address = check.device.address;
  const previous = check.bound ? "vfio-pci" : await shell(`${VFIO_SHELL}vmmb_vfio_bind ${address}`, `binding ${address} to vfio-pci`);
  return {
    address,
    previous: previous || null,
    driver: "vfio-pci",
    // Left bound when it was vfio-pci's before: the user set it up so.
    release: () => (check.bound ? Promise.resolve("vfio-pci") : shell(`${VFIO_SHELL}vmmb_vfio_release ${address} '${previous}'`, `giving ${address} back to ${previous || "the kernel"}`))
  };
}

/** Makes `address` assignable to Xen domUs (pciback) and returns how to give it back (`xl pci-assignable-remove -r`). */
export async function bindPciback(check: PassthroughCheck, xl = "xl"): Promise<Binding> {
  const address = check.device.address;
  const run = async (args: string[]) => {
    const result = await execa(xl, args, {reject: false, all: true, timeout: 60_000});
    if ((result as {code?: string}).code === "ENOENT") throw new MissingDependencyError(xl, "apt-get install xen-utils");
    if (result.exitCode !== 0) throw new ProcessFailedError(`${xl} ${args.join(" ")}`, result.exitCode, result.signal, Boolean(result.timedOut), String(result.all ?? ""));
  };
  if (!check.bound) await run(["pci-assignable-add", address]);
  return {
    address,
    previous: check.device.driver,
    driver: "pciback",
    release: async () => {
      if (check.bound) return "pciback";
      await run(["pci-assignable-remove", "-r", address]);
      return check.device.driver ?? "none";
    }
  };
}

/** The fingerprint's words for a host pass-through (before the guest says which driver it used). */
export function passthroughExtra(check: PassthroughCheck, binding: Binding): Record<string, string> {
  const d = check.device;
  return {
    pt_device: `${d.address} (PCI ${d.vendor.replace(/^0x/, "")}:${d.device.replace(/^0x/, "")}, class ${d.class.replace(/^0x/, "")})`,
    pt_iommu: check.iommu,
    pt_host_driver: binding.driver,
    pt_previous_driver: binding.previous ?? "none"
  };
}

/** The guest's DISK frame (guest/init-script.ts) as fingerprint extras: the disk the file suite wrote to and the driver that drove it. */
export function guestDiskExtra(disk: Record<string, string> | undefined): Record<string, string> {
  if (!disk) return {};
  const keys = ["dev", "disk_driver", "pci", "pci_driver", "pci_id"] as const;
  return Object.fromEntries(keys.filter((k) => disk[k]).map((k) => [k === "dev" ? "disk_dev" : k === "disk_driver" ? "disk_driver" : `disk_${k}`, disk[k]!]));
}
