// The pages' data: each page's summary rows (Arrow, data-loaders/report/page-rows.ts) and its
// column-oriented JSON (pages.ts) read into arquero tables, the one ratio convention derived on it, and the labels and orders the components share.
import * as aq from "npm:arquero";
import {compareHypervisors} from "./hypervisors.js";

/** Columns the Arrow rows carry as float32 (page-rows.ts), back to the 6 digits they were rounded to. */
const FLOAT32 = ["min", "max", "q1", "q3", "rsd", "ratio_low", "ratio_high"];
const six = (x) => (x == null ? null : Number(x.toPrecision(6)));

/**
 * Summary rows as an arquero table with the slowdown against native derived from the ratio: the
 * ratio itself for lower-is-better units, its inverse (and the interval flipped) for bandwidths and
 * GFLOPS, so > 1 is always slower and 1× is native.
 */
export function summaryTable(input) {
  const table = input instanceof ArrayBuffer ? aq.fromArrow(new Uint8Array(input)) : ArrayBuffer.isView(input) ? aq.fromArrow(input) : aq.fromJSON(input ?? {});
  return table.derive(Object.fromEntries(FLOAT32.map((c) => [c, aq.escape((d) => six(d[c]))]))).derive({
    slowdown: (d) => (d.ratio == null || d.ratio <= 0 ? null : d.lower_is_better ? d.ratio : 1 / d.ratio),
    slowdown_low: (d) => (d.ratio_low == null || d.ratio_high == null || d.ratio_high <= 0 ? null : d.lower_is_better ? d.ratio_low : 1 / d.ratio_high),
    slowdown_high: (d) => (d.ratio_low == null || d.ratio_high == null || d.ratio_low <= 0 ? null : d.lower_is_better ? d.ratio_high : 1 / d.ratio_low)
  });
}

/** LINPACK peak rows with the peak slowdown (native's peak ÷ this one, over the N both swept). */
export function peakTable(columns) {
  return aq.fromJSON(columns ?? {}).derive({
    slowdown: (d) => (d.ratio == null || d.ratio <= 0 ? null : 1 / d.ratio),
    slowdown_low: (d) => (d.ratio_high == null || d.ratio_high <= 0 ? null : 1 / d.ratio_high),
    slowdown_high: (d) => (d.ratio_low == null || d.ratio_low <= 0 ? null : 1 / d.ratio_low)
  });
}

/** The rows of an arquero table that a filter predicate (filters.js matcher) lets through, as objects. */
export function selected(table, match) {
  return table.filter(aq.escape(match)).objects();
}

/** Distinct values of a column, sorted. */
export function distinct(rows, of, compare = (a, b) => (a < b ? -1 : a > b ? 1 : 0)) {
  return [...new Set(rows.map(of))].filter((v) => v != null).sort(compare);
}

/** Parsed params, memoised on the row (params arrive as JSON text). */
export function paramsOf(row) {
  return (row._params ??= typeof row.params === "string" ? JSON.parse(row.params) : row.params ?? {});
}

export function sourceLabel(source) {
  return source === "reference" ? "paper" : source === "run" ? "ours" : source === "ingest" ? "ingested" : String(source);
}

/** A label for an environment of one run that stays unique when several runs are shown. */
export function envLabel(row, {multiRun = true} = {}) {
  if (row.source === "reference") return row.environment;
  return multiRun ? `${row.environment} · ${shortRun(row.run_id)}` : row.environment;
}

export function shortRun(runId) {
  return runId.length > 20 ? runId.slice(0, 19) + "…" : runId;
}

/** Whether rows come from more than one non-reference run. */
export function severalRuns(rows) {
  const runs = new Set();
  for (const r of rows) if (r.source !== "reference") runs.add(r.run_id);
  return runs.size > 1;
}

const SOURCE_RANK = {reference: 0, run: 1, ingest: 2};
export const compareSources = (a, b) => (SOURCE_RANK[a] ?? 9) - (SOURCE_RANK[b] ?? 9);

/** Sort rows the paper's way: paper first, then our runs; native, Xen, KVM, emulation; then vCPUs, pass-through. */
export function envOrder(a, b) {
  return (
    compareSources(a.source, b.source) ||
    String(a.run_id).localeCompare(String(b.run_id)) ||
    compareHypervisors(a.hypervisor, b.hypervisor) ||
    (a.vcpus ?? 0) - (b.vcpus ?? 0) ||
    Number(Boolean(a.passthrough)) - Number(Boolean(b.passthrough)) ||
    String(a.environment).localeCompare(String(b.environment))
  );
}

export const envKey = (r) => `${r.run_id}\u0000${r.environment}`;

/** The BLAS kernel set a LINPACK row ran: a peak row's column, else its `core` param. */
export const coreOf = (row) => row.core ?? paramsOf(row).core ?? null;

/**
 * LINPACK series labels, set on each row: the environment, and its kernel set where it ran several
 * (native runs each guest's set beside its own, so their peaks compare like with like). Returns
 * the labels in the environments' order.
 */
export function labelKernelSeries(rows, {multiRun}) {
  const cores = new Map();
  for (const r of rows) cores.set(envKey(r), (cores.get(envKey(r)) ?? new Set()).add(coreOf(r)));
  for (const r of rows) r.label = `${envLabel(r, {multiRun})}${cores.get(envKey(r)).size > 1 ? ` · ${coreOf(r) ?? "?"}` : ""}`;
  return environmentsOf(rows).flatMap((e) => distinct(rows.filter((r) => envKey(r) === e.key), (r) => r.label));
}

/** Distinct environments (run × label) of `rows`, in envOrder, each with a display label. */
export function environmentsOf(rows) {
  if (!rows.length) return [];
  const multi = severalRuns(rows);
  return aq
    .from(rows)
    .select("source", "run_id", "environment", "hypervisor", "vcpus", "passthrough", "guest_os", "nested_under")
    .dedupe("run_id", "environment")
    .objects()
    .sort(envOrder)
    .map((r) => ({...r, key: envKey(r), label: envLabel(r, {multiRun: multi})}));
}
