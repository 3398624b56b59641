/** The lab's generated pieces: the lab script, its reuse of the guest's framing, step relabelling, plans. */
import {execa} from "execa";
import {describe, expect, it} from "vitest";
import {ConfigError} from "../../data-loaders/errors.ts";
import {CHANNEL_MAGIC, initScript} from "../../data-loaders/guest/init-script.ts";
import {bootArchive, concatArchives, labInitScript} from "../../data-loaders/lab/initrd.ts";
import {paddedArchive} from "../../data-loaders/lab/boot-files.ts";
import {relabel, sameStep} from "../../data-loaders/lab/session.ts";
import {guestShellFunctions, labScript, type ScriptEnv} from "../../data-loaders/lab/script.ts";
import {loadPlan, parsePlanText} from "../../data-loaders/plan/load.ts";
import {paperPreset} from "../../data-loaders/plan/presets.ts";
import {validatePlan} from "../../data-loaders/plan/validate.ts";
import {openTarget} from "../../data-loaders/campaign/targets.ts";
import type {LabTarget} from "../../data-loaders/lab/target.ts";

const kver = "6.1.0-56-amd64";
const env = (index: number, kind: ScriptEnv["kind"], extra: Partial<ScriptEnv> = {}): ScriptEnv => ({
  index, kind, paging: "nested", vcpus: 1, memoryMb: 512, diskMb: 0, timeoutS: 100, ...extra
});

describe("lab script", () => {
  it("reuses the guest init's send/run_step and HELLO verbatim", () => {
    const {functions, hello} = guestShellFunctions(kver);
    expect(functions).toMatch(/^# send FILE KIND FIELDS/);
    expect(functions).toContain("run_step() {");
    expect(functions).not.toContain("load_modules");
    expect(hello).toContain('echo "kernel=$(uname -r)"');
    expect(hello.trimEnd().endsWith("send /tmp/vmmb.cpuinfo CPUINFO")).toBe(true);
    expect(initScript(kver)).toContain(functions);
  });

  it("is valid sh with the lab frames around each inner environment", async () => {
    const script = labScript({
      kver,
      xen: false,
      envs: [env(0, "native"), env(1, "kvm", {paging: "shadow", diskMb: 64, diskDevice: "/dev/vdd", qemuArgv: ["qemu-system-x86_64", "-drive", "file=/dev/vdd,if=virtio"]})]
    });
    await execa("sh", ["-n"], {input: script});
    expect(script).toContain(`printf '\\n${CHANNEL_MAGIC} ENV %s 0\\n' 0 >&3`);
    expect(script).toContain(`printf '\\n${CHANNEL_MAGIC} ENVEND %s %s 0\\n' 1 "$rc" >&3`);
    expect(script).toContain("kvm_paging 0"); // shadow paging: npt=0
    expect(script).toContain("'file=/dev/vdd,if=virtio'");
    expect(script).toContain("timeout -s KILL 100 ");
    expect(script).toContain("LABBYE");
  });

  it("runs Xen domUs with xl create -c and destroys them at their deadline", async () => {
    const script = labScript({kver, xen: true, envs: [env(0, "xen-pv"), env(1, "xen-pvh", {diskMb: 128, diskDevice: "/dev/vdd"})]});
    await execa("sh", ["-n"], {input: script});
    expect(script).toContain("/etc/init.d/xen start");
    expect(script).toContain("xl create -c /tmp/env0.xl < /tmp/env0.in >&3");
    expect(script).toContain("xl destroy vmmb-env1");
    expect(script).toContain("send /tmp/xl.info XLINFO");
  });

  it("refuses environments the boot cannot host", () => {
    expect(() => labScript({kver, xen: false, envs: [env(0, "xen-pv")]})).toThrow(ConfigError);
    expect(() => labScript({kver, xen: true, envs: [env(0, "native")]})).toThrow(ConfigError);
    expect(() => labScript({kver, xen: false, envs: [env(0, "kvm")]})).toThrow(/QEMU command line/);
    expect(() => labScript({kver, xen: true, envs: [env(0, "xen-pv", {diskMb: 64})]})).toThrow(/no lab device/);
  });

  it("has a valid initramfs /init", async () => {
    await execa("sh", ["-n"], {input: labInitScript(kver)});
  });
});

describe("archives", () => {
  it("pads appended archives to 4 bytes", () => {
    expect(paddedArchive(10, Buffer.from("abcd")).length).toBe(6);
    expect(paddedArchive(12, Buffer.from("abcd")).length).toBe(4);
    const joined = concatArchives([Buffer.alloc(5), bootArchive({"lab.sh": "echo"})]);
    expect(joined.subarray(8, 14).toString()).toBe("070701");
  });
});

describe("speculative steps", () => {
  const step = {id: "lab-kvm/r2/lmbench-table1", probe: "vmmbench-lat", args: ["--reps", "5"], timeoutS: 60};
  it("swaps the environment prefix of a campaign step id", () => {
    expect(relabel(step, "lab-kvm", "lab-native")).toEqual({...step, id: "lab-native/r2/lmbench-table1"});
    expect(relabel(step, "other", "x")).toBeUndefined();
  });
  it("matches buffered outputs on id, probe, arguments and timeout", () => {
    expect(sameStep(step, {...step})).toBe(true);
    expect(sameStep(step, {...step, args: ["--reps", "7"]})).toBe(false);
    expect(sameStep(step, {...step, timeoutS: 61})).toBe(false);
  });
});

describe("plans with xen and lab environments", () => {
  it("validates lab and xen environments with their defaults", () => {
    const plan = parsePlanText(
      `environments:
  - {target: lab, label: lab-kvm, inner: kvm, paging: shadow, vcpus: 2}
  - {target: lab, label: lab-pvh, inner: xen-pvh}
  - {target: xen, label: xen-hvm, type: hvm, vcpus: 4, disk_mb: 0}
suites: {lmbench: {}}
`,
      "p.yaml"
    );
    expect(plan.environments[0]).toEqual({target: "lab", label: "lab-kvm", inner: "kvm", paging: "shadow", vcpus: 2, memoryMb: 512, diskMb: 512, meters: "rep"});
    expect(plan.environments[1]).toMatchObject({target: "lab", inner: "xen-pvh", vcpus: 1});
    expect(plan.environments[2]).toEqual({target: "xen", label: "xen-hvm", type: "hvm", vcpus: 4, memoryMb: 1024, diskMb: 0, meters: "rep"});
  });

  it.each([
    ["  - {target: lab, inner: kvm, vcpus: 3, label: a}\n", /p\.yaml:2: environments\.0\.vcpus: expected an integer from 1 to 2, found 3/],
    ["  - {target: lab, inner: bhyve, label: a}\n", /environments\.0\.inner: expected one of native, kvm, xen-pv, xen-pvh/],
    ["  - {target: lab, inner: xen-pv, paging: shadow, label: a}\n", /environments\.0\.paging: expected paging only with inner: kvm/],
    ["  - {target: lab, inner: kvm, paging: ept, label: a}\n", /environments\.0\.paging: expected one of nested, shadow/],
    ["  - {target: xen, type: pvhvm, label: a}\n", /environments\.0\.type: expected one of pv, pvh, hvm/],
    ["  - {target: qemu, inner: kvm, label: a}\n", /environments\.0\.inner: expected no inner for a qemu environment/],
    ["  - {target: lab, label: a}\n", /environments\.0\.inner: expected one of native/]
  ])("points at mistakes in lab/xen environments: %#", (line, message) => {
    expect(() => parsePlanText(`environments:\n${line}suites: {lmbench: {}}\n`, "p.yaml")).toThrow(message);
  });

  it("paper: the nested lab where the host has neither KVM nor Xen, real ones where it has them", () => {
    const lab = validatePlan(paperPreset({kvm: false, xen: false}));
    expect(lab.environments.map((e) => e.label)).toEqual(["lab-native", "lab-kvm-1vcpu", "lab-kvm-2vcpu", "lab-xen-pv-1vcpu", "lab-xen-pv-2vcpu"]);
    expect(lab.environments.every((e) => e.target === "lab")).toBe(true);
    expect(lab.environments[1]).toMatchObject({inner: "kvm", paging: "shadow", vcpus: 1});
    expect(Object.keys(lab.suites).sort()).toEqual(["iozone", "linpack", "lmbench"]);
    expect(lab.environments[0]!.suites?.linpack?.n).toEqual([200, 500]);

    const kvm = validatePlan(paperPreset({kvm: true, xen: false}));
    expect(kvm.environments.map((e) => `${e.target}:${e.label}`)).toEqual([
      "local:native", "lab:lab-native", "qemu:kvm-1vcpu", "qemu:kvm-2vcpu", "lab:lab-xen-pv-1vcpu", "lab:lab-xen-pv-2vcpu"
    ]);
    const xen = validatePlan(paperPreset({kvm: false, xen: true}));
    expect(xen.environments.map((e) => `${e.target}:${e.label}`)).toContain("xen:xen-pv-2vcpu");
    const both = validatePlan(paperPreset({kvm: true, xen: true}));
    expect(both.environments.some((e) => e.target === "lab")).toBe(false);
  });

  it("paper loads as a preset", () => {
    expect(loadPlan("paper").name).toBe("paper");
  });
});

describe("campaign targets for the lab", () => {
  it("shares one session and learns every lab environment of the plan at the first open (no boot)", async () => {
    const plan = validatePlan(paperPreset({kvm: false, xen: false}));
    const probes = {"vmmbench-lat": "/nonexistent/probe-for-this-test"};
    const first = (await openTarget(plan.environments[1]!, probes, plan.environments)) as LabTarget;
    expect(first.session.groupOf(first.spec)).toBe("linux-smp2");
    expect(first.session.groupMembers("linux-smp2").map((e) => e.label)).toEqual(["lab-kvm-1vcpu", "lab-native", "lab-kvm-2vcpu"]);
    expect(first.session.groupMembers("xen-smp2").map((e) => e.label)).toEqual(["lab-xen-pv-1vcpu", "lab-xen-pv-2vcpu"]);
    const second = (await openTarget(plan.environments[0]!, probes, plan.environments)) as LabTarget;
    expect(second.session).toBe(first.session);
    await first.close();
  });
});
