/**
 * What an export is (`vmmbench export DIR`), shared by the writer and the merge that reads it back:
 *
 *   DIR/vmmbench-export.json                  the manifest: format, versions, the controller and
 *                                             database it came from, its runs, every file's sha256
 *   DIR/results/host=H/run_id=R/*.parquet     one row per sample: the `results` view's columns,
 *                                             hive-partitioned by host and run (any DuckDB, Spark or
 *                                             pandas reads it); `host` is the inventory host for a
 *                                             fleet's environments, else the machine's hostname, and
 *                                             `hostname` what the machine calls itself
 *   DIR/tables/{runs,environments,steps,raw_outputs,imports}.parquet
 *                                             the rest of the database, keyed by run and step id
 *   DIR/runs/R.tar                            every raw output of run R, verbatim (ustar: tar -xf);
 *                                             raw_outputs.parquet gives each one's member offset
 */
import {existsSync, readFileSync} from "node:fs";
import {join} from "node:path";
import {ConfigError} from "../errors.ts";

export const EXPORT_FORMAT = "vmmbench-export";
export const EXPORT_VERSION = 1;
export const MANIFEST_FILE = "vmmbench-export.json";
export const RESULTS_DIR = "results";
export const TABLES = ["runs", "environments", "steps", "raw_outputs", "imports"] as const;

/** raw_outputs' columns, as exports and merges write them from JavaScript. */
export const RAW_COLUMNS = {sha256: "VARCHAR", run_id: "VARCHAR", step_id: "VARCHAR", path: "VARCHAR", bytes: "BIGINT", format: "VARCHAR", byte_offset: "BIGINT"};

export const tableFile = (table: (typeof TABLES)[number]) => join("tables", `${table}.parquet`);

export interface ExportedRun {
  run_id: string;
  source: string;
  status: string;
  steps: number;
  samples: number;
}

export interface ExportManifest {
  format: typeof EXPORT_FORMAT;
  version: number;
  schema_version: number;
  vmmbench_version: string;
  exported_at: string;
  /** The controller's hostname and the database the export was written from. */
  controller: string;
  database: string;
  runs: ExportedRun[];
  /** Every file of the export (relative path → sha256), checked before anything is merged. */
  files: Record<string, string>;
}

export function isExportDir(path: string): boolean {
  return existsSync(join(path, MANIFEST_FILE));
}

export function readManifest(dir: string): ExportManifest {
  const file = join(dir, MANIFEST_FILE);
  let manifest: ExportManifest;
  try {
    manifest = JSON.parse(readFileSync(file, "utf8")) as ExportManifest;
  } catch (error) {
    throw new ConfigError(`${file}: expected a vmmbench export manifest (JSON): ${(error as Error).message.split("\n")[0]}`);
  }
  if (manifest?.format !== EXPORT_FORMAT) throw new ConfigError(`${file}: expected "format": "${EXPORT_FORMAT}", found ${JSON.stringify(manifest?.format)}`);
  if (manifest.version !== EXPORT_VERSION) throw new ConfigError(`${file}: written by an export format version ${manifest.version}; this vmmbench reads version ${EXPORT_VERSION}`);
  if (!Array.isArray(manifest.runs) || typeof manifest.files !== "object" || manifest.files === null) throw new ConfigError(`${file}: expected runs and files lists`);
  return manifest;
}
