/**
 * The samples of one parsed output or one step, column by column: a series table (suite, metric,
 * unit, params, host — one row per distinct measurement) and per-sample arrays of series, value and
 * repetition. Parsers append here instead of building one object per sample: a 1 MB IOzone or
 * lat_mem_rd output holds ~10^5 samples, and an object (plus its params) each, then renumbering
 * them and looking each one up again in the store, cost more than reading the text; the store
 * now looks up each series once (store.ts) and copies the columns (store/sample-columns.ts).
 *
 * Repetitions are numbered as the samples arrive: the n-th sample of the same measurement (host,
 * metric, params) gets repetition n. Params are the same measurement when their canonical JSON is
 * (see MeasurementIndex), which is also how the store tells series apart.
 */
import {MeasurementIndex, keyHash, paramHashOfKey, paramsHash, type Measurement} from "./measurement-index.ts";
import type {Params, Sample, Suite} from "./sample.ts";

export interface SeriesInfo {
  suite: Suite;
  metric: string;
  unit: string;
  params: Params;
  /** For inputs that hold several machines (LMbench summaries): the host the series belongs to. */
  host: string | undefined;
  /** paramsHash(params), computed once when the series is made. */
  paramsHash: number;
}

export class SampleTable {
  readonly series: SeriesInfo[] = [];
  /** Per sample: its series, value and repetition. Plain arrays: V8 grows them cheaply and keeps them unboxed. */
  readonly seriesOf: number[] = [];
  readonly values: number[] = [];
  readonly repetitions: number[] = [];
  /** Rows of failed samples and rows with a note: rare, so kept sparse. */
  readonly failed = new Set<number>();
  readonly notes = new Map<number, string>();

  private readonly measurements = new MeasurementIndex();
  private readonly measurementOf: Measurement[] = [];
  private readonly byNumber = new Map<string, SeriesByNumber>();

  /**
   * The id of a series (made the first time it is seen), for `push`. Keep params unchanged
   * afterwards. `hash`, when the caller has it, is paramsHash(params).
   */
  seriesId(suite: Suite, metric: string, unit: string, params: Params, host?: string, hash?: number): number {
    const measurement = this.measurements.get(host ?? "", metric, params, hash);
    if (measurement.series >= 0) {
      if (this.isSeries(measurement.series, suite, unit, host)) return measurement.series;
      for (const id of measurement.moreSeries ?? []) if (this.isSeries(id, suite, unit, host)) return id;
    }
    const id = this.series.length;
    this.series.push({suite, metric, unit, params, host, paramsHash: measurement.paramsHash});
    this.measurementOf.push(measurement);
    if (measurement.series < 0) measurement.series = id;
    else (measurement.moreSeries ??= []).push(id);
    return id;
  }

  private isSeries(id: number, suite: Suite, unit: string, host: string | undefined): boolean {
    const info = this.series[id]!;
    return info.suite === suite && info.unit === unit && info.host === host;
  }

  get length(): number {
    return this.values.length;
  }

  /**
   * The series of a block of rows that differ in one number, `fixed` params plus `numberKey`: n,
   * kept under `key` for the whole table (a block printed again, the next run in a concatenated
   * log, finds its series at once).
   */
  seriesByNumber(key: string, suite: Suite, metric: string, unit: string, fixed: Params, numberKey: string): SeriesByNumber {
    let series = this.byNumber.get(key);
    if (series === undefined) {
      series = new SeriesByNumber(this, suite, metric, unit, fixed, numberKey);
      this.byNumber.set(key, series);
    } else series.restart();
    return series;
  }

  /** Appends a sample of a series; its repetition is the next of its measurement unless given. Returns its row. */
  push(series: number, value: number, repetition?: number): number {
    const measurement = this.measurementOf[series]!;
    const rep = repetition ?? measurement.next;
    if (rep >= measurement.next) measurement.next = rep + 1;
    this.seriesOf.push(series);
    this.repetitions.push(rep);
    return this.values.push(value) - 1;
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

  private copyRow(from: SampleTable, row: number, series: number, repetition: number): void {
    const to = this.push(series, from.values[row]!, repetition);
    if (from.failed.has(row)) this.failed.add(to);
    const note = from.notes.get(row);
    if (note !== undefined) this.notes.set(to, note);
  }
}

/**
 * Series ids of one block of rows that differ in a single number (a lat_mem_rd stride's array
 * sizes, a context-switch block's process counts). Rows of real outputs are mostly new series, so
 * making one is kept cheap: only the number is hashed (paramsHash is a sum of per-key shares) and
 * the fixed params are copied with Object.assign (spreading `{...fixed, key: n}` took a sixth of a
 * results file's parsing). A block printed again (the next run of a concatenated log) repeats its
 * numbers in order, so each row is checked against the next number of the first printing before
 * the table looks it up by params.
 */
export class SeriesByNumber {
  /** The block's numbers in the order first seen, and their series. */
  private readonly numbers: number[] = [];
  private readonly ids: number[] = [];
  private cursor = 0;
  private readonly fixedHash: number;
  private readonly numberKeyHash: number;

  constructor(
    private readonly table: SampleTable,
    private readonly suite: Suite,
    private readonly metric: string,
    private readonly unit: string,
    private readonly fixed: Params,
    private readonly numberKey: string
  ) {
    if (Object.hasOwn(fixed, numberKey)) throw new Error(`${numberKey} is both fixed and the number of a series block`);
    this.fixedHash = paramsHash(fixed);
    this.numberKeyHash = keyHash(numberKey);
  }

  /** The block starts again from its first row. */
  restart(): void {
    this.cursor = 0;
  }

  /** Appends a sample to the series of `n`; returns its row. */
  push(n: number, value: number): number {
    return this.table.push(this.id(n), value);
  }

  id(n: number): number {
    const at = this.cursor;
    if (at < this.numbers.length && this.numbers[at] === n) {
      this.cursor = at + 1;
      return this.ids[at]!;
    }
    const known = this.table.series.length;
    const params: Params = Object.assign({}, this.fixed);
    params[this.numberKey] = n;
    const id = this.table.seriesId(this.suite, this.metric, this.unit, params, undefined, (this.fixedHash + paramHashOfKey(this.numberKeyHash, n)) | 0);
    if (id >= known) {
      this.numbers.push(n);
      this.ids.push(id);
      this.cursor = this.numbers.length;
    }
    return id;
  }
}
