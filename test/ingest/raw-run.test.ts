/** Verbatim copies of an ingest run (written in the background into a partial folder) and batched "already stored" checks. */
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterEach, beforeEach, describe, expect, it} from "vitest";
import {ingestEnvironment} from "../../data-loaders/ingest/collect.ts";
import {ingest} from "../../data-loaders/ingest/ingest.ts";
import {keepRawRun, sha256} from "../../data-loaders/store/raw.ts";
import {Store} from "../../data-loaders/store/store.ts";
import {ROOT} from "../helpers/shared.ts";

const OWN = join(ROOT, "test", "fixtures");
const env = ingestEnvironment({env: "x"}, (k) => `--${k}`);

describe("keepRawRun", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-raw-run-"));
  });
  afterEach(() => rmSync(dir, {recursive: true, force: true}));

  it("returns the records at once and puts every file in place when done, with no partial folder left", async () => {
    const files = Array.from({length: 25}, (_, i) => ({relative: i % 5 ? `${i}.txt` : `sub/${i}.txt`, content: Buffer.from(`output ${i}\n`), format: "f"}));
    const {outputs, done} = keepRawRun(dir, "ingest-1", files);
    expect(outputs.map((o) => o.path)).toEqual(files.map((f) => join("runs", "ingest-1", f.relative)));
    expect(outputs[3]).toEqual({sha256: sha256(files[3]!.content), path: join("runs", "ingest-1", "3.txt"), bytes: files[3]!.content.length, format: "f"});
    await done;
    for (const [i, output] of outputs.entries()) expect(readFileSync(join(dir, output.path))).toEqual(files[i]!.content);
    expect(readdirSync(join(dir, "runs"))).toEqual(["ingest-1"]);
  });

  it("removes the partial folder and rejects when a write fails", async () => {
    // "x" is made a folder for "x/y", so writing the file "x" fails (EISDIR).
    const {done} = keepRawRun(dir, "ingest-2", [
      {relative: "x/y", content: "a", format: "f"},
      {relative: "x", content: "b", format: "f"}
    ]);
    await expect(done).rejects.toThrow();
    expect(existsSync(join(dir, "runs")) ? readdirSync(join(dir, "runs")) : []).toEqual([]);
  });
});

describe("ingest skips known files with one lookup", () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-raw-run-"));
    store = await Store.open(join(dir, "db.duckdb"));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, {recursive: true, force: true});
  });

  it("skips files stored by an earlier ingest and repeats within one command, keeping the rest", async () => {
    const a = join(OWN, "lmbench", "results-2.0.txt");
    const b = join(OWN, "lmbench", "lat_mem_rd.txt");
    const copy = join(dir, "copy-of-a.txt");
    writeFileSync(copy, readFileSync(a));
    const first = await ingest(store, [{path: a, environment: env}], {command: {}});
    expect(first.files).toBe(1);
    const second = await ingest(store, [a, b, copy, b].map((path) => ({path, environment: env})), {command: {}});
    expect(second).toMatchObject({files: 1, skipped: [a, copy, b]});
    expect(await store.storedRawOutputs([sha256(readFileSync(a)), sha256(readFileSync(b)), "0".repeat(64)])).toEqual(new Set([sha256(readFileSync(a)), sha256(readFileSync(b))]));
  });

  it("throws an unreadable file's error only after the parse errors of the files before it", async () => {
    const bad = join(dir, "bad.txt");
    writeFileSync(bad, "not a benchmark\n");
    const error = await ingest(store, [bad, join(dir, "missing.txt")].map((path) => ({path, environment: env})), {command: {}}).catch((e) => e);
    expect(String(error.message)).toMatch(/bad\.txt:1: expected /);
    const missing = await ingest(store, [join(dir, "missing.txt"), bad].map((path) => ({path, environment: env})), {command: {}}).catch((e) => e);
    expect(missing.code).toBe("ENOENT");
  });
});
