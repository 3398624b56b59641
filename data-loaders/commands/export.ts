import {dirname, resolve} from "node:path";
import {exportResults} from "../exchange/export.ts";
import {Store} from "../store/store.ts";

/** `vmmbench export DIR`: the runs (all, or those named) as Parquet with their raw outputs (exchange/layout.ts). */
export async function exportCommand(opts: {db: string; dir: string; runs: string[]; log: (line: string) => void}): Promise<void> {
  // The export is written beside its folder first (DIR.partial-…) and renamed into place.
  const store = await Store.open(opts.db, {fileAccess: [`${dirname(resolve(opts.dir))}/`]});
  try {
    const started = performance.now();
    const summary = await exportResults(store, opts.dir, {runs: opts.runs});
    opts.log(
      `exported ${summary.runs.length} run(s), ${summary.samples} sample(s) and ${summary.rawOutputs} raw output(s) into ${summary.dir} ` +
        `(${(summary.bytes / 1e6).toFixed(1)} MB, ${((performance.now() - started) / 1000).toFixed(1)} s)`
    );
  } finally {
    store.close();
  }
}
