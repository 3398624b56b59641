/** Report pages and panels come from the suites' own report places (suites/<name>/index.ts). */
import {describe, expect, it} from "vitest";
import {onPage, pageShowsPeaks, panelsOn, suitePages} from "../../data-loaders/report/page-places.ts";
import {REPORT_PAGES} from "../../data-loaders/site/framework-config.ts";

describe("report page places", () => {
  it("orders the suites' pages as the paper does, between the overview and Explore", () => {
    expect(suitePages().map((p) => p.page)).toEqual(["linpack", "lmbench", "iozone", "costs"]);
    expect(REPORT_PAGES.map((p) => p.path)).toEqual(["/", "/linpack", "/lmbench", "/iozone", "/costs", "/compare", "/explore"]);
  });

  it("puts STREAM on the LMbench page's memory section with its four kernels", () => {
    expect(panelsOn("lmbench")).toEqual([{suite: "stream", section: "memory", title: "STREAM", metrics: {stream_copy: "Copy", stream_scale: "Scale", stream_add: "Add", stream_triad: "Triad"}}]);
    expect(panelsOn("iozone")).toEqual([]);
    const lmbench = onPage("lmbench");
    expect(lmbench({suite: "stream", metric: "stream_triad"})).toBe(true);
    expect(lmbench({suite: "lmbench", metric: "bw_mem_read"})).toBe(true);
    expect(lmbench({suite: "iozone", metric: "file_read"})).toBe(false);
  });

  it("leaves out what a page omits, and gives peaks to the page that asks", () => {
    const linpack = onPage("linpack");
    expect(linpack({suite: "linpack", metric: "linpack_gflops"})).toBe(true);
    expect(linpack({suite: "linpack", metric: "linpack_residual"})).toBe(false);
    expect(pageShowsPeaks("linpack")).toBe(true);
    expect(pageShowsPeaks("lmbench")).toBe(false);
  });
});
