import {LIST, StatementType, VARCHAR, listValue, type DuckDBConnection, type DuckDBInstance} from "@duckdb/node-api";
import {rmSync} from "node:fs";
import {dirname, resolve} from "node:path";
import type {Fingerprint} from "../targets/target.ts";
import type {SampleTable} from "../model/sample-table.ts";
import type {Params, Sample} from "../model/sample.ts";
import {databaseLocation} from "./location.ts";
import {fileAccessSql, LOCKED_AFTER_OPEN, LOCKED_DOWN, openInstance} from "./lock.ts";
import {prepareForReading, prepareForWriting, schemaProblems} from "./schema-guard.ts";
import {SeriesIndex} from "./series-index.ts";
import {StepWriter} from "./step-writer.ts";
import {StoreError} from "./store-error.ts";

export {StoreError};

export const DEFAULT_DB = "data/vmmbench.duckdb";

export type Source = "run" | "ingest" | "reference";
export type Row = Record<string, unknown>;

export interface RunRecord {
  runId: string;
  source: Source;
  plan: unknown;
  stopRule?: unknown;
  tags?: Record<string, string>;
  vmmbenchVersion: string;
}

/** Provenance of the samples of one step: which tool wrote them and where the raw bytes are kept. */
export interface StepProvenance {
  tool: string;
  toolVersion: string | null;
  engine: "builtin" | "reference" | "ingest" | "paper";
}

export interface RawOutput {
  sha256: string;
  /** Relative to the data directory (the folder that holds the database). */
  path: string;
  bytes: number;
  format: string;
  /** Where the bytes start inside `path` when it is an ingest's tar archive; absent when the file holds them alone. */
  offset?: number;
}

export interface StepRecord {
  runId: string;
  stepId: string;
  environment: string;
  status: "done" | "failed";
  startedAt: Date;
  durationMs: number;
  message?: string;
  raw: RawOutput[];
  /** A parser's table as is, or sample objects (a probe's, a campaign's) that keep their repetitions. */
  samples: readonly Sample[] | SampleTable;
  provenance: StepProvenance;
}

export interface OpenOptions {
  /**
   * Never write: DuckDB's read-only mode, the file must exist, and nothing is created, migrated or
   * refreshed (so a SELECT works on a full disk, a read-only file and beside other readers).
   */
  readOnly?: boolean;
  /** For writing too, the file must already exist (`sql --write`: a mistyped --db is an error, not a new database). */
  mustExist?: boolean;
  /** Seconds to wait while another process holds the database (default 0: DatabaseBusyError at once). */
  waitS?: number;
  /** Paths SQL may reach (folders ending in "/"): an export's folder, a merge's sources; nothing else. */
  fileAccess?: readonly string[];
  /** A snapshot's private folder, removed when the store closes (store/reader.ts). */
  snapshotDir?: string;
}

/** The DuckDB database of runs, environments, steps, raw outputs and samples. */
export class Store {
  private series: SeriesIndex | undefined;

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly readOnly: boolean,
    /** Set when this store reads a private snapshot of a busy database (store/reader.ts). */
    readonly snapshotDir?: string
  ) {}

  /** Folder that raw outputs are kept under (`runs/<run-id>/…`), next to the database file. */
  get dataDir(): string {
    return this.path === ":memory:" ? resolve("data") : dirname(this.path);
  }

  /**
   * Opens a database for writing (created with its schema when new; checked and migrated when
   * not) or, with `readOnly`, for reading only. Every connection runs with SQL's file, network and
   * extension access off (lock.ts LOCKED_DOWN).
   */
  static async open(path: string = DEFAULT_DB, options: OpenOptions = {}): Promise<Store> {
    const readOnly = options.readOnly ?? false;
    const full = path === ":memory:" ? path : databaseLocation(path, readOnly || (options.mustExist ?? false));
    const access = options.fileAccess?.length ? fileAccessSql(options.fileAccess) : undefined;
    const instance = await openInstance(full, {access_mode: readOnly ? "READ_ONLY" : "READ_WRITE", ...(access ? LOCKED_AFTER_OPEN : LOCKED_DOWN)}, options.waitS).catch((error: unknown) => {
      if (error instanceof StoreError) throw error;
      throw new StoreError(`cannot open database ${full}: ${(error as Error).message.split("\n")[0]}`, {cause: error});
    });
    const store = new Store(full, instance, await instance.connect(), readOnly, options.snapshotDir);
    try {
      for (const sql of access ?? []) await store.connection.run(sql);
      await (readOnly ? prepareForReading : prepareForWriting)(store.connection, full);
    } catch (error) {
      store.close();
      throw error;
    }
    return store;
  }

  /** Ends the connection; a snapshot's folder goes with it unless the caller hands it on. */
  close(options: {keepSnapshot?: boolean} = {}): void {
    // Closing never throws: a database invalidated by a failed write must not hide that failure.
    for (const close of [() => this.connection.closeSync(), () => this.instance.closeSync()]) {
      try {
        close();
      } catch {
        // already unusable
      }
    }
    if (this.snapshotDir && !options.keepSnapshot) rmSync(this.snapshotDir, {recursive: true, force: true});
  }

  /** Runs any SQL and returns plain JS rows (BIGINT → number when safe, timestamps → ISO text). */
  async query(sql: string, params?: unknown[]): Promise<Row[]> {
    const reader = await this.connection.runAndReadAll(sql, params as never);
    return reader.getRowObjectsJS().map(plainRow);
  }

  async queryWithColumns(sql: string): Promise<{columns: string[]; rows: Row[]}> {
    const reader = await this.connection.runAndReadAll(sql);
    return {columns: reader.columnNames(), rows: reader.getRowObjectsJS().map(plainRow)};
  }

  /**
   * Runs a user's statements (`vmmbench sql --write`) in one transaction and keeps them only when
   * the database is still vmmbench's afterwards: a dropped table, a changed column or a changed
   * schema version rolls everything back.
   */
  async userWrite(sql: string): Promise<{columns: string[]; rows: Row[]}> {
    const statements = await this.connection.extractStatements(sql);
    for (let i = 0; i < statements.count; i++) {
      // A statement that needs an earlier one of the batch cannot be prepared yet; only BEGIN/COMMIT/ROLLBACK matter here.
      const type = await statements.prepare(i).then((p) => p.statementType, () => undefined);
      if (type === StatementType.TRANSACTION) throw new StoreError("sql --write runs the query in its own transaction: leave out BEGIN, COMMIT and ROLLBACK");
    }
    return this.transaction(async () => {
      const result = await this.queryWithColumns(sql);
      const problems = await schemaProblems(this.connection);
      if (problems.length) throw new StoreError(`refused, nothing was changed: after this query ${problems.join("; ")}`);
      return result;
    });
  }

  /** Runs `work` in one transaction: everything it writes lands, or nothing does. */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.connection.run("BEGIN TRANSACTION");
    try {
      const result = await work();
      await this.connection.run("COMMIT");
      return result;
    } catch (error) {
      // A COMMIT that failed (a full disk) has rolled back already: the error to report is the commit's.
      await this.connection.run("ROLLBACK").catch(() => undefined);
      // Series appended in the rolled-back transaction are gone; re-read the index next time.
      this.series = undefined;
      throw error;
    }
  }

  async beginRun(run: RunRecord): Promise<void> {
    await this.connection.run(
      `INSERT INTO runs (run_id, source, status, started_at, plan, stop_rule, vmmbench_version, tags)
       VALUES ($1, $2, 'running', now()::TIMESTAMP, $3, $4, $5, $6)`,
      [
        run.runId,
        run.source,
        JSON.stringify(run.plan),
        run.stopRule === undefined ? null : JSON.stringify(run.stopRule),
        run.vmmbenchVersion,
        JSON.stringify(run.tags ?? {})
      ] as never
    );
  }

  /** Ends a run; `tags`, when given, replace the ones it began with (an ingest learns them file by file). */
  async finishRun(runId: string, status: "complete" | "failed", tags?: Record<string, string>): Promise<void> {
    await this.connection.run(`UPDATE runs SET status = $1, finished_at = now()::TIMESTAMP, tags = coalesce($3, tags) WHERE run_id = $2`, [
      status,
      runId,
      tags === undefined ? null : JSON.stringify(tags)
    ] as never);
  }

  /** Records (or refreshes, on resume) where an environment's samples were measured. */
  async recordEnvironment(runId: string, fp: Fingerprint): Promise<void> {
    await this.connection.run(
      `INSERT OR REPLACE INTO environments VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
      [
        runId,
        fp.environment,
        fp.hypervisor,
        fp.hypervisorVersion,
        fp.mode,
        fp.guestOs,
        fp.kernel,
        fp.cpuModel,
        fp.vcpus,
        fp.memoryMb,
        fp.passthrough,
        fp.host,
        fp.launch,
        JSON.stringify(fp.extra)
      ] as never
    );
  }

  /** Stores one step's raw outputs, samples and status together, so a crash never leaves half a step. */
  async recordStep(step: StepRecord): Promise<void> {
    await this.transaction(() => this.writeSteps([step]));
  }

  /** One step inside a caller's transaction. */
  async writeStep(step: StepRecord): Promise<void> {
    await this.writeSteps([step]);
  }

  /** Appends steps with their raw-output records and samples in bulk (callers hold the transaction). */
  async writeSteps(steps: readonly StepRecord[]): Promise<void> {
    if (steps.length === 0) return;
    const writer = await this.stepWriter();
    try {
      for (const step of steps) writer.add(step);
    } catch (error) {
      writer.abort();
      throw error;
    }
    await writer.close();
  }

  /**
   * A writer that appends steps one at a time inside the caller's transaction (step numbers and
   * series ids are assigned as they come); `close` it before running anything that reads them.
   */
  async stepWriter(): Promise<StepWriter> {
    return StepWriter.open(this.connection, await this.seriesIndex());
  }

  /** Forgets the series index after SQL that added series behind its back (a merge of another database); re-read when next needed. */
  forgetSeriesIndex(): void {
    this.series = undefined;
  }

  /** (suite, metric, unit, params) → series_id, read once per store and kept in step with what it appends. */
  private async seriesIndex(): Promise<SeriesIndex> {
    if (!this.series) {
      const index = new SeriesIndex();
      for (const r of await this.query("SELECT series_id, suite, metric, params, unit FROM series")) {
        index.set({suite: String(r.suite), metric: String(r.metric), unit: String(r.unit), params: JSON.parse(String(r.params)) as Params}, Number(r.series_id));
      }
      this.series = index;
    }
    return this.series;
  }

  async completedStepIds(runId: string): Promise<Set<string>> {
    const rows = await this.query(`SELECT step_id FROM steps WHERE run_id = $1`, [runId]);
    return new Set(rows.map((r) => String(r.step_id)));
  }

  /**
   * Forgets the failed steps of a run that never ran (their environment could not start, recorded
   * as "did not run: …"), so a resumed campaign tries them again; steps that ran and failed stay.
   */
  async forgetStepsNotRun(runId: string): Promise<number> {
    return this.transaction(async () => {
      const notRun = `SELECT step_no FROM steps WHERE run_id = $1 AND status = 'failed' AND message LIKE 'did not run%'`;
      await this.connection.run(`DELETE FROM samples WHERE step_no IN (${notRun})`, [runId]);
      await this.connection.run(`DELETE FROM raw_outputs WHERE run_id = $1 AND step_id IN (SELECT step_id FROM steps WHERE step_no IN (${notRun}))`, [runId]);
      const rows = await this.query(`DELETE FROM steps WHERE step_no IN (${notRun}) RETURNING step_no`, [runId]);
      return rows.length;
    });
  }

  async run(runId: string): Promise<Row | undefined> {
    return (await this.query(`SELECT * FROM runs WHERE run_id = $1`, [runId]))[0];
  }

  /** The newest campaign that did not finish, for `vmmbench run --resume`. */
  async latestUnfinishedRun(): Promise<Row | undefined> {
    return (
      await this.query(`SELECT * FROM runs WHERE source = 'run' AND status <> 'complete' ORDER BY started_at DESC LIMIT 1`)
    )[0];
  }

  /** Which of these digests are already stored: one query for a whole batch, the digests bound as one list. */
  async storedRawOutputs(digests: readonly string[]): Promise<Set<string>> {
    if (digests.length === 0) return new Set();
    const reader = await this.connection.runAndReadAll(
      "SELECT DISTINCT r.sha256 FROM raw_outputs r SEMI JOIN (SELECT unnest($1) AS digest) ON r.sha256 = digest",
      [listValue([...new Set(digests)])],
      [LIST(VARCHAR)]
    );
    return new Set(reader.getRows().map((row) => String(row[0])));
  }

  async deleteRun(runId: string): Promise<void> {
    await this.connection.run(`DELETE FROM samples WHERE step_no IN (SELECT step_no FROM steps WHERE run_id = $1)`, [runId] as never);
    for (const table of ["raw_outputs", "steps", "environments", "runs"]) {
      await this.connection.run(`DELETE FROM ${table} WHERE run_id = $1`, [runId] as never);
    }
  }
}

function plainRow(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) out[key] = plainValue(value);
  return out;
}

function plainValue(value: unknown): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plainValue);
  return value;
}
