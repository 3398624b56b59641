/**
 * The built-in STREAM probe, run for real: McCalpin's four kernels, validated, one sample per
 * iteration after the discarded first, in the metrics a real STREAM output is ingested under, and a
 * note wherever the array is below STREAM's 4× last-level-cache rule.
 */
import {execFileSync} from "node:child_process";
import {describe, expect, it} from "vitest";
import {parseProbeOutput} from "../../../data-loaders/probes/parse-output.ts";
import {buildProbes} from "../../../data-loaders/probes/build.ts";
import {stepTemplates} from "../../../data-loaders/campaign/steps.ts";
import {parsePlanText} from "../../../data-loaders/plan/load.ts";

describe("vmmbench-stream", () => {
  it("measures Copy, Scale, Add and Triad with a note when the array is capped below 4× the last-level cache", async () => {
    const bin = (await buildProbes())["vmmbench-stream"]!;
    const out = parseProbeOutput(execFileSync(bin, ["--array-mb", "4", "--max-array-mb", "4", "--reps", "3"], {encoding: "utf8"}), "stream.jsonl");
    expect(out.failures).toEqual([]);
    expect(out.samples.map((s) => `${s.metric}:${s.repetition}`)).toEqual(
      [0, 1, 2].flatMap((rep) => ["stream_copy", "stream_scale", "stream_add", "stream_triad"].map((m) => `${m}:${rep}`))
    );
    for (const s of out.samples) {
      expect(s).toMatchObject({suite: "stream", unit: "MB/s", params: {threads: 1}});
      expect(s.value).toBeGreaterThan(10);
    }
    const info = out.info as unknown as {array_mb: number; llc_mb: number; array_elements: number};
    expect(info.array_elements).toBe((4 * 1048576) / 8);
    if (info.llc_mb > 1) expect(out.samples[0]!.note).toMatch(/array of 4 MiB is below 4x the last-level cache .* \(--max-array-mb\)/);
    // Without a cap the array grows to 4× the cache (or to what memory allows), as STREAM's rule asks.
    const dry = parseProbeOutput(execFileSync(bin, ["--array-mb", "1", "--dry-run"], {encoding: "utf8"}), "dry.jsonl").info as unknown as {array_mb: number; llc_mb: number; mem_available_mb: number};
    expect(dry.array_mb).toBeGreaterThanOrEqual(Math.min(4 * dry.llc_mb, (0.6 * dry.mem_available_mb) / 3) - 1);
  });

  it("is a suite a plan runs, one step per round", () => {
    const plan = parsePlanText("environments: [{target: local}]\nsuites: {stream: {array_mb: 32, max_array_mb: 256, reps: 4}}\n", "p.yaml");
    expect(stepTemplates(plan.suites)).toEqual([
      {name: "stream", suite: "stream", probe: "vmmbench-stream", args: ["--array-mb", "32", "--max-array-mb", "256", "--reps", "4"], reps: 4}
    ]);
  });
});
