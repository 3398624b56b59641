/**
 * One database made from several: the site's `--from EXPORT` (repeatable), so that a team
 * publishes one report from the exports of many controllers. The merged database and its raw
 * outputs live in a temporary folder that `remove` deletes once the site is built.
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {ensurePaperData} from "../paper/che2008.ts";
import {Store} from "../store/store.ts";
import {mergeInto} from "./merge.ts";
import {sourceAccess} from "./source.ts";

export async function mergedDatabase(sources: readonly string[], log: (line: string) => void): Promise<{path: string; remove(): void}> {
  const dir = mkdtempSync(join(tmpdir(), "vmmbench-merged-"));
  const remove = () => rmSync(dir, {recursive: true, force: true});
  const path = join(dir, "merged.duckdb");
  try {
    const store = await Store.open(path, {fileAccess: [...sourceAccess(sources), `${dir}/`]});
    try {
      await ensurePaperData(store);
      for (const source of sources) {
        const summary = await mergeInto(store, source);
        log(`${source}: ${summary.added.length + summary.replaced.length} run(s), ${summary.samples} sample(s)${summary.skipped.length ? `; ${summary.skipped.length} run(s) already merged from another source` : ""}`);
      }
    } finally {
      store.close();
    }
  } catch (error) {
    remove();
    throw error;
  }
  return {path, remove};
}
