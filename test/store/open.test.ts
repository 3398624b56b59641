/**
 * Opening a database (store/store.ts, location.ts, lock.ts, reader.ts, schema-guard.ts): readers
 * never write, a damaged database is named and never re-created, SQL cannot reach outside the
 * database, and a database another process holds is named with that process or read as a snapshot.
 */
import {createHash} from "node:crypto";
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterEach, beforeEach, describe, expect, it} from "vitest";
import {ensurePaperData} from "../../data-loaders/paper/che2008.ts";
import {DatabaseBusyError} from "../../data-loaders/store/lock.ts";
import {openForReading, readableDatabase} from "../../data-loaders/store/reader.ts";
import {Store, StoreError} from "../../data-loaders/store/store.ts";
import {holdDatabase} from "../helpers/hold.ts";

const digest = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("opening a database", () => {
  let dir: string;
  let db: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-open-"));
    db = join(dir, "v.duckdb");
    const store = await Store.open(db);
    await ensurePaperData(store);
    store.close();
  });
  afterEach(() => rmSync(dir, {recursive: true, force: true}));

  it("reads without writing a byte: no reference rewrite, no view, no log", async () => {
    const before = digest(db);
    for (let i = 0; i < 2; i++) {
      const store = await Store.open(db, {readOnly: true});
      expect((await store.query("SELECT count(*) AS n FROM results WHERE source = 'reference'"))[0]!.n).toBe(50);
      store.close();
    }
    expect(digest(db)).toBe(before);
    expect(existsSync(`${db}.wal`)).toBe(false);
  });

  it("writes the paper's rows once, not on every writer's open", async () => {
    const before = digest(db);
    const store = await Store.open(db);
    await ensurePaperData(store);
    store.close();
    expect(digest(db)).toBe(before);
  });

  it("names a missing file, a folder and a path under a file instead of creating a database", async () => {
    await expect(Store.open(join(dir, "typo.duckdb"), {readOnly: true})).rejects.toThrow(/no database at .*typo\.duckdb/);
    expect(existsSync(join(dir, "typo.duckdb"))).toBe(false);
    await expect(Store.open(join(dir, "typo.duckdb"), {mustExist: true})).rejects.toThrow(/no database at/);
    await expect(Store.open(dir, {readOnly: true})).rejects.toThrow(/is a folder, expected a database file/);
    writeFileSync(join(dir, "file"), "x");
    await expect(Store.open(join(dir, "file", "x.duckdb"))).rejects.toThrow(/\/file is a file, not a folder/);
  });

  it("refuses a database whose tables were dropped or changed, and never re-creates them", async () => {
    const store = await Store.open(db);
    await store.query("DROP TABLE samples");
    store.close();
    const before = digest(db);
    for (const readOnly of [true, false]) {
      await expect(Store.open(db, {readOnly})).rejects.toThrow(/is not a usable vmmbench database: table samples is missing/);
    }
    // Not re-created empty under the stored steps (which a resume would count as measured).
    expect(digest(db)).toBe(before);
  });

  it("keeps a --write query only when the database is still vmmbench's afterwards", async () => {
    const store = await Store.open(db);
    try {
      await expect(store.userWrite("DROP TABLE samples")).rejects.toThrow(/refused, nothing was changed: after this query table samples is missing/);
      await expect(store.userWrite("UPDATE meta SET value = '99' WHERE key = 'schema_version'")).rejects.toThrow(/schema version 99/);
      await expect(store.userWrite("ALTER TABLE samples DROP COLUMN note")).rejects.toThrow(/column samples\.note is missing/);
      await expect(store.userWrite("BEGIN; DROP TABLE samples; COMMIT")).rejects.toThrow(/leave out BEGIN, COMMIT and ROLLBACK/);
      expect((await store.query("SELECT count(*) AS n FROM results"))[0]!.n).toBe(50);
      await store.userWrite("CREATE TABLE notes (x INTEGER); INSERT INTO notes VALUES (1)");
      expect(await store.query("SELECT x FROM notes")).toEqual([{x: 1}]);
    } finally {
      store.close();
    }
  });

  it("lets SQL reach no file, network or extension, and not turn that back on", async () => {
    for (const readOnly of [true, false]) {
      const store = await Store.open(db, {readOnly});
      try {
        for (const sql of ["SELECT * FROM read_text('/etc/hostname')", `COPY (SELECT 1) TO '${join(dir, "out.csv")}'`, `ATTACH '${join(dir, "b.duckdb")}'`, "INSTALL httpfs", "LOAD httpfs", "SELECT * FROM 'https://example.com/x.csv'"]) {
          await expect(store.query(sql), sql).rejects.toThrow(/Permission Error|disabled/);
        }
        await expect(store.query("SET enable_external_access = true")).rejects.toThrow(/configuration has been locked/);
      } finally {
        store.close();
      }
    }
    expect(existsSync(join(dir, "out.csv"))).toBe(false);
    expect(existsSync(join(dir, "b.duckdb"))).toBe(false);
  });

  it("names the process that holds a database, waits for it with --wait, and reads a snapshot without it", async () => {
    const holder = await holdDatabase(db);
    try {
      const busy = await Store.open(db).catch((e) => e);
      expect(busy).toBeInstanceOf(DatabaseBusyError);
      expect((busy as Error).message).toMatch(new RegExp(`is in use by process ${holder.pid} \\(.*hold-database\\.ts .*\\); wait for it to finish, or pass --wait SECONDS`));
      const started = Date.now();
      await expect(Store.open(db, {readOnly: true, waitS: 0.5})).rejects.toThrow(/\(waited 0\.5 s\)/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);

      const notes: string[] = [];
      const snapshot = await openForReading(db, {log: (line) => notes.push(line)});
      expect(notes).toEqual([expect.stringMatching(/^note: .* is in use by process \d+ .*; reading a snapshot taken at \d\d:\d\d:\d\d \(--wait SECONDS waits for it instead\)$/)]);
      // The holder's committed run is in the snapshot (its write-ahead log was replayed).
      expect(await snapshot.query("SELECT run_id FROM runs WHERE run_id = 'held-run'")).toEqual([{run_id: "held-run"}]);
      const copy = snapshot.snapshotDir!;
      snapshot.close();
      expect(existsSync(copy)).toBe(false);

      const readable = await readableDatabase(db);
      expect(readable.path).not.toBe(db);
      expect(existsSync(readable.path)).toBe(true);
      readable.dispose();
      expect(existsSync(readable.path)).toBe(false);
    } finally {
      await holder.release();
    }
    // Once it is free, the live database again.
    const store = await openForReading(db);
    expect(store.snapshotDir).toBeUndefined();
    store.close();
  });
});
