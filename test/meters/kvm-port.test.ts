/**
 * The QEMU target's meter port, end to end with a real guest: QEMU's socket chardev behind the
 * guest's /dev/ttyS2, the probe's marks, the host's answers. This machine has no usable KVM, so the
 * guest runs under TCG and the host's snapshots say why KVM's counters cannot be read — the
 * reason a KVM host without debugfs (or without root) records.
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {buildImage, type GuestImage} from "../../data-loaders/guest/image.ts";
import {KvmMeterPort} from "../../data-loaders/meters/kvm-port.ts";
import {meterSamples} from "../../data-loaders/meters/samples.ts";
import {parseProbeOutput} from "../../data-loaders/probes/parse-output.ts";
import {buildProbes} from "../../data-loaders/probes/build.ts";
import {QemuTarget} from "../../data-loaders/targets/qemu.ts";
import type {StepOutput} from "../../data-loaders/targets/target.ts";

let image: GuestImage;
const dir = mkdtempSync(join(tmpdir(), "vmmbench-kvm-port-"));
beforeAll(async () => {
  image = await buildImage({probes: await buildProbes({probes: ["vmmbench-lat"]})});
}, 600_000);
afterAll(() => rmSync(dir, {recursive: true, force: true}));

describe("KVM meter port", () => {
  it("answers every mark of the guest's probe and keeps one snapshot per mark", async () => {
    let qemu: QemuTarget | undefined;
    const port = await KvmMeterPort.listen(join(dir, "meter.sock"), () => undefined);
    qemu = new QemuTarget({label: "port-test", accel: "tcg", image, env: {VMMB_METER_PORT: "/dev/ttyS2"}, qemuArgs: port.qemuArgs()});
    const outputs: StepOutput[] = [];
    try {
      await qemu.run([{id: "lat", probe: "vmmbench-lat", args: ["--metrics", "lat_syscall", "--budget-ms", "20", "--reps", "2"], timeoutS: 120}], (o) => void outputs.push({...o, meters: port.meters(0)}));
    } finally {
      await port.close();
      await qemu.close();
    }
    expect(outputs).toHaveLength(1);
    const output = outputs[0]!;
    expect(output.exitCode, output.stderr).toBe(0);
    const lines = parseProbeOutput(output.stdout).meters;
    expect(parseProbeOutput(output.stdout).info).toMatchObject({meter_host: "port"});
    // The probe waited for an answer to each mark: none is missing.
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line.missing.host).toBeUndefined();
    const meters = output.meters!;
    expect(meters.spans.map((span) => span.seq)).toEqual(lines.map((line) => line.seq));
    expect(meters.missing).toMatch(/^cannot read \/sys\/kernel\/debug\/kvm: /);
    // No zero stands in for what could not be read: each counted span says why.
    const samples = meterSamples(output.stdout, "lat", meters);
    const kvm = samples.filter((s) => s.metric.startsWith("kvm_"));
    expect(kvm.length).toBeGreaterThan(0);
    expect(kvm.every((s) => s.status === "failed" && /^cannot read \/sys\/kernel\/debug\/kvm/.test(s.note!))).toBe(true);
    expect(samples.filter((s) => s.metric === "guest_stime" && s.status === "ok")).toHaveLength(2);
  }, 300_000);
});
