/** Where guest artifacts are cached: `<repo>/.cache/…`, or `$VMMBENCH_CACHE` when set. */

import {fileURLToPath} from "node:url";
import {join} from "node:path";
import {createHash} from "node:crypto";
import {mkdir, rename, rm} from "node:fs/promises";
import {existsSync} from "node:fs";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function cacheRoot(): string {
  return process.env.VMMBENCH_CACHE ?? join(REPO_ROOT, ".cache");
}

export function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * Fills a directory atomically: `fill` writes into a temporary sibling that is renamed into place,
 * so a killed build never leaves a half-written cache entry behind.
 */
let fills = 0;

export async function atomicDir(dir: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  // Unique per call: one process may fill the same entry twice at once (two targets preparing together).
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}-${++fills}`;
  await rm(tmp, {recursive: true, force: true});
  await mkdir(tmp, {recursive: true});
  try {
    await fill(tmp);
    if (existsSync(dir)) {
      // Another process finished the same content-addressed entry first: keep theirs.
      await rm(tmp, {recursive: true, force: true});
      return;
    }
    await rename(tmp, dir);
  } catch (error) {
    await rm(tmp, {recursive: true, force: true});
    throw error;
  }
}
