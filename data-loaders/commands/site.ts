import {resolve} from "node:path";
import {buildSite, previewSite} from "../site/build.ts";

/** `vmmbench site build|preview`: the report over the database given by --db, with no network. */
export async function siteCommand(opts: {sub: "build" | "preview"; db: string; out?: string; log: (line: string) => void}): Promise<number> {
  // Loaders run in Framework's child processes and find the database through the environment.
  process.env.VMMBENCH_DB = resolve(opts.db);
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
