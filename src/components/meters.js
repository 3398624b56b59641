// Meters beside the cells they explain (data-loaders/report/meters.ts computes them): counts per
// operation of the metric a meter rode along — VM exits per fork, entries into Xen per MB read —
// from the guest's kernel, KVM's counters on the host that ran the guest, or Xen's trace in dom0.
// A meter that could not be read shows "–" and says why on hover, never a zero.
import * as aq from "npm:arquero";
import {el} from "./dom.js";
import {canonicalParams} from "./params.js";
import {environmentColumns} from "./columns.js";
import {formatValue} from "./format.js";
import {withDownload} from "./download.js";

/** What each side shows first in a cell, in order, with short words for its count. */
const SHOWN = {
  kvm: [["kvm_exits", "exits"], ["kvm_pf_fixed", "faults fixed"]],
  xen: [["xen_entries", "entries into Xen"], ["xen_ptwr_emulations", "page-table writes trapped"], ["xen_npf", "nested page faults"]],
  guest: [["guest_minflt", "guest page faults"]]
};

const SIDE_WORDS = {kvm: "KVM's counters · guest kernel", xen: "Xen's trace · guest kernel", guest: "guest kernel"};

/** Which hypervisor's side speaks of an environment (null: only its own kernel's). */
export const hostSide = (hypervisor) => (hypervisor === "kvm" || hypervisor === "xen" ? hypervisor : null);

/** The page's meter cells (arquero column JSON) as a lookup: cell(run, environment, metric, params) → {meter → cell}. */
export function meterLookup(columns) {
  const index = new Map();
  if (columns) {
    for (const c of aq.fromJSON(columns).objects()) {
      const key = `${c.run_id}\u0000${c.environment}\u0000${c.of}\u0000${c.params}`;
      if (!index.has(key)) index.set(key, new Map());
      index.get(key).set(c.meter, c);
    }
  }
  return (run, environment, metric, params) => index.get(`${run}\u0000${environment}\u0000${metric}\u0000${canonicalParams(params)}`);
}

/** A count per operation to three significant digits; its n and interquartile range on hover. */
export function countText(c) {
  return c.median == null ? "–" : formatValue(c.median);
}

export function countTitle(c, words) {
  return c.median == null
    ? `${words}: not read — ${c.why ?? "no reason recorded"}`
    : `${words}: median ${formatValue(c.median)} ${c.unit} over n=${c.n} repetition(s), IQR ${formatValue(c.q1)}–${formatValue(c.q3)}`;
}

function meterCell(found, column) {
  const side = hostSide(column.hypervisor);
  const lines = [...(side ? SHOWN[side] : []), ...SHOWN.guest].flatMap(([meter, words]) => {
    const c = found?.get(meter);
    if (!c) return [];
    return [el("span", {class: c.median == null ? "unread" : null, title: countTitle(c, words)}, el("b", null, countText(c)), " ", el("small", null, words))];
  });
  if (!lines.length) return el("td", {class: "empty", title: column.source === "reference" ? "the paper counted nothing" : "not metered (meters off, or a reference tool)"}, "–");
  const n = Math.max(...[...found.values()].map((c) => c.n));
  return el("td", null, lines.map((line, i) => [i ? el("br") : null, line]), el("br"), el("small", {class: "spread"}, `n=${n}`));
}

/**
 * Meters laid out beside a paper-style table: the same rows and columns (paper-table.js), each
 * cell the counts per operation that explain the cell of the same place there. Returns null when
 * none of these cells was metered, so a page without meters shows nothing.
 */
export function metersBeside(lookup, {rows, columns: all, caption, name = "meters", per = "per operation"}) {
  // The paper counted nothing: its columns stay in its own table.
  const columns = all.filter((c) => c.source !== "reference");
  const found = rows.map((r) => columns.map((c) => lookup(c.run_id, c.environment, r.metric, r.params)));
  if (!found.some((line) => line.some(Boolean))) return null;
  const head = el("tr", null, el("th", {class: "row-label"}, per), columns.map((c) => el("th", {title: `${c.environment} — hypervisor ${c.hypervisor}`}, c.environment, el("br"), el("small", null, SIDE_WORDS[hostSide(c.hypervisor) ?? "guest"]))));
  const body = rows.map((r, i) => el("tr", {"data-metric": r.metric}, el("th", {scope: "row", class: "row-label"}, r.label), columns.map((c, j) => meterCell(found[i][j], c))));
  const table = el("div", {class: "paper-table meters-table"}, el("table", null, caption ? el("caption", null, caption) : null, el("thead", null, head), el("tbody", null, body)));
  const cells = found.flat().flatMap((m) => (m ? [...m.values()] : []));
  return withDownload(table, cells, {caption, name, columns: ["run_id", "environment", "hypervisor", "of", "params", "meter", "side", "unit", "n", "median", "q1", "q3", "why"]});
}

/** Under an IOzone bar chart: its bars' cells (the summary rows it draws for `metric`), counted per MB. */
export function barsCounted(lookup, shown, {metric, label}) {
  const bars = shown.filter((r) => r.metric === metric);
  const rows = [...new Map(bars.map((r) => [r.params, {label: label.toLowerCase(), metric, params: r.params}])).values()];
  return metersBeside(lookup, {rows, columns: environmentColumns(bars), caption: `${label}, counted: VM exits, entries into Xen and page faults per MB (medians; hover for n and spread)`, name: `${metric}-meters`, per: "per MB"}) ?? "";
}
