/**
 * The samples of one parsed output or one step, column by column: a series table (suite, metric,
 * unit, params, host — one row per distinct measurement) and per-sample typed arrays of series,
 * value and repetition. Parsers append here instead of building one object per sample: a 1 MB
 * IOzone or lat_mem_rd output holds ~10^5 samples, and an object (plus its params) each, then
 * renumbering and looking each one up again in the store, cost more than reading the text.
 *
 * Repetitions are numbered as the samples arrive: the n-th sample of the same measurement (host,
 * metric, params) gets repetition n. Params are the same measurement when their canonical JSON is
 * (see ParamsTrie), which is also how the store tells series apart.
 */
import {ParamsTrie} from "./params-trie.ts";
import type {Params, Sample, Suite} from "./samples.ts";

export interface SeriesInfo {
  suite: Suite;
  metric: string;
  unit: string;
  params: Params;
  /** For inputs that hold several machines (LMbench summaries): the host the series belongs to. */
  host: string | undefined;
}

/** One (host, metric, params): its next repetition number and the series (suite, unit, host as given) seen under it. */
interface Measurement {
  next: number;
  series: number[];
}

const newMeasurement = (): Measurement => ({next: 0, series: []});

/** A table as plain data and exact-size typed arrays: what a worker thread posts back (the arrays transferred). */
export interface TableColumns {
  series: SeriesInfo[];
  seriesOf: Int32Array<ArrayBuffer>;
  values: Float64Array<ArrayBuffer>;
  repetitions: Int32Array<ArrayBuffer>;
  failed: number[];
  notes: Array<[number, string]>;
}

export class SampleTable {
  readonly series: SeriesInfo[] = [];
  /** Series of each sample; the arrays grow by doubling, so only the first `length` entries count. */
  seriesOf = new Int32Array(64);
  values = new Float64Array(64);
  repetitions = new Int32Array(64);
  length = 0;
  /** Rows of failed samples and rows with a note: rare, so kept sparse. */
  readonly failed = new Set<number>();
  readonly notes = new Map<number, string>();

  private readonly measurements = new ParamsTrie<Measurement>();
  private readonly measurementOf: Measurement[] = [];

  /** The id of a series (made the first time it is seen), for `push`. Keep params unchanged afterwards. */
  seriesId(suite: Suite, metric: string, unit: string, params: Params, host?: string): number {
    const measurement = this.measurements.slot(host ?? "", metric, "", params, newMeasurement);
    const ids = measurement.series;
    for (let i = 0; i < ids.length; i++) {
      const info = this.series[ids[i]!]!;
      if (info.suite === suite && info.unit === unit && info.host === host) return ids[i]!;
    }
    const id = this.series.length;
    this.series.push({suite, metric, unit, params, host});
    this.measurementOf.push(measurement);
    ids.push(id);
    return id;
  }

  /** Appends a sample of a series; its repetition is the next of its measurement unless given. Returns its row. */
  push(series: number, value: number, repetition?: number): number {
    const row = this.length;
    if (row === this.values.length) this.grow();
    const measurement = this.measurementOf[series]!;
    const rep = repetition ?? measurement.next;
    if (rep >= measurement.next) measurement.next = rep + 1;
    this.seriesOf[row] = series;
    this.values[row] = value;
    this.repetitions[row] = rep;
    this.length = row + 1;
    return row;
  }

  /** seriesId + push, for parsers that meet each series once or twice. */
  add(suite: Suite, metric: string, unit: string, params: Params, value: number, host?: string): number {
    return this.push(this.seriesId(suite, metric, unit, params, host), value);
  }

  /** Marks a row failed (its value is NaN by convention) with the reason. */
  fail(row: number, reason: string): void {
    this.failed.add(row);
    this.notes.set(row, reason);
  }

  note(row: number, text: string): void {
    this.notes.set(row, text);
  }

  /** Appends every row of another table (its series merged into this one's; repetitions renumbered here). */
  append(other: SampleTable): void {
    const map = other.series.map((s) => this.seriesId(s.suite, s.metric, s.unit, s.params, s.host));
    for (let row = 0; row < other.length; row++) this.copyRow(other, row, map[other.seriesOf[row]!]!, undefined);
  }

  /** The rows whose series passes `keep`, as a new table with the same repetitions. */
  select(keep: (series: SeriesInfo) => boolean): SampleTable {
    const out = new SampleTable();
    const map = this.series.map((s) => (keep(s) ? out.seriesId(s.suite, s.metric, s.unit, s.params, s.host) : -1));
    for (let row = 0; row < this.length; row++) {
      const id = map[this.seriesOf[row]!]!;
      if (id >= 0) out.copyRow(this, row, id, this.repetitions[row]!);
    }
    return out;
  }

  /** A table of samples that already carry their repetitions (a probe's JSON lines, the paper's tables). */
  static fromSamples(samples: readonly Sample[]): SampleTable {
    const table = new SampleTable();
    for (const s of samples) {
      const row = table.push(table.seriesId(s.suite, s.metric, s.unit, s.params, s.host), s.value, s.repetition);
      if (s.status === "failed") table.failed.add(row);
      if (s.note !== undefined) table.notes.set(row, s.note);
    }
    return table;
  }

  columns(): TableColumns {
    return {
      series: this.series,
      seriesOf: this.seriesOf.slice(0, this.length),
      values: this.values.slice(0, this.length),
      repetitions: this.repetitions.slice(0, this.length),
      failed: [...this.failed],
      notes: [...this.notes]
    };
  }

  static fromColumns(columns: TableColumns): SampleTable {
    const table = new SampleTable();
    // Registering the series in order gives them the same ids and rebuilds the repetition counters.
    for (const s of columns.series) table.seriesId(s.suite, s.metric, s.unit, s.params, s.host);
    table.seriesOf = columns.seriesOf;
    table.values = columns.values;
    table.repetitions = columns.repetitions;
    table.length = columns.values.length;
    for (let row = 0; row < table.length; row++) {
      const measurement = table.measurementOf[table.seriesOf[row]!]!;
      measurement.next = Math.max(measurement.next, table.repetitions[row]! + 1);
    }
    for (const row of columns.failed) table.failed.add(row);
    for (const [row, note] of columns.notes) table.notes.set(row, note);
    return table;
  }

  /** One Sample object per row, in order (for tests, reports and callers that filter samples). */
  toSamples(): Sample[] {
    const out = new Array<Sample>(this.length);
    for (let row = 0; row < this.length; row++) {
      const s = this.series[this.seriesOf[row]!]!;
      const sample: Sample = {suite: s.suite, metric: s.metric, params: {...s.params}, unit: s.unit, value: this.values[row]!, repetition: this.repetitions[row]!};
      if (this.failed.has(row)) sample.status = "failed";
      const note = this.notes.get(row);
      if (note !== undefined) sample.note = note;
      if (s.host !== undefined) sample.host = s.host;
      out[row] = sample;
    }
    return out;
  }

  private copyRow(from: SampleTable, row: number, series: number, repetition: number | undefined): void {
    const to = this.push(series, from.values[row]!, repetition);
    if (from.failed.has(row)) this.failed.add(to);
    const note = from.notes.get(row);
    if (note !== undefined) this.notes.set(to, note);
  }

  private grow(): void {
    const size = Math.max(64, this.values.length * 2);
    const seriesOf = new Int32Array(size);
    seriesOf.set(this.seriesOf);
    const values = new Float64Array(size);
    values.set(this.values);
    const repetitions = new Int32Array(size);
    repetitions.set(this.repetitions);
    this.seriesOf = seriesOf;
    this.values = values;
    this.repetitions = repetitions;
  }
}

/**
 * Series ids of one block of rows that differ in a single number (a lat_mem_rd stride's array
 * sizes, a context-switch block's process counts): a Map hit per row instead of building a params
 * object and walking the params trie, which was most of the cost of these dense formats.
 */
export class SeriesByNumber {
  private readonly ids = new Map<number, number>();

  constructor(
    private readonly table: SampleTable,
    private readonly suite: Suite,
    private readonly metric: string,
    private readonly unit: string,
    private readonly params: (n: number) => Params
  ) {}

  /** Appends a sample to the series of `n`; returns its row. */
  push(n: number, value: number): number {
    return this.table.push(this.id(n), value);
  }

  id(n: number): number {
    let id = this.ids.get(n);
    if (id === undefined) {
      id = this.table.seriesId(this.suite, this.metric, this.unit, this.params(n));
      this.ids.set(n, id);
    }
    return id;
  }
}
