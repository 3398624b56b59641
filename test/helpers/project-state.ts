/**
 * What the user owns in a checkout and the tests must leave alone: the built report (dist/), the
 * database and raw outputs (data/), Framework's data loader cache (src/.observablehq/cache, less
 * the npm modules filled from node_modules) and the report cache (<cache>/report). A test that
 * built the report in the project once replaced a campaign's report with a test's.
 *
 * The other caches (compiled probes, guest images, the lab root) are content-addressed builds the
 * tests may fill; qemu-runs/ and lab-runs/ keep boot logs by design.
 */
import {createHash} from "node:crypto";
import {readdirSync, readFileSync, readlinkSync, lstatSync} from "node:fs";
import {join, relative} from "node:path";
import {cacheRoot} from "../../data-loaders/guest/paths.ts";
import {ROOT} from "./shared.ts";

const SKIPPED = new Set([join(ROOT, "src", ".observablehq", "cache", "_npm"), join(ROOT, "src", ".observablehq", "cache", "_vmmbench")]);

export function watchedPaths(): string[] {
  return [join(ROOT, "dist"), join(ROOT, "data"), join(ROOT, "src", ".observablehq", "cache"), join(cacheRoot(), "report")];
}

/** Every file, folder and link under the watched paths → a digest of its content (path → "dir", "link:…" or sha256). */
export function projectState(paths = watchedPaths()): Map<string, string> {
  const state = new Map<string, string>();
  const visit = (path: string) => {
    if (SKIPPED.has(path)) return;
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      return;
    }
    const key = relative(ROOT, path) || path;
    if (stat.isSymbolicLink()) state.set(key, `link:${readlinkSync(path)}`);
    else if (stat.isDirectory()) {
      state.set(key, "dir");
      for (const entry of readdirSync(path)) visit(join(path, entry));
    } else state.set(key, createHash("sha256").update(readFileSync(path)).digest("hex"));
  };
  for (const path of paths) visit(path);
  return state;
}

/** What changed between two states, one line per path. */
export function stateChanges(before: Map<string, string>, after: Map<string, string>): string[] {
  const changes: string[] = [];
  for (const [path, digest] of after) {
    if (!before.has(path)) changes.push(`added ${path}`);
    else if (before.get(path) !== digest) changes.push(`changed ${path}`);
  }
  for (const path of before.keys()) if (!after.has(path)) changes.push(`removed ${path}`);
  return changes;
}
