/**
 * The paper's numbers as it printed them ("1511.5", "4.90", "0.8346"): the database keeps values
 * as doubles, which lose trailing zeros, and the report must not re-round the paper. Keyed like a
 * summary row: environment, metric and params in their canonical form (model/params.ts).
 */
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {canonicalParams} from "../model/params.ts";
import {PAPER_DATA_DIR} from "../paper/che2008.ts";
import {readTsv} from "../tsv.ts";

const FIXED = new Set(["table", "label", "suite", "metric", "params", "unit"]);

/** Pure: "environment\0metric\0params" → the cell's text, for every non-empty cell of the table. */
export function printedCells(tableText: string, file: string): Record<string, string> {
  const rows = readTsv(tableText, file, ["metric", "params"]);
  const out: Record<string, string> = {};
  for (const {cells} of rows) {
    for (const [column, text] of Object.entries(cells)) {
      if (FIXED.has(column) || text.trim() === "") continue;
      out[`${column}\0${cells.metric}\0${canonicalParams(cells.params)}`] = text.trim();
    }
  }
  return out;
}

export function paperPrinted(dir = PAPER_DATA_DIR): Record<string, string> {
  const file = join(dir, "che2008.tsv");
  return printedCells(readFileSync(file, "utf8"), file);
}
