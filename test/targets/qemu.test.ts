/**
 * Real QEMU boots under TCG (the machines this runs on have no usable KVM). Each boot takes
 * 2.5–6 s; the tests share boots where they can.
 */
import {performance} from "node:perf_hooks";
import {existsSync, readFileSync} from "node:fs";
import {join} from "node:path";
import {beforeAll, describe, expect, it} from "vitest";
import {ConfigError, MissingDependencyError, ProcessFailedError} from "../../data-loaders/errors.ts";
import {buildImage, type GuestImage} from "../../data-loaders/guest/image.ts";
import {QemuTarget, type QemuTargetOptions} from "../../data-loaders/targets/qemu.ts";
import type {Step, StepOutput} from "../../data-loaders/targets/target.ts";
import {buildGuestProbe} from "../guest/helpers.ts";

let image: GuestImage;
let gzipImage: GuestImage;

beforeAll(async () => {
  const probe = await buildGuestProbe();
  image = await buildImage({probes: {guestprobe: probe}});
  gzipImage = await buildImage({probes: {guestprobe: probe}, compression: "gzip"});
});

function target(options: Partial<QemuTargetOptions> = {}): QemuTarget {
  return new QemuTarget({label: "qemu-test", accel: "tcg", image, ...options});
}

async function runAll(t: QemuTarget, steps: Step[]): Promise<Array<StepOutput & {at: number}>> {
  const outputs: Array<StepOutput & {at: number}> = [];
  await t.run(steps, (output) => void outputs.push({...output, at: performance.now()}));
  return outputs;
}

const step = (id: string, args: string[], timeoutS = 30): Step => ({id, probe: "guestprobe", args, timeoutS});

describe("QemuTarget (TCG)", () => {
  let shared: QemuTarget;
  let outputs: Array<StepOutput & {at: number}>;

  it("runs a batch in one boot; a hung step is killed at its timeout and the next still runs", async () => {
    // The probes' environment reaches them (the LINPACK probe picks its OpenBLAS kernels itself now).
    shared = target({env: {OPENBLAS_CORETYPE: "Haswell"}});
    const tricky = ["two words", "it's", "$HOME", "*", "", "new\nline"];
    outputs = await runAll(shared, [
      step("args", ["args", ...tricky]),
      step("exit3", ["exit", "3"]),
      step("hang", ["sleep", "600"], 2),
      step("signal", ["signal", "11"]),
      step("env", ["env", "OPENBLAS_CORETYPE"]),
      step("last", ["sleep", "2"])
    ]);
    expect(outputs.map((o) => o.id)).toEqual(["args", "exit3", "hang", "signal", "env", "last"]);
    const [args, exit3, hang, signal, env, last] = outputs;
    expect(JSON.parse(args!.stdout)).toEqual({args: tricky});
    expect(args).toMatchObject({stderr: "stderr-line\n", exitCode: 0, signal: null, timedOut: false});
    expect(exit3).toMatchObject({stdout: "", exitCode: 3, signal: null, timedOut: false});
    expect(hang).toMatchObject({stdout: "sleeping\n", exitCode: null, signal: "SIGKILL", timedOut: true});
    expect(hang!.durationMs).toBeGreaterThanOrEqual(1900);
    expect(hang!.durationMs).toBeLessThan(10_000);
    expect(signal).toMatchObject({exitCode: null, signal: "SIGSEGV", timedOut: false});
    expect(env!.stdout).toBe("Haswell\n");
    expect(last).toMatchObject({stdout: "sleeping\n", exitCode: 0, timedOut: false});
    expect(last!.durationMs).toBeGreaterThanOrEqual(1900);
    // Streamed: each step reached onOutput while the guest was still running the later ones.
    expect(last!.at - env!.at).toBeGreaterThan(1500);
    expect(readFileSync(join(shared.lastRunDir!, "qemu.args"), "utf8")).toContain("-accel tcg,thread=multi -cpu max");
    expect(existsSync(join(shared.lastRunDir!, "console.log"))).toBe(true);
  });

  it("fingerprints from the facts the guest reported during that boot", async () => {
    const fp = await shared.fingerprint();
    expect(fp).toMatchObject({
      environment: "qemu-test",
      hypervisor: "qemu-tcg",
      mode: "tcg",
      vcpus: 1,
      memoryMb: 1024,
      passthrough: false,
      kernel: image.kver
    });
    expect(fp.hypervisorVersion).toMatch(/^QEMU \d+\.\d+/);
    expect(fp.cpuModel).toMatch(/QEMU|TCG/);
    expect(fp.launch).toMatch(/^qemu-system-x86_64 .*-kernel \S+vmlinux -initrd \$RUN\/initrd .*-serial file:\$RUN\/channel\.bin/);
    expect(fp.extra).toMatchObject({accel: "tcg", cpu: "max", diskCacheMode: "none (no disk)", image: image.hash});
  });

  it("mounts an ext4 scratch disk (gzip initramfs + appended batch) with the asked cache mode", async () => {
    const t = target({image: gzipImage, diskCacheMode: "writeback", diskMb: 64, vcpus: 2, memoryMb: 512});
    const [disk, tmp] = await runAll(t, [step("disk", ["disk"]), step("tmp", ["env", "TMPDIR"])]);
    expect(disk!.stderr).toBe("");
    expect(disk!.stdout).toMatch(/^cwd=\/scratch\nmount=\/dev\/vda \/scratch ext4 .*\nwrote=1048576\n$/);
    expect(tmp!.stdout).toBe("/scratch\n");
    const fp = await t.fingerprint();
    expect(fp).toMatchObject({vcpus: 2, memoryMb: 512});
    expect(fp.launch).toContain("if=virtio,format=raw,cache=writeback");
    expect(fp.extra).toMatchObject({diskCacheMode: "writeback", diskMb: "64"});
  });

  it("reports the steps lost to a kernel panic with the console tail", async () => {
    const started = performance.now();
    const [before, crash, after] = await runAll(target(), [step("before", ["exit", "0"]), step("crash", ["panic"]), step("after", ["exit", "0"])]);
    expect(performance.now() - started).toBeLessThan(30_000); // panic=-1 + -no-reboot: QEMU exits at once
    expect(before).toMatchObject({id: "before", exitCode: 0});
    expect(crash).toMatchObject({id: "crash", exitCode: null, signal: null, timedOut: false});
    expect(crash!.stderr).toMatch(/stopped before this step finished/);
    expect(crash!.stderr).toMatch(/Kernel panic|sysrq/i);
    expect(after).toMatchObject({id: "after", exitCode: null, timedOut: false});
  });

  it("kills a guest that hangs completely at the deadline and reports the rest as timed out", async () => {
    // panic=0: the panicked guest spins instead of rebooting, so only the host can stop it.
    const t = target({kernelArgs: ["panic=0"], stepSlackS: 3});
    const started = performance.now();
    const [crash, after] = await runAll(t, [step("crash", ["panic"], 2), step("after", ["exit", "0"])]);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(40_000);
    expect(crash).toMatchObject({id: "crash", exitCode: null, signal: "SIGKILL", timedOut: true});
    expect(crash!.stderr).toMatch(/killed by the host: step crash did not finish/);
    expect(crash!.stderr).toMatch(/Kernel panic/);
    expect(after).toMatchObject({id: "after", exitCode: null, signal: null, timedOut: true});
  });

  it("honours the whole-batch timeout", async () => {
    const t = target({timeoutS: 8});
    const started = performance.now();
    const outputs = await runAll(t, [step("long", ["sleep", "600"], 600), step("after", ["exit", "0"])]);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(outputs.map((o) => [o.id, o.timedOut])).toEqual([["long", true], ["after", true]]);
    expect(outputs[0]!.stdout).toBe(""); // the step's output is sent when it ends: a killed step's is lost
    expect(outputs[0]!.stderr).toMatch(/batch timeout \(8 s\)/);
  });
});

describe("QemuTarget errors (no boot)", () => {
  it("throws MissingDependencyError when qemu is not on PATH", async () => {
    const saved = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      const t = target();
      await expect(t.run([step("a", ["exit", "0"])], () => {})).rejects.toThrow(MissingDependencyError);
      await expect(t.fingerprint()).rejects.toThrow(/apt-get install qemu-system-x86/);
    } finally {
      process.env.PATH = saved;
    }
  });

  it("rejects a probe the image lacks, duplicate ids and bad options before booting", async () => {
    await expect(target().run([{id: "x", probe: "nope", args: [], timeoutS: 1}], () => {})).rejects.toThrow(ConfigError);
    await expect(target().run([step("a", []), step("a", [])], () => {})).rejects.toThrow(/twice/);
    expect(() => new QemuTarget({label: "x"})).toThrow(ConfigError);
    expect(() => target({vcpus: 0})).toThrow(ConfigError);
    expect(() => target({diskCacheMode: "fast" as never})).toThrow(ConfigError);
  });

  it("throws ProcessFailedError when QEMU refuses to start", async () => {
    await expect(target({qemuArgs: ["-no-such-option"]}).run([step("a", [])], () => {})).rejects.toThrow(ProcessFailedError);
  });

  it("asks for KVM only when it is usable", async () => {
    const kvm = await target({accel: "auto"}).kvmStatus();
    if (kvm.usable) return;
    expect(kvm.reason).not.toMatch(/^ok/);
    await expect(target({accel: "kvm"}).run([step("a", [])], () => {})).rejects.toThrow(MissingDependencyError);
    expect(await target({accel: "auto"}).accel()).toBe("tcg");
  });
});
