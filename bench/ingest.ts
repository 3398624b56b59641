/**
 * Ingest speed, measured side by side in one run (medians), each figure printed beside its target:
 *  1. parse throughput per format (MB/s of raw text through parseAny, no store), and over the
 *     whole fixture set in its real mix of formats;
 *  2. end-to-end `ingest` (read + sha256 + parse + verbatim copy + DuckDB, one transaction) of
 *     a. a folder of thousands of small files (copies of the real fixtures, ~15 kB each), and
 *     b. a folder of ~1 MB files: fixtures of the formats that accept concatenated runs as one
 *        output (HPCC appends runs to hpccoutf.txt; HPL, LMbench results, lat_mem_rd, fio terse
 *        and normal logs concatenate too), each checked to parse to n× the samples of one copy;
 *     Each also gives the rate of everything outside the parser (read, sha256, archive, DuckDB):
 *     the bound on what any parser could reach here.
 *  3. 10^6 samples into DuckDB through the appender in one transaction, seconds.
 * Targets (issue 4): ≥ 100 MB/s parse+store, 10^6 samples ≤ 3 s.
 *
 * Wall-clock figures on a shared machine swing with its load; each end-to-end line also gives
 * MB per CPU-second of this process (all its threads: JS, DuckDB, file writes), which does not.
 * The verbatim copies of one ingest go into one tar archive (store/raw-archive.ts): when each small
 * file was copied to a file of its own, creating them took longer than parsing them.
 *
 *     npx tsx bench/ingest.ts            # uses ../shared/fixtures/real, else test/fixtures
 */
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {ingestEnvironment, walk} from "../data-loaders/ingest/collect.ts";
import {ingest} from "../data-loaders/ingest/ingest.ts";
import {parseAny} from "../data-loaders/parsers/detect.ts";
import {SampleTable} from "../data-loaders/model/sample-table.ts";
import {median} from "../data-loaders/stats.ts";
import {Store} from "../data-loaders/store/store.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const SHARED = join(ROOT, "..", "shared", "fixtures", "real");
const source = existsSync(SHARED) ? SHARED : join(ROOT, "test", "fixtures");
const files = readdirSync(source)
  .filter((d) => statSync(join(source, d)).isDirectory())
  .flatMap((d) => walk(join(source, d)).map((file) => file.path))
  .filter((file) => {
    try {
      parseAny(readFileSync(file, "utf8"), file);
      return true;
    } catch {
      return false; // own fixtures include deliberately broken outputs
    }
  });
const REPS = 5;
const TARGET_MBPS = 100;
const TARGET_MILLION_S = 3;

function time<T>(fn: () => T): [number, T] {
  const t = performance.now();
  const out = fn();
  return [performance.now() - t, out];
}

const mark = (ok: boolean) => (ok ? "meets" : "below");
const rate = (mbps: number) => `${mbps.toFixed(0).padStart(5)} MB/s (target ≥ ${TARGET_MBPS} end to end)`;

console.log(`fixtures: ${files.length} files from ${source}`);
console.log(`\n1. parse only (median of ${REPS} passes over each file repeated to ≥ 4 MB)`);
const byFormat = new Map<string, {bytes: number; ms: number}>();
const texts = files.map((file) => readFileSync(file, "utf8"));
files.forEach((file, index) => {
  const text = texts[index]!;
  const times = Math.max(1, Math.ceil(4e6 / text.length));
  const format = parseAny(text, file).format;
  const runs: number[] = [];
  for (let r = 0; r < REPS; r++) runs.push(time(() => { for (let i = 0; i < times; i++) parseAny(text, file); })[0]);
  const agg = byFormat.get(format) ?? {bytes: 0, ms: 0};
  agg.bytes += text.length * times;
  agg.ms += median(runs);
  byFormat.set(format, agg);
});
for (const [format, {bytes, ms}] of [...byFormat].sort()) console.log(`  ${format.padEnd(20)} ${rate(bytes / 1e6 / (ms / 1000))}`);
{
  const bytes = texts.reduce((n, text) => n + text.length, 0);
  const passes = Math.max(1, Math.ceil(8e6 / bytes));
  const runs: number[] = [];
  for (let r = 0; r < REPS; r++) runs.push(time(() => { for (let p = 0; p < passes; p++) files.forEach((file, i) => parseAny(texts[i]!, file)); })[0]);
  const mbps = (bytes * passes) / 1e6 / (median(runs) / 1000);
  console.log(`  ${"all, as mixed".padEnd(20)} ${rate(mbps)}: every fixture once per pass`);
}

const dir = mkdtempSync(join(tmpdir(), "vmmbench-bench-ingest-"));
try {
  console.log("\n2. end-to-end ingest of a folder (read + sha256 + parse + verbatim tar archive + DuckDB, one transaction)");

  // a. Copies of every fixture; each copy ends with 12 blank lines ("" or " ") that spell its
  // number in binary, so no two are the same bytes (none is skipped as already stored).
  const small = join(dir, "small");
  mkdirSync(small);
  let smallBytes = 0;
  for (let k = 0; smallBytes < 40e6; ) {
    for (const [index, file] of files.entries()) {
      const tail = Array.from({length: 12}, (_, bit) => ((k >> bit) & 1 ? " " : "")).join("\n");
      const text = `${texts[index]}\n${tail}\n`;
      writeFileSync(join(small, `${String(k).padStart(5, "0")}-${file.split("/").pop()}`), text);
      smallBytes += Buffer.byteLength(text);
      k++;
    }
  }
  await endToEnd("a. small files", small);

  // b. ~1 MB files: n copies of a fixture concatenated, where that parses as one output with n× the samples.
  const large = join(dir, "large");
  mkdirSync(large);
  let largeBytes = 0;
  const concatenable = files.flatMap((file, index) => {
    const text = texts[index]!.endsWith("\n") ? texts[index]! : `${texts[index]}\n`;
    try {
      const one = parseAny(text, file).samples.length;
      return one > 0 && parseAny(text.repeat(3), file).samples.length === 3 * one ? [{file, text}] : [];
    } catch {
      return [];
    }
  });
  for (let k = 0; largeBytes < 40e6; k++) {
    for (const {file, text} of concatenable) {
      const copies = Math.max(1, Math.round(1e6 / text.length));
      const tail = Array.from({length: 12}, (_, bit) => ((k >> bit) & 1 ? " " : "")).join("\n");
      const big = `${text.repeat(copies)}${tail}\n`;
      writeFileSync(join(large, `${String(k).padStart(3, "0")}-${file.split("/").pop()}`), big);
      largeBytes += Buffer.byteLength(big);
    }
  }
  const kinds = [...new Set(concatenable.map(({file, text}) => parseAny(text, file).format))].sort();
  await endToEnd(`b. ~1 MB files (${kinds.join(", ")})`, large);

  console.log("\n3. 10^6 samples through the appender in one transaction");
  const million = new SampleTable();
  for (let i = 0; i < 1_000_000; i++) {
    million.add("iozone", i % 2 ? "file_read" : "file_write", "MB/s", {file_kb: 1 << (10 + (i % 8)), record_kb: 4 << (i % 5)}, 1000 + (i % 997));
  }
  // A parser's table as ingest stores it, and the same samples as objects (a campaign's probe output).
  for (const [label, samples] of [["SampleTable (ingest)", million], ["Sample objects (runs)", million.toSamples()]] as const) {
    const secs: number[] = [];
    for (let r = 0; r < 3; r++) {
      const store = await Store.open(join(dir, `m-${r}.duckdb`));
      await store.beginRun({runId: "m", source: "ingest", plan: {}, vmmbenchVersion: "bench"});
      const t = performance.now();
      await store.transaction(() =>
        store.writeStep({runId: "m", stepId: "s", environment: "bench", status: "done", startedAt: new Date(), durationMs: 0, raw: [], samples, provenance: {tool: "bench", toolVersion: null, engine: "ingest"}})
      );
      secs.push((performance.now() - t) / 1000);
      store.close();
      rmSync(join(dir, `m-${r}.duckdb`), {force: true});
    }
    const s = median(secs);
    console.log(`  ${label}: median ${s.toFixed(2)} s (runs: ${secs.map((x) => x.toFixed(2)).join(", ")}; target ≤ ${TARGET_MILLION_S} s: ${mark(s <= TARGET_MILLION_S)})`);
  }
} finally {
  rmSync(dir, {recursive: true, force: true});
}

/**
 * Three ingests of the folder into fresh databases; median MB/s by wall clock and per CPU-second,
 * and the rate of everything outside the parser (read, sha256, archive, store, commit: the wall
 * clock less the time spent inside parseAny), which bounds what any parser could reach here.
 */
async function endToEnd(label: string, folder: string): Promise<void> {
  const inputs = walk(folder).map((file) => ({...file, environment: ingestEnvironment({env: "bench"}, (x) => x)}));
  const bytes = inputs.reduce((n, input) => n + statSync(input.path).size, 0);
  const rates: number[] = [];
  const cpuRates: number[] = [];
  const outsideRates: number[] = [];
  let samples = 0;
  for (let r = 0; r < 3; r++) {
    const db = join(dir, `e2e-${label[0]}-${r}.duckdb`);
    const store = await Store.open(db);
    let parseMs = 0;
    const parser = (text: string, file: string) => {
      const t = performance.now();
      const output = parseAny(text, file);
      parseMs += performance.now() - t;
      return output;
    };
    const cpu = process.cpuUsage();
    const t = performance.now();
    const summary = await ingest(store, inputs, {command: {}, parser});
    const ms = performance.now() - t;
    const used = process.cpuUsage(cpu);
    samples = summary.samples;
    store.close();
    // Each ingest keeps its verbatim archive under runs/ next to the database: drop both before the next.
    rmSync(db, {force: true});
    rmSync(join(dir, "runs"), {recursive: true, force: true});
    rates.push(bytes / 1e6 / (ms / 1000));
    cpuRates.push(bytes / 1e6 / ((used.user + used.system) / 1e6));
    outsideRates.push(bytes / 1e6 / ((ms - parseMs) / 1000));
  }
  const mbps = median(rates);
  console.log(
    `  ${label}: ${inputs.length} files, ${(bytes / 1e6).toFixed(1)} MB, ${samples} samples: median ${mbps.toFixed(1)} MB/s ` +
      `(runs: ${rates.map((x) => x.toFixed(1)).join(", ")}; target ≥ ${TARGET_MBPS}: ${mark(mbps >= TARGET_MBPS)}); ` +
      `${median(cpuRates).toFixed(1)} MB per CPU-second; everything outside the parser: ${median(outsideRates).toFixed(1)} MB/s ` +
      `(runs: ${outsideRates.map((x) => x.toFixed(1)).join(", ")})`
  );
}
