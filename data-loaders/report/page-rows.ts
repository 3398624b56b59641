/**
 * A page's summary rows as an Arrow IPC stream, written by arquero with explicit column types
 * (flechette's): text columns dictionary-encoded, so the run ids, guest names and params that
 * repeat on every row cost a byte or two each. At 10^6 samples this is what keeps the first page
 * under 1 MB (bench/site.ts); the page reads it back with aq.fromArrow (src/components/data.js).
 */
import {from, table as columnTable, toArrowIPC} from "arquero";
import {bool, dictionary, float32, float64, int8, int16, int32, list, utf8, type DataType} from "@uwdata/flechette";
import {onPage} from "./page-places.ts";
import {TABLE_METRICS, type PageName} from "./pages.ts";
import type {Report, SummaryRow} from "./summary.ts";

type ArrowType = DataType;
type Column = ArrowType | ((values: unknown[]) => ArrowType);

/**
 * Text dictionary-encoded with the narrowest index its distinct values fit. With no rows, plain text:
 * a dictionary column of no rows is written without its dictionary, and aq.fromArrow threw reading
 * it back (the IOzone page of a database without IOzone results).
 */
const text = (values: unknown[]) => {
  if (values.length === 0) return utf8();
  const distinct = new Set(values.flatMap((v) => (Array.isArray(v) ? v : [v]))).size;
  return dictionary(utf8(), distinct < 128 ? int8() : distinct < 32768 ? int16() : int32());
};
const textList = (values: unknown[]) => list(text(values));

/**
 * Every SummaryRow column and its Arrow type (an all-null or all-empty column cannot be inferred).
 * Medians and ratios keep float64; the spread (quartiles, extremes, RSD) and the interval bounds,
 * already rounded to 6 significant digits (summary.ts finite()), fit float32; the page rounds them
 * back to 6 digits (src/components/data.js) so a download shows 12.3914, not 12.391400337.
 */
export const SUMMARY_TYPES: Record<keyof SummaryRow, Column> = {
  source: text, run_id: text, environment: text, hypervisor: text, mode: text, guest_os: text,
  vcpus: int32(), passthrough: bool(), nested_under: text, suite: text, metric: text, params: text, unit: text,
  lower_is_better: bool(), n: int32(), median: float64(), min: float32(), max: float32(), q1: float32(), q3: float32(), rsd: float32(),
  noisy: bool(), bimodal: bool(), baseline: text, ratio: float64(), ratio_low: float32(), ratio_high: float32(), failed: int32(),
  notes: list(utf8()), raw: textList
};

/** Which summary rows a page shows: the overview the paper's tables, a suite page its suites' (page-places.ts). */
export function pageRows(page: Exclude<PageName, "summary">): (r: SummaryRow) => boolean {
  return page === "overview" ? (r) => TABLE_METRICS.has(r.metric) : onPage(page);
}

export function pageRowsArrow(report: Report, page: Exclude<PageName, "summary">): Uint8Array {
  const rows = report.rows.filter(pageRows(page));
  const columns = Object.keys(SUMMARY_TYPES);
  const table = rows.length ? from(rows).select(columns) : columnTable(Object.fromEntries(columns.map((c) => [c, []])));
  const types = Object.fromEntries(Object.entries(SUMMARY_TYPES).map(([name, t]) => [name, typeof t === "function" ? t(rows.map((r) => r[name as keyof SummaryRow])) : t]));
  return toArrowIPC(table, {format: "stream", types} as never);
}
