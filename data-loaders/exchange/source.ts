/**
 * What a merge reads from: another vmmbench database (attached read-only) or an export folder
 * (its Parquet files, every one checked against the manifest's sha256 first). Either way the merge
 * sees the same temporary views in the destination's connection, keyed by run and step id rather
 * than by the source's own row numbers:
 *
 *   vmmbench_src_runs, _environments, _steps (no step_no), _raw (raw_outputs), _imports,
 *   vmmbench_src_samples (run_id, step_id, suite, metric, params, unit, value, repetition, failed, note)
 *
 * The paper's reference data is never read: every database has its own.
 */
import {closeSync, openSync, readSync, statSync} from "node:fs";
import {dirname, join, resolve} from "node:path";
import {ConfigError} from "../errors.ts";
import {readRawOutput} from "../store/raw-archive.ts";
import {SCHEMA_VERSION} from "../store/schema.ts";
import type {Store} from "../store/store.ts";
import {filesUnder, sha256OfFile} from "./files.ts";
import {importsRelation} from "./imports.ts";
import {isExportDir, MANIFEST_FILE, readManifest, RESULTS_DIR, tableFile, TABLES} from "./layout.ts";
import {sqlString} from "../store/sql-text.ts";

export interface MergeSource {
  kind: "database" | "export";
  /** Absolute path of the database file or export folder. */
  origin: string;
  /** The controller and database an export was written from (null for a database). */
  controller: string | null;
  database: string;
  exportedAt: string | null;
  /** The verbatim bytes of one raw output as the source keeps them. */
  readRaw(row: {path: string; bytes: number; byte_offset: number | null}): Buffer;
  close(): Promise<void>;
}

const CATALOG = "vmmbench_src";
const VIEWS = ["runs", "environments", "steps", "raw", "imports", "samples"].map((name) => `vmmbench_src_${name}`);

/** A database file starts with a 4 KiB header whose magic "DUCK" sits at byte 8. */
export function isDuckDbFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    const fd = openSync(path, "r");
    try {
      const head = Buffer.alloc(12);
      readSync(fd, head, 0, 12, 0);
      return head.subarray(8, 12).toString("latin1") === "DUCK";
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

export function isMergeSource(path: string): boolean {
  return isExportDir(path) || isDuckDbFile(path);
}

/** What SQL must reach to read `paths` (store/store.ts fileAccess): an export's folder, a database's file. */
export function sourceAccess(paths: readonly string[]): string[] {
  return paths.map((path) => resolve(path)).map((origin) => (isExportDir(origin) ? `${origin}/` : origin));
}

export async function openSource(store: Store, path: string): Promise<MergeSource> {
  const origin = resolve(path);
  if (isExportDir(origin)) return openExport(store, origin);
  if (isDuckDbFile(origin)) return openDatabase(store, origin);
  throw new ConfigError(`${path}: neither a vmmbench database nor an export folder (no ${MANIFEST_FILE})`);
}

async function openDatabase(store: Store, origin: string): Promise<MergeSource> {
  if (origin === store.path) throw new ConfigError(`${origin}: a database cannot be merged into itself`);
  try {
    await store.query(`ATTACH ${sqlString(origin)} AS ${CATALOG} (READ_ONLY)`);
  } catch (error) {
    const message = (error as Error).message.split("\n")[0]!;
    throw new ConfigError(`${origin}: cannot open it read-only${/lock/i.test(message) ? " (another vmmbench holds it: wait for it to finish)" : ""}: ${message}`);
  }
  const close = async () => {
    await dropViews(store);
    await store.query(`DETACH ${CATALOG}`).catch(() => undefined);
  };
  try {
    const version = (await store.query(`SELECT value FROM ${CATALOG}.meta WHERE key = 'schema_version'`).catch(() => []))[0]?.value;
    if (Number(version) !== SCHEMA_VERSION) throw new ConfigError(`${origin}: holds schema version ${version ?? "none (not a vmmbench database)"}; this vmmbench merges version ${SCHEMA_VERSION}`);
    const runs = `SELECT * FROM ${CATALOG}.runs WHERE source <> 'reference'`;
    await views(store, {
      runs,
      environments: `SELECT * FROM ${CATALOG}.environments WHERE run_id IN (SELECT run_id FROM (${runs}))`,
      steps: `SELECT * EXCLUDE (step_no) FROM ${CATALOG}.steps WHERE run_id IN (SELECT run_id FROM (${runs}))`,
      raw: `SELECT * FROM ${CATALOG}.raw_outputs WHERE run_id IN (SELECT run_id FROM (${runs}))`,
      imports: `SELECT * FROM ${await importsRelation(store, CATALOG)}`,
      samples: `SELECT st.run_id, st.step_id, se.suite, se.metric, se.params, se.unit, s.value, s.repetition, s.failed, s.note
                FROM ${CATALOG}.samples s JOIN ${CATALOG}.series se USING (series_id) JOIN ${CATALOG}.steps st USING (step_no)
                WHERE st.run_id IN (SELECT run_id FROM (${runs}))`
    });
  } catch (error) {
    await close();
    throw error;
  }
  const dataDir = dirname(origin);
  return {kind: "database", origin, controller: null, database: origin, exportedAt: null, readRaw: (row) => readRawOutput(dataDir, {path: row.path, bytes: row.bytes, offset: row.byte_offset}), close};
}

async function openExport(store: Store, origin: string): Promise<MergeSource> {
  const manifest = readManifest(origin);
  if (manifest.schema_version !== SCHEMA_VERSION) throw new ConfigError(`${origin}: written from schema version ${manifest.schema_version}; this vmmbench merges version ${SCHEMA_VERSION}`);
  // Every byte is checked before anything is stored: a truncated copy is refused whole.
  const present = new Set(filesUnder(origin));
  for (const [file, sha] of Object.entries(manifest.files)) {
    if (!present.has(file)) throw new ConfigError(`${origin}: ${file} is missing (the manifest lists it); copy the whole export folder`);
    if (sha256OfFile(join(origin, file)) !== sha) throw new ConfigError(`${origin}: ${file} does not match its sha256 in ${MANIFEST_FILE}; the copy is damaged`);
  }
  for (const table of TABLES) if (!(tableFile(table) in manifest.files)) throw new ConfigError(`${origin}: ${tableFile(table)} is missing from ${MANIFEST_FILE}`);
  const table = (name: (typeof TABLES)[number]) => `SELECT * FROM read_parquet(${sqlString(join(origin, tableFile(name)))})`;
  const hasResults = Object.keys(manifest.files).some((file) => file.startsWith(`${RESULTS_DIR}/`) && file.endsWith(".parquet"));
  const results = `read_parquet(${sqlString(join(origin, RESULTS_DIR, "**", "*.parquet"))}, hive_partitioning = true, hive_types = {'host': VARCHAR, 'run_id': VARCHAR})`;
  const close = () => dropViews(store);
  try {
    await views(store, {
      runs: table("runs"),
      environments: table("environments"),
      steps: table("steps"),
      raw: table("raw_outputs"),
      imports: table("imports"),
      samples: hasResults
        ? `SELECT run_id, step_id, suite, metric, params, unit, value, repetition, status = 'failed' AS failed, note FROM ${results}`
        : `SELECT NULL::VARCHAR AS run_id, NULL::VARCHAR AS step_id, NULL::VARCHAR AS suite, NULL::VARCHAR AS metric, NULL::VARCHAR AS params, NULL::VARCHAR AS unit,
                  NULL::DOUBLE AS value, NULL::INTEGER AS repetition, NULL::BOOLEAN AS failed, NULL::VARCHAR AS note WHERE false`
    });
  } catch (error) {
    await close();
    throw new ConfigError(`${origin}: cannot read its Parquet files: ${(error as Error).message.split("\n")[0]}`);
  }
  return {
    kind: "export",
    origin,
    controller: manifest.controller,
    database: manifest.database,
    exportedAt: manifest.exported_at,
    readRaw: (row) => readRawOutput(origin, {path: row.path, bytes: row.bytes, offset: row.byte_offset}),
    close
  };
}

async function views(store: Store, selects: Record<string, string>): Promise<void> {
  for (const [name, select] of Object.entries(selects)) await store.query(`CREATE OR REPLACE TEMP VIEW vmmbench_src_${name} AS ${select}`);
}

async function dropViews(store: Store): Promise<void> {
  for (const view of VIEWS) await store.query(`DROP VIEW IF EXISTS ${view}`).catch(() => undefined);
}
