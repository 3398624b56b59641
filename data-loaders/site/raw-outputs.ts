/**
 * Publishes the raw outputs behind the report with the site: every raw output the database names
 * is copied to `<dist>/raw/<sha256>.txt` (the name is the hash of its bytes, checked on the way),
 * with `raw/index.csv` saying which run, step and original file each one was. The report's
 * download bars link there (src/components/download.js), so any value traces back to its bytes.
 * A file that is gone is reported (not fatal: the rest of the report stands); one whose bytes do
 * not match its recorded hash fails the build.
 */
import {createHash} from "node:crypto";
import {existsSync, mkdirSync, readFileSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {VmmbenchError} from "../errors.ts";
import {PAPER_DATA_DIR, PAPER_RUN_ID} from "../paper/che2008.ts";
import {readRawOutput} from "../store/raw-archive.ts";
import {Store} from "../store/store.ts";

export class RawOutputError extends VmmbenchError {}

export interface PublishedRaw {
  files: number;
  bytes: number;
  /** raw outputs the database names whose file is gone (a database copied without its runs/) */
  missing: string[];
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/**
 * Copies every raw output of `dbPath` into `<outDir>/raw/`; returns how many files and bytes.
 * `dataDir` holds the runs' raw files: the live database's folder when `dbPath` is a snapshot of it.
 */
export async function publishRawOutputs(dbPath: string, outDir: string, dataDir?: string): Promise<PublishedRaw> {
  const store = await Store.open(dbPath, {readOnly: true});
  const runsDir = dataDir ?? store.dataDir;
  try {
    const rows = await store.query(`SELECT sha256, run_id, step_id, path, bytes, format, byte_offset FROM raw_outputs ORDER BY sha256, run_id, step_id, path`);
    const dir = join(outDir, "raw");
    mkdirSync(dir, {recursive: true});
    const index = ["sha256,run_id,step_id,path,bytes,format"];
    const written = new Set<string>();
    let bytes = 0;
    const missing: string[] = [];
    for (const r of rows) {
      const sha = String(r.sha256);
      index.push([sha, r.run_id, r.step_id, r.path, r.bytes, r.format].map(csvCell).join(","));
      if (written.has(sha)) continue;
      // The paper's numbers are read from the project's data/reference/, wherever the database is;
      // their sha256 names the reference version (table and environments), not one file's bytes.
      const reference = r.run_id === PAPER_RUN_ID;
      const file = join(reference ? join(PAPER_DATA_DIR, "..") : runsDir, String(r.path));
      if (!existsSync(file)) {
        missing.push(`${file} (${sha.slice(0, 12)}, run ${r.run_id}, step ${r.step_id})`);
        continue;
      }
      const content = reference ? readFileSync(file) : readRawOutput(runsDir, {path: String(r.path), bytes: Number(r.bytes), offset: r.byte_offset === null ? null : Number(r.byte_offset)});
      if (!reference && createHash("sha256").update(content).digest("hex") !== sha) {
        throw new RawOutputError(`${file}: its bytes do not hash to the sha256 ${sha} the database recorded for run ${r.run_id}, step ${r.step_id}`);
      }
      writeFileSync(join(dir, `${sha}.txt`), content);
      written.add(sha);
      bytes += content.length;
    }
    writeFileSync(join(dir, "index.csv"), index.join("\n") + "\n");
    return {files: written.size, bytes, missing};
  } finally {
    store.close();
  }
}
