/**
 * A step's meters as samples: the probe's meter lines of a real fork loop in the lab's KVM guest
 * joined with the KVM counters the lab read for the same spans (test/meters/fixtures/).
 */
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import type {HostMeters} from "../../data-loaders/meters/host.ts";
import {kvmSpans, parseKvmSnapshots} from "../../data-loaders/meters/kvm-debugfs.ts";
import {meterSamples} from "../../data-loaders/meters/samples.ts";
import {parseProbeOutput} from "../../data-loaders/probes/parse-output.ts";
import {ROOT} from "../helpers/shared.ts";

const FIXTURES = join(ROOT, "test", "meters", "fixtures");
const stdout = readFileSync(join(FIXTURES, "kvm-shadow-lat-fork.jsonl"), "utf8");
const host = kvmSpans(parseKvmSnapshots(readFileSync(join(FIXTURES, "kvm-shadow-lat-fork.debugfs.txt"), "utf8")), "1");
const lines = parseProbeOutput(stdout).meters;
const counted = lines.filter((line) => line.repetition !== null);

describe("meter samples", () => {
  it("gives each counted span the guest's and the host's counts per operation, tied to its repetition", () => {
    const samples = meterSamples(stdout, "step", host);
    expect(samples.every((s) => s.suite === "meters" && s.status === "ok")).toBe(true);
    const exits = samples.filter((s) => s.metric === "kvm_exits");
    expect(exits.map((s) => s.repetition)).toEqual(counted.map((line) => line.repetition));
    const line = counted[0]!;
    const span = host.spans.find((s) => s.seq === line.seq)!;
    expect(exits[0]).toMatchObject({params: {of: "lat_fork"}, unit: "exits/op", value: span.counts.find((c) => c.meter === "kvm_exits")!.value / line.ops});
    const faults = samples.find((s) => s.metric === "guest_minflt")!;
    expect(faults).toMatchObject({unit: "faults/op", value: line.guest.minflt! / line.ops});
    // Warm-up runs keep the marks paired but are no repetition.
    expect(samples.filter((s) => s.metric === "guest_minflt")).toHaveLength(counted.length);
  });

  it("records why, once per cell, where the host has no span: never a zero", () => {
    const partial: HostMeters = {...host, spans: []};
    const samples = meterSamples(stdout, "step", {...partial, missing: "the lab machine stopped before its meters came back"});
    const failed = samples.filter((s) => s.status === "failed");
    expect(failed).toEqual([{suite: "meters", metric: "kvm_exits", params: {of: "lat_fork"}, unit: "exits/op", value: Number.NaN, repetition: counted[0]!.repetition, status: "failed", note: "the lab machine stopped before its meters came back"}]);
    expect(samples.some((s) => s.metric.startsWith("kvm_") && s.status === "ok")).toBe(false);
  });

  it("records the guest's unreadable /proc/stat as failed steal and context-switch samples", () => {
    const broken = stdout.replace(/,"ctxt":\d+,"steal_us":\d+\}/g, '},"missing":{"stat":"cannot open /proc/stat: No such file or directory"}');
    const samples = meterSamples(broken, "step", undefined);
    expect(samples.filter((s) => s.status === "failed").map((s) => [s.metric, s.note])).toEqual([
      ["guest_ctxt", "cannot open /proc/stat: No such file or directory"],
      ["guest_steal", "cannot open /proc/stat: No such file or directory"]
    ]);
    expect(samples.some((s) => s.metric.startsWith("kvm_"))).toBe(false);
  });

  it("divides per MB for a bandwidth metric and keeps the cell's params", () => {
    const line = '{"type":"meter","metric":"bw_mem_write","params":{"size_mb":16},"repetition":2,"seq":4,"ops":1600,"per":"MB","guest":{"minflt":0,"majflt":0,"vcsw":0,"ivcsw":8,"utime_us":40000,"stime_us":0,"ctxt":20,"steal_us":0}}';
    const samples = meterSamples(line, "step", undefined);
    expect(samples.find((s) => s.metric === "guest_utime")).toMatchObject({params: {size_mb: 16, of: "bw_mem_write"}, unit: "us/MB", value: 25, repetition: 2});
  });
});
