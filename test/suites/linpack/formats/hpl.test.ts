import {describe, expect, it} from "vitest";
import {parseHpl} from "../../../../data-loaders/suites/linpack/formats/hpl.ts";
import {HAVE_SHARED} from "../../../helpers/shared.ts";
import {expectGolden, ownPath, readOwn, readShared, sampleOf, sharedPath} from "../../../parsers/helpers.ts";

const REAL = [
  "hpl/hpl2.1-single-WC23C2C4-2017.txt",
  "hpl/hpl2.3-sweep-540tests-first120-P1Q2.txt",
  "hpl/vc-hpl2.3-arm-N8029.txt",
  "hpl/vc-hpl2.3-intel-mkl-progress-lines.txt"
];

describe.skipIf(!HAVE_SHARED)("hpl on real fixtures", () => {
  for (const fixture of REAL) {
    it(`parses ${fixture} and matches its golden file`, () => {
      const parsed = parseHpl(readShared(fixture), fixture);
      expect(parsed.format).toBe("hpl");
      expectGolden(sharedPath(fixture), parsed);
    });
  }

  it("reads HPL 2.1's fixed-point residual and Gflops", () => {
    const parsed = parseHpl(readShared(REAL[0]!), REAL[0]!);
    expect(parsed.toolVersion).toBe("2.1");
    const params = {n: 35000, nb: 256, p: 1, q: 1, variant: "WC23C2C4"};
    expect(sampleOf(parsed, "linpack_gflops", params).value).toBe(1715.87); // 1.71587e+03
    expect(sampleOf(parsed, "linpack_residual", params).value).toBe(0.0041314);
    expect(sampleOf(parsed, "linpack_time", params).unit).toBe("s");
  });

  it("reads all 120 tests of the sweep, numbering repeated parameter sets", () => {
    const parsed = parseHpl(readShared(REAL[1]!), REAL[1]!);
    expect(parsed.samples.filter((sample) => sample.metric === "linpack_gflops")).toHaveLength(120);
    expect(parsed.meta.tests_reported).toBe("540");
    expect(sampleOf(parsed, "linpack_gflops", {n: 1000, nb: 32, variant: "WR00R2C4"}, {repetition: 0}).value).toBe(22.351);
    expect(parsed.samples.every((sample) => sample.status === undefined)).toBe(true);
  });

  it("ignores Intel MKL progress lines and keeps the duplicated ARM block as repetition 1", () => {
    const mkl = parseHpl(readShared(REAL[3]!), REAL[3]!);
    expect(sampleOf(mkl, "linpack_gflops").value).toBe(668.032);
    const arm = parseHpl(readShared(REAL[2]!), REAL[2]!);
    expect(sampleOf(arm, "linpack_gflops", {}, {repetition: 1}).value).toBe(29.874);
  });
});

describe("hpl on own fixtures", () => {
  it("marks every sample of a test with a FAILED residual as failed", () => {
    const parsed = parseHpl(readOwn("hpl/hpl2.3-one-failed-residual.txt"), "failed.txt");
    expect(sampleOf(parsed, "linpack_gflops", {n: 2000}).value).toBe(25.397);
    const failed = sampleOf(parsed, "linpack_gflops", {n: 4000});
    expect(failed.status).toBe("failed");
    expect(failed.value).toBeNaN();
    expect(failed.note).toMatch(/FAILED.*183\.512774.*28\.07 Gflops/);
    expect(sampleOf(parsed, "linpack_residual", {n: 4000}).status).toBe("failed");
    expectGolden(ownPath("hpl/hpl2.3-one-failed-residual.txt"), parsed, "own-");
  });

  it("reads NVIDIA HPL's per-GPU column", () => {
    const parsed = parseHpl(readOwn("hpl/hpl-nvidia-per-gpu.txt"), "nvidia.txt");
    expect(parsed.meta.build).toBe("nvidia");
    expect(sampleOf(parsed, "linpack_gflops").value).toBe(113000);
    expectGolden(ownPath("hpl/hpl-nvidia-per-gpu.txt"), parsed, "own-");
  });

  it("rejects a file that ends before its last result", () => {
    expect(() => parseHpl(readOwn("hpl/hpl2.3-truncated-before-result.txt"), "trunc.txt")).toThrow(/trunc\.txt:45: expected an HPL result line/);
  });

  it("rejects a file that ends before the residual check", () => {
    const lines = readOwn("hpl/hpl2.3-one-failed-residual.txt").split("\n");
    const text = lines.slice(0, lines.findIndex((line) => line.startsWith("WR11C2R4        4000")) + 1).join("\n");
    expect(() => parseHpl(text, "cut.txt")).toThrow(/cut\.txt:\d+: expected the residual check line/);
  });
});
