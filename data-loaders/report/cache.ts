/**
 * Framework runs each data loader in its own process; several of the report's files come from the
 * same statistics. The first loader computes them and leaves them in the system's temp folder
 * keyed by the database path, a fingerprint of its contents and this code's version; the others
 * read that file. A changed database (new run, ingest) gives a new key.
 */
import {createHash} from "node:crypto";
import {existsSync, mkdirSync, readFileSync, renameSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {ensurePaperData} from "../paper/che2008.ts";
import {Store} from "../store/store.ts";
import {computeReport, databasePath, loadGroups, type Report} from "./summary.ts";

/** Bump when the report's computation changes. */
export const REPORT_FORMAT = 6;

export const FINGERPRINT_SQL = `
SELECT count(*)::VARCHAR || ':' ||
       coalesce(sum(hash(source, run_id, environment, hypervisor, mode, guest_os, vcpus, passthrough, nested_under, metric, params, value, status, repetition, host)), 0)::VARCHAR AS fp
FROM results`;

export async function databaseFingerprint(store: Store): Promise<string> {
  return String((await store.query(FINGERPRINT_SQL))[0].fp);
}

/** The report for `dbPath`, computed at most once per database state. */
export async function cachedReport(dbPath = databasePath()): Promise<Report> {
  const store = await Store.open(dbPath);
  try {
    await ensurePaperData(store);
    const key = createHash("sha256").update(`${REPORT_FORMAT}\0${store.path}\0${await databaseFingerprint(store)}`).digest("hex").slice(0, 24);
    const dir = join(tmpdir(), "vmmbench-report-cache");
    const file = join(dir, `${key}.json`);
    if (existsSync(file)) {
      try {
        return JSON.parse(readFileSync(file, "utf8")) as Report;
      } catch {
        // half-written or corrupt: recompute
      }
    }
    const report = computeReport(await loadGroups(store));
    mkdirSync(dir, {recursive: true});
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(report));
    renameSync(temp, file);
    return report;
  } finally {
    store.close();
  }
}
