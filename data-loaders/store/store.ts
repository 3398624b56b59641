import {DuckDBInstance, type DuckDBConnection, type DuckDBAppender} from "@duckdb/node-api";
import {mkdirSync} from "node:fs";
import {dirname, resolve} from "node:path";
import {VmmbenchError} from "../errors.ts";
import type {Fingerprint} from "../targets/target.ts";
import type {Sample} from "../samples.ts";
import {SCHEMA_SQL, SCHEMA_VERSION} from "./schema.ts";

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
  samples: Sample[];
  provenance: StepProvenance;
}

export class StoreError extends VmmbenchError {}

/** The DuckDB database of runs, environments, steps, raw outputs and samples. */
export class Store {
  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection
  ) {}

  /** Folder that raw outputs are kept under (`runs/<run-id>/…`), next to the database file. */
  get dataDir(): string {
    return this.path === ":memory:" ? resolve("data") : dirname(this.path);
  }

  static async open(path: string = DEFAULT_DB): Promise<Store> {
    const full = path === ":memory:" ? path : resolve(path);
    if (full !== ":memory:") mkdirSync(dirname(full), {recursive: true});
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(full);
    } catch (error) {
      throw new StoreError(`cannot open database ${full}: ${(error as Error).message}`, {cause: error});
    }
    const store = new Store(full, instance, await instance.connect());
    await store.connection.run(SCHEMA_SQL);
    await store.connection.run(
      `INSERT INTO meta VALUES ('schema_version', '${SCHEMA_VERSION}') ON CONFLICT DO NOTHING`
    );
    return store;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
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

  /** Runs `work` in one transaction: everything it writes lands, or nothing does. */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.connection.run("BEGIN TRANSACTION");
    try {
      const result = await work();
      await this.connection.run("COMMIT");
      return result;
    } catch (error) {
      await this.connection.run("ROLLBACK");
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

  async finishRun(runId: string, status: "complete" | "failed"): Promise<void> {
    await this.connection.run(`UPDATE runs SET status = $1, finished_at = now()::TIMESTAMP WHERE run_id = $2`, [
      status,
      runId
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
    await this.transaction(async () => {
      await this.writeStep(step);
    });
  }

  /** Like recordStep but for callers that already hold a transaction (ingest stores many steps at once). */
  async writeStep(step: StepRecord): Promise<void> {
    await this.connection.run(`INSERT INTO steps VALUES ($1,$2,$3,$4,$5,$6,$7)`, [
      step.runId,
      step.stepId,
      step.environment,
      step.status,
      step.startedAt.toISOString(),
      step.durationMs,
      step.message ?? null
    ] as never);
    for (const raw of step.raw) {
      await this.connection.run(`INSERT INTO raw_outputs VALUES ($1,$2,$3,$4,$5,$6)`, [
        raw.sha256,
        step.runId,
        step.stepId,
        raw.path,
        raw.bytes,
        raw.format
      ] as never);
    }
    await this.appendSamples(step.runId, step.environment, step.stepId, step.samples, step.provenance, step.raw[0]?.sha256 ?? null);
  }

  async appendSamples(
    runId: string,
    environment: string,
    stepId: string,
    samples: readonly Sample[],
    provenance: StepProvenance,
    rawSha256: string | null
  ): Promise<void> {
    if (samples.length === 0) return;
    const appender = await this.connection.createAppender("samples");
    try {
      for (const s of samples) appendSample(appender, runId, environment, stepId, s, provenance, rawSha256);
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  async completedStepIds(runId: string): Promise<Set<string>> {
    const rows = await this.query(`SELECT step_id FROM steps WHERE run_id = $1`, [runId]);
    return new Set(rows.map((r) => String(r.step_id)));
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

  async hasRawOutput(sha256: string): Promise<boolean> {
    return (await this.query(`SELECT 1 FROM raw_outputs WHERE sha256 = $1 LIMIT 1`, [sha256])).length > 0;
  }

  async deleteRun(runId: string): Promise<void> {
    for (const table of ["samples", "raw_outputs", "steps", "environments", "runs"]) {
      await this.connection.run(`DELETE FROM ${table} WHERE run_id = $1`, [runId] as never);
    }
  }
}

function appendSample(
  a: DuckDBAppender,
  runId: string,
  environment: string,
  stepId: string,
  s: Sample,
  p: StepProvenance,
  rawSha256: string | null
): void {
  a.appendVarchar(runId);
  a.appendVarchar(environment);
  a.appendVarchar(stepId);
  a.appendVarchar(s.suite);
  a.appendVarchar(s.metric);
  a.appendVarchar(JSON.stringify(s.params));
  a.appendVarchar(s.unit);
  if (Number.isFinite(s.value)) a.appendDouble(s.value);
  else a.appendNull();
  a.appendInteger(s.repetition);
  a.appendVarchar(s.status ?? "ok");
  appendNullable(a, s.note);
  appendNullable(a, s.host);
  a.appendVarchar(p.tool);
  appendNullable(a, p.toolVersion ?? undefined);
  a.appendVarchar(p.engine);
  appendNullable(a, rawSha256 ?? undefined);
  a.endRow();
}

function appendNullable(a: DuckDBAppender, value: string | undefined): void {
  if (value === undefined) a.appendNull();
  else a.appendVarchar(value);
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
