/**
 * Which report page shows which suite, from the suites' own report places (suites/<name>/index.ts):
 * a suite's page, in the paper's order, holds its rows and the rows of the suites that put a panel
 * on it (STREAM beside LMbench's memory bandwidth).
 */
import {SUITES} from "../suites/registry.ts";
import type {ReportPlace, Suite} from "../suites/suite.ts";

type PagePlace = Extract<ReportPlace, {page: string}>;
type PanelPlace = Extract<ReportPlace, {panelOn: string}>;

/** A panel as its host page receives it: the suite, its section, and its metrics with their labels. */
export interface Panel {
  suite: string;
  section: string;
  title: string;
  metrics: Record<string, string>;
}

const suites = SUITES as readonly Suite<any, any>[];

/** The suites' pages in the paper's order: [page name, title]. */
export function suitePages(): Array<{page: string; title: string}> {
  return suites
    .flatMap((suite) => (suite.report && "page" in suite.report ? [suite.report] : []))
    .sort((a, b) => a.order - b.order)
    .map(({page, title}) => ({page, title}));
}

function placeOf(page: string): PagePlace | undefined {
  return suites.map((suite) => suite.report).find((place): place is PagePlace => place !== undefined && "page" in place && place.page === page);
}

/** Whether a summary row belongs on `page`: its suite's page, or a panel there, minus the metrics that page omits. */
export function onPage(page: string): (row: {suite: string; metric: string}) => boolean {
  const own = new Set(suites.filter((s) => s.report && "page" in s.report && s.report.page === page).map((s) => s.name));
  const panels = new Set(suites.filter((s) => s.report && "panelOn" in s.report && s.report.panelOn === page).map((s) => s.name));
  const omit = new Set(placeOf(page)?.omit ?? []);
  return (row) => (own.has(row.suite) || panels.has(row.suite)) && !omit.has(row.metric);
}

/** The panels other suites put on `page`. */
export function panelsOn(page: string): Panel[] {
  return suites.flatMap((suite) => {
    const place = suite.report;
    if (!place || !("panelOn" in place) || place.panelOn !== page) return [];
    const {section, title} = place as PanelPlace;
    return [{suite: suite.name, section, title, metrics: Object.fromEntries(Object.entries(suite.metrics).map(([metric, info]) => [metric, info.label]))}];
  });
}

/** Whether `page` shows LINPACK-style peaks (a suite asked for them). */
export function pageShowsPeaks(page: string): boolean {
  return placeOf(page)?.peaks === true;
}
