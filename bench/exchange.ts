/**
 * Export and merge of 10^7 samples: wall time and peak memory (max RSS of the vmmbench process,
 * DuckDB included) of
 *   - `vmmbench export DIR` (Parquet hive-partitioned by host and run, raw outputs re-archived),
 *   - `vmmbench ingest DIR` into a new database (the merge of an export),
 *   - `vmmbench ingest SOURCE.duckdb` into a new database (the merge of a database),
 *   - the same export merged a second time (idempotent: every run skipped).
 * Each is its own process, timed by GNU time; the variants run interleaved, repetition after
 * repetition, and the medians and ranges are printed with the throughput in samples per second.
 *
 * The source database is generated: two campaign runs of four environments on four hosts, 500
 * series, 1000 samples per step, one ~1 KB raw output per step kept in one tar archive per run
 * (what an ingest writes), so the export's work on raw outputs is part of what is timed.
 *
 * Usage: npx tsx bench/exchange.ts [--samples 10000000] [--reps 3] [--keep (the databases and exports)]
 */
import {execa} from "execa";
import {mkdirSync, mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {parseArgs} from "node:util";
import {median} from "../data-loaders/stats.ts";
import {RawArchive} from "../data-loaders/store/raw-archive.ts";
import {sqlString} from "../data-loaders/store/sql-text.ts";
import {Store} from "../data-loaders/store/store.ts";

const {values} = parseArgs({options: {samples: {type: "string", default: "10000000"}, reps: {type: "string", default: "3"}, keep: {type: "boolean", default: false}}});
const SAMPLES = Number(values.samples);
const REPS = Number(values.reps);
const PER_STEP = 1000;
const SERIES = 500;
const RUNS = ["20260101T000000Z-bench1", "20260102T000000Z-bench2"];
const ENVIRONMENTS = ["hv1", "hv2", "hv3", "hv4"];
const BIN = new URL("../bin/vmmbench.js", import.meta.url).pathname;

const dir = mkdtempSync(join(tmpdir(), "vmmbench-bench-exchange-"));
const source = join(dir, "source", "source.duckdb");
mkdirSync(join(dir, "source"));
const started = performance.now();
await generate(source);
console.log(`generated ${SAMPLES.toLocaleString("en-US")} samples in ${((performance.now() - started) / 1000).toFixed(1)} s`);

type Operation = {name: string; command: (rep: number) => string[]; before?: (rep: number) => Promise<void>};
const exportDir = (rep: number) => join(dir, `export-${rep}`);
const operations: Operation[] = [
  {name: "export", command: (rep) => ["export", exportDir(rep), "--db", source]},
  {name: "merge the export", command: (rep) => ["ingest", exportDir(rep), "--db", join(dir, `from-export-${rep}`, "m.duckdb")]},
  {name: "merge the database", command: (rep) => ["ingest", source, "--db", join(dir, `from-db-${rep}`, "m.duckdb")]},
  {name: "merge it again (no-op)", command: (rep) => ["ingest", exportDir(rep), "--db", join(dir, `from-export-${rep}`, "m.duckdb")]}
];
// Merges need their export first, so operations keep their order within a repetition; repetitions repeat it all.
const results = operations.map(() => ({seconds: [] as number[], rssMb: [] as number[]}));
for (let rep = 0; rep < REPS; rep++) {
  for (const [i, op] of operations.entries()) {
    const run = await execa("/usr/bin/time", ["-f", "@@%e %M", "node", BIN, ...op.command(rep)], {reject: false, env: {...process.env, VMMBENCH_QUIET: "1"}});
    const measured = /@@([\d.]+) (\d+)/.exec(run.stderr);
    if (run.exitCode !== 0 || !measured) throw new Error(`${op.name} failed (${run.exitCode}): ${run.stderr.slice(-800)}`);
    results[i]!.seconds.push(Number(measured[1]));
    results[i]!.rssMb.push(Number(measured[2]) / 1024);
  }
  rmSync(join(dir, `from-db-${rep}`), {recursive: true, force: true});
}
const merged = await count(join(dir, `from-export-${REPS - 1}`, "m.duckdb"));
if (merged !== SAMPLES) throw new Error(`the merged database holds ${merged} samples, not ${SAMPLES}`);
const exportMb = Number((await execa("du", ["-sm", exportDir(0)])).stdout.split(/\s/)[0]);

console.log(`${SAMPLES.toLocaleString("en-US")} samples, ${REPS} repetitions each (every merge checked: ${merged.toLocaleString("en-US")} samples land); export ${exportMb} MB on disk`);
console.log("operation                 wall: median [min–max] s   samples/s (median)   peak RSS: median [min–max] MB");
operations.forEach((op, i) => {
  const {seconds, rssMb} = results[i]!;
  console.log(
    `${op.name.padEnd(24)}  ${median(seconds).toFixed(1).padStart(6)} [${Math.min(...seconds).toFixed(1)}–${Math.max(...seconds).toFixed(1)}]`.padEnd(53) +
      `${op.name.includes("no-op") ? "—".padStart(10) : Math.round(SAMPLES / median(seconds)).toLocaleString("en-US").padStart(10)}          ` +
      `${median(rssMb).toFixed(0).padStart(6)} [${Math.min(...rssMb).toFixed(0)}–${Math.max(...rssMb).toFixed(0)}]`
  );
});
if (values.keep) console.log("kept", dir);
else rmSync(dir, {recursive: true, force: true});

async function count(db: string): Promise<number> {
  const store = await Store.open(db);
  try {
    return Number((await store.query(`SELECT count(*) AS n FROM samples JOIN steps USING (step_no) WHERE run_id LIKE '%-bench_'`))[0]!.n);
  } finally {
    store.close();
  }
}

/** The source database, written in SQL (samples) and through RawArchive (raw outputs), as the store lays them out. */
async function generate(path: string): Promise<void> {
  const store = await Store.open(path);
  try {
    const steps = Math.ceil(SAMPLES / PER_STEP);
    const perRun = Math.ceil(steps / RUNS.length);
    await store.query(`INSERT INTO series SELECT i, 'lmbench', 'metric_' || (i % 50), '{"size_kb":' || (i // 50) || '}', CASE WHEN i % 5 = 0 THEN 'MB/s' ELSE 'us' END FROM range(1, ${SERIES + 1}) t(i)`);
    for (const [r, runId] of RUNS.entries()) {
      await store.beginRun({runId, source: "run", plan: {name: "bench"}, vmmbenchVersion: "bench", tags: {build: String(r)}});
      for (const environment of ENVIRONMENTS) {
        await store.recordEnvironment(runId, {environment, hypervisor: "kvm", hypervisorVersion: null, mode: "kvm", guestOs: "Debian 12", kernel: "6.1", cpuModel: "bench", vcpus: 4, memoryMb: 8192, passthrough: false, host: environment, launch: "bench", extra: {fleet_host: environment}});
      }
      const first = r * perRun;
      const count = Math.min(perRun, steps - first);
      await store.query(
        `INSERT INTO steps SELECT ${first} + i + 1, ${sqlString(runId)}, env || '/r' || (i // ${ENVIRONMENTS.length}) || '/bench-' || i, env, 'done', TIMESTAMP '2026-01-01', 1, NULL, 'vmmbench', 'bench', 'builtin', NULL
         FROM (SELECT i, ['${ENVIRONMENTS.join("','")}'][(i % ${ENVIRONMENTS.length}) + 1] AS env FROM range(${count}) t(i))`
      );
      await store.query(
        `INSERT INTO samples SELECT s.step_no, 1 + ((s.step_no * 7 + k) % ${SERIES}), 10 + random() * 90, k // ${SERIES}, false, NULL
         FROM (SELECT step_no FROM steps WHERE run_id = ${sqlString(runId)}) s, range(${PER_STEP}) t(k) WHERE (s.step_no - 1) * ${PER_STEP} + k < ${SAMPLES}`
      );
      // One ~1 KB raw output per step, all in the run's archive, as an ingest keeps them.
      const rows = await store.query(`SELECT step_id FROM steps WHERE run_id = $1 ORDER BY step_no`, [runId]);
      const archive = new RawArchive(store.dataDir, runId);
      const raws: string[] = [];
      for (const row of rows) {
        const content = Buffer.from(`{"step":${JSON.stringify(row.step_id)}}\n`.repeat(40));
        const raw = archive.add({name: `${row.step_id}.jsonl`, content, format: "vmmbench-probe-jsonl"});
        raws.push(`(${sqlString(raw.sha256)}, ${sqlString(runId)}, ${sqlString(String(row.step_id))}, ${sqlString(raw.path)}, ${raw.bytes}, 'vmmbench-probe-jsonl', ${raw.offset})`);
        await archive.drained();
      }
      await archive.finish();
      for (let i = 0; i < raws.length; i += 1000) await store.query(`INSERT INTO raw_outputs VALUES ${raws.slice(i, i + 1000).join(", ")}`);
      await store.query(`UPDATE steps SET raw_sha256 = r.sha256 FROM raw_outputs r WHERE r.run_id = steps.run_id AND r.step_id = steps.step_id AND steps.run_id = $1`, [runId]);
      await store.finishRun(runId, "complete");
    }
  } finally {
    store.close();
  }
}
