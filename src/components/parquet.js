// A small Parquet writer for the Explore page's downloads, so Parquet works offline: DuckDB-wasm
// 1.29 writes Parquet only through its parquet extension, which it would fetch from the network.
// Output: one row group, one data page (v1) per column, PLAIN encoding, no compression, every
// column OPTIONAL (definition levels RLE-encoded). Types: strings → BYTE_ARRAY (UTF8), numbers →
// DOUBLE or INT32, booleans → BOOLEAN, dates → INT64 (TIMESTAMP_MILLIS), anything else → JSON text.
// The metadata is Thrift compact protocol, written by hand below. test/report/parquet.test.ts
// reads the files back with DuckDB.

const encoder = new TextEncoder();

class Bytes {
  constructor(size = 1024) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
    this.length = 0;
  }
  ensure(n) {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  byte(b) {
    this.ensure(1);
    this.buf[this.length++] = b;
  }
  bytes(u8) {
    this.ensure(u8.length);
    this.buf.set(u8, this.length);
    this.length += u8.length;
  }
  i32le(v) {
    this.ensure(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  i64le(v) {
    this.ensure(8);
    this.view.setBigInt64(this.length, BigInt(v), true);
    this.length += 8;
  }
  f64le(v) {
    this.ensure(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }
  varint(v) {
    // unsigned, v is a BigInt or a non-negative number
    let x = BigInt(v);
    while (x >= 0x80n) {
      this.byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.byte(Number(x));
  }
  result() {
    return this.buf.slice(0, this.length);
  }
}

// Thrift compact protocol.
const T = {TRUE: 1, FALSE: 2, I32: 5, I64: 6, BINARY: 8, LIST: 9, STRUCT: 12};

class Thrift {
  constructor(out) {
    this.out = out;
    this.last = [0];
  }
  field(id, type) {
    const delta = id - this.last[this.last.length - 1];
    if (delta > 0 && delta <= 15) this.out.byte((delta << 4) | type);
    else {
      this.out.byte(type);
      this.out.varint(zigzag(BigInt(id)));
    }
    this.last[this.last.length - 1] = id;
  }
  i32(id, v) {
    this.field(id, T.I32);
    this.out.varint(zigzag(BigInt(v)));
  }
  i64(id, v) {
    this.field(id, T.I64);
    this.out.varint(zigzag(BigInt(v)));
  }
  string(id, s) {
    this.field(id, T.BINARY);
    const b = encoder.encode(s);
    this.out.varint(b.length);
    this.out.bytes(b);
  }
  struct(id, write) {
    this.field(id, T.STRUCT);
    this.begin();
    write();
    this.end();
  }
  begin() {
    this.last.push(0);
  }
  end() {
    this.out.byte(0);
    this.last.pop();
  }
  list(id, elemType, items, writeItem) {
    this.field(id, T.LIST);
    if (items.length < 15) this.out.byte((items.length << 4) | elemType);
    else {
      this.out.byte(0xf0 | elemType);
      this.out.varint(items.length);
    }
    for (const item of items) writeItem(item);
  }
}

function zigzag(v) {
  return v >= 0n ? v << 1n : (-v << 1n) - 1n;
}

const PT = {BOOLEAN: 0, INT32: 1, INT64: 2, DOUBLE: 5, BYTE_ARRAY: 6};
const CT = {UTF8: 0, TIMESTAMP_MILLIS: 9};

/** Chooses the Parquet type of a column from its values (and an Arrow type name when known). */
export function columnKind(values, arrowType = "") {
  const t = String(arrowType);
  if (/^(Utf8|LargeUtf8|Dictionary)/.test(t)) return "string";
  if (/^Bool/.test(t)) return "boolean";
  if (/^(Int8|Int16|Int32|Uint8|Uint16)$/.test(t)) return "int32";
  if (/^(Float|Int64|Uint32|Uint64|Decimal)/.test(t)) return "double";
  if (/^(Date|Timestamp)/.test(t)) return "timestamp";
  let kind = null;
  for (const v of values) {
    if (v == null) continue;
    const k = typeof v === "string" ? "string" : typeof v === "boolean" ? "boolean" : typeof v === "number" || typeof v === "bigint" ? "double" : v instanceof Date ? "timestamp" : "json";
    if (kind && kind !== k) return "json";
    kind = k;
  }
  return kind ?? "string";
}

function physical(kind) {
  switch (kind) {
    case "boolean":
      return {type: PT.BOOLEAN};
    case "int32":
      return {type: PT.INT32};
    case "double":
      return {type: PT.DOUBLE};
    case "timestamp":
      return {type: PT.INT64, converted: CT.TIMESTAMP_MILLIS};
    default:
      return {type: PT.BYTE_ARRAY, converted: CT.UTF8};
  }
}

/** RLE/bit-packed hybrid encoding of definition levels (bit width 1) as RLE runs, with the v1 length prefix. */
function definitionLevels(defined) {
  const runs = new Bytes(64);
  let i = 0;
  while (i < defined.length) {
    const v = defined[i];
    let j = i + 1;
    while (j < defined.length && defined[j] === v) j++;
    runs.varint(BigInt(j - i) << 1n);
    runs.byte(v ? 1 : 0);
    i = j;
  }
  const out = new Bytes(runs.length + 4);
  out.i32le(runs.length);
  out.bytes(runs.result());
  return out.result();
}

function plainValues(kind, values) {
  const out = new Bytes(Math.max(64, values.length * 8));
  if (kind === "boolean") {
    let byte = 0;
    let bit = 0;
    for (const v of values) {
      if (v) byte |= 1 << bit;
      if (++bit === 8) out.byte(byte), (byte = 0), (bit = 0);
    }
    if (bit) out.byte(byte);
  } else if (kind === "int32") for (const v of values) out.i32le(Number(v));
  else if (kind === "double") for (const v of values) out.f64le(Number(v));
  else if (kind === "timestamp") for (const v of values) out.i64le(Math.round(v instanceof Date ? v.getTime() : Number(v)));
  else
    for (const v of values) {
      const b = encoder.encode(kind === "json" ? JSON.stringify(v, (_, x) => (typeof x === "bigint" ? Number(x) : x)) : String(v));
      out.i32le(b.length);
      out.bytes(b);
    }
  return out.result();
}

/**
 * Writes columns [{name, values, kind?}] (equal lengths) as a Parquet file; returns its bytes.
 * null/undefined (and NaN for numbers) become nulls.
 */
export function writeColumns(columns, {createdBy = "vmmbench report (parquet.js)"} = {}) {
  const numRows = columns.length ? columns[0].values.length : 0;
  const file = new Bytes(1024);
  file.bytes(encoder.encode("PAR1"));
  const chunks = [];
  for (const col of columns) {
    const kind = col.kind ?? columnKind(col.values);
    const defined = new Array(numRows);
    const present = [];
    for (let i = 0; i < numRows; i++) {
      const v = col.values[i];
      const ok = v != null && !(typeof v === "number" && Number.isNaN(v) && kind !== "double");
      defined[i] = ok;
      if (ok) present.push(v);
    }
    const levels = definitionLevels(defined);
    const data = plainValues(kind, present);
    const pageSize = levels.length + data.length;
    const header = new Bytes(64);
    const h = new Thrift(header);
    h.i32(1, 0); // DATA_PAGE
    h.i32(2, pageSize);
    h.i32(3, pageSize);
    h.struct(5, () => {
      h.i32(1, numRows);
      h.i32(2, 0); // PLAIN
      h.i32(3, 3); // RLE definition levels
      h.i32(4, 3); // RLE repetition levels (none written: the column is flat)
    });
    header.byte(0);
    const offset = file.length;
    file.bytes(header.result());
    file.bytes(levels);
    file.bytes(data);
    chunks.push({name: col.name, kind, offset, size: file.length - offset});
  }
  const meta = new Bytes(1024);
  const m = new Thrift(meta);
  m.i32(1, 1);
  m.list(2, T.STRUCT, [{root: true}, ...chunks], (c) => {
    m.begin();
    if (c.root) {
      m.string(4, "schema");
      m.i32(5, chunks.length);
    } else {
      const p = physical(c.kind);
      m.i32(1, p.type);
      m.i32(3, 1); // OPTIONAL
      m.string(4, c.name);
      if (p.converted !== undefined) m.i32(6, p.converted);
    }
    m.end();
  });
  m.i64(3, numRows);
  m.list(4, T.STRUCT, [chunks], (cs) => {
    m.begin();
    m.list(1, T.STRUCT, cs, (c) => {
      m.begin();
      m.i64(2, c.offset);
      m.struct(3, () => {
        m.i32(1, physical(c.kind).type);
        m.list(2, T.I32, [0, 3], (e) => meta.varint(zigzag(BigInt(e))));
        m.list(3, T.BINARY, [c.name], (s) => {
          const b = encoder.encode(s);
          meta.varint(b.length);
          meta.bytes(b);
        });
        m.i32(4, 0); // UNCOMPRESSED
        m.i64(5, numRows);
        m.i64(6, c.size);
        m.i64(7, c.size);
        m.i64(9, c.offset);
      });
      m.end();
    });
    m.i64(2, cs.reduce((s, c) => s + c.size, 0));
    m.i64(3, numRows);
    m.end();
  });
  m.string(6, createdBy);
  meta.byte(0);
  const footer = meta.result();
  file.bytes(footer);
  file.i32le(footer.length);
  file.bytes(encoder.encode("PAR1"));
  return file.result();
}

/** Writes an Apache Arrow table (as DuckDB-wasm returns it) as Parquet. */
export function writeParquet(table) {
  const columns = table.schema.fields.map((field) => {
    const vector = table.getChild(field.name);
    const values = new Array(table.numRows);
    for (let i = 0; i < table.numRows; i++) values[i] = vector.get(i);
    return {name: field.name, values, kind: columnKind(values, field.type)};
  });
  return writeColumns(columns);
}
