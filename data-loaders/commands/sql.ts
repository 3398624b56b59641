import {VmmbenchError} from "../errors.ts";
import {openForReading} from "../store/reader.ts";
import {Store, StoreError} from "../store/store.ts";
import {formatRows, type OutputFormat} from "./format.ts";

export class QueryError extends VmmbenchError {}

export interface SqlOptions {
  db: string;
  query: string;
  format: OutputFormat;
  out: NodeJS.WritableStream;
  /** Open the database for writing (`--write`); otherwise it is opened read-only. */
  write?: boolean;
  /** `--wait SECONDS`: wait for a process that holds the database instead of reading a snapshot (or failing, with --write). */
  waitS?: number;
  log?: (line: string) => void;
}

/**
 * `vmmbench sql "<query>"`: SQL over the database, printed as a table, CSV or JSON. Read-only
 * unless --write; either way SQL cannot reach files, the network or extensions (store/lock.ts).
 */
export async function sqlCommand(opts: SqlOptions): Promise<void> {
  const store = opts.write ? await Store.open(opts.db, {waitS: opts.waitS, mustExist: true}) : await openForReading(opts.db, {waitS: opts.waitS, log: opts.log});
  try {
    let result;
    try {
      result = opts.write ? await store.userWrite(opts.query) : await store.queryWithColumns(opts.query);
    } catch (error) {
      if (error instanceof StoreError) throw error;
      const message = (error as Error).message.split("\n")[0]!;
      const hint =
        !opts.write && /read-only mode/.test(message)
          ? " (the database is opened read-only; add --write to change it)"
          : /^Permission Error/.test(message)
            ? " (vmmbench's SQL cannot read or write files, reach the network or load extensions)"
            : "";
      throw new QueryError(`query failed: ${message}${hint}`, {cause: error});
    }
    opts.out.write(formatRows(result.columns, result.rows, opts.format));
  } finally {
    store.close();
  }
}
