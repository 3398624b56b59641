import {describe, expect, it} from "vitest";
import {parseLmbenchSummary} from "../../../../data-loaders/suites/lmbench/formats/summary.ts";
import {HAVE_SHARED} from "../../../helpers/shared.ts";
import {expectGolden, ownPath, readOwn, readShared, sampleOf, sharedPath} from "../../../parsers/helpers.ts";

const PARTIAL = "lmbench/vc-lmbench3-make-summary-partial-with-make-lines.txt";
const FULL = "lmbench/vc-lmbench3-summary-full-demo-vm06-linux6.5.txt";
const EMPTY = "lmbench/lmbench3-summary-empty-no-results.txt";

describe.skipIf(!HAVE_SHARED)("lmbench-summary on real fixtures", () => {
  for (const fixture of [PARTIAL, FULL, EMPTY]) {
    it(`parses ${fixture} and matches its golden file`, () => {
      const parsed = parseLmbenchSummary(readShared(fixture), fixture);
      expect(parsed.format).toBe("lmbench-summary");
      expect(parsed.toolVersion).toBe("3.0");
      expectGolden(sharedPath(fixture), parsed);
    });
  }

  it("reads cells by column, with K suffixes and make noise", () => {
    const parsed = parseLmbenchSummary(readShared(PARTIAL), PARTIAL);
    const host = {host: "X64-Linux"};
    expect(sampleOf(parsed, "lat_ctx", {procs: 2, size_kb: 16}, host).value).toBe(11.3);
    expect(sampleOf(parsed, "lat_mmap", {}, host).value).toBe(111500); // "111.5K"
    expect(sampleOf(parsed, "bw_mmap_read", {}, host).value).toBe(10200); // "10.2K"
    expect(sampleOf(parsed, "lat_tcp_connect", {}, host).value).toBe(71); // "71."
    // blank cells (Pipe, AF UNIX, RPC/...) are not samples
    expect(parsed.samples.some((sample) => sample.metric === "lat_pipe")).toBe(false);
    expect(sampleOf(parsed, "lat_mem_rd", {level: "random"}, host).value).toBe(142.8);
  });

  it("reads every table of the full 3.0 summary", () => {
    const parsed = parseLmbenchSummary(readShared(FULL), FULL);
    expect(sampleOf(parsed, "lat_syscall").value).toBe(0.36);
    expect(sampleOf(parsed, "lat_ctx", {procs: 16, size_kb: 16}).value).toBe(8.93);
    expect(sampleOf(parsed, "bw_mem_read").value).toBe(14000); // "14.K"
    expect(sampleOf(parsed, "lat_op", {type: "int64", op: "bit"}).value).toBe(0.2);
    expect(parsed.samples.some((sample) => sample.metric === "lat_op" && sample.params.type === "int64" && sample.params.op === "add")).toBe(false);
    expect(parsed.samples.some((sample) => sample.params.remote === true)).toBe(false);
    expect(parsed.meta["os.demo-vm06"]).toBe("Linux 6.5.0-1");
  });

  it("returns no samples and a warning for a summary made without results", () => {
    const parsed = parseLmbenchSummary(readShared(EMPTY), EMPTY);
    expect(parsed.samples).toEqual([]);
    expect(parsed.meta.warning).toMatch(/no result tables/);
  });
});

describe("lmbench-summary on own fixtures", () => {
  it("parses the 2.0 layout with two hosts, one sample per filled cell", () => {
    const parsed = parseLmbenchSummary(readOwn("lmbench/summary-2.0-two-hosts.txt"), "summary-2.0.txt");
    expect(parsed.toolVersion).toBe("2.0");
    expect(sampleOf(parsed, "lat_ctx", {procs: 2, size_kb: 16}, {host: "native"}).value).toBe(2.43);
    expect(sampleOf(parsed, "lat_ctx", {procs: 2, size_kb: 16}, {host: "xenguest"}).value).toBe(4.1);
    expect(parsed.samples.some((sample) => sample.host === "xenguest" && sample.metric === "lat_ctx" && sample.params.procs === 8 && sample.params.size_kb === 16)).toBe(false);
    expect(sampleOf(parsed, "lat_mmap", {}, {host: "xenguest"}).value).toBe(12300);
    expect(sampleOf(parsed, "lat_mem_rd", {level: "main"}, {host: "native"}).value).toBe(78.2);
    expectGolden(ownPath("lmbench/summary-2.0-two-hosts.txt"), parsed, "own-");
  });
});
