/**
 * The process metrics' linkage inside a real QEMU guest (TCG, one boot per image, ~5 s each): with
 * the host's loader and libc in the image, vmmbench-lat runs lat_fork/lat_exec/lat_sh from its
 * dynamic companion as it does natively; in an image built without them the companion cannot run
 * (no dynamic loader) and the static build measures them, each sample saying which.
 */
import {beforeAll, describe, expect, it} from "vitest";
import {buildImage} from "../../data-loaders/guest/image.ts";
import {buildProbes} from "../../data-loaders/probes/build.ts";
import {parseProbeOutput, type ProbeOutput} from "../../data-loaders/probes/parse-output.ts";
import {QemuTarget} from "../../data-loaders/targets/qemu.ts";
import type {StepOutput} from "../../data-loaders/targets/target.ts";

let probes: Record<string, string>;

beforeAll(async () => {
  const bins = await buildProbes({probes: ["vmmbench-lat"]});
  probes = {"vmmbench-lat": bins["vmmbench-lat"]!, "vmmbench-lat-dyn": bins["vmmbench-lat-dyn"]!};
}, 300_000);

async function latInGuest(sharedLibraries: boolean): Promise<{output: StepOutput; out: ProbeOutput}> {
  const image = await buildImage({probes, sharedLibraries});
  const target = new QemuTarget({label: "linkage-test", accel: "tcg", image});
  const outputs: StepOutput[] = [];
  try {
    const args = ["--metrics", "lat_syscall,lat_fork,lat_exec,lat_sh", "--budget-ms", "20", "--reps", "1"];
    await target.run([{id: "lat", probe: "vmmbench-lat", args, timeoutS: 120}], (o) => void outputs.push(o));
  } finally {
    await target.close();
  }
  const output = outputs[0]!;
  return {output, out: parseProbeOutput(output.stdout, "guest")};
}

const notes = (out: ProbeOutput) => Object.fromEntries(out.samples.map((s) => [s.metric, s.note]));

describe("process linkage in a QEMU guest", () => {
  it("uses the dynamic companion when the image carries the loader and libc", async () => {
    const {output, out} = await latInGuest(true);
    expect(output.exitCode, output.stderr).toBe(0);
    expect(out.failures).toEqual([]);
    expect(out.infos.map((i) => i.linkage)).toEqual(["static", "dynamic"]);
    expect(notes(out)).toEqual({lat_syscall: undefined, lat_fork: "dynamic process", lat_exec: "dynamic process", lat_sh: "dynamic process"});
  }, 180_000);

  it("falls back to the static build in an image without them, and says why", async () => {
    const {output, out} = await latInGuest(false);
    expect(output.exitCode, output.stderr).toBe(0);
    expect(out.failures).toEqual([]);
    const fallback = "static process: no dynamic loader";
    expect(notes(out)).toEqual({lat_syscall: undefined, lat_fork: fallback, lat_exec: fallback, lat_sh: fallback});
    expect(output.stderr).toContain("process metrics from the static build: no dynamic loader");
  }, 180_000);
});
