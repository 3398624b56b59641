import {describe, expect, it} from "vitest";
import {parseLatMemRd} from "../../../../data-loaders/suites/lmbench/formats/lat-mem-rd.ts";
import {ParseError} from "../../../../data-loaders/errors.ts";
import {HAVE_SHARED} from "../../../helpers/shared.ts";
import {expectGolden, ownPath, readOwn, readShared, sampleOf, sharedPath} from "../../../parsers/helpers.ts";

const REAL = "lmbench/vc-lat_mem_rd-strides-128-1024.txt";

describe.skipIf(!HAVE_SHARED)("lmbench-lat-mem-rd on real fixtures", () => {
  it("parses four stride blocks", () => {
    const parsed = parseLatMemRd(readShared(REAL), REAL);
    expect(new Set(parsed.samples.map((sample) => sample.params.stride))).toEqual(new Set([128, 256, 512, 1024]));
    expect(sampleOf(parsed, "lat_mem_rd", {stride: 1024, size_mb: 4096}).value).toBe(85.393);
    expect(sampleOf(parsed, "lat_mem_rd", {stride: 128, size_mb: 0.00049}).value).toBe(1.186);
    expectGolden(sharedPath(REAL), parsed);
  });
});

describe("lmbench-lat-mem-rd on own fixtures", () => {
  it("parses stride blocks", () => {
    const parsed = parseLatMemRd(readOwn("lmbench/lat_mem_rd.txt"), "lat_mem_rd.txt");
    expect(sampleOf(parsed, "lat_mem_rd", {stride: 256, size_mb: 8}).value).toBe(101.9);
    expect(parsed.samples.every((sample) => sample.unit === "ns")).toBe(true);
    expectGolden(ownPath("lmbench/lat_mem_rd.txt"), parsed, "own-");
  });

  it("rejects a row cut in half", () => {
    expect(() => parseLatMemRd('"stride=64\n0.00049 1.290\n0.00098\n', "cut.txt")).toThrow(/cut\.txt:3: expected a lat_mem_rd row/);
  });

  it("rejects a row before any stride title", () => {
    const error = (() => {
      try {
        parseLatMemRd("0.00049 1.290\n", "x.txt");
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ParseError);
    expect((error as ParseError).line).toBe(1);
  });
});
