/**
 * The pre-flight checks of a real host's pass-through, on sysfs/procfs trees captured in a real
 * kernel (test/targets/fixtures/sysfs/, see capture.sh: the nested lab's Q35 machine with QEMU's VT-d, an
 * NVMe controller at 0000:00:05.0 and its root disk, virtio, at 0000:00:01.0). Binding itself runs
 * for real in the lab test (test/lab/passthrough.test.ts), with the same shell functions.
 */
import {execa} from "execa";
import {describe, expect, it} from "vitest";
import {ConfigError} from "../../data-loaders/errors.ts";
import {VFIO_SHELL, checkPassthrough, guestDiskExtra, iommuKind, passthroughKey, pciAddress, PassthroughError} from "../../data-loaders/targets/passthrough.ts";
import {sysfsCapture} from "../helpers/sysfs-capture.ts";

const NVME = "0000:00:05.0";
const ROOT_DISK = "0000:00:01.0";

describe("PCI addresses", () => {
  it("take the domain when lspci leaves it out, and nothing else", () => {
    expect(pciAddress("03:00.0")).toBe("0000:03:00.0");
    expect(pciAddress(" 0000:3B:00.1 ")).toBe("0000:3b:00.1");
    expect(() => pciAddress("3:0.0")).toThrow(ConfigError);
    expect(() => pciAddress("0000:03:00.8")).toThrow(/domain:bus:device.function/);
  });

  it("are what the plan key accepts, with the disk's label", () => {
    expect(passthroughKey().parse({pci: "03:00.0"})).toEqual({pci: "0000:03:00.0", label: "vmmbench-pt"});
    expect(passthroughKey().safeParse({pci: "nvme0"}).error?.issues[0]?.message).toMatch(/PCI address/);
    expect(passthroughKey().safeParse({pci: "03:00.0", driver: "x"}).success).toBe(false);
  });
});

describe("pre-flight checks on captured sysfs trees", () => {
  it("accept a controller on its own driver, behind VT-d, with nothing mounted", async () => {
    const check = await checkPassthrough(NVME, "vfio-pci", {roots: sysfsCapture("iommu-nvme-bound")});
    expect(check.bound).toBe(false);
    expect(check.iommu).toBe("Intel VT-d (dmar0)");
    expect(check.device).toMatchObject({vendor: "0x1b36", device: "0x0010", class: "0x010802", driver: "nvme", iommuGroup: "4", groupPeers: []});
    expect(check.device.disks).toEqual([{name: "nvme0n1", dev: "259:0", holders: []}]);
  });

  it("know a controller already bound to vfio-pci", async () => {
    const check = await checkPassthrough(NVME, "vfio-pci", {roots: sysfsCapture("iommu-nvme-vfio")});
    expect(check.bound).toBe(true);
    expect(check.device.driver).toBe("vfio-pci");
  });

  it("refuse the host's boot disk", async () => {
    await expect(checkPassthrough(ROOT_DISK, "vfio-pci", {roots: sysfsCapture("iommu-nvme-bound")})).rejects.toThrow(
      "0000:00:01.0 holds vda, mounted on /: it is the host's boot disk and cannot be passed through"
    );
  });

  it("refuse a controller whose disk is mounted", async () => {
    await expect(checkPassthrough(NVME, "vfio-pci", {roots: sysfsCapture("iommu-nvme-mounted")})).rejects.toThrow("holds nvme0n1, mounted on /mnt/pt: unmount it first");
  });

  it("refuse a controller whose disk is swap, and one that shares its IOMMU group with a bound device", async () => {
    const roots = sysfsCapture("iommu-nvme-swap-ahci");
    await expect(checkPassthrough(NVME, "vfio-pci", {roots})).rejects.toThrow("holds nvme0n1, in use as swap: swapoff it first");
    await expect(checkPassthrough("0000:00:1f.3", "vfio-pci", {roots})).rejects.toThrow(/shares IOMMU group 5 with 0000:00:1f\.2 \(ahci\): vfio-pci needs the whole group/);
  });

  it("refuse a device that does not exist", async () => {
    const error = await checkPassthrough("0000:00:09.0", "vfio-pci", {roots: sysfsCapture("iommu-nvme-bound")}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PassthroughError);
    expect((error as Error).message).toMatch(/^no PCI device 0000:00:09\.0 on this host/);
  });

  it("refuse a host without an IOMMU, before anything else", async () => {
    await expect(checkPassthrough(NVME, "vfio-pci", {roots: sysfsCapture("no-iommu")})).rejects.toThrow(/^no IOMMU is on .*iommu_groups is empty.*intel_iommu=on/);
  });

  it("read Xen's IOMMU from xl info, as the lab's Xen 4.17 reported it with and without VT-d", async () => {
    const roots = sysfsCapture("no-iommu");
    const check = await checkPassthrough(NVME, "pciback", {roots, xenVirtCaps: "pv hvm hvm_directio pv_directio hap iommu_hap_pt_share gnttab-v1 gnttab-v2"});
    expect(check.iommu).toBe("Xen I/O virtualisation (virt_caps: hvm_directio pv_directio)");
    await expect(checkPassthrough(NVME, "pciback", {roots, xenVirtCaps: "pv hvm hap gnttab-v1 gnttab-v2"})).rejects.toThrow(/Xen has no IOMMU on/);
  });
});

describe("what a fingerprint keeps", () => {
  it("names the IOMMU by its units", () => {
    expect(iommuKind(["dmar0", "dmar1"])).toBe("Intel VT-d (dmar0, dmar1)");
    expect(iommuKind(["ivhd0"])).toBe("AMD-Vi (ivhd0)");
    expect(iommuKind([])).toBe("none");
  });

  it("takes the guest's DISK frame", () => {
    expect(guestDiskExtra({dev: "/dev/nvme0n1", block: "nvme0n1", pci: "0000:00:02.0", pci_driver: "nvme", pci_id: "0x1b36:0x0010"})).toEqual({
      disk_dev: "/dev/nvme0n1",
      disk_pci: "0000:00:02.0",
      disk_pci_driver: "nvme",
      disk_pci_id: "0x1b36:0x0010"
    });
    expect(guestDiskExtra(undefined)).toEqual({});
  });
});

describe("the binding's shell functions", () => {
  it("are valid sh and refuse a device that is not there", async () => {
    await execa("sh", ["-n"], {input: VFIO_SHELL});
    const result = await execa("sh", ["-c", `${VFIO_SHELL}vmmb_vfio_bind 0000:ff:1f.7`], {reject: false});
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe("no PCI device 0000:ff:1f.7");
  });
});
