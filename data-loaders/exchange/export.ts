/**
 * `vmmbench export DIR`: the database's runs as a folder any DuckDB, Spark or pandas reads (layout.ts),
 * with every raw output kept verbatim in one tar archive per run, and a manifest that lets a merge
 * (`vmmbench ingest DIR`) check every byte before it stores anything. The paper's reference data is
 * left out: every vmmbench database has it.
 *
 * Written into a sibling folder first and renamed into place at the end, so a failed or killed
 * export never leaves a folder that looks complete.
 */
import {randomBytes} from "node:crypto";
import {existsSync, mkdirSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync} from "node:fs";
import {hostname} from "node:os";
import {basename, join, resolve} from "node:path";
import {ConfigError} from "../errors.ts";
import {readRawOutput, RawArchive} from "../store/raw-archive.ts";
import {SCHEMA_VERSION} from "../store/schema.ts";
import type {Store} from "../store/store.ts";
import {VERSION} from "../version.ts";
import {filesUnder, sha256OfFile} from "./files.ts";
import {copyRawOutputs, RAW_ROW_COLUMNS, rawRow} from "./raw-copy.ts";
import {importsRelation} from "./imports.ts";
import {EXPORT_FORMAT, EXPORT_VERSION, MANIFEST_FILE, RAW_COLUMNS, RESULTS_DIR, tableFile, type ExportManifest, type ExportedRun} from "./layout.ts";
import {sqlList, sqlString, tempTable} from "../store/sql-text.ts";

export interface ExportSummary {
  dir: string;
  runs: ExportedRun[];
  samples: number;
  rawOutputs: number;
  bytes: number;
}

/** The partition key: the inventory host for a fleet's environments, else the hostname the machine gave. */
const HOST_KEY = `coalesce(nullif(json_extract_string(e.extra, '$.fleet_host'), ''), nullif(r.host, ''), 'unknown')`;

export async function exportResults(store: Store, dir: string, options: {runs?: readonly string[]} = {}): Promise<ExportSummary> {
  const target = resolve(dir);
  if (existsSync(target) && readdirSync(target).length > 0) throw new ConfigError(`${dir}: exists and is not empty; export into a new folder`);
  const runs = await runsToExport(store, options.runs);
  const partial = `${target}.partial-${randomBytes(4).toString("hex")}`;
  mkdirSync(join(partial, "tables"), {recursive: true});
  const ids = sqlList(runs.map((run) => run.run_id));
  try {
    await store.query(
      `COPY (SELECT r.* EXCLUDE (host), r.host AS hostname, ${HOST_KEY} AS host
             FROM results r LEFT JOIN environments e USING (run_id, environment) WHERE r.run_id IN (${ids}))
       TO ${sqlString(join(partial, RESULTS_DIR))} (FORMAT parquet, PARTITION_BY (host, run_id), COMPRESSION zstd)`
    );
    const tables: Record<string, string> = {
      runs: `SELECT * FROM runs WHERE run_id IN (${ids})`,
      environments: `SELECT * FROM environments WHERE run_id IN (${ids})`,
      steps: `SELECT * EXCLUDE (step_no) FROM steps WHERE run_id IN (${ids})`,
      imports: `SELECT * FROM ${await importsRelation(store)} WHERE run_id IN (${ids})`
    };
    for (const [table, select] of Object.entries(tables)) {
      await store.query(`COPY (${select} ORDER BY ALL) TO ${sqlString(join(partial, tableFile(table as never)))} (FORMAT parquet, COMPRESSION zstd)`);
    }
    const rawRows: object[] = [];
    for (const run of runs) rawRows.push(...(await archiveRun(store, partial, run.run_id)));
    await tempTable(store, "vmmbench_export_raw", RAW_COLUMNS, rawRows, partial);
    await store.query(`COPY (SELECT * FROM vmmbench_export_raw ORDER BY ALL) TO ${sqlString(join(partial, tableFile("raw_outputs")))} (FORMAT parquet, COMPRESSION zstd)`);
    const files = Object.fromEntries(filesUnder(partial).map((file) => [file, sha256OfFile(join(partial, file))]));
    const manifest: ExportManifest = {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      schema_version: SCHEMA_VERSION,
      vmmbench_version: VERSION,
      exported_at: new Date().toISOString(),
      controller: hostname(),
      database: store.path,
      runs,
      files
    };
    writeFileSync(join(partial, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(join(partial, "README.txt"), readme(manifest));
    if (existsSync(target)) rmdirSync(target);
    renameSync(partial, target);
    const bytes = Object.keys(files).reduce((sum, file) => sum + fileSize(join(target, file)), 0);
    return {dir: target, runs, samples: runs.reduce((n, run) => n + run.samples, 0), rawOutputs: rawRows.length, bytes};
  } catch (error) {
    rmSync(partial, {recursive: true, force: true});
    throw error;
  } finally {
    await store.query("DROP TABLE IF EXISTS vmmbench_export_raw").catch(() => undefined);
  }
}

async function runsToExport(store: Store, wanted: readonly string[] | undefined): Promise<ExportedRun[]> {
  const rows = await store.query(
    `SELECT r.run_id, r.source, r.status,
            (SELECT count(*) FROM steps s WHERE s.run_id = r.run_id) AS steps,
            (SELECT count(*) FROM results x WHERE x.run_id = r.run_id) AS samples
     FROM runs r WHERE r.source <> 'reference' ORDER BY r.started_at, r.run_id`
  );
  const runs = rows.map((row) => ({run_id: String(row.run_id), source: String(row.source), status: String(row.status), steps: Number(row.steps), samples: Number(row.samples)}));
  if (wanted === undefined || wanted.length === 0) {
    if (runs.length === 0) throw new ConfigError(`${store.path} holds no runs to export (only the paper's reference data)`);
    return runs;
  }
  const missing = wanted.filter((id) => !runs.some((run) => run.run_id === id));
  if (missing.length) throw new ConfigError(`--run ${missing[0]}: no such run in ${store.path}${runs.length ? ` (runs: ${runs.slice(0, 5).map((r) => r.run_id).join(", ")}${runs.length > 5 ? ", …" : ""})` : ""}`);
  return runs.filter((run) => wanted.includes(run.run_id));
}

/** Writes the run's raw outputs (each distinct content once) into `runs/<run>.tar` and returns their rows there. */
async function archiveRun(store: Store, dir: string, runId: string): Promise<object[]> {
  const rows = (await store.query(`SELECT ${RAW_ROW_COLUMNS} FROM raw_outputs WHERE run_id = $1 ORDER BY step_id, sha256`, [runId])).map(rawRow);
  if (rows.length === 0) return [];
  const archive = new RawArchive(dir, runId);
  try {
    const out = await copyRawOutputs(
      archive,
      runId,
      rows,
      (row) => {
        try {
          return readRawOutput(store.dataDir, {path: row.path, bytes: row.bytes, offset: row.byte_offset});
        } catch (error) {
          throw new ConfigError(`run ${runId}: raw output ${row.sha256.slice(0, 12)} of ${row.step_id} cannot be read at ${join(store.dataDir, row.path)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); an export keeps every raw output`);
        }
      },
      (row) => `${row.step_id}-${basename(row.path)}`
    );
    await archive.finish();
    return out;
  } catch (error) {
    await archive.abort();
    throw error;
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function readme(manifest: ExportManifest): string {
  return `vmmbench export of ${manifest.runs.length} run(s) from ${manifest.controller}:${manifest.database}, ${manifest.exported_at}.

results/host=H/run_id=R/*.parquet  one row per sample (the results view), hive-partitioned.
  DuckDB:  SELECT * FROM read_parquet('results/**/*.parquet', hive_partitioning = true, hive_types_autocast = false);
  pandas:  pandas.read_parquet("results")          Spark: spark.read.parquet("results")
tables/*.parquet                    runs, environments, steps, raw_outputs, imports (provenance of merged runs)
runs/R.tar                          every raw output of run R, verbatim (tar -xf); raw_outputs.parquet gives offsets
vmmbench-export.json                what this holds and every file's sha256

Merge it into another database with: vmmbench ingest <this folder> --db OTHER.duckdb
`;
}
