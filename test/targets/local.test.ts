import {execFileSync} from "node:child_process";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {hostname, tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {ConfigError} from "../../data-loaders/errors.ts";
import {LocalTarget, parseHostFacts, hypervisorFromFacts} from "../../data-loaders/targets/local.ts";
import type {Step, StepOutput} from "../../data-loaders/targets/target.ts";
import {buildFakeProbe} from "../helpers/sshd.ts";

let dir: string;
let probe: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "vmmbench-local-"));
  probe = await buildFakeProbe(dir);
});

afterAll(() => {
  if (dir) rmSync(dir, {recursive: true, force: true});
});

async function runAll(target: LocalTarget, steps: Step[]): Promise<StepOutput[]> {
  const outputs: StepOutput[] = [];
  await target.run(steps, (output) => void outputs.push(output));
  return outputs;
}

describe("LocalTarget", () => {
  it("runs steps in order and reports stdout, stderr and exit codes as data", async () => {
    const target = new LocalTarget({probes: {fake: probe}});
    const outputs = await runAll(target, [
      {id: "a", probe: "fake", args: ["json", "lat_syscall", "0.25"], timeoutS: 10},
      {id: "b", probe: "fake", args: ["exit", "3"], timeoutS: 10},
      {id: "c", probe: "fake", args: ["args", "two words", "it's", "$HOME", "*", ""], timeoutS: 10}
    ]);
    expect(outputs.map((o) => o.id)).toEqual(["a", "b", "c"]);
    expect(outputs[0]).toMatchObject({stdout: '{"metric":"lat_syscall","value":0.25}\n', stderr: "", exitCode: 0, signal: null, timedOut: false});
    expect(JSON.parse(outputs[0]!.stdout)).toEqual({metric: "lat_syscall", value: 0.25});
    expect(outputs[1]).toMatchObject({stdout: '{"exiting":3}\n', stderr: "fake probe: failing on purpose\n", exitCode: 3, signal: null, timedOut: false});
    expect(JSON.parse(outputs[2]!.stdout)).toEqual({args: ["two words", "it's", "$HOME", "*", ""]});
    for (const output of outputs) expect(output.durationMs).toBeGreaterThan(0);
    await target.close();
  });

  it("kills a hanging step's whole process group at its timeout and goes on with the next step", async () => {
    const target = new LocalTarget({probes: {fake: probe}, killGraceS: 1});
    const started = Date.now();
    const outputs = await runAll(target, [
      {id: "hang", probe: "fake", args: ["fork-sleep", "30"], timeoutS: 1},
      {id: "after", probe: "fake", args: ["json"], timeoutS: 10}
    ]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(outputs[0]).toMatchObject({id: "hang", stdout: '{"sleeping":30}\n', exitCode: null, timedOut: true});
    expect(outputs[0]!.signal).toMatch(/^SIG(TERM|KILL)$/);
    expect(outputs[0]!.durationMs).toBeGreaterThanOrEqual(950);
    expect(outputs[1]).toMatchObject({id: "after", exitCode: 0, timedOut: false});
    // The forked sleeper went with its process group (zombies awaiting a reaper do not count).
    const alive = execFileSync("ps", ["-eo", "stat=,args="], {encoding: "utf8"})
      .split("\n")
      .filter((line) => line.includes("fork-sleep 30") && !line.trim().startsWith("Z"));
    expect(alive).toEqual([]);
  });

  it("reports death by signal", async () => {
    const target = new LocalTarget({probes: {fake: probe}});
    const [output] = await runAll(target, [{id: "segv", probe: "fake", args: ["signal", "11"], timeoutS: 10}]);
    expect(output).toMatchObject({exitCode: null, signal: "SIGSEGV", timedOut: false});
  });

  it("reports a binary that cannot be executed as exit code 126, like a shell", async () => {
    const notExecutable = join(dir, "not-executable");
    writeFileSync(notExecutable, "#!/bin/sh\n", {mode: 0o644});
    const target = new LocalTarget({probes: {bad: notExecutable}});
    const [output] = await runAll(target, [{id: "bad", probe: "bad", args: [], timeoutS: 5}]);
    expect(output).toMatchObject({exitCode: 126, signal: null, timedOut: false});
    expect(output!.stderr).toMatch(/EACCES/);
  });

  it("rejects unknown probes, missing binaries and bad timeouts before running anything", async () => {
    const target = new LocalTarget({probes: {fake: probe, gone: join(dir, "no-such-binary")}});
    const ran: string[] = [];
    const record = (o: StepOutput) => void ran.push(o.id);
    await expect(target.run([{id: "x", probe: "nope", args: [], timeoutS: 1}], record)).rejects.toThrow(ConfigError);
    await expect(target.run([{id: "ok", probe: "fake", args: [], timeoutS: 1}, {id: "x", probe: "gone", args: [], timeoutS: 1}], record)).rejects.toThrow(/does not exist/);
    await expect(target.run([{id: "x", probe: "fake", args: [], timeoutS: 0}], record)).rejects.toThrow(/timeoutS/);
    expect(ran).toEqual([]);
    expect(() => new LocalTarget({probes: {fake: "relative/path"}})).toThrow(ConfigError);
  });

  it("fingerprints this machine", async () => {
    const fingerprint = await new LocalTarget({probes: {}}).fingerprint();
    expect(fingerprint).toMatchObject({environment: "native", hypervisor: "none", mode: "none", launch: "local", passthrough: false, host: hostname()});
    expect(fingerprint.kernel).not.toBe("unknown");
    expect(fingerprint.guestOs).not.toBe("unknown");
    expect(fingerprint.cpuModel).not.toBe("unknown");
    expect(fingerprint.vcpus).toBeGreaterThan(0);
    expect(fingerprint.memoryMb).toBeGreaterThan(0);
    expect(fingerprint.extra.host_virtualized).toMatch(/\S/);
    expect(fingerprint.extra.arch).toMatch(/\S/);
    expect((await new LocalTarget({label: "bare", probes: {}}).fingerprint()).environment).toBe("bare");
  });
});

describe("parseHostFacts", () => {
  it("reads a Xen PVH guest's facts", () => {
    const facts = parseHostFacts(
      [
        "@@kernel", "6.1.0-18-amd64", "@@arch", "x86_64", "@@hostname", "guest1",
        "@@os_release", 'NAME="Debian GNU/Linux"', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"',
        "@@nproc", "4", "@@meminfo", "MemTotal:        4030000 kB",
        "@@cpuinfo", "model name\t: Intel(R) Xeon(R)  CPU E5-2680 v4 @ 2.40GHz",
        "@@cpu_hypervisor_flag", "yes", "@@detect_virt_vm", "xen", "@@detect_virt_container", "none",
        "@@dmi_vendor", "@@dmi_product", "@@xen_type", "xen", "@@xen_guest_type", "PVH", "@@xen_version", "4.17.3", "@@end"
      ].join("\n")
    );
    expect(facts).toMatchObject({
      kernel: "6.1.0-18-amd64", hostname: "guest1", guestOs: "Debian GNU/Linux 12 (bookworm)", vcpus: 4, memoryMb: 3936,
      cpuModel: "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz", virtualization: "xen", container: "none", xenGuestType: "pvh"
    });
    expect(hypervisorFromFacts(facts)).toEqual({hypervisor: "xen", mode: "pvh", version: "4.17.3"});
  });

  it("falls back to DMI and the cpuinfo flag without systemd-detect-virt", () => {
    const base = ["@@kernel", "5.10", "@@detect_virt_vm", "unavailable", "@@detect_virt_container", "unavailable"];
    const dmi = parseHostFacts([...base, "@@dmi_vendor", "QEMU", "@@dmi_product", "Standard PC (Q35 + ICH9, 2009)", "@@cpu_hypervisor_flag", "yes", "@@end"].join("\n"));
    expect(dmi).toMatchObject({virtualization: "qemu", virtualizationSource: "dmi", container: null, cpuModel: "unknown", vcpus: 0});
    const flag = parseHostFacts([...base, "@@cpu_hypervisor_flag", "yes", "@@end"].join("\n"));
    expect(flag).toMatchObject({virtualization: "unknown", virtualizationSource: "cpuinfo"});
    const bare = parseHostFacts([...base, "@@cpu_hypervisor_flag", "no", "@@end"].join("\n"));
    expect(bare).toMatchObject({virtualization: "none", virtualizationSource: "none", guestOs: "unknown"});
    expect(hypervisorFromFacts(bare)).toEqual({hypervisor: "none", mode: "none", version: null});
  });
});
