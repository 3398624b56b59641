import {describe, expect, it} from "vitest";
import {parseLmbenchResults} from "../../../../data-loaders/suites/lmbench/formats/results.ts";
import {ParseError} from "../../../../data-loaders/errors.ts";
import {HAVE_SHARED} from "../../../helpers/shared.ts";
import {expectGolden, ownPath, readOwn, readShared, sampleOf, sharedPath} from "../../../parsers/helpers.ts";

const REAL = ["lmbench/lmbench3-a9-aarch64-phytium-kylin-full.txt", "lmbench/pkb-lmbench3-azure-ubuntu16-os-subset.txt"];

describe.skipIf(!HAVE_SHARED)("lmbench-results on real fixtures", () => {
  for (const fixture of REAL) {
    it(`parses ${fixture} and matches its golden file`, () => {
      const parsed = parseLmbenchResults(readShared(fixture), fixture);
      expect(parsed.format).toBe("lmbench-results");
      expect(parsed.samples.length).toBeGreaterThan(100);
      expectGolden(sharedPath(fixture), parsed);
    });
  }

  it("reads exact values from the 3.0-a9 aarch64 file (header noise, Chinese shell error)", () => {
    const parsed = parseLmbenchResults(readShared(REAL[0]!), REAL[0]!);
    expect(parsed.toolVersion).toBe("3.0-a9");
    expect(parsed.meta.hostname).toBe("kylin-pc");
    expect(sampleOf(parsed, "lat_syscall").value).toBe(0.1526); // "Simple syscall: 0.1526 microseconds"
    expect(sampleOf(parsed, "lat_ctx", {procs: 2, size_kb: 16}).value).toBe(2.32); // "size=16k ovr=1.37 / 2 2.32"
    expect(sampleOf(parsed, "lat_select", {fds: 500, kind: "tcp"}).value).toBe(14.1774);
    expect(sampleOf(parsed, "lat_mem_rd", {size_mb: 8, stride: 128, random: undefined}).value).toBe(9.167);
    expect(sampleOf(parsed, "lat_mem_rd", {size_mb: 8, stride: 16, random: true}).value).toBe(78.44);
    expect(sampleOf(parsed, "bw_mem_read", {size_mb: 8.39, partial: undefined}).value).toBe(10620.41);
    expect(sampleOf(parsed, "stream_triad").value).toBe(21325.73);
    // lat_fs prints files per second; 1e6 / 94167 creations/s
    expect(sampleOf(parsed, "lat_fs_create", {size_kb: 0}).value).toBeCloseTo(1e6 / 94167, 9);
  });

  it("skips RPC errors in the OS-subset file and keeps every lat_ctx block", () => {
    const parsed = parseLmbenchResults(readShared(REAL[1]!), REAL[1]!);
    expect(parsed.samples.filter((sample) => sample.metric === "lat_ctx")).toHaveLength(48);
    expect(sampleOf(parsed, "lat_ctx", {procs: 96, size_kb: 64}).value).toBe(15.45);
    expect(parsed.samples.some((sample) => sample.metric === "lat_rpc_udp")).toBe(false);
    expect(sampleOf(parsed, "lat_tcp_connect").value).toBe(1047.5714);
  });
});

describe("lmbench-results on own fixtures", () => {
  it("parses the 2.x layout (single TCP bandwidth line, KB/sec lmdd line)", () => {
    const parsed = parseLmbenchResults(readOwn("lmbench/results-2.0.txt"), "results-2.0.txt");
    expect(parsed.meta.hostname).toBe("guest1");
    expect(sampleOf(parsed, "lat_syscall").value).toBe(0.356);
    expect(sampleOf(parsed, "bw_tcp").value).toBe(512.4);
    expect(sampleOf(parsed, "bw_file_write").value).toBeCloseTo((51200 * 1024) / 1e6, 9);
    expect(sampleOf(parsed, "lat_ctx", {procs: 8, size_kb: 16}).value).toBe(6.7);
    expect(sampleOf(parsed, "lat_mem_rd", {size_mb: 4, stride: 64}).value).toBe(98.5);
    expectGolden(ownPath("lmbench/results-2.0.txt"), parsed, "own-");
  });

  it("handles CRLF line ends", () => {
    const text = readOwn("lmbench/results-2.0.txt").replace(/\n/g, "\r\n");
    expect(sampleOf(parseLmbenchResults(text, "crlf.txt"), "lat_pipe").value).toBe(8.12);
  });

  it("rejects text without the results banner", () => {
    expect(() => parseLmbenchResults("Simple syscall: 0.1 microseconds\n", "x.txt")).toThrow(ParseError);
  });
});
