import {describe, expect, it} from "vitest";
import {ParseError} from "../../data-loaders/errors.ts";
import {failureToSample, parseProbeOutput} from "../../data-loaders/probes/parse-output.ts";

const INFO = '{"type":"info","probe":"vmmbench-lat","version":"0.1.0","budget_ms":20,"reps":2}';
const S0 =
  '{"type":"sample","suite":"lmbench","metric":"lat_syscall","unit":"us","value":0.164977,"params":{},"repetition":0,"iterations":122124}';
const S1 =
  '{"type":"sample","suite":"lmbench","metric":"lat_ctx","unit":"us","value":2.4,"params":{"procs":2,"size_kb":16},"repetition":1,"iterations":4000}';
const NOTE =
  '{"type":"sample","suite":"iozone","metric":"file_read","unit":"MB/s","value":6192.79,"params":{"file_kb":1024,"record_kb":4,"fsync":false,"direct":false},"repetition":0,"iterations":256,"note":"file smaller than RAM"}';
const ERR =
  '{"type":"error","suite":"iozone","metric":"file_write","params":{"file_kb":4096,"record_kb":64,"fsync":false,"direct":false},"message":"no space left"}';

function parseError(text: string): ParseError {
  try {
    parseProbeOutput(text, "step-1");
  } catch (error) {
    expect(error).toBeInstanceOf(ParseError);
    return error as ParseError;
  }
  throw new Error("expected a ParseError");
}

describe("parseProbeOutput", () => {
  it("turns info, sample and error lines into info, Samples and failures", () => {
    const out = parseProbeOutput([INFO, S0, S1, NOTE, ERR, ""].join("\n"));
    expect(out.info).toMatchObject({probe: "vmmbench-lat", version: "0.1.0", budget_ms: 20});
    expect(out.samples).toHaveLength(3);
    expect(out.samples[0]).toEqual({
      suite: "lmbench",
      metric: "lat_syscall",
      params: {},
      unit: "us",
      value: 0.164977,
      repetition: 0,
      status: "ok"
    });
    expect(out.samples[1].params).toEqual({procs: 2, size_kb: 16});
    expect(out.samples[2].note).toBe("file smaller than RAM");
    expect(out.iterations).toEqual([122124, 4000, 256]);
    expect(out.failures).toEqual([
      {
        suite: "iozone",
        metric: "file_write",
        params: {file_kb: 4096, record_kb: 64, fsync: false, direct: false},
        message: "no space left",
        line: 5
      }
    ]);
  });

  it("tolerates CRLF line ends and blank lines (guest consoles)", () => {
    const out = parseProbeOutput(`${INFO}\r\n\r\n${S0}\r\n`);
    expect(out.samples).toHaveLength(1);
    expect(out.info?.probe).toBe("vmmbench-lat");
  });

  it("accepts empty output and output without an info line", () => {
    expect(parseProbeOutput("").samples).toEqual([]);
    expect(parseProbeOutput(S0).info).toBeNull();
  });

  it("reports the 1-based line and what was expected", () => {
    const e = parseError([INFO, S0, "Segmentation fault"].join("\n"));
    expect(e.file).toBe("step-1");
    expect(e.line).toBe(3);
    expect(e.expected).toMatch(/JSON object/);
    expect(e.message).toContain("step-1:3");
  });

  it.each([
    ["a JSON array", "[1,2]", /JSON object/],
    ["an unknown type", '{"type":"result"}', /"type"/],
    ["a missing value", S0.replace('"value":0.164977,', ""), /"value"/],
    ["a string value", S0.replace("0.164977", '"0.16"'), /"value"/],
    ["an unknown suite", S0.replace('"lmbench"', '"spec"'), /"suite"/],
    ["a bad metric name", S0.replace('"lat_syscall"', '"Lat Syscall"'), /"metric"/],
    ["params that are not an object", S0.replace('"params":{}', '"params":[]'), /"params"/],
    ["a nested param", S0.replace('"params":{}', '"params":{"a":{"b":1}}'), /param "a"/],
    ["a negative repetition", S0.replace('"repetition":0', '"repetition":-1'), /"repetition"/],
    ["a fractional iteration count", S0.replace('"iterations":122124', '"iterations":1.5'), /"iterations"/],
    ["an error line without message", ERR.replace(',"message":"no space left"', ""), /"message"/],
    ["an info line without probe", '{"type":"info","version":"0.1.0"}', /"probe"/],
    ["a truncated line", S0.slice(0, 40), /JSON object/]
  ])("throws ParseError on %s", (_what, line, expected) => {
    const e = parseError(`${INFO}\n${line}\n`);
    expect(e.line).toBe(2);
    expect(e.expected).toMatch(expected);
  });

  it("turns a failure into a failed Sample with the metric's unit", () => {
    const out = parseProbeOutput(
      '{"type":"error","suite":"linpack","metric":"linpack_residual","params":{"n":1000,"threads":1},"message":"residual check failed"}'
    );
    const s = failureToSample(out.failures[0]);
    expect(s).toMatchObject({suite: "linpack", metric: "linpack_residual", unit: "1", status: "failed", note: "residual check failed"});
    expect(Number.isNaN(s.value)).toBe(true);
  });
});
