/**
 * Framework runs each data loader in its own process; several of the report's files come from the
 * same statistics. The first loader computes them and leaves them in the project's cache
 * (`<cache>/report/`, VMMBENCH_CACHE or .cache/), keyed by a fingerprint of the database's content
 * and this code's version; the others read that file. A changed database (new run, ingest) gives a
 * new key.
 *
 * The folder is this user's alone (0700, owned by them, not a symlink) and an entry names its own
 * key, so no one else can plant statistics in a report: with a shared /tmp folder, a planted JSON
 * once showed an invented environment on four pages. Where the folder is not safe the report is
 * computed without the cache.
 */
import {createHash} from "node:crypto";
import {chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {cacheRoot} from "../guest/paths.ts";
import {openForReading} from "../store/reader.ts";
import type {Store} from "../store/store.ts";
import {computeReport, databasePath, loadGroups, type Report} from "./summary.ts";

/** Bump when the report's computation changes. */
export const REPORT_FORMAT = 10;

/** Entries kept; older ones (other databases, earlier states) are removed as new ones are written. */
const KEEP = 16;

export const FINGERPRINT_SQL = `
SELECT count(*)::VARCHAR || ':' ||
       coalesce(sum(hash(source, run_id, environment, hypervisor, mode, guest_os, vcpus, passthrough, nested_under, suite, metric, params, unit, value, status, repetition, host)), 0)::VARCHAR AS fp
FROM results`;

export async function databaseFingerprint(store: Store): Promise<string> {
  return String((await store.query(FINGERPRINT_SQL))[0].fp);
}

interface Entry {
  key: string;
  report: Report;
}

/** The report for `dbPath`, computed at most once per database content. */
export async function cachedReport(dbPath = databasePath()): Promise<Report> {
  const store = await openForReading(dbPath);
  try {
    const key = createHash("sha256").update(`${REPORT_FORMAT}\0${await databaseFingerprint(store)}`).digest("hex");
    const dir = privateDir(join(cacheRoot(), "report"));
    const file = dir && join(dir, `${key.slice(0, 32)}.json`);
    const cached = file && readEntry(file, key);
    if (cached) return cached;
    const report = computeReport(await loadGroups(store));
    if (file) writeEntry(dir, file, {key, report});
    return report;
  } finally {
    store.close();
  }
}

/** `dir`, created 0700 if absent and made 0700 if others could reach it; undefined when it is not a folder this user owns. */
function privateDir(dir: string): string | undefined {
  try {
    mkdirSync(dir, {recursive: true, mode: 0o700});
    const stat = lstatSync(dir);
    if (!stat.isDirectory() || stat.uid !== process.getuid!()) return undefined;
    if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
    return dir;
  } catch {
    return undefined;
  }
}

function readEntry(file: string, key: string): Report | undefined {
  try {
    const entry = JSON.parse(readFileSync(file, "utf8")) as Entry;
    return entry.key === key ? entry.report : undefined;
  } catch {
    return undefined; // absent, half-written or corrupt: recompute
  }
}

function writeEntry(dir: string, file: string, entry: Entry): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, JSON.stringify(entry), {mode: 0o600});
    renameSync(temp, file);
    prune(dir);
  } catch {
    // A cache that cannot be written (full disk, read-only project) costs only the next loader's time.
    rmSync(temp, {force: true});
  }
}

function prune(dir: string): void {
  const entries = readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .map((name) => ({name, mtime: statSync(join(dir, name)).mtimeMs}))
    .sort((a, b) => b.mtime - a.mtime);
  for (const {name} of entries.slice(KEEP)) rmSync(join(dir, name), {force: true});
}
