import {describe, expect, it} from "vitest";
import {parseFioJson} from "../../../../data-loaders/suites/fio/formats/json.ts";
import {parseFioNormal} from "../../../../data-loaders/suites/fio/formats/normal.ts";
import {parseFioTerse} from "../../../../data-loaders/suites/fio/formats/terse.ts";
import {HAVE_SHARED} from "../../../helpers/shared.ts";
import {expectGolden, ownPath, readOwn, readShared, sampleOf, sharedPath} from "../../../parsers/helpers.ts";

const kib = (value: number) => (value * 1024) / 1e6;
const JSON_FIXTURES = [
  "fio/pkb-fio2.1.4-json-5jobs.json",
  "fio/pkb-fio2.17-json-clat-hist.json",
  "fio/vc-fio3.13-json-1job.json",
  "fio/vc-fio3.26-json-readwrite-libaio.json",
  "fio/vc-fio3.26-json-windowsaio-randwrite.json"
];
const NORMAL = "fio/fio3.16-normal-8groups-vm-iscsi.txt";
const TERSE = "fio/fio3.28-terse-v3-plus-normal-microsd.txt";

describe.skipIf(!HAVE_SHARED)("fio on real fixtures", () => {
  for (const fixture of JSON_FIXTURES) {
    it(`parses ${fixture} and matches its golden file`, () => {
      const parsed = parseFioJson(readShared(fixture), fixture);
      expect(parsed.format).toBe("fio-json");
      expect(parsed.samples.length).toBeGreaterThan(0);
      expectGolden(sharedPath(fixture), parsed);
    });
  }

  it("reads the 2.x schema (bw in KiB/s, clat in µs) and skips unused directions", () => {
    const parsed = parseFioJson(readShared(JSON_FIXTURES[0]!), JSON_FIXTURES[0]!);
    expect(parsed.toolVersion).toBe("2.1.4");
    expect(sampleOf(parsed, "fio_bw", {job: "sequential_write", rw: "write"}).value).toBeCloseTo(kib(68118), 9);
    expect(sampleOf(parsed, "fio_lat_mean", {job: "sequential_write"}).value).toBe(477734.84);
    expect(parsed.samples.some((sample) => sample.params.job === "sequential_write" && sample.params.rw === "read")).toBe(false);
  });

  it("reads the 3.x schema (bw_bytes, clat_ns) with job options as params", () => {
    const parsed = parseFioJson(readShared(JSON_FIXTURES[3]!), JSON_FIXTURES[3]!);
    const read = {job: "disk_fill", rw: "read", pattern: "readwrite", bs: 262144, iodepth: 64, numjobs: 1, ioengine: "libaio"};
    expect(sampleOf(parsed, "fio_bw", read).value).toBe(149.343283);
    expect(sampleOf(parsed, "fio_iops", {rw: "write"}).value).toBe(256.606819);
    expect(sampleOf(parsed, "fio_lat_mean", {rw: "read"}).value).toBeCloseTo(76331.646873584, 6);
    const windows = parseFioJson(readShared(JSON_FIXTURES[4]!), JSON_FIXTURES[4]!);
    expect(sampleOf(windows, "fio_lat_mean", {ioengine: "windowsaio"}).value).toBeCloseTo(418.473267365, 9);
  });

  it("uses global options and numjobs from 2.17", () => {
    const parsed = parseFioJson(readShared(JSON_FIXTURES[1]!), JSON_FIXTURES[1]!);
    expect(sampleOf(parsed, "fio_iops", {pattern: "randread", bs: 16384, numjobs: 2, ioengine: "libaio"}).value).toBe(8086.673998);
  });

  it("parses the normal text output of 8 stonewalled groups", () => {
    const parsed = parseFioNormal(readShared(NORMAL), NORMAL);
    expect(parsed.toolVersion).toBe("3.16");
    expect(sampleOf(parsed, "fio_bw", {job: "Seq-Read"}).value).toBe(68.0); // "BW=65.8MiB/s (68.0MB/s)"
    expect(sampleOf(parsed, "fio_lat_mean", {job: "Seq-Read"}).value).toBe(14878.72);
    expect(sampleOf(parsed, "fio_iops", {job: "Rand-Read-4K", bs: 4096, iodepth: 1}).value).toBe(609);
    expect(parsed.samples).toHaveLength(24);
    expectGolden(sharedPath(NORMAL), parsed);
  });

  it("parses terse v3 lines and ignores the appended normal report", () => {
    const parsed = parseFioTerse(readShared(TERSE), TERSE);
    expect(parsed.toolVersion).toBe("3.28");
    expect(sampleOf(parsed, "fio_bw", {job: "Seq1M-Read-Q8", rw: "read"}).value).toBeCloseTo(kib(52883), 9);
    expect(sampleOf(parsed, "fio_lat_mean", {job: "Seq1M-Read-Q8"}).value).toBe(135224.217241);
    expect(parsed.samples.some((sample) => sample.params.job === "Seq1M-Write-Q8" && sample.params.rw === "read")).toBe(false);
    expectGolden(sharedPath(TERSE), parsed);
    // the same file's normal section agrees to its printed precision
    const normal = parseFioNormal(readShared(TERSE), TERSE);
    expect(sampleOf(normal, "fio_iops", {job: "Rand-Read-4K-Q32"}).value).toBe(sampleOf(parsed, "fio_iops", {job: "Rand-Read-4K-Q32"}).value);
  });
});

describe("fio on own fixtures", () => {
  it("skips warning lines before the JSON document", () => {
    const parsed = parseFioJson(readOwn("fio/fio3.x-json-after-warnings.json"), "w.json");
    expect(parsed.meta.preamble_lines).toBe("2");
    expect(sampleOf(parsed, "fio_bw", {rw: "read", ioengine: "psync"}).value).toBe(5.24288);
    expect(sampleOf(parsed, "fio_lat_mean", {rw: "write"}).value).toBe(120.00025);
    expect(parsed.samples.some((sample) => sample.params.rw === "trim")).toBe(false);
    expectGolden(ownPath("fio/fio3.x-json-after-warnings.json"), parsed, "own-");
  });

  it("reports where truncated JSON stops", () => {
    const text = readOwn("fio/fio3.x-json-after-warnings.json").split("\n").slice(0, 20).join("\n");
    expect(() => parseFioJson(text, "cut.json")).toThrow(/cut\.json:\d+: expected well-formed fio JSON/);
  });

  it("parses terse v3 with job options from the description lines", () => {
    const parsed = parseFioTerse(readOwn("fio/fio3.16-terse-v3.txt"), "t.txt");
    expect(sampleOf(parsed, "fio_iops", {job: "rand-write-4k", rw: "write", iodepth: 16}).value).toBe(1024);
    expect(parsed.samples).toHaveLength(6);
    expectGolden(ownPath("fio/fio3.16-terse-v3.txt"), parsed, "own-");
  });

  it("parses fio 3 normal output with k-suffixed IOPS and fio 2 normal output", () => {
    const v3 = parseFioNormal(readOwn("fio/fio3.x-normal-one-job.txt"), "n3.txt");
    expect(sampleOf(v3, "fio_iops").value).toBe(35500);
    expect(sampleOf(v3, "fio_bw").value).toBe(145);
    const v2 = parseFioNormal(readOwn("fio/fio2.x-normal-one-job.txt"), "n2.txt");
    expect(sampleOf(v2, "fio_bw", {bs: 131072}).value).toBeCloseTo(kib(209715), 9);
    expect(sampleOf(v2, "fio_lat_mean").value).toBe(19520);
    expectGolden(ownPath("fio/fio3.x-normal-one-job.txt"), v3, "own-");
    expectGolden(ownPath("fio/fio2.x-normal-one-job.txt"), v2, "own-");
  });
});
