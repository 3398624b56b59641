/**
 * `vmmbench ingest OTHER.duckdb` or `vmmbench ingest EXPORT_DIR`: another controller's runs merged
 * into this database, keeping their run ids, sources, plans, tags, timestamps, fingerprints and
 * step provenance, with their raw outputs kept verbatim in one archive per run.
 *
 * - All or nothing: one transaction for every run, the archives finished before it commits and
 *   removed if it does not.
 * - Idempotent: a run already stored with the same steps is skipped. Runs are compared by their
 *   steps (id, status, raw output's sha256), leaving out placeholders of steps that never ran
 *   ("did not run", which a resume replaces): an incoming run that holds every stored step and
 *   more is a later state of the same campaign and replaces the stored one; one that holds fewer
 *   is an earlier state and is skipped; any other difference is a conflict, and nothing is stored.
 * - Provenance: every run added or replaced gets a row in `imports` (imports.ts), after the rows
 *   it brought from the controllers it went through before.
 *
 * The samples go across in SQL (INSERT … SELECT), so 10^7 of them cost seconds, not a JavaScript
 * loop; only the raw outputs pass through JavaScript, one at a time.
 */
import {rmSync} from "node:fs";
import {join} from "node:path";
import {ConfigError} from "../errors.ts";
import {RawArchive} from "../store/raw-archive.ts";
import type {Store} from "../store/store.ts";
import {sha256} from "../store/raw.ts";
import {IMPORTS_SQL} from "./imports.ts";
import {RAW_COLUMNS} from "./layout.ts";
import {openSource, type MergeSource} from "./source.ts";
import {copyRawOutputs, RAW_ROW_COLUMNS, rawRow} from "./raw-copy.ts";
import {sqlList, sqlString, tempTable} from "../store/sql-text.ts";

export interface MergeSummary {
  origin: string;
  added: string[];
  replaced: string[];
  skipped: {runId: string; why: string}[];
  samples: number;
}

/** A step as merges compare them; "did not run" placeholders are left out. */
const COMPARED_STEPS = (relation: string, runId: string) =>
  `SELECT step_id, status, raw_sha256 FROM ${relation} WHERE run_id = ${sqlString(runId)} AND NOT coalesce(message LIKE 'did not run%', false)`;

export async function mergeInto(store: Store, path: string): Promise<MergeSummary> {
  await store.query(IMPORTS_SQL);
  const source = await openSource(store, path);
  const summary: MergeSummary = {origin: source.origin, added: [], replaced: [], skipped: [], samples: 0};
  const archives: RawArchive[] = [];
  /** Raw files of the replaced runs, removed once the merge has committed. */
  const superseded: string[] = [];
  try {
    const plan = await classify(store, source, summary);
    const runs = [...summary.added, ...summary.replaced];
    if (runs.length === 0) return summary;
    await store.transaction(async () => {
      for (const runId of summary.replaced) {
        superseded.push(...(await store.query(`SELECT DISTINCT path FROM raw_outputs WHERE run_id = $1`, [runId])).map((row) => String(row.path)));
        await store.deleteRun(runId);
      }
      const ids = sqlList(runs);
      const samples = await copyRows(store, ids);
      summary.samples = samples;
      const rawRows: object[] = [];
      for (const runId of runs) rawRows.push(...(await archiveRun(store, source, runId, plan.get(runId)!, archives)));
      await tempTable(store, "vmmbench_merge_raw", RAW_COLUMNS, rawRows, store.dataDir);
      await store.query(`INSERT INTO raw_outputs BY NAME SELECT * FROM vmmbench_merge_raw`);
      await store.query(`INSERT INTO imports BY NAME SELECT * FROM vmmbench_src_imports WHERE run_id IN (${ids})`);
      await store.query(
        `INSERT INTO imports BY NAME SELECT run_id, now()::TIMESTAMP AS imported_at, $1 AS origin, $2 AS origin_controller, $3 AS origin_database,
                $4::TIMESTAMP AS exported_at, CASE WHEN run_id IN (${sqlList(summary.replaced)}) THEN 'replaced' ELSE 'added' END AS action
         FROM vmmbench_src_runs WHERE run_id IN (${ids})`,
        [source.origin, source.controller, source.database, source.exportedAt]
      );
      for (const archive of archives) await archive.finish();
    });
  } catch (error) {
    for (const archive of archives) await archive.abort();
    throw error;
  } finally {
    store.forgetSeriesIndex();
    await store.query("DROP TABLE IF EXISTS vmmbench_merge_raw").catch(() => undefined);
    await source.close();
  }
  for (const home of new Set(superseded.map(rawHome))) rmSync(join(store.dataDir, home), {recursive: true, force: true});
  return summary;
}

/** What holds a raw output on disk: an archive (runs/<run>….tar), or a campaign's folder (runs/<run>/…). */
function rawHome(path: string): string {
  const parts = path.split("/");
  return parts.length > 2 ? parts.slice(0, 2).join("/") : path;
}

/**
 * Decides, run by run, whether to add, replace or skip it (filling the summary), and returns each
 * written run's content digest; throws on the first conflict, before anything is written.
 */
async function classify(store: Store, source: MergeSource, summary: MergeSummary): Promise<Map<string, string>> {
  const incoming = await store.query(
    `SELECT r.run_id, r.status, md5(coalesce(string_agg(s.step_id || '|' || s.status || '|' || coalesce(s.raw_sha256, ''), ',' ORDER BY s.step_id), '')) AS digest
     FROM vmmbench_src_runs r LEFT JOIN vmmbench_src_steps s USING (run_id) GROUP BY ALL ORDER BY r.run_id`
  );
  if (incoming.length === 0) throw new ConfigError(`${source.origin}: holds no runs to merge (only the paper's reference data)`);
  const digests = new Map<string, string>();
  for (const row of incoming) {
    const runId = String(row.run_id);
    const stored = (await store.query(`SELECT source, status FROM runs WHERE run_id = $1`, [runId]))[0];
    if (stored?.source === "reference") throw new ConfigError(`${source.origin}: run ${runId} is the paper's reference data here; it cannot be merged`);
    if (!stored) {
      summary.added.push(runId);
      digests.set(runId, String(row.digest).slice(0, 12));
      continue;
    }
    const [diff] = await store.query(
      `SELECT (SELECT count(*) FROM (${COMPARED_STEPS("steps", runId)} EXCEPT ${COMPARED_STEPS("vmmbench_src_steps", runId)})) AS only_stored,
              (SELECT count(*) FROM (${COMPARED_STEPS("vmmbench_src_steps", runId)} EXCEPT ${COMPARED_STEPS("steps", runId)})) AS only_incoming,
              (SELECT count(*) FROM (${COMPARED_STEPS("steps", runId)})) AS stored_steps`
    );
    const onlyStored = Number(diff!.only_stored);
    const onlyIncoming = Number(diff!.only_incoming);
    if (onlyIncoming === 0) {
      summary.skipped.push({runId, why: onlyStored === 0 ? "already stored" : `an earlier state of the stored run (${onlyStored} of its ${diff!.stored_steps} step(s) are not in it): kept the stored one`});
    } else if (onlyStored === 0) {
      summary.replaced.push(runId);
      digests.set(runId, String(row.digest).slice(0, 12));
    } else {
      throw new ConfigError(
        `${source.origin}: run ${runId} differs from the one stored in ${store.path} (${onlyStored} step(s) only here, ${onlyIncoming} only there): neither is a later state of the other. Nothing was merged; merge into another database (--db) to keep both.`
      );
    }
  }
  return digests;
}

/** Runs, environments and steps as they are; series and samples onto this database's numbering. Returns the samples copied. */
async function copyRows(store: Store, ids: string): Promise<number> {
  const inRuns = `WHERE run_id IN (${ids})`;
  await store.query(`INSERT INTO runs BY NAME SELECT * FROM vmmbench_src_runs ${inRuns}`);
  await store.query(`INSERT INTO environments BY NAME SELECT * FROM vmmbench_src_environments ${inRuns}`);
  await store.query(
    `INSERT INTO steps BY NAME
     SELECT (SELECT coalesce(max(step_no), 0) FROM steps) + row_number() OVER (ORDER BY run_id, step_id) AS step_no, *
     FROM vmmbench_src_steps ${inRuns}`
  );
  await store.query(
    `INSERT INTO series BY NAME
     SELECT (SELECT coalesce(max(series_id), 0) FROM series) + row_number() OVER (ORDER BY suite, metric, params, unit) AS series_id, *
     FROM (SELECT DISTINCT suite, metric, params, unit FROM vmmbench_src_samples ${inRuns}) incoming
     WHERE NOT EXISTS (SELECT 1 FROM series s WHERE s.suite = incoming.suite AND s.metric = incoming.metric AND s.params = incoming.params AND s.unit = incoming.unit)`
  );
  const [inserted] = await store.query(
    `INSERT INTO samples (step_no, series_id, value, repetition, failed, note)
     SELECT st.step_no, se.series_id, x.value, x.repetition, x.failed, x.note
     FROM vmmbench_src_samples x
     JOIN steps st ON st.run_id = x.run_id AND st.step_id = x.step_id
     JOIN series se ON se.suite = x.suite AND se.metric = x.metric AND se.params = x.params AND se.unit = x.unit
     WHERE x.run_id IN (${ids})`
  );
  return Number(Object.values(inserted ?? {})[0] ?? 0);
}

/** Copies one run's raw outputs (each distinct content once) into `runs/<run>.<digest>.tar` here; returns their rows. */
async function archiveRun(store: Store, source: MergeSource, runId: string, digest: string, archives: RawArchive[]): Promise<object[]> {
  const rows = (await store.query(`SELECT ${RAW_ROW_COLUMNS} FROM vmmbench_src_raw WHERE run_id = $1 ORDER BY step_id, sha256`, [runId])).map(rawRow);
  if (rows.length === 0) return [];
  // The digest in the name lets a later state of the run land beside the one it replaces until the merge commits.
  const archive = new RawArchive(store.dataDir, `${runId}.${digest}`);
  archives.push(archive);
  return copyRawOutputs(
    archive,
    runId,
    rows,
    (row) => {
      let content: Buffer;
      try {
        content = source.readRaw({path: row.path, bytes: row.bytes, byte_offset: row.byte_offset});
      } catch (error) {
        throw new ConfigError(`${source.origin}: run ${runId}: raw output ${row.sha256.slice(0, 12)} of ${row.step_id} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
      if (sha256(content) !== row.sha256) throw new ConfigError(`${source.origin}: run ${runId}: the raw output of ${row.step_id} at ${row.path} does not match its sha256 ${row.sha256.slice(0, 12)}…; the source is damaged`);
      return content;
    },
    (row) => `${row.step_id}-${row.sha256.slice(0, 12)}`
  );
}
