import {resolve} from "node:path";
import {mergedDatabase} from "../exchange/merged-database.ts";
import {buildSite, previewSite} from "../site/build.ts";
import {readableDatabase} from "../store/reader.ts";

export interface SiteCommandOptions {
  sub: "build" | "preview";
  db: string;
  out?: string;
  /** `--from EXPORT` (repeatable): the report over those exports merged (and the --db database, when named). */
  from?: string[];
  dbGiven?: boolean;
  /** `--compare A..B` (repeatable): that pair first on the Compare page. */
  compare?: string[];
  /** `--wait SECONDS`: wait for a campaign that holds the database instead of reading a snapshot. */
  waitS?: number;
  log: (line: string) => void;
}

/** `vmmbench site build|preview`: the report over the database given by --db (or the exports given by --from), with no network. */
export async function siteCommand(opts: SiteCommandOptions): Promise<number> {
  // The Compare page's named pairs (report/compare-page.ts).
  if (opts.compare?.length) process.env.VMMBENCH_COMPARE = JSON.stringify(opts.compare);
  const merged = opts.from?.length ? await mergedDatabase([...(opts.dbGiven ? [opts.db] : []), ...opts.from], opts.log) : undefined;
  try {
    return await siteOver(merged?.path ?? opts.db, opts);
  } finally {
    merged?.remove();
  }
}

async function siteOver(db: string, opts: SiteCommandOptions): Promise<number> {
  // The database is checked here (it exists, it is vmmbench's, who holds it) before Framework starts,
  // and while a campaign writes it every loader reads the same snapshot.
  const database = await readableDatabase(resolve(db), {waitS: opts.waitS, log: opts.log});
  try {
    // Loaders run in Framework's child processes and find the database through the environment.
    process.env.VMMBENCH_DB = database.path;
    if (opts.sub === "build") {
      const result = await buildSite({rawFrom: {database: database.path, dataDir: database.dataDir}, ...(opts.out ? {output: resolve(opts.out)} : {})});
      opts.log(`site built into ${result.output} in ${(result.elapsedMs / 1000).toFixed(1)} s; ${result.raw?.files ?? 0} raw outputs published under raw/`);
      if (result.raw?.missing.length) opts.log(`warning: ${result.raw.missing.length} raw output(s) named by the database are missing, so their links lead nowhere: ${result.raw.missing.slice(0, 3).join("; ")}${result.raw.missing.length > 3 ? "; …" : ""}`);
      return 0;
    }
    const preview = await previewSite({});
    opts.log(`previewing at ${preview.url} (Ctrl-C to stop)`);
    return (await preview.exited) ?? 0;
  } finally {
    database.dispose();
  }
}
