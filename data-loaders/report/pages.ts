/**
 * What each page of the report loads beside its summary rows (page-rows.ts, Arrow): the method,
 * the paper's printed cells, and its suite means, peaks and claims as arquero's column-oriented
 * JSON ({column: [values]}, no repeated keys), which the page reads with aq.fromJSON.
 */
import {from} from "arquero";
import {CLAIMS, type Claim, type ClaimRow, type Evidence} from "./claims.ts";
import {onPage, pageShowsPeaks, panelsOn, type Panel} from "./page-places.ts";
import {cellsBeside, type CauseRow, type MeterCell, type MeterPair} from "./meters.ts";
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

/** The overview, the summary file, or a suite's page (page-places.ts). */
export type PageName = "overview" | "summary" | (string & {});

/**
 * A claim row as the page receives it: its environments by name (their fingerprints are in
 * environments.json) and each part's evidence without the part's words and band (in `claims`),
 * which halves what the home page loads; src/components/claims.js inflates it back.
 */
export interface PageClaimRow extends Omit<ClaimRow, "environments" | "evidence"> {
  environments: string[];
  evidence: Pick<Evidence, "estimate" | "low" | "high" | "n" | "verdict">[];
}

/** The paper's claims as the page shows them: what each says (the table in claims.ts) and its verdicts per study. */
export interface ClaimsData {
  claims: Omit<Claim, "subjects">[];
  rows: PageClaimRow[];
  /** The meters each claim's cause cites, per guest (meters.ts). */
  causes: CauseRow[];
}

export interface PageData {
  method: Report["method"];
  /** Only the summary file carries its rows here; the pages read theirs as Arrow (page-rows.ts). */
  rows?: Columns<SummaryRow>;
  overhead?: Columns<OverheadRow>;
  peaks?: Columns<PeakRow>;
  claims?: ClaimsData;
  /** The paper's cells as printed ("environment\0metric\0params" → text), paper-printed.ts. */
  printed: Record<string, string>;
  /** Other suites' panels on this suite's page. */
  panels?: Panel[];
  /** Meters per operation beside this page's cells (meters.ts). */
  meters?: Columns<MeterCell>;
  /** The costs page: the summary rows of every metered cell, and guests compared (meters.ts). */
  costs?: {rows: Columns<SummaryRow>; pairs: MeterPair[]};
}

function claimsData(report: Report): ClaimsData {
  // Subjects are selectors for the evaluator; the page needs only the words and the verdicts.
  return {
    claims: CLAIMS.map(({subjects: _subjects, ...words}) => words),
    rows: report.claims.map((r) => ({...r, environments: r.environments.map((e) => e.environment), evidence: r.evidence.map(({estimate, low, high, n, verdict}) => ({estimate, low, high, n, verdict}))})),
    causes: report.meters.causes
  };
}

export function pageData(report: Report, page: PageName): PageData {
  const base = {method: report.method, printed: paperPrinted()};
  switch (page) {
    case "overview":
      return {...base, overhead: columns(report.overhead), peaks: columns(report.peaks), claims: claimsData(report)};
    case "summary":
      return {...base, rows: columns(report.rows), overhead: columns(report.overhead), peaks: columns(report.peaks), claims: claimsData(report)};
    case "costs":
      return {...base, meters: columns(cellsBeside(report.meters.cells, () => true)), costs: costsOf(report), claims: claimsData(report)};
    default: {
      const shown = onPage(page);
      const suites = new Map(report.rows.map((r) => [r.metric, r.suite]));
      const beside = cellsBeside(report.meters.cells, (metric) => shown({suite: suites.get(metric) ?? "", metric}));
      return {...base, panels: panelsOn(page), ...(pageShowsPeaks(page) ? {peaks: columns(report.peaks)} : {}), ...(beside.length ? {meters: columns(beside)} : {})};
    }
  }
}

/** The summary rows the costs page explains: every cell some meter rode along, and its baseline's. */
function costsOf(report: Report): {rows: Columns<SummaryRow>; pairs: MeterPair[]} {
  const metered = new Set(report.meters.cells.map((c) => `${c.run_id}\0${c.environment}\0${c.of}\0${c.params}`));
  const cells = report.rows.filter((r) => r.suite !== "meters" && metered.has(`${r.run_id}\0${r.environment}\0${r.metric}\0${r.params}`));
  const wanted = new Set(cells.flatMap((r) => (r.baseline ? [`${r.run_id}\0${r.baseline}\0${r.metric}\0${r.params}`] : [])));
  const baselines = report.rows.filter((r) => r.suite !== "meters" && wanted.has(`${r.run_id}\0${r.environment}\0${r.metric}\0${r.params}`) && !metered.has(`${r.run_id}\0${r.environment}\0${r.metric}\0${r.params}`));
  return {rows: columns([...cells, ...baselines]), pairs: report.meters.pairs};
}

