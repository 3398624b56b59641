/**
 * KVM's debugfs counters as the lab's responder captured them for a real fork loop under shadow
 * paging (test/meters/fixtures/README.md), and the QEMU target's own snapshot of a counter
 * directory.
 */
import {mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {ParseError} from "../../data-loaders/errors.ts";
import {kvmSpans, parseKvmSnapshots, snapshotKvm} from "../../data-loaders/meters/kvm-debugfs.ts";
import {parseProbeOutput} from "../../data-loaders/probes/parse-output.ts";
import {ROOT} from "../helpers/shared.ts";

const FIXTURES = join(ROOT, "test", "meters", "fixtures");
const text = readFileSync(join(FIXTURES, "kvm-shadow-lat-fork.debugfs.txt"), "utf8");
const stdout = readFileSync(join(FIXTURES, "kvm-shadow-lat-fork.jsonl"), "utf8");
const scratch = mkdtempSync(join(tmpdir(), "vmmbench-kvm-debugfs-"));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

describe("KVM debugfs snapshots", () => {
  it("gives one span per mark pair of the step, E minus B, for every span the probe printed", () => {
    const meters = kvmSpans(parseKvmSnapshots(text), "1");
    const lines = parseProbeOutput(stdout).meters;
    expect(meters.missing).toBeUndefined();
    expect(meters.spans.map((span) => span.seq)).toEqual(lines.map((line) => line.seq));
    const first = meters.spans[0]!;
    const count = (name: string) => first.counts.find((c) => c.meter === name)!.value;
    // The fixture's first snapshots, by hand: exits 125899 → E's value.
    const e = /@ E 1 500001 [\d.]+\nexits:(\d+)/.exec(text)![1]!;
    expect(count("kvm_exits")).toBe(Number(e) - 125899);
    // Shadow paging: a fork fills shadow page tables and write-protects the guest's.
    expect(count("kvm_pf_fixed")).toBeGreaterThan(0);
    expect(count("kvm_mmu_pte_write")).toBeGreaterThan(0);
    expect(first.unreadable).toBeUndefined();
  });

  it("names a counter this kernel does not offer instead of counting zero", () => {
    const without = text.replace(/^pf_fast:\d+\n/gm, "");
    const span = kvmSpans(parseKvmSnapshots(without), "1").spans[0]!;
    expect(span.counts.some((c) => c.meter === "kvm_pf_fast")).toBe(false);
    expect(span.unreadable?.kvm_pf_fast).toMatch(/pf_fast is not offered by this kernel/);
  });

  it("says why when the lab could not read debugfs, or took no snapshot of a step", () => {
    expect(kvmSpans(parseKvmSnapshots("@! no /sys/kernel/debug/kvm in the lab machine\n"), "0")).toMatchObject({spans: [], missing: "no /sys/kernel/debug/kvm in the lab machine"});
    expect(kvmSpans(parseKvmSnapshots(text), "7")).toMatchObject({spans: [], missing: "the host took no KVM snapshot for this step"});
  });

  it("points at the line of a malformed snapshot", () => {
    expect(() => parseKvmSnapshots("@ B 1 2 3.0\nexits 12\n", "kvmstat")).toThrow(ParseError);
    expect(() => parseKvmSnapshots("@ B 1 2 3.0\nexits 12\n", "kvmstat")).toThrow(/kvmstat:2: expected "<counter file>:<number>"/);
    expect(() => parseKvmSnapshots("exits:1\n", "kvmstat")).toThrow(/kvmstat:1/);
  });

  it("snapshots a counter directory the way the lab's responder does", () => {
    // The fixture's first snapshot as files, one per counter, as /sys/kernel/debug/kvm holds them.
    const dir = join(scratch, "kvm");
    mkdirSync(dir);
    mkdirSync(join(dir, "1234-12")); // a VM's own directory is skipped in the global one
    const first = text.split("\n@ ")[0]!.split("\n").slice(1).filter(Boolean);
    for (const line of first) writeFileSync(join(dir, line.split(":")[0]!), `${line.split(":")[1]}\n`);
    const snapshot = snapshotKvm(dir, "B", "3", 9, 12.5);
    const parsed = parseKvmSnapshots(snapshot);
    expect(parsed.snapshots).toHaveLength(1);
    expect(parsed.snapshots[0]).toMatchObject({kind: "B", step: "3", seq: 9});
    expect(parsed.snapshots[0]!.counters.get("exits")).toBe(125899);
    expect(parsed.snapshots[0]!.counters.size).toBe(first.length);
    expect(snapshotKvm(join(scratch, "absent"), "E", "3", 9, 1)).toMatch(/^@! cannot read .*absent/);
  });
});
