// The Explore page's database: DuckDB-wasm, loaded on the reader's first query (not with the
// page), with every sample as the table `results` — the name the CLI's view has, so the README's
// queries run here as they are. One wasm build ships (the exception-handling one, which every
// current browser runs); nothing reaches the network: remote URLs are refused before DuckDB sees
// them, extensions are never installed or loaded, external access is off and the configuration
// is locked so a query cannot turn any of it back on. Each query runs in a transaction that is
// rolled back, and the database is rebuilt from the samples if a statement still broke it (a
// COMMIT of its own, USE of another schema), so the page recovers from any statement.
const BUNDLE = {
  mainModule: import.meta.resolve("npm:@duckdb/duckdb-wasm/dist/duckdb-eh.wasm"),
  mainWorker: import.meta.resolve("npm:@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js")
};

/** What a reader's SQL may not name: any URL scheme DuckDB would read remotely. */
const REMOTE = /\b(?:https?|s3[an]?|gcs|gs|r2|azure?|abfss?|hf|ftp|wss?):\/\/[^\s'")]*/i;

export class NetworkRefused extends Error {
  constructor(url) {
    super(`This report reads nothing from the network, so "${url}" is refused. Query the table results (every sample of the report) or the view selection (the samples the filters let through).`);
    this.name = "NetworkRefused";
  }
}

/** Settings applied before the lock: no extension is installed or loaded, no file or URL is read. */
const LOCKDOWN = [
  "SET autoinstall_known_extensions = false",
  "SET autoload_known_extensions = false",
  "SET enable_external_access = false",
  "SET lock_configuration = true"
];

async function instantiate() {
  if (typeof WebAssembly !== "object") throw new Error("This browser has no WebAssembly: Explore cannot run here.");
  const duckdb = await import("npm:@duckdb/duckdb-wasm"); // not with the page: on the first query
  const worker = new Worker(BUNDLE.mainWorker);
  const db = new duckdb.AsyncDuckDB(new duckdb.ConsoleLogger(duckdb.LogLevel.WARNING), worker);
  try {
    await db.instantiate(BUNDLE.mainModule);
  } catch (error) {
    worker.terminate();
    throw new Error(`DuckDB-wasm did not start (${error?.message ?? error}); it needs WebAssembly exception handling (Chrome 95, Firefox 100, Safari 15.2 or newer).`);
  }
  return {db, worker};
}

export class ExploreDatabase {
  /** `samples`: () => Promise<Uint8Array>, the Arrow IPC stream of every sample (fetched once). */
  constructor(samples) {
    this.samples = samples;
    this.bytes = null;
    this.ready = null;
    this.rows = null;
  }

  /** Starts DuckDB and loads `results` (once; again after a reset). */
  open() {
    return (this.ready ??= (async () => {
      this.bytes ??= new Uint8Array(await this.samples());
      const {db, worker} = await instantiate();
      const conn = await db.connect();
      // A copy: the worker takes ownership of the buffer it is sent, and a reset needs the bytes again.
      await conn.insertArrowFromIPCStream(this.bytes.slice(), {name: "results", create: true});
      for (const sql of LOCKDOWN) await conn.query(sql);
      this.rows ??= Number((await conn.query("SELECT count(*)::DOUBLE AS n FROM results")).get(0).n);
      return {db, worker, conn};
    })());
  }

  /** Throws away the database and builds it again from the samples already fetched. */
  async reset() {
    const old = await this.ready?.catch(() => null);
    this.ready = null;
    if (old) {
      await old.conn.close().catch(() => {});
      await old.db.terminate().catch(() => {});
      old.worker.terminate();
    }
    return this.open();
  }

  /**
   * Runs the reader's SQL with `selection` defined by `where` (filters.js state as SQL), inside a
   * transaction that is rolled back. Returns {table} or {error}; never throws for a bad query.
   */
  async run(sql, where = "TRUE") {
    const remote = REMOTE.exec(sql);
    if (remote) return {table: null, error: new NetworkRefused(remote[0])};
    const {conn} = await this.open();
    let table = null;
    let error = null;
    try {
      await conn.query("BEGIN TRANSACTION");
      await conn.query(`CREATE TEMP VIEW selection AS SELECT * FROM results WHERE ${where}`);
      table = await conn.query(stripSql(sql));
    } catch (e) {
      error = e;
    }
    if (!(await this.intact(conn))) await this.reset();
    return {table, error};
  }

  /** Rolls back, then checks `results` still holds every sample; false when the database must be rebuilt. */
  async intact(conn) {
    try {
      await conn.query("ROLLBACK");
    } catch {
      return false; // the reader's statement ended the transaction itself
    }
    try {
      return Number((await conn.query("SELECT count(*)::DOUBLE AS n FROM results")).get(0).n) === this.rows;
    } catch {
      return false;
    }
  }
}

/** The reader's SQL without a trailing semicolon. */
export function stripSql(sql) {
  return String(sql).trim().replace(/;+\s*$/, "");
}

export {REMOTE};
