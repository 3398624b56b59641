import {describe, expect, it} from "vitest";
import {parseIntelLinpack} from "../../../../data-loaders/suites/linpack/formats/intel-linpack.ts";
import {HAVE_SHARED} from "../../../helpers/shared.ts";
import {expectGolden, ownPath, readOwn, readShared, sampleOf, sharedPath} from "../../../parsers/helpers.ts";

const LINUX = "linpack-intel/intel-linpack-lin_xeon64-linux-4core-2020.txt";

describe.skipIf(!HAVE_SHARED)("intel-linpack on real fixtures", () => {
  it("parses the Linux layout: one sample triple per trial row", () => {
    const parsed = parseIntelLinpack(readShared(LINUX), LINUX);
    expect(parsed.format).toBe("intel-linpack");
    expect(parsed.samples).toHaveLength(24 * 3);
    expect(sampleOf(parsed, "linpack_gflops", {n: 5000, threads: 4}, {repetition: 1}).value).toBe(120.434);
    expect(sampleOf(parsed, "linpack_gflops", {n: 30000, align_kb: 1}).value).toBe(105.4868);
    expect(sampleOf(parsed, "linpack_residual", {n: 1000}, {repetition: 0}).value).toBe(0.05123838);
    expect(parsed.meta.residual_checks).toBe("PASSED");
    expectGolden(sharedPath(LINUX), parsed);
  });
});

describe("intel-linpack on own fixtures", () => {
  it("parses the Windows layout (CRLF, no Check column, Press any key)", () => {
    const text = readOwn("linpack-intel/windows-crlf-no-check-column.txt");
    expect(text).toContain("\r\n");
    const parsed = parseIntelLinpack(text, "windows.txt");
    expect(sampleOf(parsed, "linpack_gflops", {n: 1000}, {repetition: 1}).value).toBe(16.3151);
    expect(sampleOf(parsed, "linpack_time", {n: 4000}).value).toBe(2.201);
    expect(parsed.meta.cpus).toBe("2");
    expectGolden(ownPath("linpack-intel/windows-crlf-no-check-column.txt"), parsed, "own-");
  });

  it("rejects output cut inside the trial table", () => {
    const text = readOwn("linpack-intel/windows-crlf-no-check-column.txt").split("\r\n").slice(0, 24).join("\r\n");
    expect(() => parseIntelLinpack(text, "cut.txt")).toThrow(/cut\.txt:\d+: expected the "Performance Summary/);
  });

  it("marks a trial whose check failed", () => {
    const text = [
      "Number of threads: 2",
      "Size   LDA    Align. Time(s)    GFlops   Residual     Residual(norm) Check",
      "1000   1000   4      0.010      63.7248  1.502479e-02 5.123838e+08   fail",
      "",
      "End of tests"
    ].join("\n");
    const failed = sampleOf(parseIntelLinpack(text, "fail.txt"), "linpack_gflops");
    expect(failed.status).toBe("failed");
    expect(failed.value).toBeNaN();
  });
});
