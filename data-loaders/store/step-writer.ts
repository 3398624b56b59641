/**
 * Appends steps with their raw-output records, new series and samples through appenders that stay
 * open across many steps (the caller holds the transaction). An ingest hands each file's table
 * over as soon as it is parsed: its samples are copied into data chunks at once, so the table dies
 * young. Keeping a batch of tables alive until a bulk write made V8 promote every series object of
 * them, which cost more than a third of the parsing time on a folder of small files.
 */
import {canonicalParams} from "../model/params.ts";
import {DuckDBTimestampValue, type DuckDBAppender, type DuckDBConnection} from "@duckdb/node-api";
import {SampleTable} from "../model/sample-table.ts";
import type {Params} from "../model/sample.ts";
import {SampleColumns} from "./sample-columns.ts";
import type {SeriesIndex} from "./series-index.ts";
import type {StepRecord} from "./store.ts";

export class StepWriter {
  private readonly columns = new SampleColumns();
  private readonly emit = (chunk: Parameters<DuckDBAppender["appendDataChunk"]>[0]) => this.samples.appendDataChunk(chunk);

  private constructor(
    private stepNo: number,
    private readonly series: SeriesIndex,
    private readonly steps: DuckDBAppender,
    private readonly raw: DuckDBAppender,
    private readonly seriesRows: DuckDBAppender,
    private readonly samples: DuckDBAppender
  ) {}

  /** Step numbers continue from the highest stored; `series` is the store's index, kept in step with what is appended. */
  static async open(connection: DuckDBConnection, series: SeriesIndex): Promise<StepWriter> {
    const reader = await connection.runAndReadAll("SELECT coalesce(max(step_no), 0)::INTEGER FROM steps");
    const last = Number(reader.getRows()[0]![0]);
    const appenders: DuckDBAppender[] = [];
    try {
      for (const table of ["steps", "raw_outputs", "series", "samples"]) appenders.push(await connection.createAppender(table));
    } catch (error) {
      for (const appender of appenders) appender.closeSync();
      throw error;
    }
    const [steps, raw, seriesRows, samples] = appenders as [DuckDBAppender, DuckDBAppender, DuckDBAppender, DuckDBAppender];
    return new StepWriter(last, series, steps, raw, seriesRows, samples);
  }

  add(step: StepRecord): void {
    const stepNo = ++this.stepNo;
    appendRow(this.steps, [
      ["integer", stepNo], ["varchar", step.runId], ["varchar", step.stepId], ["varchar", step.environment], ["varchar", step.status],
      ["timestamp", step.startedAt], ["double", step.durationMs], ["varchar", step.message], ["varchar", step.provenance.tool],
      ["varchar", step.provenance.toolVersion], ["varchar", step.provenance.engine], ["varchar", step.raw[0]?.sha256]
    ]);
    for (const raw of step.raw) {
      appendRow(this.raw, [["varchar", raw.sha256], ["varchar", step.runId], ["varchar", step.stepId], ["varchar", raw.path], ["bigint", raw.bytes], ["varchar", raw.format], ["bigint", raw.offset]]);
    }
    const table = step.samples instanceof SampleTable ? step.samples : SampleTable.fromSamples(step.samples);
    // Series ids are looked up once per distinct series of the table, not per sample.
    const ids = new Int32Array(table.series.length);
    for (let k = 0; k < ids.length; k++) {
      const s = table.series[k]!;
      let id = this.series.get(s);
      if (id === 0) {
        id = this.series.size + 1;
        this.series.set(s, id);
        appendRow(this.seriesRows, [["integer", id], ["varchar", s.suite], ["varchar", s.metric], ["varchar", canonicalParams(s.params)], ["varchar", s.unit]]);
      }
      ids[k] = id;
    }
    this.columns.addTable(table, stepNo, ids, this.emit);
  }

  /** Writes everything appended; the appenders are closed whether or not that succeeds. */
  async close(): Promise<void> {
    try {
      this.columns.flush(this.emit);
      for (const appender of this.appenders()) appender.flushSync();
    } finally {
      this.abort();
    }
  }

  /** Closes the appenders after a failure; the caller's rollback drops what they held. */
  abort(): void {
    for (const appender of this.appenders()) {
      try {
        appender.closeSync();
      } catch {
        // Closing flushes; a failing flush changes nothing the rollback will not undo.
      }
    }
  }

  private appenders(): DuckDBAppender[] {
    return [this.steps, this.raw, this.seriesRows, this.samples];
  }
}

type Cell = ["integer" | "bigint" | "double", number | undefined] | ["varchar", string | null | undefined] | ["timestamp", Date];

function appendRow(a: DuckDBAppender, cells: Cell[]): void {
  for (const [type, value] of cells) {
    if (value === null || value === undefined) a.appendNull();
    else if (type === "integer") a.appendInteger(value as number);
    else if (type === "bigint") a.appendBigInt(BigInt(value as number));
    else if (type === "double") a.appendDouble(value as number);
    else if (type === "timestamp") a.appendTimestamp(new DuckDBTimestampValue(BigInt((value as Date).getTime()) * 1000n));
    else a.appendVarchar(value as string);
  }
  a.endRow();
}
