import {VmmbenchError} from "../errors.ts";
import {ensurePaperData} from "../paper/che2008.ts";
import {Store} from "../store/store.ts";
import {formatRows, type OutputFormat} from "./format.ts";

export class QueryError extends VmmbenchError {}

/** `vmmbench sql "<query>"`: any SQL over the database, printed as a table, CSV or JSON. */
export async function sqlCommand(opts: {db: string; query: string; format: OutputFormat; out: NodeJS.WritableStream}): Promise<void> {
  const store = await Store.open(opts.db);
  try {
    await ensurePaperData(store);
    let result;
    try {
      result = await store.queryWithColumns(opts.query);
    } catch (error) {
      throw new QueryError(`query failed: ${(error as Error).message}`, {cause: error});
    }
    opts.out.write(formatRows(result.columns, result.rows, opts.format));
  } finally {
    store.close();
  }
}
