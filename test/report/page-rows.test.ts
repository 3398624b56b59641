import {fromArrow} from "arquero";
import {describe, expect, it} from "vitest";
import {pageRowsArrow} from "../../data-loaders/report/page-rows.ts";
import type {Report} from "../../data-loaders/report/summary.ts";

describe("a page's rows as Arrow", () => {
  it("reads back with no rows at all (a database without IOzone results)", () => {
    const table = fromArrow(pageRowsArrow({rows: []} as unknown as Report, "iozone"));
    expect(table.numRows()).toBe(0);
    expect(table.columnNames()).toContain("environment");
    expect(table.derive({x: (d: {environment: string}) => d.environment}).objects()).toEqual([]);
  });
});
