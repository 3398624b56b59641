/**
 * Rows of the `samples` table gathered into DuckDB data chunks column by column. The numeric
 * columns reach DuckDB as one memory copy per column and chunk (the C API's copy into a vector):
 * going through the node API's per-value `setItem` cost more than parsing the text did, because
 * it updates a BigInt validity mask for every value of every column.
 */
import duckdb from "@duckdb/node-bindings";
import {BOOLEAN, DOUBLE, DuckDBDataChunk, INTEGER, VARCHAR} from "@duckdb/node-api";
import type {SampleTable} from "../model/sample-table.ts";

/** The column order of CREATE TABLE samples (schema.ts). */
const SAMPLE_TYPES = [INTEGER, INTEGER, DOUBLE, INTEGER, BOOLEAN, VARCHAR];
/** DuckDB's vector size: the most rows one data chunk holds. */
const CHUNK = 2048;

export class SampleColumns {
  private readonly stepNo = new Int32Array(CHUNK);
  private readonly seriesId = new Int32Array(CHUNK);
  private readonly value = new Float64Array(CHUNK);
  private readonly repetition = new Int32Array(CHUNK);
  private readonly failed = new Uint8Array(CHUNK);
  /** Validity bits (1 = not NULL), row r at byte r >> 3, bit r & 7: DuckDB's little-endian 64-bit masks. */
  private readonly valueValid = new Uint8Array(CHUNK / 8).fill(0xff);
  private readonly noteValid = new Uint8Array(CHUNK / 8);
  private notes: Array<[number, string]> = [];
  private nullValues = false;
  private n = 0;

  /** Adds a table's rows as one step's samples; `seriesIds` maps the table's series to the store's. */
  addTable(table: SampleTable, stepNo: number, seriesIds: Int32Array, emit: (chunk: DuckDBDataChunk) => void): void {
    const {seriesOf, values, repetitions, failed, notes} = table;
    const hasMarks = failed.size > 0 || notes.size > 0;
    for (let row = 0; row < table.length; ) {
      const take = Math.min(CHUNK - this.n, table.length - row);
      const at = this.n;
      this.stepNo.fill(stepNo, at, at + take);
      for (let k = 0; k < take; k++) {
        this.seriesId[at + k] = seriesIds[seriesOf[row + k]!]!;
        this.repetition[at + k] = repetitions[row + k]!;
        const v = values[row + k]!;
        // Non-finite values (failed samples' NaN) are stored as NULL.
        if (v - v === 0) this.value[at + k] = v;
        else {
          this.value[at + k] = 0;
          this.valueValid[(at + k) >> 3]! &= ~(1 << ((at + k) & 7));
          this.nullValues = true;
        }
      }
      if (hasMarks) {
        for (let k = 0; k < take; k++) {
          if (failed.has(row + k)) this.failed[at + k] = 1;
          const note = notes.get(row + k);
          if (note !== undefined) this.notes.push([at + k, note]);
        }
      }
      this.n += take;
      row += take;
      if (this.n === CHUNK) this.flush(emit);
    }
  }

  /** Emits what is buffered as one chunk and starts the next. */
  flush(emit: (chunk: DuckDBDataChunk) => void): void {
    const n = this.n;
    if (n === 0) return;
    const chunk = DuckDBDataChunk.create(SAMPLE_TYPES, n);
    const vector = (column: number) => duckdb.data_chunk_get_vector(chunk.chunk, column);
    const copy = (column: number, data: Int32Array | Float64Array | Uint8Array) =>
      duckdb.copy_data_to_vector(vector(column), 0, data.buffer as ArrayBuffer, data.byteOffset, n * data.BYTES_PER_ELEMENT);
    copy(0, this.stepNo);
    copy(1, this.seriesId);
    copy(2, this.value);
    copy(3, this.repetition);
    copy(4, this.failed);
    const maskBytes = Math.ceil(n / 64) * 8;
    // A fresh vector has no validity mask (all rows valid) until one is made writable.
    const setValidity = (target: duckdb.Vector, mask: Uint8Array) => {
      duckdb.vector_ensure_validity_writable(target);
      duckdb.copy_data_to_vector_validity(target, 0, mask.buffer as ArrayBuffer, 0, maskBytes);
    };
    if (this.nullValues) setValidity(vector(2), this.valueValid);
    const notes = vector(5);
    this.noteValid.fill(0);
    for (const [row, note] of this.notes) {
      duckdb.vector_assign_string_element(notes, row, note);
      this.noteValid[row >> 3]! |= 1 << (row & 7);
    }
    setValidity(notes, this.noteValid);
    emit(chunk);
    this.failed.fill(0);
    this.valueValid.fill(0xff);
    this.notes = [];
    this.nullValues = false;
    this.n = 0;
  }
}
