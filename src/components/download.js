// Every table and chart of the report can be taken away: a CSV of exactly the rows it shows,
// headed by its caption and the page's URL (as '#' comment lines: read_csv(..., comment = '#')),
// and links to the raw outputs those rows were read from, published with the site by sha256
// under raw/ (data-loaders/site/raw-outputs.ts).
import * as aq from "npm:arquero";
import {html} from "npm:htl";

/** Columns no reader wants in a CSV: memoised parses and the like. */
const HIDDEN = (name) => name.startsWith("_");

/** The CSV text of `rows` (objects), caption and provenance first as comment lines. */
export function csvOf(rows, {caption, columns, convention = "slowdown: against native, lower is better, 1 = native speed"} = {}) {
  const names = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((c) => !HIDDEN(c));
  const flat = rows.map((r) => Object.fromEntries(names.map((c) => [c, Array.isArray(r[c]) ? r[c].join(" ") : r[c]])));
  const table = flat.length ? aq.from(flat).select(names) : aq.table(Object.fromEntries(names.map((c) => [c, []])));
  const head = [caption, `from ${location.href}`, convention].filter(Boolean).map((l) => `# ${String(l).replace(/\s+/g, " ")}\n`);
  return head.join("") + table.toCSV();
}

export const rawHref = (sha256) => `./raw/${sha256}.txt`;

/** Hands `content` (text or bytes) to the browser as a download named `filename`. */
export function saveFile(filename, content, type = "text/csv") {
  const url = URL.createObjectURL(new Blob([content], {type}));
  const a = html`<a href=${url} download=${filename} hidden>`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

const slug = (s) => String(s).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60) || "table";

/**
 * A small bar under a table or chart: "CSV" (the rows shown) and the raw outputs behind them.
 * rows: objects; raw: sha256 list (defaults to the union of the rows' `raw`).
 */
export function downloadBar(rows, {caption, name, columns, raw, convention} = {}) {
  const button = html`<button type="button" class="download" data-filename=${`${slug(name ?? caption)}.csv`}>CSV</button>`;
  button.addEventListener("click", () => saveFile(button.dataset.filename, csvOf(rows, {caption, columns, convention})));
  const shas = [...new Set(raw ?? rows.flatMap((r) => r.raw ?? []))].sort();
  const rawList = shas.length
    ? html`<details class="raw-outputs"><summary>raw outputs (${shas.length})</summary>${shas.map((s, i) => html`${i ? " " : ""}<a href=${rawHref(s)} data-sha256=${s} title=${`sha256 ${s}`}>${s.slice(0, 12)}</a>`)}</details>`
    : "";
  return html`<div class="download-bar">Download ${button} ${rawList}</div>`;
}

/** A table or other element with its download bar below it. */
export function withDownload(element, rows, options) {
  return html`<div class="downloadable">${element}${downloadBar(rows, options)}</div>`;
}
