/**
 * Which OpenBLAS kernel set LINPACK runs: chosen from captured /proc/cpuinfo flag sets (an AVX-512
 * Xeon OpenBLAS does not know, QEMU TCG's -cpu max, an AVX2-only Haswell, SSE4.2's Nehalem, an old
 * SSE3-only CPU), and in a real run on this machine against the name OpenBLAS itself reports.
 */
import {execFileSync, spawnSync} from "node:child_process";
import {join} from "node:path";
import {beforeAll, describe, expect, it} from "vitest";
import {buildProbesDetailed, findOpenblas} from "../../../data-loaders/probes/build.ts";
import {parseProbeOutput} from "../../../data-loaders/probes/parse-output.ts";

/** /proc/cpuinfo captured on this project's Xeon and in QEMU TCG guests (fixtures/cpuinfo/README.md). */
const CPUINFO = new URL("./fixtures/cpuinfo/", import.meta.url).pathname;

const HAVE_OPENBLAS = findOpenblas() !== null;
if (!HAVE_OPENBLAS) console.warn("[vmmbench tests] no static OpenBLAS (apt-get install libopenblas-dev): the LINPACK kernel-set tests are skipped.");

let bin: string;
beforeAll(async () => {
  if (HAVE_OPENBLAS) bin = (await buildProbesDetailed({probes: ["vmmbench-linpack"]})).binaries["vmmbench-linpack"]!;
});

const explain = (cpuinfo: string, core = "auto") =>
  JSON.parse(execFileSync(bin, ["--explain-core", "--core", core, "--cpuinfo", join(CPUINFO, cpuinfo)], {encoding: "utf8"})) as Record<string, unknown>;

describe.skipIf(!HAVE_OPENBLAS)("the LINPACK kernel set", () => {
  it.each([
    ["host-xeon-avx512.txt", "SkylakeX", 32, 73.6],
    ["tcg-max.txt", "Haswell", 16, 36.7487],
    ["tcg-Haswell-v4.txt", "Haswell", 16, 36.8],
    ["tcg-Nehalem.txt", "Nehalem", 4, 9.18984],
    ["tcg-qemu64.txt", "Prescott", 4, 9.19998]
  ])("%s: the widest set its flags support, and the peak of one core at its clock", (file, core, flops, peak) => {
    expect(explain(file)).toMatchObject({best_core: core, chosen_core: core, flops_per_cycle: flops, mhz_source: "cpu MHz", peak_gflops_per_core: peak});
  });

  it("pins a set when asked, whatever the flags", () => {
    expect(explain("host-xeon-avx512.txt", "Nehalem")).toMatchObject({best_core: "SkylakeX", chosen_core: "Nehalem", flops_per_cycle: 4});
    const bad = spawnSync(bin, ["--core", "Pentium", "--dry-run"], {encoding: "utf8"});
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--core: unknown OpenBLAS kernel set 'Pentium'/);
  });

  it("runs the set it says, as OpenBLAS itself reports it, with the set in every sample's params", () => {
    for (const core of ["auto", "Nehalem"]) {
      const out = parseProbeOutput(execFileSync(bin, ["--n", "200", "--reps", "1", "--core", core], {encoding: "utf8"}), "linpack.jsonl");
      const info = out.info as unknown as {core: string; blas_core: string; core_best: string; core_why: string; peak_gflops: number};
      expect(info.core).toBe(info.blas_core);
      if (core === "auto") {
        // The machine's own best set, unless OpenBLAS picked one of the same width by itself.
        const best = JSON.parse(execFileSync(bin, ["--explain-core"], {encoding: "utf8"})).best_core as string;
        expect(info.core_best).toBe(best);
        if (info.core_why !== "OpenBLAS's own choice") expect(info.core).toBe(best);
      } else {
        expect(info).toMatchObject({core: "Nehalem", core_why: "asked for"});
      }
      const gflops = out.samples.filter((s) => s.metric === "linpack_gflops");
      expect(gflops.length).toBe(1);
      expect(gflops[0]!.params).toEqual({core: info.core, n: 200, threads: 1});
      const peak = out.samples.find((s) => s.metric === "linpack_peak_theoretical");
      if (info.peak_gflops > 0) expect(peak).toMatchObject({value: info.peak_gflops, params: {core: info.core, threads: 1}});
    }
  });
});
