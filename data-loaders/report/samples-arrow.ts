/**
 * Every sample of the database as one Arrow IPC stream, for the Explore page's DuckDB-wasm, which
 * inserts it as the table `results` with insertArrowFromIPCStream (no DuckDB extension needed). Text columns are dictionary-encoded with the smallest index type that fits,
 * so 10^6 samples weigh ~20 MB rather than ~150 MB of JSON.
 */
import {Bool, Dictionary, Float64, Int8, Int16, Int32, Table, Utf8, makeData, makeVector, tableToIPC, vectorFromArray, type Vector} from "apache-arrow";
import {openForReading} from "../store/reader.ts";
import {databasePath} from "./summary.ts";

/** Columns of the `results` view (the CLI's) that the Explore page's `results` table holds, in order. */
export const SAMPLE_COLUMNS = [
  "source", "run_id", "environment", "hypervisor", "mode", "guest_os", "vcpus", "passthrough", "nested_under",
  "suite", "metric", "params", "unit", "value", "repetition", "status", "note", "host", "tool", "tool_version", "engine", "raw_sha256"
] as const;

const TEXT = new Set(["source", "run_id", "environment", "hypervisor", "mode", "guest_os", "nested_under", "suite", "metric", "params", "unit", "status", "note", "host", "tool", "tool_version", "engine", "raw_sha256"]);

function dictionaryVector(values: (string | null)[]): Vector {
  const codes = new Map<string, number>();
  const dict: string[] = [];
  for (const v of values) if (v !== null && !codes.has(v)) codes.set(v, codes.size), dict.push(v);
  const indexType = dict.length <= 127 ? new Int8() : dict.length <= 32767 ? new Int16() : new Int32();
  const Indices = dict.length <= 127 ? Int8Array : dict.length <= 32767 ? Int16Array : Int32Array;
  const indices = new Indices(values.length);
  let nulls = 0;
  const validity = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) nulls++;
    else {
      indices[i] = codes.get(v)!;
      validity[i >> 3] |= 1 << (i & 7);
    }
  }
  const type = new Dictionary(new Utf8(), indexType);
  const dictionary = vectorFromArray(dict, new Utf8());
  return makeVector(makeData({type, length: values.length, nullCount: nulls, nullBitmap: nulls ? validity : null, data: indices, dictionary} as never));
}

/** Builds the Arrow table from query rows (row objects with SAMPLE_COLUMNS keys). */
export function samplesTable(rows: Record<string, unknown>[]): Table {
  const columns: Record<string, Vector> = {};
  for (const name of SAMPLE_COLUMNS) {
    const values = rows.map((r) => r[name]);
    if (TEXT.has(name)) columns[name] = dictionaryVector(values.map((v) => (v === null || v === undefined ? null : String(v))));
    else if (name === "value") columns[name] = vectorFromArray(values.map((v) => (v === null || v === undefined ? null : Number(v))), new Float64());
    else if (name === "passthrough") columns[name] = vectorFromArray(values.map((v) => (v === null || v === undefined ? null : Boolean(v))), new Bool());
    else if (name === "vcpus") columns[name] = vectorFromArray(values.map((v) => (v === null || v === undefined ? null : Number(v))), new Int16());
    else columns[name] = vectorFromArray(values.map((v) => (v === null || v === undefined ? null : Number(v))), new Int32());
  }
  return new Table(columns);
}

export async function samplesArrow(dbPath = databasePath()): Promise<Uint8Array> {
  const store = await openForReading(dbPath);
  try {
    const rows = await store.query(`SELECT ${SAMPLE_COLUMNS.join(", ")} FROM results ORDER BY source, run_id, environment, suite, metric, params, repetition`);
    return tableToIPC(samplesTable(rows), "stream");
  } finally {
    store.close();
  }
}
