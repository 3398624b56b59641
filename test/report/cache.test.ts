import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {generateSiteData} from "../../bench/site-data.ts";
import {cachedReport} from "../../data-loaders/report/cache.ts";
import {Store} from "../../data-loaders/store/store.ts";

describe("the report cache", () => {
  let dir: string;
  let db: string;
  let cache: string;
  const saved = process.env.VMMBENCH_CACHE;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-report-cache-"));
    db = join(dir, "r.duckdb");
    const store = await Store.open(db);
    await generateSiteData(store, {samples: 2000, runs: 1});
    store.close();
    process.env.VMMBENCH_CACHE = join(dir, "cache");
    cache = join(dir, "cache", "report");
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.VMMBENCH_CACHE;
    else process.env.VMMBENCH_CACHE = saved;
    rmSync(dir, {recursive: true, force: true});
  });

  it("lives in the project's cache, readable by this user alone", async () => {
    const report = await cachedReport(db);
    expect(report.rows.length).toBeGreaterThan(0);
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    const [entry] = readdirSync(cache);
    expect(statSync(join(cache, entry!)).mode & 0o777).toBe(0o600);
  });

  it("serves no entry planted under the right name: an entry must carry the key it is filed under", async () => {
    const [entry] = readdirSync(cache);
    const honest = await cachedReport(db);
    const planted = {...honest, rows: [{...honest.rows[0]!, environment: "planted"}]};
    writeFileSync(join(cache, entry!), JSON.stringify({key: "someone else's", report: planted}));
    const report = await cachedReport(db);
    expect(report.rows.some((r) => r.environment === "planted")).toBe(false);
    expect(report.rows.length).toBe(honest.rows.length);
  });

  it("is tied to the database's content: a changed database gets a new entry", async () => {
    const before = readdirSync(cache).length;
    const store = await Store.open(db);
    await store.query("UPDATE samples SET value = value * 2 WHERE step_no = (SELECT min(step_no) FROM steps JOIN runs USING (run_id) WHERE source = 'run')");
    store.close();
    await cachedReport(db);
    expect(readdirSync(cache).length).toBe(before + 1);
  });

  it("makes a folder others could write to private again, and is not used where it cannot be", async () => {
    chmodSync(cache, 0o777);
    await cachedReport(db);
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    rmSync(cache, {recursive: true});
    mkdirSync(join(dir, "cache"), {recursive: true});
    writeFileSync(cache, "not a folder");
    expect((await cachedReport(db)).rows.length).toBeGreaterThan(0);
    expect(existsSync(cache) && !statSync(cache).isDirectory()).toBe(true);
  });
});
