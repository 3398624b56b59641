/**
 * What each page of the report loads: only its own suite's rows, as arquero's column-oriented
 * JSON ({column: [values]}, no repeated keys), so the first page stays small at 10^6 samples. The
 * page reads each with aq.fromJSON (src/components/data.js).
 */
import {from} from "arquero";
import {CLAIMS, type Claim, type ClaimRow} from "./claims.ts";
import {paperPrinted} from "./paper-printed.ts";
import type {OverheadRow, PeakRow, Report, SummaryRow} from "./summary.ts";

export type Columns<T> = {[K in keyof T]: T[K][]};

/** Rows → one array per column, through arquero (the format aq.fromJSON reads back). */
export function columns<T extends object>(rows: T[]): Columns<T> {
  const table = from(rows);
  return Object.fromEntries(table.columnNames().map((name) => [name, Array.from(table.array(name) as ArrayLike<unknown>)])) as Columns<T>;
}

/** Metrics of the paper's Table 1 and Table 2 (the overview's reproduction view). */
export const TABLE_METRICS = new Set(["lat_syscall", "lat_stat", "lat_fstat", "lat_open_close", "lat_fork", "lat_exec", "lat_sh", "lat_sig_handler", "lat_pipe", "lat_ctx"]);

export type PageName = "overview" | "lmbench" | "linpack" | "iozone" | "summary";

/** The paper's claims as the page shows them: what each says (the table in claims.ts) and its verdicts per study. */
export interface ClaimsData {
  claims: Omit<Claim, "subjects">[];
  rows: ClaimRow[];
}

export interface PageData {
  method: Report["method"];
  rows: Columns<SummaryRow>;
  overhead?: Columns<OverheadRow>;
  peaks?: Columns<PeakRow>;
  claims?: ClaimsData;
  /** The paper's cells as printed ("environment\0metric\0params" → text), paper-printed.ts. */
  printed: Record<string, string>;
}

function claimsData(report: Report): ClaimsData {
  // Subjects are selectors for the evaluator; the page needs only the words and the verdicts.
  return {claims: CLAIMS.map(({subjects: _subjects, ...words}) => words), rows: report.claims};
}

export function pageData(report: Report, page: PageName): PageData {
  const pick = (f: (r: SummaryRow) => boolean) => columns(report.rows.filter(f));
  const base = {method: report.method, printed: paperPrinted()};
  switch (page) {
    case "overview":
      return {...base, rows: pick((r) => TABLE_METRICS.has(r.metric)), overhead: columns(report.overhead), peaks: columns(report.peaks), claims: claimsData(report)};
    case "lmbench":
      return {...base, rows: pick((r) => r.suite === "lmbench")};
    case "linpack":
      return {...base, rows: pick((r) => r.suite === "linpack" && r.metric !== "linpack_residual"), peaks: columns(report.peaks)};
    case "iozone":
      return {...base, rows: pick((r) => r.suite === "iozone")};
    case "summary":
      return {...base, rows: columns(report.rows), overhead: columns(report.overhead), peaks: columns(report.peaks), claims: claimsData(report)};
  }
}
