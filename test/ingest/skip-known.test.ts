/** Batched "already stored" checks: files an earlier ingest (or this one) stored are skipped. */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterEach, beforeEach, describe, expect, it} from "vitest";
import {ingestEnvironment} from "../../data-loaders/ingest/collect.ts";
import {ingest} from "../../data-loaders/ingest/ingest.ts";
import {sha256} from "../../data-loaders/store/raw.ts";
import {Store} from "../../data-loaders/store/store.ts";
import {ROOT} from "../helpers/shared.ts";

const OWN = join(ROOT, "test", "fixtures");
const env = ingestEnvironment({env: "x"}, (k) => `--${k}`);

describe("ingest skips known files with one lookup", () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-skip-known-"));
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
