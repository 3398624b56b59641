/**
 * What a database must hold to be vmmbench's, checked when it is opened and after every statement
 * of `vmmbench sql --write`. A new file gets the schema; an existing one is checked, never
 * silently re-created: a dropped `samples` table made the next command create an empty one while
 * the steps stayed, so a resume counted every lost sample as measured.
 *
 * Readers write nothing: they get the current `results` view as a temporary view over the stored
 * tables. Writers create or migrate, and replace the stored view only when its query changed.
 */
import {createHash} from "node:crypto";
import {DuckDBInstance, type DuckDBConnection} from "@duckdb/node-api";
import {RESULTS_SELECT, SCHEMA_SQL, SCHEMA_VERSION} from "./schema.ts";
import {StoreError} from "./store-error.ts";

/** Columns added after a table first shipped: a writer adds them, a reader does without. */
const MIGRATIONS: Record<string, string> = {
  "raw_outputs.byte_offset": "ALTER TABLE raw_outputs ADD COLUMN IF NOT EXISTS byte_offset BIGINT"
};

const VIEW_KEY = "results_view_sha256";

let expected: Promise<Map<string, string>> | undefined;

/** `table.column` → type of a fresh schema, read from an in-memory database built from SCHEMA_SQL itself. */
function expectedColumns(): Promise<Map<string, string>> {
  expected ??= (async () => {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      await connection.run(SCHEMA_SQL);
      return await columnsOf(connection);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  })();
  return expected;
}

async function columnsOf(connection: DuckDBConnection): Promise<Map<string, string>> {
  const rows = (await connection.runAndReadAll(`SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' AND table_catalog = current_database() AND table_name <> 'results'`)).getRows();
  return new Map(rows.map(([table, column, type]) => [`${table}.${column}`, String(type)]));
}

async function value(connection: DuckDBConnection, sql: string): Promise<unknown> {
  return (await connection.runAndReadAll(sql)).getRows()[0]?.[0];
}

/** What is wrong with the database's tables, in words ([] when they are vmmbench's at SCHEMA_VERSION). */
export async function schemaProblems(connection: DuckDBConnection, {allowMigrations = false} = {}): Promise<string[]> {
  const version = await value(connection, "SELECT value FROM meta WHERE key = 'schema_version'").catch(() => undefined);
  if (version === undefined) return ["no schema_version in table meta (not a vmmbench database, or its meta table was changed)"];
  if (Number(version) !== SCHEMA_VERSION) return [`schema version ${version} where this vmmbench reads version ${SCHEMA_VERSION}`];
  const have = await columnsOf(connection);
  const problems: string[] = [];
  const missingTables = new Set<string>();
  for (const [key, type] of await expectedColumns()) {
    const [table] = key.split(".");
    if (![...have.keys()].some((k) => k.startsWith(`${table}.`))) missingTables.add(table!);
    else if (!have.has(key)) {
      if (!(allowMigrations && key in MIGRATIONS)) problems.push(`column ${key} is missing`);
    } else if (have.get(key) !== type) problems.push(`column ${key} is ${have.get(key)}, expected ${type}`);
  }
  return [...[...missingTables].map((t) => `table ${t} is missing`), ...problems];
}

/** A new database gets the schema; an existing one is checked, migrated and given the current view. */
export async function prepareForWriting(connection: DuckDBConnection, path: string): Promise<void> {
  const isNew = (await value(connection, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_catalog = current_database()")) === 0n;
  if (isNew) {
    await connection.run("BEGIN TRANSACTION");
    await connection.run(SCHEMA_SQL);
    await connection.run(`INSERT INTO meta VALUES ('schema_version', '${SCHEMA_VERSION}'), ('${VIEW_KEY}', '${viewHash()}')`);
    await connection.run("COMMIT");
    return;
  }
  await refuseDamaged(connection, path, true);
  const have = await columnsOf(connection);
  for (const [column, sql] of Object.entries(MIGRATIONS)) if (!have.has(column)) await connection.run(sql);
  if ((await value(connection, `SELECT value FROM meta WHERE key = '${VIEW_KEY}'`)) !== viewHash()) {
    await connection.run(`CREATE OR REPLACE VIEW results AS ${RESULTS_SELECT}`);
    await connection.run(`INSERT OR REPLACE INTO meta VALUES ('${VIEW_KEY}', '${viewHash()}')`);
  }
}

/** Checks the database and shows this version's `results` view over it, writing nothing. */
export async function prepareForReading(connection: DuckDBConnection, path: string): Promise<void> {
  await refuseDamaged(connection, path, true);
  await connection.run(`CREATE TEMP VIEW results AS ${RESULTS_SELECT}`);
}

async function refuseDamaged(connection: DuckDBConnection, path: string, allowMigrations: boolean): Promise<void> {
  const problems = await schemaProblems(connection, {allowMigrations});
  if (problems.length === 0) return;
  throw new StoreError(
    `${path} is not a usable vmmbench database: ${problems.join("; ")}. ` +
      `Restore it from a backup, or start a new database with --db and re-ingest the raw outputs under ${path.replace(/[^/]+$/, "")}runs/`
  );
}

function viewHash(): string {
  return createHash("sha256").update(RESULTS_SELECT).digest("hex").slice(0, 16);
}
