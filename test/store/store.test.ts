import {mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterEach, beforeEach, describe, expect, it} from "vitest";
import {ensurePaperData, PAPER_DATA_DIR, PAPER_RUN_ID} from "../../data-loaders/paper/che2008.ts";
import {Store} from "../../data-loaders/store/store.ts";
import type {Fingerprint} from "../../data-loaders/targets/target.ts";

const FP: Fingerprint = {
  environment: "native",
  hypervisor: "none",
  hypervisorVersion: null,
  mode: "none",
  guestOs: "Debian GNU/Linux 12",
  kernel: "6.1.0",
  cpuModel: "test CPU",
  vcpus: 2,
  memoryMb: 1024,
  passthrough: false,
  host: "testhost",
  launch: "local",
  extra: {}
};

describe("Store on a fresh DuckDB", () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-store-"));
    store = await Store.open(join(dir, "t.duckdb"));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, {recursive: true, force: true});
  });

  it("exposes the results view with the documented columns", async () => {
    const {columns} = await store.queryWithColumns("SELECT * FROM results LIMIT 0");
    for (const c of ["source", "run_id", "environment", "hypervisor", "guest_os", "vcpus", "passthrough", "nested_under", "suite", "metric", "params", "unit", "value", "repetition", "tool", "tool_version", "raw_sha256"]) {
      expect(columns).toContain(c);
    }
  });

  it("stores a step's samples with their provenance and reads them back through results", async () => {
    await store.beginRun({runId: "r1", source: "run", plan: {name: "t"}, vmmbenchVersion: "0"});
    await store.recordEnvironment("r1", FP);
    await store.recordStep({
      runId: "r1",
      stepId: "native/r0/x",
      environment: "native",
      status: "done",
      startedAt: new Date(),
      durationMs: 5,
      raw: [{sha256: "ab".repeat(32), path: "runs/r1/x.jsonl", bytes: 10, format: "vmmbench-probe-jsonl"}],
      samples: [
        {suite: "lmbench", metric: "lat_ctx", params: {procs: 2, size_kb: 16}, unit: "us", value: 3.5, repetition: 0},
        {suite: "lmbench", metric: "lat_ctx", params: {procs: 2, size_kb: 16}, unit: "us", value: NaN, repetition: 1, status: "failed", note: "boom"}
      ],
      provenance: {tool: "vmmbench", toolVersion: "1", engine: "builtin"}
    });
    const rows = await store.query("SELECT * FROM results WHERE run_id = 'r1' ORDER BY repetition");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({source: "run", environment: "native", hypervisor: "none", vcpus: 2, passthrough: false, nested_under: null, params: '{"procs":2,"size_kb":16}', value: 3.5, raw_sha256: "ab".repeat(32), tool: "vmmbench"});
    expect(rows[1]).toMatchObject({status: "failed", value: null, note: "boom"});
    expect(await store.completedStepIds("r1")).toEqual(new Set(["native/r0/x"]));
  });

  it("keeps nothing of a transaction that fails", async () => {
    await store.beginRun({runId: "r2", source: "ingest", plan: {}, vmmbenchVersion: "0"});
    await expect(
      store.transaction(async () => {
        await store.writeStep({runId: "r2", stepId: "s", environment: "native", status: "done", startedAt: new Date(), durationMs: 0, raw: [], samples: [{suite: "lmbench", metric: "lat_syscall", params: {}, unit: "us", value: 1, repetition: 0}], provenance: {tool: "t", toolVersion: null, engine: "ingest"}});
        throw new Error("half way");
      })
    ).rejects.toThrow("half way");
    expect(await store.query("SELECT count(*) AS n FROM results WHERE run_id = 'r2'")).toEqual([{n: 0}]);
    expect(await store.query("SELECT count(*) AS n FROM steps WHERE run_id = 'r2'")).toEqual([{n: 0}]);
  });

  it("refuses a second step with the same id (no duplicate rows on resume)", async () => {
    await store.beginRun({runId: "r3", source: "run", plan: {}, vmmbenchVersion: "0"});
    const step = {runId: "r3", stepId: "s", environment: "native", status: "done" as const, startedAt: new Date(), durationMs: 1, raw: [], samples: [{suite: "lmbench" as const, metric: "lat_syscall", params: {}, unit: "us", value: 1, repetition: 0}], provenance: {tool: "t", toolVersion: null, engine: "builtin" as const}};
    await store.recordStep(step);
    await expect(store.recordStep(step)).rejects.toThrow();
    expect(await store.query("SELECT count(*) AS n FROM samples JOIN steps USING (step_no) WHERE run_id = 'r3'")).toEqual([{n: 1}]);
  });

  it("gives a database from before ingest archives its raw_outputs.byte_offset column on open", async () => {
    await store.query("ALTER TABLE raw_outputs DROP COLUMN byte_offset");
    store.close();
    store = await Store.open(join(dir, "t.duckdb"));
    const {columns} = await store.queryWithColumns("SELECT * FROM raw_outputs LIMIT 0");
    expect(columns.at(-1)).toBe("byte_offset");
  });

  it("loads the paper's tables once, in µs, and replaces them when the files change", async () => {
    await ensurePaperData(store);
    await ensurePaperData(store);
    const envs = await store.query(`SELECT DISTINCT environment FROM results WHERE source = 'reference' ORDER BY 1`);
    expect(envs.map((r) => r.environment)).toEqual(["paper F8 on KVM-60", "paper F8 on Xen 3.1", "paper native F8"]);
    const fork = await store.query(`SELECT value, unit FROM results WHERE source='reference' AND metric='lat_fork' AND environment='paper F8 on KVM-60'`);
    expect(fork).toEqual([{value: 2200, unit: "us"}]);
    const ctx = await store.query(`SELECT value FROM results WHERE source='reference' AND metric='lat_ctx' AND params='{"procs":8,"size_kb":16}' AND environment='paper F8 on Xen 3.1'`);
    expect(ctx).toEqual([{value: 4.9}]);
    const ratio = await store.query(`SELECT environment, value FROM results WHERE metric='linpack_peak_ratio' AND params LIKE '%native%' ORDER BY 1`);
    expect(ratio).toEqual([{environment: "paper F8 on KVM-60", value: 0.8346}, {environment: "paper F8 on Xen 3.1", value: 0.9728}]);
    expect(await store.query(`SELECT count(*) AS n FROM results WHERE source='reference'`)).toEqual([{n: 9 * 3 + 7 * 3 + 2}]);

    const edited = join(dir, "reference");
    mkdirSync(edited);
    writeFileSync(join(edited, "environments.tsv"), readFileSync(join(PAPER_DATA_DIR, "environments.tsv")));
    writeFileSync(join(edited, "che2008.tsv"), readFileSync(join(PAPER_DATA_DIR, "che2008.tsv"), "utf8").replace("0.356\t", "0.5\t"));
    await ensurePaperData(store, edited);
    expect(await store.query(`SELECT value FROM results WHERE run_id='${PAPER_RUN_ID}' AND metric='lat_syscall' AND environment='paper native F8'`)).toEqual([{value: 0.5}]);
    expect(await store.query(`SELECT count(*) AS n FROM results WHERE source='reference'`)).toEqual([{n: 50}]);
  });

  it("names the file and line of a malformed reference table", async () => {
    const bad = join(dir, "bad");
    mkdirSync(bad);
    writeFileSync(join(bad, "environments.tsv"), readFileSync(join(PAPER_DATA_DIR, "environments.tsv")));
    writeFileSync(join(bad, "che2008.tsv"), readFileSync(join(PAPER_DATA_DIR, "che2008.tsv"), "utf8").replace("2.810", "2,81O"));
    await expect(ensurePaperData(store, bad)).rejects.toThrow(/che2008\.tsv:3: expected a number in column "paper native F8"/);
  });
});
