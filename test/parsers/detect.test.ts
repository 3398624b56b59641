import {readdirSync} from "node:fs";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {detectFormat, listFormats, parseAny, parseAs} from "../../data-loaders/parsers/detect.ts";
import {ParseError} from "../../data-loaders/errors.ts";
import {HAVE_SHARED, SHARED_FIXTURES} from "../helpers/shared.ts";
import {OWN_FIXTURES, readOwn, readShared} from "./helpers.ts";

/** Format each real fixture must be detected as, from its content alone. */
const REAL_FORMATS: Record<string, string> = {
  "fio/fio3.16-normal-8groups-vm-iscsi.txt": "fio-normal",
  "fio/fio3.28-terse-v3-plus-normal-microsd.txt": "fio-terse",
  "fio/pkb-fio2.1.4-json-5jobs.json": "fio-json",
  "fio/pkb-fio2.17-json-clat-hist.json": "fio-json",
  "fio/vc-fio3.13-json-1job.json": "fio-json",
  "fio/vc-fio3.26-json-readwrite-libaio.json": "fio-json",
  "fio/vc-fio3.26-json-windowsaio-randwrite.json": "fio-json",
  "hpcc/hpcc1.5.0-single-proc-stargate-2018.txt": "hpcc",
  "hpcc/pkb-hpcc1.4.2-2x2.txt": "hpcc",
  "hpl/hpl2.1-single-WC23C2C4-2017.txt": "hpl",
  "hpl/hpl2.3-sweep-540tests-first120-P1Q2.txt": "hpl",
  "hpl/vc-hpl2.3-arm-N8029.txt": "hpl",
  "hpl/vc-hpl2.3-intel-mkl-progress-lines.txt": "hpl",
  "iozone/iozone-auto-partial-i0i1i2-128G-2008.txt": "iozone-auto",
  "iozone/iozone-excel-report-b-option.txt": "iozone-excel",
  "iozone/iozone3.327-auto-ext4-rhel-2010.txt": "iozone-auto",
  "iozone/iozone3.434-auto-minmax-sizes.txt": "iozone-auto",
  "iozone/iozone3.465-auto-odirect-xfs-ssd.txt": "iozone-auto",
  "linpack-intel/intel-linpack-lin_xeon64-linux-4core-2020.txt": "intel-linpack",
  "lmbench/lmbench3-a9-aarch64-phytium-kylin-full.txt": "lmbench-results",
  "lmbench/lmbench3-summary-empty-no-results.txt": "lmbench-summary",
  "lmbench/pkb-lmbench3-azure-ubuntu16-os-subset.txt": "lmbench-results",
  "lmbench/vc-lat_mem_rd-strides-128-1024.txt": "lmbench-lat-mem-rd",
  "lmbench/vc-lmbench3-make-summary-partial-with-make-lines.txt": "lmbench-summary",
  "lmbench/vc-lmbench3-summary-full-demo-vm06-linux6.5.txt": "lmbench-summary",
  "stream/vc-stream5.10-4threads.txt": "stream"
};

const OWN_FORMATS: Record<string, string | null> = {
  "fio/fio-banner-only-unsupported.txt": null,
  "fio/fio2.x-normal-one-job.txt": "fio-normal",
  "fio/fio3.16-terse-v3.txt": "fio-terse",
  "fio/fio3.x-json-after-warnings.json": "fio-json",
  "fio/fio3.x-normal-one-job.txt": "fio-normal",
  "hpcc/hpcc1.5-minimal.txt": "hpcc",
  "hpl/hpl-nvidia-per-gpu.txt": "hpl",
  "hpl/hpl2.3-one-failed-residual.txt": "hpl",
  "hpl/hpl2.3-truncated-before-result.txt": null,
  "iozone/auto-new-layout.txt": "iozone-auto",
  "iozone/auto-old-partial-i0-i2.txt": "iozone-auto",
  "iozone/auto-truncated-mid-row.txt": null,
  "iozone/excel-report.txt": "iozone-excel",
  "iozone/throughput-t4.txt": "iozone-throughput",
  "linpack-intel/windows-crlf-no-check-column.txt": "intel-linpack",
  "lmbench/lat_mem_rd.txt": "lmbench-lat-mem-rd",
  "lmbench/results-2.0.txt": "lmbench-results",
  "lmbench/summary-2.0-two-hosts.txt": "lmbench-summary",
  "stream/stream5.10-failed-validation.txt": "stream",
  "stream/stream5.8-serial-rate-mbs.txt": "stream"
};

function parseError(action: () => unknown): ParseError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ParseError);
    return error as ParseError;
  }
  throw new Error("expected a ParseError");
}

describe.skipIf(!HAVE_SHARED)("detection on real fixtures", () => {
  it("covers every real fixture", () => {
    const all = readdirSync(SHARED_FIXTURES, {withFileTypes: true})
      .filter((entry) => entry.isDirectory())
      .flatMap((dir) => readdirSync(join(SHARED_FIXTURES, dir.name)).map((file) => `${dir.name}/${file}`));
    expect(all.sort()).toEqual(Object.keys(REAL_FORMATS).sort());
  });

  for (const [fixture, format] of Object.entries(REAL_FORMATS)) {
    it(`detects ${fixture} as ${format} and parses it`, () => {
      const text = readShared(fixture);
      expect(detectFormat(text, fixture)).toBe(format);
      expect(parseAny(text, fixture).format).toBe(format);
    });
  }

  it("refuses two tools' outputs concatenated, naming both lines", () => {
    const hpl = readShared("hpl/hpl2.1-single-WC23C2C4-2017.txt");
    const stream = readShared("stream/vc-stream5.10-4threads.txt");
    const error = parseError(() => parseAny(`${hpl}\n${stream}`, "both.txt"));
    expect(error.file).toBe("both.txt");
    expect(error.line).toBe(hpl.split("\n").length + 2); // "STREAM version $Revision: 5.10 $"
    expect(error.message).toMatch(/both\.txt:\d+: expected the output of a single tool \(hpl output starts at line 2/);
  });
});

describe("detection on own fixtures", () => {
  it("covers every own fixture", () => {
    const all = readdirSync(OWN_FIXTURES, {withFileTypes: true})
      .filter((entry) => entry.isDirectory())
      .flatMap((dir) => readdirSync(join(OWN_FIXTURES, dir.name)).map((file) => `${dir.name}/${file}`));
    expect(all.sort()).toEqual(Object.keys(OWN_FORMATS).sort());
  });

  for (const [fixture, format] of Object.entries(OWN_FORMATS)) {
    it(`${format ? `detects and parses ${fixture} as ${format}` : `rejects ${fixture} with a ParseError`}`, () => {
      const text = readOwn(fixture);
      if (format) expect(parseAny(text, fixture).format).toBe(format);
      else {
        const error = parseError(() => parseAny(text, fixture));
        expect(error.file).toBe(fixture);
        expect(error.line).toBeGreaterThanOrEqual(1);
      }
    });
  }

  it("names file, first significant line and the expected formats for unrecognised text", () => {
    const error = parseError(() => parseAny("\n\nhello world\nnothing to see\n", "notes.txt"));
    expect(error.line).toBe(3);
    expect(error.message).toMatch(/^notes\.txt:3: expected one of: LMbench results file, .*STREAM output, found "hello world"$/);
  });

  it("refuses an empty file", () => {
    expect(parseError(() => parseAny("", "empty.txt")).message).toMatch(/^empty\.txt:1: expected one of/);
  });

  it("reports a truncated IOzone table at the cut row", () => {
    const error = parseError(() => parseAny(readOwn("iozone/auto-truncated-mid-row.txt"), "io.txt"));
    expect(error.line).toBe(9);
    expect(error.expected).toMatch(/4 results per row/);
  });

  it("reports an HPL file that ends before its result", () => {
    const error = parseError(() => parseAny(readOwn("hpl/hpl2.3-truncated-before-result.txt"), "HPL.out"));
    expect(error.message).toMatch(/^HPL\.out:45: expected an HPL result line/);
  });

  it("explains unsupported fio output", () => {
    const error = parseError(() => parseAny(readOwn("fio/fio-banner-only-unsupported.txt"), "fio.log"));
    expect(error.message).toMatch(/^fio\.log:1: expected a supported fio output.*use --output-format=json/);
  });

  it("refuses IOzone output mixed with LMbench output", () => {
    const mixed = `${readOwn("lmbench/results-2.0.txt")}${readOwn("iozone/auto-new-layout.txt")}`;
    const error = parseError(() => parseAny(mixed, "mixed.txt"));
    expect(error.message).toMatch(/mixed\.txt:\d+: expected the output of a single tool \(lmbench-results output starts at line 1;/);
  });

  it("refuses an LMbench results file followed by a summary", () => {
    const mixed = `${readOwn("lmbench/results-2.0.txt")}${readOwn("lmbench/summary-2.0-two-hosts.txt")}`;
    expect(parseError(() => parseAny(mixed, "m.txt")).expected).toMatch(/lmbench-results output starts at line 1/);
  });

  it("lists every format with its tool", () => {
    const ids = listFormats().map((format) => format.id);
    expect(ids).toEqual(expect.arrayContaining(["lmbench-results", "lmbench-summary", "lmbench-lat-mem-rd", "iozone-auto", "iozone-excel", "iozone-throughput", "hpl", "hpcc", "intel-linpack", "fio-json", "fio-terse", "fio-normal", "stream"]));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("parses with a named format and rejects unknown ids", () => {
    expect(parseAs("stream", readOwn("stream/stream5.8-serial-rate-mbs.txt"), "s.txt").samples).toHaveLength(4);
    expect(parseError(() => parseAs("nope", "", "x.txt")).expected).toMatch(/known format id/);
  });
});
