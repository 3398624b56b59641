/**
 * Where merged runs came from: one row per run a merge added or replaced, kept in the `imports`
 * table (created by the first merge) and carried along by exports, so a run's way across
 * controllers stays on record however many merges it went through. The run itself keeps its id,
 * source, plan, tags and timestamps unchanged.
 */
import type {Store} from "../store/store.ts";

export const IMPORT_COLUMNS = {
  run_id: "VARCHAR",
  imported_at: "TIMESTAMP",
  // the export folder or database file it was merged from
  origin: "VARCHAR",
  // the controller that exported it and the database it lived in there (exports only)
  origin_controller: "VARCHAR",
  origin_database: "VARCHAR",
  exported_at: "TIMESTAMP",
  // 'added', or 'replaced' when it was a later state of a run already stored
  action: "VARCHAR"
} as const;

export const IMPORTS_SQL = `CREATE TABLE IF NOT EXISTS imports (${Object.entries(IMPORT_COLUMNS)
  .map(([name, type]) => `${name} ${type}`)
  .join(", ")})`;

/**
 * The imports rows of a database (this one, or one attached as `catalog`), or an empty relation of
 * the same columns where no merge has happened yet.
 */
export async function importsRelation(store: Store, catalog?: string): Promise<string> {
  const found = await store.query(`SELECT 1 FROM duckdb_tables() WHERE database_name = coalesce($1, current_database()) AND table_name = 'imports'`, [catalog ?? null]);
  if (found.length > 0) return catalog ? `${catalog}.imports` : "imports";
  return `(SELECT ${Object.entries(IMPORT_COLUMNS).map(([name, type]) => `NULL::${type} AS ${name}`).join(", ")} WHERE false)`;
}
