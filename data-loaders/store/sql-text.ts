/** SQL text helpers for statements built in code (exports, merges, comparisons): literals, and rows computed in JS handed to DuckDB as a table. */
import {writeFileSync, rmSync} from "node:fs";
import {join} from "node:path";
import type {Store} from "./store.ts";

export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export function sqlList(texts: readonly string[]): string {
  return texts.length ? texts.map(sqlString).join(", ") : "NULL";
}

/**
 * A temporary table `name` holding `rows` (typed by `columns`), loaded from newline-delimited JSON
 * written in `dir`: one statement however many rows, where an INSERT per row would cost a round
 * trip each.
 */
export async function tempTable(store: Store, name: string, columns: Record<string, string>, rows: readonly object[], dir: string): Promise<void> {
  const file = join(dir, `.${name}.ndjson`);
  writeFileSync(file, rows.map((row) => JSON.stringify(row)).join("\n") + (rows.length ? "\n" : ""));
  try {
    const spec = `{${Object.entries(columns).map(([column, type]) => `${sqlString(column)}: ${sqlString(type)}`).join(", ")}}`;
    await store.query(
      rows.length
        ? `CREATE OR REPLACE TEMP TABLE ${name} AS SELECT * FROM read_json(${sqlString(file)}, format = 'newline_delimited', columns = ${spec})`
        : `CREATE OR REPLACE TEMP TABLE ${name} (${Object.entries(columns).map(([column, type]) => `${column} ${type}`).join(", ")})`
    );
  } finally {
    rmSync(file, {force: true});
  }
}
