import {describe, expect, it} from "vitest";
import {loadPlan, parsePlanText} from "../../data-loaders/plan/load.ts";
import {ConfigError} from "../../data-loaders/errors.ts";

describe("plans", () => {
  it("validates the presets into strict types", () => {
    const quick = loadPlan("quick", {kvm: false, xen: false, kvmReason: "PVM"});
    // No KVM that boots and no dom0: the lab's KVM (shadow paging, as KVM-60) and Xen PV and PVH, beside lab-native.
    expect(quick.environments.map((e) => [e.target, e.label])).toEqual([
      ["local", "native"], ["lab", "lab-native"], ["lab", "lab-kvm"], ["lab", "lab-xen-pv"], ["lab", "lab-xen-pvh"], ["qemu", "qemu-tcg"]
    ]);
    expect(quick.environments[2]).toMatchObject({inner: "kvm", paging: "shadow", note: "the host's KVM is not used: PVM"});
    expect(quick.environments.find((e) => e.label === "qemu-tcg")).toMatchObject({accel: "tcg"});
    // The TCG guest runs a shorter LINPACK sweep than the host; everything else is shared.
    const tcg = quick.environments.find((e) => e.label === "qemu-tcg")!;
    expect(tcg.suites?.linpack?.n).toEqual([100, 200, 300]);
    expect(tcg.suites?.lmbench).toEqual(quick.suites.lmbench);
    // IOzone measures the device everywhere in quick (issue 13), not a page cache that holds the file.
    const iozoneOf = (env: (typeof quick.environments)[number]) => env.suites?.iozone ?? quick.suites.iozone;
    for (const env of quick.environments) expect(iozoneOf(env)?.direct, env.label).toBe(true);
    // One file size everywhere, so Figures 3 and 4 put every environment side by side.
    expect(new Set(quick.environments.map((env) => String(iozoneOf(env)?.fileKb))).size).toBe(1);
    expect(tcg.suites?.iozone?.recordKb).toEqual([64, 1024]);
    // Where the host has them, the real hypervisors and no lab at all.
    const real = loadPlan("quick", {kvm: true, xen: true});
    expect(real.environments.map((e) => [e.target, e.label])).toEqual([["local", "native"], ["qemu", "kvm"], ["xen", "xen-pv"], ["xen", "xen-pvh"], ["qemu", "qemu-tcg"]]);
    expect(real.environments[1]).toMatchObject({accel: "kvm"});
    expect(loadPlan("quick", {kvm: true, xen: false}).environments.map((e) => e.label)).toEqual(["native", "lab-native", "kvm", "lab-xen-pv", "lab-xen-pvh", "qemu-tcg"]);
    expect(quick.suites.lmbench?.ctx).toEqual([[2, 0], [2, 16], [2, 64], [8, 16], [8, 64], [16, 16], [16, 64]]);
    expect(quick.suites.lmbench?.table1).toContain("lat_sig_handler");
    expect(quick.repetitions.max).toBeGreaterThanOrEqual(quick.repetitions.min);
  });

  it("reads YAML with defaults and the paper's cell notation", () => {
    const plan = parsePlanText(
      `name: study
environments:
  - target: local
  - target: qemu
    label: tcg-1vcpu
    vcpus: 1
    meters: cell
suites:
  lmbench:
    ctx: [2p16k, [4, 32]]
repetitions: {min: 3, max: 5, rsd: 0.02}
`,
      "study.yaml"
    );
    // Meters around each repetition unless the plan or the environment says otherwise.
    expect(plan.environments[0]).toEqual({target: "local", label: "native", meters: "rep"});
    expect(plan.environments[1]).toMatchObject({target: "qemu", label: "tcg-1vcpu", vcpus: 1, accel: "auto", meters: "cell"});
    expect(plan.suites.lmbench?.ctx).toEqual([[2, 16], [4, 32]]);
    expect(plan.repetitions).toEqual({min: 3, max: 5, rsd: 0.02, budgetS: 3600});
  });

  it.each([
    ["environments:\n  - target: local\n  - target: vmware\nsuites: {lmbench: {}}\n", /plan\.yaml:3: environments\.1\.target: expected one of local, qemu, ssh, xen, lab, microvm, ansible, found "vmware"/],
    ["environments:\n  - target: local\nsuites:\n  lmbench:\n    reps: -1\n", /plan\.yaml:5: suites\.lmbench\.reps: expected an integer from 1 to 1000, found -1/],
    ["environments: []\nsuites: {lmbench: {}}\n", /plan\.yaml:1: environments: expected at least one environment/],
    ["environments:\n  - target: local\nsuites: {lmbench: {}}\nrepetitions: {min: 5, max: 2}\n", /plan\.yaml:4: repetitions\.max: expected at least min \(5\), found 2/],
    ["environments:\n  - target: local\nsuites:\n  lmbench:\n    ctx: [2x16]\n", /plan\.yaml:5: suites\.lmbench\.ctx\.0: expected a context-switch cell like "2p16k"/],
    ["environments: [\n", /plan\.yaml:\d+: expected valid YAML/],
    ["environments:\n  - target: local\nsuits: {}\n", /plan\.yaml:3: suits: expected one of the keys/],
    ["environments:\n  - target: local\n    meters: always\nsuites: {lmbench: {}}\n", /plan\.yaml:3: environments\.0\.meters: expected one of rep, cell, off, found "always"/],
    ["meters: no\nenvironments:\n  - target: local\nsuites: {lmbench: {}}\n", /plan\.yaml:1: meters: expected one of rep, cell, off/]
  ])("points at the line of a mistake: %#", (text, message) => {
    expect(() => parsePlanText(text, "plan.yaml")).toThrow(ConfigError);
    expect(() => parsePlanText(text, "plan.yaml")).toThrow(message);
  });

  it("says what presets exist when the plan is neither a preset nor a file", () => {
    expect(() => loadPlan("no-such-plan")).toThrow(/not a preset \(quick, full.*\) and not a readable file \(ENOENT\)/);
  });
});

describe("environment labels and hostile YAML", () => {
  const plan = (label: string) => `environments:\n  - target: local\n    label: ${JSON.stringify(label)}\nsuites:\n  lmbench: {}\n`;

  it("refuses labels that cannot name a folder or a terminal line, at their file:line", () => {
    const rule = /study\.yaml:3: environments\.0\.label: expected a label of 1 to 64 characters without control characters, "\/" or "\\" and not "\." or "\.\."/;
    for (const label of ["x".repeat(300), "..", ".", "a/b", "a\\b", "two\nlines", "red\u001b[31m", "bidi\u202eevil", " "]) {
      expect(() => parsePlanText(plan(label), "study.yaml"), JSON.stringify(label)).toThrow(label.trim() === "" ? /expected a non-empty string/ : rule);
    }
    for (const label of ["x y", "x-y", "KVM (shadow) 2 vCPU", "ünïcode", "x".repeat(64), "<img src=x onerror=alert(1)>"]) {
      expect(parsePlanText(plan(label), "study.yaml").environments[0]!.label).toBe(label);
    }
  });

  it("refuses a YAML alias bomb with its file instead of expanding it", () => {
    const levels = "abcdefghi".split("").map((name, i) => `${name}: &${name} [${i === 0 ? '"lol","lol","lol","lol","lol","lol","lol","lol","lol"' : Array(9).fill(`*${"abcdefghi"[i - 1]}`).join(",")}]`);
    const bomb = `${levels.join("\n")}\nenvironments: [{target: local}]\nsuites: {lmbench: {}}\n`;
    expect(() => parsePlanText(bomb, "bomb.yaml")).toThrow(ConfigError);
    expect(() => parsePlanText(bomb, "bomb.yaml")).toThrow(/^bomb\.yaml: expected at most 100 alias expansions/);
  });
});
