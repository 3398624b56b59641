/**
 * Ingest speed, measured side by side in one run (medians of 5):
 *  1. parse throughput per format (MB/s of raw text through parseAny, no store);
 *  2. end-to-end `ingest` of a folder of real outputs (parse + verbatim copy + DuckDB), MB/s;
 *  3. 10^6 samples into DuckDB through the appender in one transaction, seconds.
 * Targets (issue 4): ≥ 100 MB/s parse+store, 10^6 samples ≤ 3 s.
 *
 *     npx tsx bench/ingest.ts            # uses ../shared/fixtures/real, else test/fixtures
 */
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {ingestEnvironment, walk} from "../data-loaders/ingest/collect.ts";
import {ingest} from "../data-loaders/ingest/ingest.ts";
import {parseAny} from "../data-loaders/parsers/detect.ts";
import type {Sample} from "../data-loaders/samples.ts";
import {median} from "../data-loaders/stats.ts";
import {Store} from "../data-loaders/store/store.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const SHARED = join(ROOT, "..", "shared", "fixtures", "real");
const source = existsSync(SHARED) ? SHARED : join(ROOT, "test", "fixtures");
const files = readdirSync(source)
  .filter((d) => statSync(join(source, d)).isDirectory())
  .flatMap((d) => walk(join(source, d)));
const REPS = 5;

function time<T>(fn: () => T): [number, T] {
  const t = performance.now();
  const out = fn();
  return [performance.now() - t, out];
}

console.log(`fixtures: ${files.length} files from ${source}`);
console.log("\n1. parse only (median of 5 passes over each file repeated to ≥ 4 MB)");
const byFormat = new Map<string, {bytes: number; ms: number}>();
for (const file of files) {
  const text = readFileSync(file, "utf8");
  const times = Math.max(1, Math.ceil(4e6 / text.length));
  const format = parseAny(text, file).format;
  const runs: number[] = [];
  for (let r = 0; r < REPS; r++) runs.push(time(() => { for (let i = 0; i < times; i++) parseAny(text, file); })[0]);
  const agg = byFormat.get(format) ?? {bytes: 0, ms: 0};
  agg.bytes += text.length * times;
  agg.ms += median(runs);
  byFormat.set(format, agg);
}
for (const [format, {bytes, ms}] of [...byFormat].sort()) console.log(`  ${format.padEnd(20)} ${(bytes / 1e6 / (ms / 1000)).toFixed(0).padStart(6)} MB/s`);

console.log("\n2. end-to-end ingest of a folder (parse + verbatim copy + DuckDB, one transaction)");
const dir = mkdtempSync(join(tmpdir(), "vmmbench-bench-ingest-"));
try {
  const corpus = join(dir, "corpus");
  mkdirSync(corpus);
  // Copies differ by trailing blank lines so none is skipped as already stored.
  let bytes = 0;
  let k = 0;
  while (bytes < 40e6) {
    for (const file of files) {
      const text = readFileSync(file, "utf8") + "\n".repeat(k + 1);
      writeFileSync(join(corpus, `${String(k).padStart(5, "0")}-${file.split("/").pop()}`), text);
      bytes += text.length;
      k++;
    }
  }
  const inputs = walk(corpus).map((path) => ({path, environment: ingestEnvironment({env: "bench"}, (x) => x)}));
  const rates: number[] = [];
  let samples = 0;
  for (let r = 0; r < 3; r++) {
    const store = await Store.open(join(dir, `e2e-${r}.duckdb`));
    const t = performance.now();
    const summary = await ingest(store, inputs, {command: {}});
    const ms = performance.now() - t;
    samples = summary.samples;
    store.close();
    rates.push(bytes / 1e6 / (ms / 1000));
  }
  console.log(`  ${inputs.length} files, ${(bytes / 1e6).toFixed(1)} MB, ${samples} samples: median ${median(rates).toFixed(1)} MB/s (runs: ${rates.map((x) => x.toFixed(1)).join(", ")}; target ≥ 100)`);

  console.log("\n3. 10^6 samples through the appender in one transaction");
  const million: Sample[] = Array.from({length: 1_000_000}, (_, i) => ({
    suite: "iozone",
    metric: i % 2 ? "file_read" : "file_write",
    params: {file_kb: 1 << (10 + (i % 8)), record_kb: 4 << (i % 5)},
    unit: "MB/s",
    value: 1000 + (i % 997),
    repetition: i % 10
  }));
  const secs: number[] = [];
  for (let r = 0; r < 3; r++) {
    const store = await Store.open(join(dir, `m-${r}.duckdb`));
    await store.beginRun({runId: "m", source: "ingest", plan: {}, vmmbenchVersion: "bench"});
    const t = performance.now();
    await store.transaction(() =>
      store.writeStep({runId: "m", stepId: "s", environment: "bench", status: "done", startedAt: new Date(), durationMs: 0, raw: [], samples: million, provenance: {tool: "bench", toolVersion: null, engine: "ingest"}})
    );
    secs.push((performance.now() - t) / 1000);
    store.close();
  }
  console.log(`  median ${median(secs).toFixed(2)} s (runs: ${secs.map((x) => x.toFixed(2)).join(", ")}; target ≤ 3 s)`);
} finally {
  rmSync(dir, {recursive: true, force: true});
}
