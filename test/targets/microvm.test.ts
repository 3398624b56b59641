/**
 * QEMU's microvm machine type under TCG, booted for real: the guest image reports on its extra ISA
 * serial port, finds its virtio-mmio scratch disk through ACPI, and the plan names it as a target.
 */
import {beforeAll, describe, expect, it} from "vitest";
import {buildImage, type GuestImage} from "../../data-loaders/guest/image.ts";
import {parsePlanText} from "../../data-loaders/plan/load.ts";
import {MICROVM, hostTscKhz} from "../../data-loaders/targets/microvm.ts";
import {QemuTarget} from "../../data-loaders/targets/qemu.ts";
import type {StepOutput} from "../../data-loaders/targets/target.ts";
import {buildGuestProbe} from "../guest/helpers.ts";

let image: GuestImage;
beforeAll(async () => {
  image = await buildImage({probes: {guestprobe: await buildGuestProbe()}});
});

describe("microvm", () => {
  it("boots the guest image, mounts its virtio-mmio scratch disk and fingerprints the machine", async () => {
    const t = new QemuTarget({label: "microvm", image, accel: "tcg", machine: MICROVM, diskCacheMode: "none", diskMb: 64, memoryMb: 512});
    const outputs: StepOutput[] = [];
    await t.run([{id: "disk", probe: "guestprobe", args: ["disk"], timeoutS: 60}], (output) => void outputs.push(output));
    expect(outputs[0]!.stderr).toBe("");
    expect(outputs[0]!.stdout).toMatch(/^cwd=\/scratch\nmount=\/dev\/vda \/scratch ext4 .*\nwrote=1048576\n$/);
    const fp = await t.fingerprint();
    expect(fp.extra).toMatchObject({machine: "microvm", accel: "tcg"});
    expect(fp.launch).toContain("-M microvm,");
    expect(fp.launch).toContain("virtio-blk-device,drive=scratch");
  }, 120_000);

  it("tells a TCG guest the host TSC's frequency only where the host kernel knows it", () => {
    const flags = (extra: string) => `processor\t: 0\ncpu MHz\t\t: 2300.000\nflags\t\t: fpu tsc constant_tsc ${extra}\n`;
    expect(hostTscKhz(flags("nonstop_tsc tsc_known_freq"))).toBe(2_300_000);
    // Without tsc_known_freq, "cpu MHz" is the current clock (cpufreq), not the TSC's.
    expect(hostTscKhz(flags("nonstop_tsc"))).toBeUndefined();
    expect(MICROVM.kernelArgs!("kvm")).toEqual([]);
  });

  it("is a target a plan names", () => {
    const plan = parsePlanText("environments: [{target: microvm, label: light, accel: tcg, memory_mb: 512}]\nsuites: {lmbench: {}}\n", "p.yaml");
    expect(plan.environments[0]).toEqual({target: "microvm", label: "light", accel: "tcg", vcpus: 1, memoryMb: 512, diskCache: "none"});
  });
});
