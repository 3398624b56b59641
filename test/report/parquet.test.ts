import {DuckDBInstance} from "@duckdb/node-api";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {tableFromArrays} from "apache-arrow";
import {afterAll, describe, expect, it} from "vitest";
import {columnKind, writeColumns, writeParquet} from "../../src/components/parquet.js";

const dir = mkdtempSync(join(tmpdir(), "vmmbench-parquet-"));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

async function readBack(bytes: Uint8Array, sql = "SELECT * FROM t"): Promise<{columns: string[]; types: string[]; rows: Record<string, unknown>[]}> {
  const file = join(dir, `f${Math.random().toString(36).slice(2)}.parquet`);
  writeFileSync(file, bytes);
  const instance = await DuckDBInstance.create(":memory:");
  const con = await instance.connect();
  try {
    await con.run(`CREATE VIEW t AS SELECT * FROM read_parquet('${file}')`);
    const reader = await con.runAndReadAll(sql);
    return {columns: reader.columnNames(), types: reader.columnTypes().map(String), rows: reader.getRowObjectsJS() as Record<string, unknown>[]};
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

describe("Parquet downloads written by hyparquet-writer (Explore)", () => {
  it("writes strings, doubles, ints, booleans and nulls that DuckDB reads back exactly", async () => {
    const bytes = writeColumns([
      {name: "environment", values: ["native", "kvm", null, `<img src=x onerror=alert(1)>`, "ü ✓ 'quoted'"]},
      {name: "value", values: [1.5, -2.25, null, 1e-9, 123456789.123]},
      {name: "repetition", values: [0, 1, 2, null, 4], kind: "int32"},
      {name: "passthrough", values: [true, false, null, true, true]}
    ]);
    const {columns, types, rows} = await readBack(bytes);
    expect(columns).toEqual(["environment", "value", "repetition", "passthrough"]);
    expect(types).toEqual(["VARCHAR", "DOUBLE", "INTEGER", "BOOLEAN"]);
    expect(rows.map((r) => r.environment)).toEqual(["native", "kvm", null, `<img src=x onerror=alert(1)>`, "ü ✓ 'quoted'"]);
    expect(rows.map((r) => r.value)).toEqual([1.5, -2.25, null, 1e-9, 123456789.123]);
    expect(rows.map((r) => r.repetition)).toEqual([0, 1, 2, null, 4]);
    expect(rows.map((r) => r.passthrough)).toEqual([true, false, null, true, true]);
  });

  it("handles 100 000 rows, empty tables and many columns", async () => {
    const n = 100_000;
    const values = Array.from({length: n}, (_, i) => i * 0.5);
    const labels = Array.from({length: n}, (_, i) => `row-${i % 37}`);
    const big = await readBack(writeColumns([{name: "x", values}, {name: "label", values: labels}]), "SELECT count(*)::INTEGER AS n, sum(x) AS s, count(DISTINCT label)::INTEGER AS d FROM t");
    expect(big.rows[0]).toEqual({n, s: values.reduce((a, b) => a + b, 0), d: 37});
    const empty = await readBack(writeColumns([{name: "a", values: []}]), "SELECT count(*)::INTEGER AS n FROM t");
    expect(empty.rows[0].n).toBe(0);
    const wide = await readBack(writeColumns(Array.from({length: 20}, (_, i) => ({name: `c${i}`, values: [i, i + 1]}))), "SELECT c0, c19 FROM t");
    expect(wide.rows).toEqual([{c0: 0, c19: 19}, {c0: 1, c19: 20}]);
  });

  it("writes an Arrow table with dictionary and integer columns", async () => {
    const table = tableFromArrays({metric: ["lat_fork", "lat_exec"], value: new Float64Array([177.2, 1400]), repetition: new Int32Array([0, 1])});
    const {rows, types} = await readBack(writeParquet(table));
    expect(types).toEqual(["VARCHAR", "DOUBLE", "INTEGER"]);
    expect(rows).toEqual([{metric: "lat_fork", value: 177.2, repetition: 0}, {metric: "lat_exec", value: 1400, repetition: 1}]);
    expect(columnKind([null, new Date(0)])).toBe("TIMESTAMP");
  });

  it("keeps DuckDB's 64-bit counts and timestamps (BigInt, Date) as INT64 and TIMESTAMP", async () => {
    const when = new Date("2026-12-05T13:14:32Z");
    const {rows, types} = await readBack(writeColumns([
      {name: "n", values: [15n, null, 9007199254740993n]},
      {name: "at", values: [when, null, when]}
    ]));
    expect(types).toEqual(["BIGINT", "TIMESTAMP"]);
    expect(rows.map((r) => r.n)).toEqual([15n, null, 9007199254740993n]);
    expect(rows.map((r) => (r.at == null ? null : new Date(String(r.at)).getTime()))).toEqual([when.getTime(), null, when.getTime()]);
  });
});
