import {readdirSync, rmSync} from "node:fs";
import {join, relative} from "node:path";
import {safeName} from "./raw.ts";
import type {Store} from "./store.ts";

/**
 * Removes the files of a campaign's folder that no stored step names: outputs of a step whose
 * campaign was killed after keeping them and before storing the step (the resume runs it again),
 * and half-written `.tmp` files. Only files inside `runs/<run-id>/` are touched.
 */
export async function removeUnreferencedRaw(store: Store, runId: string): Promise<number> {
  const runDir = join(store.dataDir, "runs", safeName(runId));
  const files = listFiles(runDir);
  if (files.length === 0) return 0;
  const kept = new Set((await store.query(`SELECT path FROM raw_outputs WHERE run_id = $1`, [runId])).map((r) => String(r.path)));
  let removed = 0;
  for (const file of files) {
    if (kept.has(relative(store.dataDir, file))) continue;
    rmSync(file, {force: true});
    removed++;
  }
  return removed;
}

function listFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, {withFileTypes: true});
  } catch {
    return [];
  }
  return entries.flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : entry.isFile() ? [join(dir, entry.name)] : []));
}
