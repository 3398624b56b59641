import {describe, expect, it} from "vitest";
import {parseStream} from "../../../../data-loaders/suites/stream/formats/stream.ts";
import {HAVE_SHARED} from "../../../helpers/shared.ts";
import {expectGolden, ownPath, readOwn, readShared, sampleOf, sharedPath} from "../../../parsers/helpers.ts";

const REAL = "stream/vc-stream5.10-4threads.txt";

describe.skipIf(!HAVE_SHARED)("stream on real fixtures", () => {
  it("parses STREAM 5.10 with OpenMP threads", () => {
    const parsed = parseStream(readShared(REAL), REAL);
    expect(parsed.toolVersion).toBe("5.10");
    expect(sampleOf(parsed, "stream_triad", {threads: 4, array_elements: 268435456}).value).toBe(23314.0);
    expect(sampleOf(parsed, "stream_copy").value).toBe(18514.5);
    expectGolden(sharedPath(REAL), parsed);
  });
});

describe("stream on own fixtures", () => {
  it("parses the older 'Rate (MB/s)' layout", () => {
    const parsed = parseStream(readOwn("stream/stream5.8-serial-rate-mbs.txt"), "s.txt");
    expect(sampleOf(parsed, "stream_add", {array_elements: 2000000}).value).toBe(5120.7712);
    expectGolden(ownPath("stream/stream5.8-serial-rate-mbs.txt"), parsed, "own-");
  });

  it("marks every kernel failed when validation fails", () => {
    const parsed = parseStream(readOwn("stream/stream5.10-failed-validation.txt"), "f.txt");
    expect(parsed.samples.every((sample) => sample.status === "failed" && Number.isNaN(sample.value))).toBe(true);
    expect(sampleOf(parsed, "stream_triad").note).toMatch(/Failed Validation.*10233\.8/);
  });

  it("rejects a table that stops before Triad", () => {
    const text = readOwn("stream/stream5.8-serial-rate-mbs.txt").split("\n").slice(0, 14).join("\n");
    expect(() => parseStream(text, "cut.txt")).toThrow(/cut\.txt:15: expected the STREAM "Triad:" row/);
  });
});
