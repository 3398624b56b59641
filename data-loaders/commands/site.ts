import {resolve} from "node:path";
import {mergedDatabase} from "../exchange/merged-database.ts";
import {buildSite, previewSite} from "../site/build.ts";

/**
 * `vmmbench site build|preview`: the report over the database given by --db, with no network; with
 * `--from EXPORT` (repeatable), over those exports merged (and the --db database, when named);
 * `--compare A..B` (repeatable) puts that pair first on the Compare page.
 */
export async function siteCommand(opts: {sub: "build" | "preview"; db: string; out?: string; from?: string[]; dbGiven?: boolean; compare?: string[]; log: (line: string) => void}): Promise<number> {
  // The Compare page's named pairs (report/compare-page.ts).
  if (opts.compare?.length) process.env.VMMBENCH_COMPARE = JSON.stringify(opts.compare);
  const merged = opts.from?.length ? await mergedDatabase([...(opts.dbGiven ? [opts.db] : []), ...opts.from], opts.log) : undefined;
  try {
    return await siteOver(merged?.path ?? opts.db, opts);
  } finally {
    merged?.remove();
  }
}

async function siteOver(db: string, opts: {sub: "build" | "preview"; out?: string; log: (line: string) => void}): Promise<number> {
  // Loaders run in Framework's child processes and find the database through the environment.
  process.env.VMMBENCH_DB = resolve(db);
  if (opts.sub === "build") {
    // Loader outputs are cached by Framework keyed on the loader's source, not on the database: clear them so new runs show.
    const result = await buildSite({clearLoaderCache: true, rawFrom: process.env.VMMBENCH_DB, ...(opts.out ? {output: resolve(opts.out)} : {})});
    opts.log(`site built into ${result.output} in ${(result.elapsedMs / 1000).toFixed(1)} s; ${result.raw?.files ?? 0} raw outputs published under raw/`);
    if (result.raw?.missing.length) opts.log(`warning: ${result.raw.missing.length} raw output(s) named by the database are missing, so their links lead nowhere: ${result.raw.missing.slice(0, 3).join("; ")}${result.raw.missing.length > 3 ? "; …" : ""}`);
    return 0;
  }
  const preview = await previewSite({});
  opts.log(`previewing at ${preview.url} (Ctrl-C to stop)`);
  return (await preview.exited) ?? 0;
}
