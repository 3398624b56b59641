// The Explore page's plumbing: the filter state as a SQL WHERE clause over `samples`, running the
// reader's query, and downloading its full result as CSV or Parquet.
import {html} from "npm:htl";
import {FACETS} from "./filters.js";
import {writeParquet} from "./parquet.js";

/** SQL expression giving, for a row of `samples`, the value the filter facet compares. */
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

/** The reader's SQL without a trailing semicolon, for use inside COPY (…). */
export function stripSql(sql) {
  return String(sql).trim().replace(/;+\s*$/, "");
}

export async function runQuery(db, sql) {
  try {
    return {table: await db.query(stripSql(sql)), error: null};
  } catch (error) {
    return {table: null, error};
  }
}

let counter = 0;

/** CSV of the full result, written by DuckDB-wasm's own CSV writer (no extension needed). */
export async function queryToCsv(db, sql) {
  const name = `vmmbench-export-${++counter}.csv`;
  await db.query(`COPY (${stripSql(sql)}) TO '${name}' (FORMAT csv, HEADER)`);
  try {
    return await db._db.copyFileToBuffer(name);
  } finally {
    await db._db.dropFile(name).catch(() => {});
  }
}

/**
 * Parquet of the full result. DuckDB-wasm 1.29 has no built-in Parquet writer (COPY … (FORMAT
 * parquet) needs the parquet extension, which would be fetched from extensions.duckdb.org), so the
 * result is written by parquet.js, a small Parquet writer: one row group, PLAIN encoding,
 * uncompressed, every column optional.
 */
export async function queryToParquet(db, sql) {
  const table = await db.query(stripSql(sql));
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
      const bytes = await build();
      const url = URL.createObjectURL(new Blob([bytes], {type: filename.endsWith(".csv") ? "text/csv" : "application/vnd.apache.parquet"}));
      const a = html`<a href=${url} download=${filename} hidden>`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (error) {
      console.warn(error);
      alertInline(button, String(error?.message ?? error));
    } finally {
      button.disabled = false;
      button.textContent = text;
    }
  });
  return button;
}

function alertInline(button, message) {
  const note = html`<small class="download-error"> ${message}</small>`;
  button.after(note);
  setTimeout(() => note.remove(), 10_000);
}
