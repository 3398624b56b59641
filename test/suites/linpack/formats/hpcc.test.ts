import {describe, expect, it} from "vitest";
import {parseHpcc} from "../../../../data-loaders/suites/linpack/formats/hpcc.ts";
import {HAVE_SHARED} from "../../../helpers/shared.ts";
import {expectGolden, ownPath, readOwn, readShared, sampleOf, sharedPath} from "../../../parsers/helpers.ts";

const PKB = "hpcc/pkb-hpcc1.4.2-2x2.txt";
const STARGATE = "hpcc/hpcc1.5.0-single-proc-stargate-2018.txt";

describe.skipIf(!HAVE_SHARED)("hpcc on real fixtures", () => {
  for (const fixture of [PKB, STARGATE]) {
    it(`parses ${fixture} and matches its golden file`, () => {
      const parsed = parseHpcc(readShared(fixture), fixture);
      expect(parsed.format).toBe("hpcc");
      expectGolden(sharedPath(fixture), parsed);
    });
  }

  it("reads the HPL section and the summary results (1.4.2, 2x2)", () => {
    const parsed = parseHpcc(readShared(PKB), PKB);
    expect(parsed.toolVersion).toBe("1.4.2");
    expect(sampleOf(parsed, "linpack_gflops", {n: 39552, p: 2, q: 2}).value).toBe(33.18); // 3.318e+01
    expect(sampleOf(parsed, "hpcc_dgemm", {scope: "star"}).value).toBe(10.3432);
    expect(sampleOf(parsed, "stream_triad", {scope: "star"}).value).toBeCloseTo(5920.76, 6); // 5.92076 GB/s
    expect(sampleOf(parsed, "hpcc_pingpong_latency", {stat: "max"}).value).toBe(0.384119);
    // HPL_Tflops repeats the HPL section and is not stored twice
    expect(parsed.samples.filter((sample) => sample.metric === "linpack_gflops")).toHaveLength(1);
  });

  it("reads both runs appended to one hpccoutf.txt", () => {
    const parsed = parseHpcc(readShared(STARGATE), STARGATE);
    expect(parsed.meta.runs).toBe("2");
    expect(sampleOf(parsed, "linpack_gflops", {variant: "WC11C2R4"}).value).toBe(2.856);
    expect(sampleOf(parsed, "linpack_gflops", {variant: "WR11C2R4"}).value).toBe(4.01);
    expect(sampleOf(parsed, "hpcc_dgemm", {scope: "star", procs: 4}).value).toBeGreaterThan(0);
  });
});

describe("hpcc on own fixtures", () => {
  it("reads a minimal run and skips results HPCC marks as not run (-1)", () => {
    const parsed = parseHpcc(readOwn("hpcc/hpcc1.5-minimal.txt"), "hpcc.txt");
    expect(sampleOf(parsed, "linpack_gflops").value).toBe(26.88);
    expect(sampleOf(parsed, "stream_copy", {scope: "star", array_elements: 2000000, procs: 2}).value).toBe(4100);
    expect(parsed.samples.some((sample) => sample.metric === "hpcc_pingpong_latency")).toBe(false);
    expectGolden(ownPath("hpcc/hpcc1.5-minimal.txt"), parsed, "own-");
  });

  it("rejects a run whose section never ends", () => {
    const text = readOwn("hpcc/hpcc1.5-minimal.txt").split("End of Summary section.")[0]!;
    expect(() => parseHpcc(text, "cut.txt")).toThrow(/cut\.txt:\d+: expected "End of Summary section\."/);
  });
});
