/**
 * Where a database file is, checked before DuckDB sees the path: a reader's file must exist (a
 * mistyped --db used to create an empty database and answer 0 rows), and a writer's folder is
 * created, with errors that name the path and say what to do instead of DuckDB's or Node's codes.
 */
import {mkdirSync, statSync, type Stats} from "node:fs";
import {dirname, resolve} from "node:path";
import {StoreError} from "./store-error.ts";

/** The absolute path of a database to open; throws StoreError when it cannot be one. */
export function databaseLocation(path: string, readOnly: boolean): string {
  const full = resolve(path);
  const stat = statOrCode(full);
  if (typeof stat !== "string") {
    if (stat.isDirectory()) throw new StoreError(`--db ${path}: ${full} is a folder, expected a database file (such as ${full}/vmmbench.duckdb)`);
    return full;
  }
  if (stat === "ENOTDIR") throw new StoreError(`--db ${path}: ${underFile(full)} is a file, not a folder, so no database can be at ${full}`);
  if (readOnly) {
    if (stat === "ENOENT") throw new StoreError(`--db ${path}: no database at ${full} (vmmbench run or vmmbench ingest creates one; check the path)`);
    throw new StoreError(`--db ${path}: cannot read ${full} (${stat})`);
  }
  try {
    mkdirSync(dirname(full), {recursive: true});
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR" || code === "EEXIST") throw new StoreError(`--db ${path}: ${underFile(full)} is a file, not a folder, so no database can be at ${full}`);
    throw new StoreError(`--db ${path}: cannot create the folder ${dirname(full)} (${code === "EACCES" ? "permission denied" : code})`);
  }
  return full;
}

function statOrCode(path: string): Stats | string {
  try {
    return statSync(path);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? "unknown error";
  }
}

/** The nearest ancestor of `path` that exists and is not a folder. */
function underFile(path: string): string {
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    const stat = statOrCode(dir);
    if (typeof stat !== "string" && !stat.isDirectory()) return dir;
  }
  return dirname(path);
}
