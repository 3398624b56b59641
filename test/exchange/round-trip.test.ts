import {execa} from "execa";
import {cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {dirname, join} from "node:path";
import {DuckDBInstance} from "@duckdb/node-api";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {ConfigError} from "../../data-loaders/errors.ts";
import {exportResults} from "../../data-loaders/exchange/export.ts";
import {mergeInto} from "../../data-loaders/exchange/merge.ts";
import {ingestEnvironment} from "../../data-loaders/ingest/collect.ts";
import {ingest} from "../../data-loaders/ingest/ingest.ts";
import {ensurePaperData} from "../../data-loaders/paper/che2008.ts";
import {readRawOutput} from "../../data-loaders/store/raw-archive.ts";
import {Store} from "../../data-loaders/store/store.ts";
import {ROOT} from "../helpers/shared.ts";

const BIN = join(ROOT, "bin", "vmmbench.js");
const PLAN = `name: exchange
environments:
  - {target: local, label: a}
  - {target: local, label: b}
suites:
  lmbench: {table1: [lat_syscall], ctx: [], mem_size_mb: [4], budget_ms: 10, reps: 2}
repetitions: {min: 2, max: 2}
`;

/** Every table a merge writes, in a form two databases can be compared by (no local row numbers). */
async function contents(db: string) {
  const store = await Store.open(db);
  try {
    const all = async (sql: string) => store.query(sql);
    const raw = await all(`SELECT run_id, step_id, sha256, path, bytes, format, byte_offset FROM raw_outputs WHERE run_id <> 'paper-che2008' ORDER BY run_id, step_id, sha256`);
    return {
      // NaN (a failed sample) is not equal to itself: compare values as text.
      results: await all(`SELECT * EXCLUDE (value), value::VARCHAR AS value FROM results WHERE source <> 'reference' ORDER BY ALL`),
      runs: await all(`SELECT * FROM runs WHERE source <> 'reference' ORDER BY run_id`),
      environments: await all(`SELECT * FROM environments WHERE run_id IN (SELECT run_id FROM runs WHERE source <> 'reference') ORDER BY ALL`),
      steps: await all(`SELECT * EXCLUDE (step_no) FROM steps WHERE run_id IN (SELECT run_id FROM runs WHERE source <> 'reference') ORDER BY run_id, step_id`),
      raw: raw.map((row) => ({run_id: row.run_id, step_id: row.step_id, sha256: row.sha256, format: row.format, content: readRawOutput(store.dataDir, {path: String(row.path), bytes: Number(row.bytes), offset: row.byte_offset === null ? null : Number(row.byte_offset)}).toString("latin1")}))
    };
  } finally {
    store.close();
  }
}

async function withStore<T>(db: string, work: (store: Store) => Promise<T>): Promise<T> {
  // A merge reads its sources and writes beside its database through SQL: the test's folder (each
  // database lies at <folder>/<name>/<file>) is open to it.
  const store = await Store.open(db, {fileAccess: [`${dirname(dirname(db))}/`]});
  try {
    await ensurePaperData(store);
    return await work(store);
  } finally {
    store.close();
  }
}

describe("results that travel: export, merge, export again", () => {
  let dir: string;
  let source: string;
  let exported: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-exchange-"));
    source = join(dir, "source", "s.duckdb");
    // A campaign of our own (raw outputs as files under runs/<run>/) and an ingest (one tar archive).
    writeFileSync(join(dir, "plan.yaml"), PLAN);
    await execa("node", [BIN, "run", "--plan", join(dir, "plan.yaml"), "--db", source]);
    await withStore(source, async (store) => {
      const environment = ingestEnvironment({env: "kvm-ingested", hypervisor: "kvm", vcpus: "2", tag: ["kernel=6.1"]}, (k) => `--${k}`);
      await ingest(store, ["lmbench/results-2.0.txt", "iozone/auto-new-layout.txt"].map((f) => ({path: join(ROOT, "test", "fixtures", f), environment})), {command: {}});
    });
    exported = join(dir, "export");
    const result = await execa("node", [BIN, "export", exported, "--db", source]);
    expect(result.stderr).toMatch(/exported 2 run\(s\), \d+ sample\(s\) and \d+ raw output\(s\)/);
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it("writes a hive-partitioned Parquet dataset that plain DuckDB reads, by host and run", async () => {
    const db = await DuckDBInstance.create(":memory:");
    const connection = await db.connect();
    try {
      const read = async (sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJS();
      const partitions = await read(
        `SELECT host, run_id, count(*)::INTEGER AS n FROM read_parquet('${exported}/results/**/*.parquet', hive_partitioning = true, hive_types_autocast = false) GROUP BY ALL ORDER BY ALL`
      );
      const expected = await withStore(source, (store) =>
        store.query(`SELECT coalesce(nullif(host, ''), 'unknown') AS host, run_id, count(*)::INTEGER AS n FROM results WHERE source <> 'reference' GROUP BY ALL ORDER BY ALL`)
      );
      expect(partitions).toEqual(expected);
      expect(readdirSync(join(exported, "results")).every((d) => d.startsWith("host="))).toBe(true);
    } finally {
      connection.closeSync();
      db.closeSync();
    }
    // The raw outputs are a plain tar archive per run.
    for (const archive of readdirSync(join(exported, "runs"))) expect((await execa("tar", ["-tf", join(exported, "runs", archive)])).stdout.split("\n").length).toBeGreaterThan(1);
  });

  it("merges an export into another database with identical results, runs, steps and raw bytes; a second merge adds nothing", async () => {
    const target = join(dir, "merged-from-export", "m.duckdb");
    const first = await execa("node", [BIN, "ingest", exported, "--db", target]);
    expect(first.stderr).toMatch(/merged 2 run\(s\) from .*export, \d+ sample\(s\)/);
    const want = await contents(source);
    expect(want.results.length).toBeGreaterThan(20);
    expect(await contents(target)).toEqual(want);
    const second = await execa("node", [BIN, "ingest", exported, "--db", target]);
    expect(second.stderr).toContain("nothing new to merge");
    expect((await contents(target)).results).toEqual(want.results);
    const provenance = await withStore(target, (store) => store.query(`SELECT run_id, origin, origin_controller, origin_database, action FROM imports ORDER BY run_id`));
    expect(provenance).toEqual(want.runs.map((run) => ({run_id: run.run_id, origin: exported, origin_controller: expect.any(String), origin_database: source, action: "added"})));
  });

  it("merges a database file the same way, and an export of the merged database carries its provenance along", async () => {
    const target = join(dir, "merged-from-db", "m.duckdb");
    await execa("node", [BIN, "ingest", source, "--db", target]);
    const want = await contents(source);
    expect((await contents(target)).results).toEqual(want.results);
    expect((await contents(target)).steps).toEqual(want.steps);
    const again = join(dir, "export-of-merged");
    await execa("node", [BIN, "export", again, "--db", target]);
    const third = join(dir, "third", "t.duckdb");
    await execa("node", [BIN, "ingest", again, "--db", third]);
    expect((await contents(third)).results).toEqual(want.results);
    const chain = await withStore(third, (store) => store.query(`SELECT origin FROM imports ORDER BY imported_at, origin`));
    expect(chain.map((row) => row.origin)).toEqual([source, source, again, again]);
    const self = await execa("node", [BIN, "ingest", target, "--db", target], {reject: false});
    expect(self.exitCode).toBe(2);
    expect(self.stderr).toContain("cannot be merged into itself");
  });

  it("stores nothing from a damaged export and names the damaged file", async () => {
    const damaged = join(dir, "damaged");
    cpSync(exported, damaged, {recursive: true});
    const archive = join(damaged, "runs", readdirSync(join(damaged, "runs"))[0]!);
    const bytes = readFileSync(archive);
    bytes[600] ^= 0xff;
    writeFileSync(archive, bytes);
    const target = join(dir, "damaged-target", "d.duckdb");
    await withStore(target, async (store) => {
      const error = await mergeInto(store, damaged).catch((e) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(/runs\/.*\.tar does not match its sha256/);
      expect(await store.query(`SELECT count(*)::INTEGER AS n FROM runs WHERE source <> 'reference'`)).toEqual([{n: 0}]);
    });
    expect(existsSync(join(dir, "damaged-target", "runs")) ? readdirSync(join(dir, "damaged-target", "runs")) : []).toEqual([]);
  });

  it("replaces a run by a later state of it, keeps it against an earlier one, and refuses a conflicting one whole", async () => {
    // An earlier state of the campaign: its last step not yet run.
    const early = join(dir, "early", "s.duckdb");
    cpSync(join(dir, "source"), join(dir, "early"), {recursive: true});
    const campaign = await withStore(early, async (store) => {
      const [run] = await store.query(`SELECT run_id FROM runs WHERE source = 'run'`);
      const [last] = await store.query(`SELECT step_no, step_id FROM steps WHERE run_id = $1 ORDER BY step_id DESC LIMIT 1`, [run!.run_id]);
      await store.query(`DELETE FROM samples WHERE step_no = $1`, [last!.step_no]);
      await store.query(`DELETE FROM raw_outputs WHERE step_id = $1`, [last!.step_id]);
      await store.query(`DELETE FROM steps WHERE step_no = $1`, [last!.step_no]);
      return String(run!.run_id);
    });
    const target = join(dir, "states", "t.duckdb");
    await withStore(target, async (store) => {
      expect(await mergeInto(store, early)).toMatchObject({added: [campaign, expect.any(String)], replaced: []});
      const later = await mergeInto(store, source);
      expect(later).toMatchObject({added: [], replaced: [campaign], skipped: [{runId: expect.any(String), why: "already stored"}]});
      const earlier = await mergeInto(store, early);
      expect(earlier.skipped).toContainEqual({runId: campaign, why: expect.stringMatching(/^an earlier state of the stored run \(1 of its \d+ step\(s\) are not in it\)/)});
    });
    const want = await contents(source);
    expect((await contents(target)).results).toEqual(want.results);
    // Only the archive of the state kept is left.
    expect(readdirSync(join(dir, "states", "runs")).filter((f) => f.startsWith(campaign))).toHaveLength(1);

    // A run whose stored steps and incoming steps each hold something the other lacks: nothing is merged.
    const other = join(dir, "conflict", "s.duckdb");
    cpSync(join(dir, "early"), join(dir, "conflict"), {recursive: true});
    await withStore(other, (store) => store.query(`UPDATE steps SET raw_sha256 = 'x' || raw_sha256 WHERE step_id = (SELECT min(step_id) FROM steps WHERE run_id = $1)`, [campaign]));
    const fresh = join(dir, "fresh", "f.duckdb");
    await withStore(fresh, async (store) => {
      await mergeInto(store, source);
      const before = await store.query(`SELECT count(*)::INTEGER AS n FROM samples`);
      const error = await mergeInto(store, other).catch((e) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(new RegExp(`run ${campaign} differs from the one stored .* \\(2 step\\(s\\) only here, 1 only there\\)`));
      expect(await store.query(`SELECT count(*)::INTEGER AS n FROM samples`)).toEqual(before);
    });
  });
});
