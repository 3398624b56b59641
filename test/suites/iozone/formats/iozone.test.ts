import {describe, expect, it} from "vitest";
import {parseIozoneAuto} from "../../../../data-loaders/suites/iozone/formats/auto.ts";
import {parseIozoneExcel} from "../../../../data-loaders/suites/iozone/formats/excel.ts";
import {parseIozoneThroughput} from "../../../../data-loaders/suites/iozone/formats/throughput.ts";
import {ParseError} from "../../../../data-loaders/errors.ts";
import {HAVE_SHARED} from "../../../helpers/shared.ts";
import {expectGolden, ownPath, readOwn, readShared, sampleOf, sharedPath} from "../../../parsers/helpers.ts";

const kib = (value: number) => (value * 1024) / 1e6;
const AUTO = [
  "iozone/iozone-auto-partial-i0i1i2-128G-2008.txt",
  "iozone/iozone3.327-auto-ext4-rhel-2010.txt",
  "iozone/iozone3.434-auto-minmax-sizes.txt",
  "iozone/iozone3.465-auto-odirect-xfs-ssd.txt"
];
const EXCEL = "iozone/iozone-excel-report-b-option.txt";

describe.skipIf(!HAVE_SHARED)("iozone on real fixtures", () => {
  for (const fixture of AUTO) {
    it(`parses ${fixture} and matches its golden file`, () => {
      const parsed = parseIozoneAuto(readShared(fixture), fixture);
      expect(parsed.format).toBe("iozone-auto");
      expect(parsed.samples.every((sample) => sample.unit === "MB/s" && sample.suite === "iozone")).toBe(true);
      expectGolden(sharedPath(fixture), parsed);
    });
  }

  it("maps the old KB layout (3.327): '32 32 184922 1033989 ...'", () => {
    const parsed = parseIozoneAuto(readShared(AUTO[1]!), AUTO[1]!);
    expect(parsed.toolVersion).toBe("3.327");
    expect(sampleOf(parsed, "file_write", {file_kb: 32, record_kb: 32}).value).toBeCloseTo(kib(184922), 9);
    expect(sampleOf(parsed, "file_freread", {file_kb: 4194304, record_kb: 16384}).value).toBeCloseTo(kib(102409), 9);
    expect(parsed.samples).toHaveLength(163 * 13);
  });

  it("maps a -i 0 -i 1 -i 2 run onto six columns (2008 fragment without banner)", () => {
    const parsed = parseIozoneAuto(readShared(AUTO[0]!), AUTO[0]!);
    expect(new Set(parsed.samples.map((sample) => sample.metric))).toEqual(
      new Set(["file_write", "file_rewrite", "file_read", "file_reread", "file_random_read", "file_random_write"])
    );
    expect(sampleOf(parsed, "file_random_write", {file_kb: 134217728, record_kb: 16384}).value).toBeCloseTo(kib(271494), 9);
  });

  it("keeps overflowing 7-digit cells apart (3.434) and records O_DIRECT (3.465)", () => {
    const minmax = parseIozoneAuto(readShared(AUTO[2]!), AUTO[2]!);
    expect(sampleOf(minmax, "file_record_rewrite", {file_kb: 1048576, record_kb: 512}).value).toBeCloseTo(kib(11968815), 9);
    const direct = parseIozoneAuto(readShared(AUTO[3]!), AUTO[3]!);
    expect(direct.meta.o_direct).toBe("enabled");
    expect(sampleOf(direct, "file_write", {file_kb: 64, record_kb: 4}).value).toBeCloseTo(kib(1865), 9);
  });

  it("parses the Excel report with left-packed rows", () => {
    const parsed = parseIozoneExcel(readShared(EXCEL), EXCEL);
    expect(parsed.samples).toHaveLength(13 * 56);
    expect(sampleOf(parsed, "file_read", {file_kb: 512, record_kb: 512}).value).toBeCloseTo(kib(15471149), 9);
    expect(sampleOf(parsed, "file_freread", {file_kb: 4096, record_kb: 4096}).value).toBeCloseTo(kib(4801789), 9);
    expect(parsed.samples.some((sample) => sample.params.file_kb === 64 && sample.params.record_kb === 128)).toBe(false);
    expectGolden(sharedPath(EXCEL), parsed);
  });
});

describe("iozone on own fixtures", () => {
  it("parses the new kB layout", () => {
    const parsed = parseIozoneAuto(readOwn("iozone/auto-new-layout.txt"), "auto-new-layout.txt");
    expect(parsed.toolVersion).toBe("3.489");
    expect(sampleOf(parsed, "file_stride_read", {file_kb: 64, record_kb: 64}).value).toBeCloseTo(kib(2800000), 9);
    expectGolden(ownPath("iozone/auto-new-layout.txt"), parsed, "own-");
  });

  it("maps -i 0 -i 2 values to write/rewrite/random read/random write", () => {
    const parsed = parseIozoneAuto(readOwn("iozone/auto-old-partial-i0-i2.txt"), "partial.txt");
    expect(sampleOf(parsed, "file_random_read", {record_kb: 1024}).value).toBeCloseTo(kib(61000), 9);
    expect(parsed.samples.some((sample) => sample.metric === "file_read")).toBe(false);
    expectGolden(ownPath("iozone/auto-old-partial-i0-i2.txt"), parsed, "own-");
  });

  it("rejects a table cut mid-row with file, line and expectation", () => {
    expect(() => parseIozoneAuto(readOwn("iozone/auto-truncated-mid-row.txt"), "cut.txt")).toThrow(/cut\.txt:9: expected 4 results per row/);
  });

  it("refuses -O (operations/sec) output", () => {
    const text = readOwn("iozone/auto-new-layout.txt").replace("Output is in kBytes/sec", "Output is in operations per second.");
    expect(() => parseIozoneAuto(text, "ops.txt")).toThrow(ParseError);
  });

  it("parses a short Excel report", () => {
    const parsed = parseIozoneExcel(readOwn("iozone/excel-report.txt"), "excel.txt");
    expect(sampleOf(parsed, "file_read", {file_kb: 32, record_kb: 16}).value).toBeCloseTo(kib(1450300), 9);
    expectGolden(ownPath("iozone/excel-report.txt"), parsed, "own-");
  });

  it("parses throughput mode (children and parent aggregates)", () => {
    const parsed = parseIozoneThroughput(readOwn("iozone/throughput-t4.txt"), "tp.txt");
    const params = {threads: 4, file_kb: 524288, record_kb: 64};
    expect(sampleOf(parsed, "file_write", {...params, aggregate: "children"}).value).toBeCloseTo(kib(1200000.5), 9);
    expect(sampleOf(parsed, "file_reread", {...params, aggregate: "parent"}).value).toBeCloseTo(kib(5100000), 9);
    expect(parsed.samples).toHaveLength(8);
    expectGolden(ownPath("iozone/throughput-t4.txt"), parsed, "own-");
  });
});
