// Parquet downloads for the Explore page, written by hyparquet-writer (DuckDB-wasm writes Parquet
// only through its parquet extension, which it would fetch from the network). This module only
// maps columns to Parquet types; test/report/parquet.test.ts reads the files back with DuckDB.
import {parquetWriteBuffer} from "npm:hyparquet-writer";

/** The Parquet type for a column's values ("int32" kind, or from the first non-null value). */
export function columnKind(values, kind) {
  if (kind === "int32") return "INT32";
  const v = values.find((x) => x != null);
  if (typeof v === "bigint") return "INT64";
  if (typeof v === "number") return "DOUBLE";
  if (typeof v === "boolean") return "BOOLEAN";
  if (v instanceof Date) return "TIMESTAMP";
  return "STRING";
}

const asText = (x) => (x == null ? null : typeof x === "object" ? JSON.stringify(x, (_, y) => (typeof y === "bigint" ? Number(y) : y)) : String(x));

/** [{name, values, kind?}] → Parquet bytes (one row group, snappy, every column nullable). */
export function writeColumns(columns) {
  const columnData = columns.map(({name, values, kind}) => {
    const type = columnKind(values, kind);
    return {name, type, nullable: true, data: type === "STRING" ? values.map(asText) : values};
  });
  return new Uint8Array(parquetWriteBuffer({columnData}));
}

/** Arrow's integer types that fit INT32, and the 64-bit ones (BigInt) that must stay INT64. */
const INT32 = new Set(["Int8", "Int16", "Int32", "Uint8", "Uint16"]);

/** An Arrow table (DuckDB-wasm's query result) → Parquet bytes. */
export function writeParquet(table) {
  return writeColumns(
    table.schema.fields.map((field) => {
      const values = table.getChild(field.name).toArray();
      const type = String(field.type);
      const plain = Array.from(values, (v) => (v instanceof Date ? v : v != null && typeof v === "object" && "toJSON" in v ? v.toJSON() : v));
      return {name: field.name, values: plain, kind: INT32.has(type.split("<")[0]) || /^Int(8|16|32)$/.test(type) ? "int32" : undefined};
    })
  );
}
