import {resolve} from "node:path";
import {buildSite, previewSite} from "../site/build.ts";
import {readableDatabase} from "../store/reader.ts";

export interface SiteCommandOptions {
  sub: "build" | "preview";
  db: string;
  out?: string;
  /** `--wait SECONDS`: wait for a campaign that holds the database instead of reading a snapshot. */
  waitS?: number;
  log: (line: string) => void;
}

/** `vmmbench site build|preview`: the report over the database given by --db, with no network. */
export async function siteCommand(opts: SiteCommandOptions): Promise<number> {
  // The database is checked here (it exists, it is vmmbench's, who holds it) before Framework starts,
  // and while a campaign writes it every loader reads the same snapshot.
  const database = await readableDatabase(resolve(opts.db), {waitS: opts.waitS, log: opts.log});
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
