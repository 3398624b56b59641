/**
 * What each page of the report loads: only its own suite's rows, packed as columns + arrays of
 * values (no repeated keys), so the first page stays small at 10^6 samples. src/components/data.js
 * unpacks them into row objects.
 */
import {CLAIMS, type Claim, type ClaimRow} from "./claims.ts";
import type {OverheadRow, PeakRow, Report, SummaryRow} from "./summary.ts";

export interface Packed<T> {
  columns: (keyof T)[];
  rows: unknown[][];
}

export function pack<T extends object>(rows: T[]): Packed<T> {
  const columns = (rows.length ? Object.keys(rows[0]) : []) as (keyof T)[];
  return {columns, rows: rows.map((r) => columns.map((c) => r[c]))};
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
  rows: Packed<SummaryRow>;
  overhead?: Packed<OverheadRow>;
  peaks?: Packed<PeakRow>;
  claims?: ClaimsData;
}

function claimsData(report: Report): ClaimsData {
  // Subjects are selectors for the evaluator; the page needs only the words and the verdicts.
  return {claims: CLAIMS.map(({subjects: _subjects, ...words}) => words), rows: report.claims};
}

export function pageData(report: Report, page: PageName): PageData {
  const pick = (f: (r: SummaryRow) => boolean) => pack(report.rows.filter(f));
  switch (page) {
    case "overview":
      return {method: report.method, rows: pick((r) => TABLE_METRICS.has(r.metric)), overhead: pack(report.overhead), peaks: pack(report.peaks), claims: claimsData(report)};
    case "lmbench":
      return {method: report.method, rows: pick((r) => r.suite === "lmbench")};
    case "linpack":
      return {method: report.method, rows: pick((r) => r.suite === "linpack" && r.metric !== "linpack_residual"), peaks: pack(report.peaks)};
    case "iozone":
      return {method: report.method, rows: pick((r) => r.suite === "iozone")};
    case "summary":
      return {method: report.method, rows: pack(report.rows), overhead: pack(report.overhead), peaks: pack(report.peaks), claims: claimsData(report)};
  }
}
