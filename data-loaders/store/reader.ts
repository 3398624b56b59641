/**
 * How commands that only read (sql, site build, the report's loaders) open a database: read-only,
 * and, while another process writes it (a campaign holds its database for hours), from a private
 * snapshot instead of failing. `--wait SECONDS` asks for the live database instead: wait for the
 * writer, then fail with its name.
 *
 * A snapshot copies the database file, then its write-ahead log, into a folder only this user can
 * read, and opens the copy read-only: DuckDB replays the log's committed transactions in memory.
 * DuckDB never overwrites blocks the last checkpoint's header points to, and the log only grows
 * between checkpoints, so the copy reads as the database stood at some moment of the copy, or
 * fails to open; then it is taken again.
 */
import {copyFileSync, existsSync, mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {dirname, join} from "node:path";
import {databaseLocation} from "./location.ts";
import {DatabaseBusyError} from "./lock.ts";
import {Store} from "./store.ts";
import {StoreError} from "./store-error.ts";

export interface ReaderOptions {
  /** Wait up to this many seconds for a writer, then fail; absent: read a snapshot at once. */
  waitS?: number;
  /** Says when a snapshot is read instead of the live database. */
  log?: (line: string) => void;
}

/** A database to read by path (for the report's loaders, which open it themselves). */
export interface ReadableDatabase {
  path: string;
  /** The folder of the runs' raw outputs: the live database's, also when `path` is a snapshot. */
  dataDir: string;
  /** Removes the snapshot, if one was taken. */
  dispose(): void;
}

const ATTEMPTS = 3;

/** Opens `path` read-only, or a snapshot of it while another process writes it. */
export async function openForReading(path: string, options: ReaderOptions = {}): Promise<Store> {
  try {
    return await Store.open(path, {readOnly: true, waitS: options.waitS ?? 0});
  } catch (error) {
    if (!(error instanceof DatabaseBusyError) || options.waitS !== undefined) throw error;
    return snapshotStore(error, options.log);
  }
}

/** The path the report's loaders should read: the database itself, or a snapshot while it is busy. */
export async function readableDatabase(path: string, options: ReaderOptions = {}): Promise<ReadableDatabase> {
  const store = await openForReading(path, options);
  const snapshot = store.snapshotDir;
  // The loaders open the snapshot themselves; it must outlive this store.
  store.close({keepSnapshot: true});
  const dataDir = snapshot ? dirname(databaseLocation(path, true)) : store.dataDir;
  return {path: store.path, dataDir, dispose: () => snapshot && rmSync(snapshot, {recursive: true, force: true})};
}

async function snapshotStore(busy: DatabaseBusyError, log: ReaderOptions["log"]): Promise<Store> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), "vmmbench-snapshot-"));
    const copy = join(dir, "snapshot.duckdb");
    try {
      copyFileSync(busy.path, copy);
      if (existsSync(`${busy.path}.wal`)) copyFileSync(`${busy.path}.wal`, `${copy}.wal`);
      const store = await Store.open(copy, {readOnly: true, snapshotDir: dir});
      log?.(`note: ${busy.path} is in use by ${busy.holder}; reading a snapshot taken at ${new Date().toTimeString().slice(0, 8)} (--wait SECONDS waits for it instead)`);
      return store;
    } catch (error) {
      rmSync(dir, {recursive: true, force: true});
      lastError = error;
    }
  }
  throw new StoreError(`${busy.path} is in use by ${busy.holder}, and no consistent snapshot of it could be read (${(lastError as Error).message.split("\n")[0]}); pass --wait SECONDS to wait for it`);
}
