/**
 * Device pass-through in the nested lab (docs/lab.md): the lab machine of a pass-through boot is a
 * Q35 with QEMU's emulated VT-d (`intel-iommu`, caching mode on so that the lab kernel's VFIO and
 * Xen's IOMMU code see every mapping) and, per pass-through environment, an emulated NVMe
 * controller at a fixed PCI address whose namespace is a fresh ext4 disk labelled
 * `vmmbench-pt`. It is given to the inner guest the way a real host gives it:
 *   - KVM: the controller starts on its own driver (nvme), as a host's disk would, is bound to
 *     vfio-pci with the same shell functions a real host's binding uses (targets/passthrough.ts),
 *     handed to the inner QEMU as `-device vfio-pci,host=…`, given back to nvme afterwards;
 *   - Xen: dom0 never drives it: `xen-pciback.hide=` on dom0's command line gives it to pciback at
 *     boot, as Xen hosts are set up. (Bound to dom0's nvme first and then seized by
 *     `xl pci-assignable-add`, the next `xl create` with it froze dom0 for good under the lab's
 *     emulation, twice, where the hidden one ran.) `xl pci-assignable-add` (a no-op then),
 *     `pci = [ … ]` in the domU's config, `xl pci-assignable-remove -r` afterwards.
 * The guest finds the disk by its label, whatever the controller names it. What happened — the
 * device, the IOMMU as the lab's kernel or Xen reported it, the host-side driver, the driver it was
 * given back to — comes back in a PTINFO frame for the environment's fingerprint.
 */
import {PASSTHROUGH_LABEL, VFIO_SHELL} from "../targets/passthrough.ts";

/** The lab machine of a pass-through boot: QEMU's VT-d needs the Q35 machine. */
export const IOMMU_MACHINE = ["-M", "q35", "-device", "intel-iommu,intremap=on,caching-mode=on"];
/**
 * What the lab's kernel and Xen are told so that they use that IOMMU. no_timer_check: with the
 * IO-APIC behind interrupt remapping, the kernel's boot-time count of timer ticks came up short on
 * the loaded emulator and it panicked ("timer doesn't work through Interrupt-remapped IO-APIC").
 */
export const LINUX_IOMMU_ARGS = "intel_iommu=on no_timer_check";
export const XEN_IOMMU_ARGS = "iommu=1";
/** The controller each pass-through environment gets, in words (fingerprint). */
export const LAB_PT_CONTROLLER = "NVMe controller emulated by the lab's QEMU (PCI 1b36:0010)";

// Slots of the root bus after the lab's three virtio disks (QEMU numbers them from slot 1; a
// pass-through boot has no other). Not 0x18 and up: a Xen PV domU given the controller at 00:18.0
// froze dom0 at `xl create` (twice) where the same controller at 00:05.0 ran.
const FIRST_SLOT = 0x05;
export const MAX_PT_DEVICES = 0x18 - FIRST_SLOT;

/** Dom0's kernel argument that gives the boot's controllers to pciback before any driver sees them. */
export function xenHideArg(count: number): string {
  return `xen-pciback.hide=${Array.from({length: count}, (_, n) => `(${ptAddress(n)})`).join("")}`;
}

const slot = (n: number) => (FIRST_SLOT + n).toString(16).padStart(2, "0");

/** The lab's PCI address of pass-through controller n. */
export function ptAddress(n: number): string {
  if (!(Number.isInteger(n) && n >= 0 && n < MAX_PT_DEVICES)) throw new RangeError(`pass-through controller ${n}: at most ${MAX_PT_DEVICES} per lab boot`);
  return `0000:00:${slot(n)}.0`;
}

/** The lab QEMU's arguments for pass-through controller n backed by `file`. */
export function ptDeviceArgs(file: string, n: number): string[] {
  return ["-drive", `file=${file},if=none,id=pt${n},format=raw,cache=none`, "-device", `nvme,drive=pt${n},serial=vmmb-pt${n},addr=${slot(n)}.0`];
}

/** The label of the pass-through disk's file system (the guest mounts the disk that carries it). */
export const LAB_PT_LABEL = PASSTHROUGH_LABEL;

/**
 * Shell functions of a pass-through boot's lab script: `pt_start ADDR` takes the controller from
 * its driver for the guest (sets pt_prev, pt_host; 1 and a LABNOTE when it cannot), `pt_stop ADDR`
 * gives it back (sets pt_back), `pt_facts K ADDR` sends the PTINFO frame of environment K.
 */
export function ptShell(xen: boolean): string {
  const driverOf = `drv() { [ -e "/sys/bus/pci/devices/$1/driver" ] && basename "$(readlink "/sys/bus/pci/devices/$1/driver")"; }`;
  // As on a host, the controller is on its own driver before it is passed through (Xen's is pciback from boot, see above).
  const own = `modprobe nvme 2>/dev/null; n=0; while [ -z "$(drv "$1")" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done; pt_prev=$(drv "$1")`;
  const lines = xen
    ? [
        driverOf,
        `pt_start() {`,
        `  pt_prev=$(drv "$1")`,
        `  xl pci-assignable-add "$1" 2>/tmp/vmmb.pt || { labnote "pass-through: xl pci-assignable-add $1: $(tail -n 3 /tmp/vmmb.pt)"; return 1; }`,
        `  pt_host=$(drv "$1")`,
        `}`,
        `pt_stop() {`,
        `  xl pci-assignable-remove -r "$1" 2>/tmp/vmmb.pt || labnote "pass-through: xl pci-assignable-remove -r $1: $(tail -n 3 /tmp/vmmb.pt)"`,
        `  pt_back=$(drv "$1")`,
        `}`,
        `pt_iommu() { xl dmesg | grep -E 'I/O virtualisation|Interrupt remapping|VT-d (Queued|Interrupt|Shared)' | sed 's/^(XEN) //' | tr '\\n' ';'; echo; xl info | grep virt_caps; }`
      ]
    : [
        VFIO_SHELL.trimEnd(),
        driverOf,
        `pt_start() {`,
        `  ${own}`,
        `  vmmb_vfio_bind "$1" > /dev/null 2>/tmp/vmmb.pt || { labnote "pass-through: binding $1 to vfio-pci: $(cat /tmp/vmmb.pt)"; return 1; }`,
        `  pt_host=$(drv "$1")`,
        `}`,
        `pt_stop() {`,
        `  vmmb_vfio_release "$1" "$pt_prev" > /dev/null 2>/tmp/vmmb.pt || labnote "pass-through: $(cat /tmp/vmmb.pt)"`,
        `  pt_back=$(drv "$1")`,
        `}`,
        `pt_iommu() { echo "units=$(ls /sys/class/iommu | tr '\\n' ' ') groups=$(ls /sys/kernel/iommu_groups | wc -l)"; dmesg | grep -E 'DMAR: IOMMU enabled|DMAR-IR: Enabled|Queued invalidation' | sed 's/^\\[[^]]*\\] //' | tr '\\n' ';'; echo; }`
      ];
  lines.push(
    `pt_facts() {`,
    `  d=/sys/bus/pci/devices/$2`,
    `  {`,
    `    echo "address=$2"`,
    `    echo "id=$(cat "$d/vendor" 2>/dev/null):$(cat "$d/device" 2>/dev/null)"`,
    `    echo "lspci=$(lspci -nn -s "$2" 2>/dev/null)"`,
    `    echo "previous_driver=\${pt_prev:-none}"`,
    `    echo "host_driver=\${pt_host:-none}"`,
    `    echo "given_back=\${pt_back:-none}"`,
    `    echo "iommu=$(pt_iommu | tr '\\n' ' ')"`,
    `  } > /tmp/vmmb.ptinfo 2>&1`,
    `  send /tmp/vmmb.ptinfo PTINFO "$1"`,
    `}`
  );
  return lines.join("\n");
}

/** Wraps an inner environment's lines: the controller is taken before it starts and given back after. */
export function ptWrap(index: number, address: string, body: string[]): string[] {
  return [
    `pt_prev=; pt_host=; pt_back=`,
    `if pt_start ${address}; then`,
    ...body.map((line) => `  ${line}`),
    `  pt_stop ${address}`,
    `else`,
    `  rc=126`,
    `fi`,
    `pt_facts ${index} ${address}`
  ];
}
