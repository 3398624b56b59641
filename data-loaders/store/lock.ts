/**
 * Opening a DuckDB file that another process may hold. DuckDB lets one process write a database
 * file, or any number read it, and refuses the rest at once with "Could not set lock on file …
 * Conflicting lock is held in … (PID n)". Here that refusal becomes a DatabaseBusyError that names
 * the holder (its command line, so "vmmbench run --plan quick" rather than "/usr/bin/node"), after
 * waiting up to the caller's --wait.
 */
import {DuckDBInstance} from "@duckdb/node-api";
import {readFileSync} from "node:fs";
import {setTimeout as sleep} from "node:timers/promises";
import {StoreError} from "./store-error.ts";

/**
 * Settings every vmmbench connection runs under: no file, network or extension access from SQL
 * (read_text('/etc/shadow'), COPY … TO, ATTACH, INSTALL httpfs all fail), and locked so that a
 * query cannot turn them back on. The database file itself and DuckDB's own spill files are not
 * affected.
 */
export const LOCKED_DOWN = {
  enable_external_access: "false",
  autoinstall_known_extensions: "false",
  autoload_known_extensions: "false",
  allow_community_extensions: "false",
  lock_configuration: "true"
} as const;

/**
 * LOCKED_DOWN, save for the paths a command names (the folder an export writes, the exports and
 * databases a merge reads): DuckDB takes its allow-lists only while external access is still on, so
 * the instance opens without the lock and `fileAccessSql` turns it on after them.
 */
export const LOCKED_AFTER_OPEN = {
  autoinstall_known_extensions: "false",
  autoload_known_extensions: "false",
  allow_community_extensions: "false"
} as const;

/** The statements that allow `paths` (folders end in "/"; files also get their write-ahead log) and then lock SQL down. */
export function fileAccessSql(paths: readonly string[]): string[] {
  const list = (items: string[]) => `[${items.map((item) => `'${item.replaceAll("'", "''")}'`).join(", ")}]`;
  const dirs = paths.filter((path) => path.endsWith("/"));
  const files = paths.filter((path) => !path.endsWith("/")).flatMap((path) => [path, `${path}.wal`]);
  return [
    ...(dirs.length ? [`SET allowed_directories = ${list(dirs)}`] : []),
    ...(files.length ? [`SET allowed_paths = ${list(files)}`] : []),
    "SET enable_external_access = false",
    "SET lock_configuration = true"
  ];
}

/** Another process holds the database; `holder` says which, when DuckDB told. */
export class DatabaseBusyError extends StoreError {
  constructor(
    readonly path: string,
    readonly holder: string,
    waitedS: number
  ) {
    super(
      `${path} is in use by ${holder}${waitedS > 0 ? ` (waited ${waitedS} s)` : ""}; ` +
        `wait for it to finish, or pass --wait SECONDS to wait for it`
    );
  }
}

const POLL_MS = 200;

/** Opens `path` with `config`, waiting up to `waitS` seconds while another process holds it. */
export async function openInstance(path: string, config: Record<string, string>, waitS = 0): Promise<DuckDBInstance> {
  const deadline = Date.now() + waitS * 1000;
  for (;;) {
    try {
      return await DuckDBInstance.create(path, config);
    } catch (error) {
      const holder = lockHolder(error);
      if (holder === undefined) throw error;
      if (Date.now() >= deadline) throw new DatabaseBusyError(path, holder, waitS);
      await sleep(POLL_MS);
    }
  }
}

/** Whether `error` is DuckDB's lock refusal, and if so who holds the lock (undefined: not a lock error). */
export function lockHolder(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  if (!/Could not set lock on file/.test(message)) return undefined;
  const pid = /\(PID (\d+)\)/.exec(message)?.[1];
  return pid ? `process ${pid} (${commandLine(Number(pid)) ?? "command unknown"})` : "another process";
}

/** A process's command line, shortened to what a user typed: "vmmbench run --plan quick". */
function commandLine(pid: number): string | undefined {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    const bin = argv.findIndex((arg) => /(^|\/)vmmbench(\.js)?$/.test(arg));
    const words = bin >= 0 ? ["vmmbench", ...argv.slice(bin + 1)] : argv;
    const text = words.join(" ").replace(/[\x00-\x1f\x7f]/g, "?");
    return text.length > 120 ? `${text.slice(0, 119)}…` : text;
  } catch {
    return undefined;
  }
}
