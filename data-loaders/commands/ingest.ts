import {dirname, resolve} from "node:path";
import type {ParseArgsConfig} from "node:util";
import {ConfigError} from "../errors.ts";
import {mergeInto} from "../exchange/merge.ts";
import {isMergeSource, sourceAccess} from "../exchange/source.ts";
import {ingestEnvironment, readManifest, walk, type IngestInput} from "../ingest/collect.ts";
import {ingest} from "../ingest/ingest.ts";
import {ensurePaperData} from "../paper/che2008.ts";
import {Store, StoreError} from "../store/store.ts";
import {isStorageFailure, systemProblem} from "../system-error.ts";

export const INGEST_OPTIONS = {
  env: {type: "string"},
  hypervisor: {type: "string"},
  mode: {type: "string"},
  "guest-os": {type: "string"},
  vcpus: {type: "string"},
  passthrough: {type: "string"},
  tag: {type: "string", multiple: true},
  manifest: {type: "string"}
} satisfies NonNullable<ParseArgsConfig["options"]>;

/** `vmmbench ingest`: flags or a manifest → validated inputs → one all-or-nothing ingest run. */
export async function ingestCommand(opts: {values: Record<string, unknown>; paths: string[]; waitS?: number; log: (line: string) => void}): Promise<void> {
  const {values, paths} = opts;
  // Another vmmbench database or an export is merged, run ids and provenance kept (exchange/merge.ts).
  const merged = paths.filter(isMergeSource);
  if (merged.length > 0 && (merged.length < paths.length || values.manifest !== undefined)) {
    throw new ConfigError(`ingest: ${merged[0]} is a vmmbench database or export, merged on its own; ingest other tools' outputs in another command`);
  }
  if (merged.length > 0) return mergeCommand({...opts, paths: merged});
  const inputs: IngestInput[] = [];
  if (values.manifest !== undefined) inputs.push(...readManifest(String(values.manifest)));
  if (paths.length > 0) {
    const environment = ingestEnvironment({...values, guest_os: values["guest-os"]}, (key) => `--${key === "guest_os" ? "guest-os" : key}`);
    for (const path of paths) inputs.push(...walk(path).map((file) => ({...file, environment})));
  }
  if (inputs.length === 0) throw new ConfigError("ingest: expected files or folders to read, or --manifest FILE");
  const store = await Store.open(String(values.db), {waitS: opts.waitS});
  try {
    await ensurePaperData(store);
    const summary = await ingest(store, inputs, {command: {paths, ...values}}).catch((error: unknown) => {
      const problem = isStorageFailure(error) ? systemProblem(error, store.dataDir) : undefined;
      if (!problem) throw error;
      throw new StoreError(`ingest stopped and stored nothing (it is all or nothing): ${problem.what}${problem.advice ? `; ${problem.advice}, then run it again` : ""}`, {cause: error});
    });
    for (const path of summary.skipped) opts.log(`skipped ${path}: already stored`);
    if (summary.runId) {
      const formats = Object.entries(summary.formats).map(([f, n]) => `${n} ${f}`).join(", ");
      opts.log(`ingested ${summary.files} file(s) (${formats}): ${summary.samples} samples as run ${summary.runId}`);
    } else {
      opts.log("nothing new to ingest");
    }
  } finally {
    store.close();
  }
}

async function mergeCommand(opts: {values: Record<string, unknown>; paths: string[]; log: (line: string) => void}): Promise<void> {
  const options = Object.keys(opts.values).filter((key) => key !== "db" && opts.values[key] !== undefined);
  if (options.length > 0) throw new ConfigError(`ingest: --${options[0]} is for outputs of other tools; a vmmbench database or export keeps its own environments`);
  const store = await Store.open(String(opts.values.db), {fileAccess: [...sourceAccess(opts.paths), `${dirname(resolve(String(opts.values.db)))}/`]});
  try {
    await ensurePaperData(store);
    // Each source merges all or nothing; running the command again skips what merged already.
    for (const path of opts.paths) {
      const summary = await mergeInto(store, path);
      for (const {runId, why} of summary.skipped) opts.log(`skipped run ${runId}: ${why}`);
      const written = [...summary.added, ...summary.replaced.map((id) => `${id} (replacing its earlier state)`)];
      opts.log(written.length ? `merged ${written.length} run(s) from ${summary.origin}, ${summary.samples} sample(s): ${written.join(", ")}` : `nothing new to merge from ${summary.origin}`);
    }
  } finally {
    store.close();
  }
}
