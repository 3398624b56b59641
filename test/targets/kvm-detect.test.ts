/**
 * "KVM works" means a guest booted. Each branch of the decision is driven by a real part: a device
 * path that cannot be opened, a real QEMU refusing `-cpu host` (under TCG, where it must), a real
 * QEMU booting a kernel that hangs without a word, and — on a host whose /dev/kvm is served by
 * kvm_pvm — the real device, module and guest image.
 */
import {execFileSync} from "node:child_process";
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {buildImage, type GuestImage} from "../../data-loaders/guest/image.ts";
import {checkKvm, detectKvm, kvmProvider, qemuStartsWithKvm, type BootCheck} from "../../data-loaders/targets/kvm-detect.ts";
import {QemuTarget} from "../../data-loaders/targets/qemu.ts";
import {buildGuestProbe} from "../guest/helpers.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "vmmbench-kvm-detect-"));
});
afterAll(() => rmSync(dir, {recursive: true, force: true}));

/** A multiboot kernel (a.out kludge, loaded at 1 MiB) whose only instruction is `jmp $`: it boots and never prints. */
function hangingKernel(path: string): string {
  const magic = 0x1badb002;
  const flags = 0x00010000;
  const base = 0x100000;
  const header = Buffer.alloc(32);
  [magic, flags, (-(magic + flags)) >>> 0, base, base, 0, 0, base + 32].forEach((word, i) => header.writeUInt32LE(word >>> 0, i * 4));
  writeFileSync(path, Buffer.concat([header, Buffer.from([0xeb, 0xfe]), Buffer.alloc(30)]));
  return path;
}

function hangingImage(): GuestImage {
  const kernel = hangingKernel(join(dir, "hang.bin"));
  const initramfs = join(dir, "empty.cpio");
  writeFileSync(initramfs, Buffer.alloc(512));
  return {kernel, bzImage: kernel, initramfs, hash: "hanging-kernel", kver: "none", dir, manifest: {probes: {}} as GuestImage["manifest"]};
}

const never = (what: string) => async (): Promise<never> => {
  throw new Error(`${what} must not be reached`);
};

describe("the KVM decision", () => {
  it("stops at a device that cannot be opened, without starting QEMU", async () => {
    const status = await checkKvm({device: join(dir, "no-kvm"), modulesDir: join(dir, "modules"), qemuStarts: never("QEMU"), guestBoots: never("a boot")});
    expect(status).toMatchObject({usable: false, decidedBy: "device", provider: null});
    expect(status.reason).toMatch(/no-kvm cannot be opened read-write \(ENOENT\)/);
  });

  it("names QEMU's refusal of -cpu host and boots nothing", async () => {
    // Under TCG a real QEMU refuses `-cpu host`: the same refusal a KVM that rejects the host CPU gives.
    const why = await qemuStartsWithKvm("qemu-system-x86_64", ["-accel", "tcg"]);
    expect(why).toMatch(/host/);
    const device = join(dir, "device");
    writeFileSync(device, "");
    const status = await checkKvm({device, modulesDir: join(dir, "modules"), qemuStarts: async () => why, guestBoots: never("a boot")});
    expect(status).toMatchObject({usable: false, decidedBy: "qemu"});
    expect(status.reason).toBe(`qemu -accel kvm -cpu host does not start: ${why}`);
  });

  it("says a guest that never prints did not boot, and names PVM when kvm_pvm serves the device", async () => {
    const target = new QemuTarget({label: "hang", image: hangingImage(), accel: "tcg", bootTimeoutS: 3, cacheDir: dir});
    const started = Date.now();
    const boot: BootCheck = await target.checkBoot();
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(boot.ok).toBe(false);
    expect(!boot.ok && boot.why).toMatch(/no frame from the guest within 3 s of launch/);

    const device = join(dir, "device");
    writeFileSync(device, "");
    mkdirSync(join(dir, "pvm", "kvm_pvm"), {recursive: true});
    const generic = await checkKvm({device, modulesDir: join(dir, "modules"), qemuStarts: async () => null, guestBoots: async () => boot});
    expect(generic).toMatchObject({usable: false, decidedBy: "boot", provider: null});
    expect(generic.reason).toMatch(/^the guest image did not boot under KVM: no frame from the guest within 3 s/);
    const pvm = await checkKvm({device, modulesDir: join(dir, "pvm"), qemuStarts: async () => null, guestBoots: async () => boot});
    expect(pvm).toMatchObject({usable: false, provider: "kvm_pvm"});
    expect(pvm.reason).toMatch(/^\/dev\/kvm is served by kvm_pvm \(PVM\), which boots only PVM-enabled guest kernels; the guest image did not boot/);
  }, 30_000);

  it("calls KVM usable only after a guest said HELLO", async () => {
    const device = join(dir, "device");
    writeFileSync(device, "");
    mkdirSync(join(dir, "intel", "kvm_intel"), {recursive: true});
    const status = await checkKvm({device, modulesDir: join(dir, "intel"), qemuStarts: async () => null, guestBoots: async () => ({ok: true, seconds: 0.8})});
    expect(status).toEqual({usable: true, provider: "kvm_intel", decidedBy: "boot", reason: "ok (the guest booted under KVM in 0.8 s)", bootS: 0.8});
  });
});

describe("this host's KVM", () => {
  const pvm = kvmProvider() === "kvm_pvm" && existsSync("/dev/kvm");
  it.runIf(pvm)("on a PVM host: the real guest image does not boot, auto falls back to TCG and says why, kvm fails with the reason", async () => {
    const image = await buildImage({probes: {guestprobe: await buildGuestProbe()}});
    const cacheDir = mkdtempSync(join(tmpdir(), "vmmbench-kvm-cache-"));
    try {
      const logs: string[] = [];
      const auto = new QemuTarget({label: "auto", image, accel: "auto", cacheDir, kvmCheckS: 10, log: (line) => logs.push(line)});
      expect(await auto.accel()).toBe("tcg");
      const status = await auto.kvmStatus();
      expect(status).toMatchObject({usable: false, provider: "kvm_pvm", decidedBy: "boot"});
      expect(logs.join("\n")).toMatch(/auto: KVM not usable, using TCG: \/dev\/kvm is served by kvm_pvm \(PVM\)/);
      // The verdict is cached per host on disk: the next process (another QEMU spelling, so not this
      // process's memo) reads it instead of booting.
      const started = Date.now();
      const qemu = execFileSync("sh", ["-c", "command -v qemu-system-x86_64"], {encoding: "utf8"}).trim();
      const again = await detectKvm({qemu, imageKey: async () => image.hash, cacheDir, guestBoots: never("a second boot")});
      expect(again).toEqual(status);
      expect(Date.now() - started).toBeLessThan(2000);
      const explicit = new QemuTarget({label: "kvm", image, accel: "kvm", cacheDir});
      await expect(explicit.accel()).rejects.toThrow(/usable KVM is missing \(\/dev\/kvm is served by kvm_pvm/);
    } finally {
      rmSync(cacheDir, {recursive: true, force: true});
    }
  }, 120_000);
});
