/**
 * Pass-through in the nested lab (lab/passthrough.ts): the lab machine's QEMU command line (Q35,
 * emulated VT-d, one NVMe controller per environment), the inner launches (the L2 QEMU's vfio-pci
 * device, the domU's `pci = [ … ]`), the lab script's binding around each environment, and how a
 * refusal reads — then, under the lab's time budget, one real KVM guest writing and reading its
 * passed-through disk through `vmmbench run` (skipped when not root or with VMMBENCH_LAB_TESTS=0).
 */
import {execa} from "execa";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {ConfigError} from "../../data-loaders/errors.ts";
import type {GuestImage} from "../../data-loaders/guest/image.ts";
import {writeLabBoot} from "../../data-loaders/lab/boot-files.ts";
import {LAB_PT_LABEL, MAX_PT_DEVICES, ptAddress, ptDeviceArgs, ptShell} from "../../data-loaders/lab/passthrough.ts";
import type {LabRoot} from "../../data-loaders/lab/root.ts";
import {labScript, type ScriptEnv} from "../../data-loaders/lab/script.ts";
import {refusal, type LabEnvSpec} from "../../data-loaders/lab/session.ts";
import {Store} from "../../data-loaders/store/store.ts";
import {ROOT} from "../helpers/shared.ts";

const kver = "6.1.0-57-amd64";

describe("the lab's pass-through controllers", () => {
  it("sit at fixed high slots of the root bus, each an NVMe controller over its own disk", () => {
    expect(ptAddress(0)).toBe("0000:00:05.0");
    expect(ptAddress(MAX_PT_DEVICES - 1)).toBe("0000:00:17.0");
    expect(() => ptAddress(MAX_PT_DEVICES)).toThrow(RangeError);
    expect(ptDeviceArgs("/run/env2.img", 1)).toEqual(["-drive", "file=/run/env2.img,if=none,id=pt1,format=raw,cache=none", "-device", "nvme,drive=pt1,serial=vmmb-pt1,addr=06.0"]);
  });
});

describe("a pass-through boot's files", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "vmmb-pt-boot-"));
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  /** Stand-ins for the lab root and the guest image: the boot's files are written, nothing boots. */
  function stubs(): {lab: LabRoot; image: GuestImage} {
    for (const name of ["initrd.cpio", "initramfs.cpio", "vmlinux", "vmlinuz", "root.img", "xen.elf"]) writeFileSync(join(dir, name), Buffer.alloc(512));
    const lab = {dir, hash: "0".repeat(64), rootImage: join(dir, "root.img"), vmlinux: join(dir, "vmlinux"), vmlinuz: join(dir, "vmlinuz"), xen: join(dir, "xen.elf"), initrd: join(dir, "initrd.cpio"), manifest: {kver} as LabRoot["manifest"]};
    const image = {kernel: join(dir, "vmlinux"), bzImage: join(dir, "vmlinuz"), initramfs: join(dir, "initramfs.cpio"), hash: "f".repeat(64), kver, dir, manifest: {} as GuestImage["manifest"]};
    return {lab, image};
  }

  async function write(xen: boolean, specs: LabEnvSpec[]) {
    const runDir = mkdtempSync(join(dir, "run-"));
    const plan = new Map(specs.map((s) => [s.label, [{id: `${s.label}/iozone`, probe: "vmmbench-file", args: ["--direct"], timeoutS: 60}]]));
    const {lab, image} = stubs();
    const files = await writeLabBoot({group: "g", xen, specs, plan, lab, image, guestDisk: join(dir, "guest.img"), runDir, labVcpus: 2, labMemoryMb: 1280, slackS: 5, innerBootS: 60, nativeDiskMb: 8, qemu: "qemu-system-x86_64"});
    return {files, runDir};
  }
  const spec = (label: string, inner: LabEnvSpec["inner"], extra: Partial<LabEnvSpec> = {}): LabEnvSpec => ({label, inner, paging: "shadow", vcpus: 1, memoryMb: 384, diskMb: 16, passthrough: true, ...extra});

  it("KVM: a Q35 lab with VT-d, and the inner QEMU gets the controller with vfio-pci instead of a virtio disk", async () => {
    const {files, runDir} = await write(false, [spec("a", "kvm"), spec("b", "kvm")]);
    const line = files.args.join(" ");
    expect(line).toContain("-M q35 -device intel-iommu,intremap=on,caching-mode=on");
    expect(line).toContain("intel_iommu=on");
    expect(line).toContain(`-drive file=${join(runDir, "env0.img")},if=none,id=pt0,format=raw,cache=none -device nvme,drive=pt0,serial=vmmb-pt0,addr=05.0`);
    expect(line).toContain("-device nvme,drive=pt1,serial=vmmb-pt1,addr=06.0");
    expect(files.iommu).toBe(true);
    const l2 = files.scriptEnvs.map((e) => e.qemuArgv!.join(" "));
    expect(l2[0]).toContain("-device vfio-pci,host=0000:00:05.0");
    expect(l2[1]).toContain("-device vfio-pci,host=0000:00:06.0");
    for (const argv of l2) expect(argv).not.toContain("if=virtio");
    expect(files.scriptEnvs.map((e) => [e.passthrough, e.diskDevice])).toEqual([["0000:00:05.0", undefined], ["0000:00:06.0", undefined]]);
    // The guest finds its disk by this label: the file system made for it must carry it.
    const label = await execa("e2label", [join(runDir, "env0.img")]);
    expect(label.stdout.trim()).toBe(LAB_PT_LABEL);
  });

  it("Xen: pci = [ … ] in each domU's config, no disk line, and Xen booted with its IOMMU on", async () => {
    const {files} = await write(true, [spec("pv", "xen-pv"), spec("hvm", "xen-hvm")]);
    expect(files.args.join(" ")).toMatch(/-append console=com1 [^]*iommu=1/);
    // Dom0 never drives the controllers: pciback takes them at boot (see lab/passthrough.ts for why).
    expect(files.args.join(" ")).toMatch(/-initrd \S+ console=hvc0 panic=-1 quiet xen-pciback\.hide=\(0000:00:05\.0\)\(0000:00:06\.0\),/);
    const pv = files.launches.get(0)!;
    expect(pv).toContain('pci = [ "0000:00:05.0" ]');
    expect(pv).not.toMatch(/^disk =/m);
    const hvm = files.launches.get(1)!;
    expect(hvm).toContain('type = "hvm"');
    expect(hvm).toContain("kernel = \"/guest/vmlinuz\"");
    expect(hvm).toContain('pci = [ "0000:00:06.0" ]');
    expect(hvm).toMatch(/^extra = ".* pci=noearly nowatchdog"$/m);
  });

  it("boots pass-through environments apart from the others", async () => {
    await expect(write(false, [spec("a", "kvm"), spec("b", "kvm", {passthrough: false})])).rejects.toThrow(/boot apart/);
  });
});

describe("the lab script around a pass-through environment", () => {
  const env = (index: number, kind: ScriptEnv["kind"], extra: Partial<ScriptEnv> = {}): ScriptEnv => ({
    index, kind, paging: "shadow", vcpus: 1, memoryMb: 384, diskMb: 16, timeoutS: 100, passthrough: ptAddress(index), ...extra
  });

  it("binds, runs, gives back and reports, in valid sh, for KVM and for Xen", async () => {
    const kvm = labScript({kver, xen: false, iommu: true, envs: [env(0, "kvm", {qemuArgv: ["qemu-system-x86_64", "-device", "vfio-pci,host=0000:00:05.0"]})]});
    await execa("sh", ["-n"], {input: kvm});
    expect(kvm).toMatch(/if pt_start 0000:00:05\.0; then\n[^]*qemu-system-x86_64[^]*\n {2}pt_stop 0000:00:05\.0\nelse\n {2}rc=126\nfi\npt_facts 0 0000:00:05\.0/);
    expect(kvm).toContain("vmmb_vfio_bind");
    const xen = labScript({kver, xen: true, iommu: true, envs: [env(0, "xen-pv")]});
    await execa("sh", ["-n"], {input: xen});
    expect(xen).toContain("modprobe xen-pciback");
    expect(xen).toContain('xl pci-assignable-add "$1"');
    expect(xen).toContain('xl pci-assignable-remove -r "$1"');
    await execa("sh", ["-n"], {input: ptShell(true)});
  });

  it("refuses a pass-through environment in a boot without an IOMMU", () => {
    expect(() => labScript({kver, xen: false, envs: [env(0, "kvm", {qemuArgv: ["qemu-system-x86_64"]})]})).toThrow(ConfigError);
    expect(() => labScript({kver, xen: false, envs: [env(0, "kvm", {qemuArgv: ["qemu-system-x86_64"]})]})).toThrow(/no IOMMU/);
  });
});

describe("why a pass-through could not run", () => {
  // Xen 4.17's own words when the lab asked it for a PVH domU with pci = [ … ] (console of a lab boot).
  const PVH_CONSOLE = [
    "Parsing config from /tmp/ptpvh.xl",
    'got a tsc mode string: "native"',
    "libxl: error: libxl_x86.c:831:libxl__arch_passthrough_mode_setdefault: passthrough not yet supported for x86 PVH guests",
    ""
  ].join("\r\n");

  it("is the lab's own note on the controller first, else the VMM's last error, else its exit", () => {
    expect(refusal(["pass-through: binding 0000:00:05.0 to vfio-pci: modprobe vfio-pci failed"], PVH_CONSOLE, "kvm", "126")).toBe("binding 0000:00:05.0 to vfio-pci: modprobe vfio-pci failed");
    expect(refusal([], PVH_CONSOLE, "xen-pvh", "3")).toBe("Xen PVH (xl): libxl: error: libxl_x86.c:831:libxl__arch_passthrough_mode_setdefault: passthrough not yet supported for x86 PVH guests");
    expect(refusal([], "", "kvm", "1")).toBe("QEMU (KVM, vfio-pci) exited (rc 1) before the guest said anything");
  });
});

const BIN = join(ROOT, "bin", "vmmbench.js");
const enabled = process.env.VMMBENCH_LAB_TESTS !== "0" && process.getuid?.() === 0;

const PLAN = `name: lab-passthrough
environments:
  - {target: lab, label: lab-kvm-vtd, inner: kvm, paging: shadow, vcpus: 1, memory_mb: 384, disk_mb: 64, passthrough: true}
suites:
  iozone: {file_kb: [4096], record_kb: [1024], reps: 1, direct: true, fsync: true}
repetitions: {min: 1, max: 1}
step_timeout_s: 300
`;

describe.skipIf(!enabled)("nested lab: a KVM guest with a passed-through NVMe controller", () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "vmmbench-lab-pt-"));
    writeFileSync(join(work, "plan.yaml"), PLAN);
  });
  afterAll(() => rmSync(work, {recursive: true, force: true}));

  it("writes and reads a file on it, and the fingerprint says which device, IOMMU and drivers", async () => {
    const db = join(work, "pt.duckdb");
    const started = Date.now();
    const result = await execa("node", [BIN, "run", "--plan", join(work, "plan.yaml"), "--db", db], {reject: false, all: true, timeout: 20 * 60_000});
    process.stderr.write(`lab pass-through: vmmbench run took ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    expect(result.exitCode, String(result.all).slice(-4000)).toBe(0);
    const store = await Store.open(db);
    try {
      const rows = await store.query(`SELECT metric, passthrough, count(*)::INT AS n, min(value) AS low FROM results WHERE source = 'run' AND metric IN ('file_write', 'file_read') GROUP BY ALL ORDER BY metric`);
      expect(rows.map((r) => `${r.metric} ${r.passthrough} ${r.n}`)).toEqual(["file_read true 1", "file_write true 1"]);
      for (const r of rows) expect(Number(r.low)).toBeGreaterThan(0);
      const [env] = await store.query(`SELECT extra FROM environments WHERE environment = 'lab-kvm-vtd'`);
      const extra = JSON.parse(String(env!.extra)) as Record<string, string>;
      // The guest wrote through its own nvme driver, to the controller the lab took from nvme for vfio-pci and gave back.
      expect(extra).toMatchObject({disk_dev: "/dev/nvme0n1", disk_pci_driver: "nvme", disk_pci_id: "0x1b36:0x0010", pt_host_driver: "vfio-pci", pt_previous_driver: "nvme", pt_given_back: "nvme"});
      expect(extra.pt_iommu).toMatch(/units=dmar0/);
      expect(extra.pt_device).toContain("0000:00:05.0");
    } finally {
      store.close();
    }
  }, 25 * 60_000);
});
