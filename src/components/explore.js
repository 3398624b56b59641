// The Explore page's plumbing: the filter state as a SQL WHERE clause over `results`, the query
// box (its text kept in the URL), showing a result or an error, and downloading the full result
// as CSV (arquero) or Parquet (parquet.js).
import * as aq from "npm:arquero";
import {html} from "npm:htl";
import {saveFile} from "./download.js";
import {FACETS} from "./filters.js";
import {setUrlParam, textFromUrl} from "./url-state.js";

/** SQL expression giving, for a row of `results`, the value the filter facet compares. */
const FACET_SQL = {
  source: "source",
  run: "run_id",
  environment: "environment",
  hypervisor: "hypervisor",
  guest_os: "coalesce(guest_os, 'unknown')",
  vcpus: "coalesce(CAST(vcpus AS VARCHAR), 'unknown')",
  passthrough: "CASE WHEN passthrough THEN 'on' ELSE 'off' END"
};

export const sqlString = (v) => `'${String(v).replaceAll("'", "''")}'`;

/** WHERE clause for a filter state (facet → selected values); every value is quoted as a SQL string. */
export function selectionSql(state) {
  const parts = [];
  for (const f of FACETS) {
    const values = state[f.key];
    if (!values) continue;
    parts.push(values.length ? `${FACET_SQL[f.key]} IN (${values.map(sqlString).join(", ")})` : "FALSE");
  }
  return parts.length ? parts.join("\n  AND ") : "TRUE";
}

/**
 * The query box: its value is {sql, run}. `run` is false until the reader presses Run (or
 * Ctrl+Enter), unless the URL carries a query (`?sql=`), which a shared link means to run.
 */
export function queryBox(defaultSql, {rows = 9} = {}) {
  const fromUrl = textFromUrl("sql", null);
  const area = html`<textarea name="sql" rows=${rows} spellcheck="false" class="query-text" aria-label="SQL">${fromUrl ?? defaultSql}</textarea>`;
  const button = html`<button type="submit" class="query-run">Run</button>`;
  const form = html`<form class="query-box">${area}<div>${button} <small>Ctrl+Enter runs it; the query is kept in this page's URL.</small></div></form>`;
  form.value = {sql: area.value, run: fromUrl != null};
  const submit = () => {
    form.value = {sql: area.value, run: true};
    setUrlParam("sql", area.value);
    form.dispatchEvent(new Event("input", {bubbles: true}));
  };
  form.addEventListener("submit", (event) => (event.preventDefault(), submit()));
  area.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) event.preventDefault(), submit();
  });
  area.addEventListener("input", (event) => event.stopPropagation()); // typing is not running
  return form;
}

/** A failed query as the page shows it: the message with its line breaks, no stack. */
export function queryError(error) {
  const message = String(error?.message ?? error).replace(/^Error:\s*/, "");
  return html`<pre class="query-error" role="alert">Query failed: ${message}</pre>`;
}

// Arrow and the Parquet writer load with the first download, not with the page.

/** The result (an Arrow table from DuckDB-wasm) as an arquero table, 64-bit integers as numbers. */
export async function resultTable(table) {
  const {tableToIPC} = await import("npm:apache-arrow");
  return aq.fromArrow(tableToIPC(table, "stream"));
}

/** CSV of the full result, written by arquero. */
export async function resultCsv(table) {
  return (await resultTable(table)).toCSV();
}

export async function resultParquet(table) {
  const {writeParquet} = await import("./parquet.js");
  return writeParquet(table);
}

/** A button that builds a file on click and hands it to the browser as a download. */
export function downloadButton(label, filename, build) {
  const button = html`<button type="button" class="download" data-filename=${filename}>${label}</button>`;
  button.addEventListener("click", async () => {
    const text = button.textContent;
    button.disabled = true;
    button.textContent = "Preparing…";
    try {
      saveFile(filename, await build(), filename.endsWith(".csv") ? "text/csv" : "application/vnd.apache.parquet");
    } catch (error) {
      button.after(queryError(error));
    } finally {
      button.disabled = false;
      button.textContent = text;
    }
  });
  return button;
}
