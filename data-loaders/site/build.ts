/**
 * Builds (or previews) the Observable Framework report with no network use.
 *
 * buildSite():
 *  1. fills Framework's npm cache from node_modules (offline-cache.ts);
 *  2. optionally clears Framework's data loader cache. Framework 1.13.4 keeps a loader's output
 *     at `<root>/.observablehq/cache/<target path>` (e.g. src/data/runs.arrow.ts →
 *     src/.observablehq/cache/data/runs.arrow) and `observable build` reuses any existing output
 *     ("useStale": even one older than its loader), so after new runs the loaders must be re-run
 *     by deleting those outputs. The npm/jsr/node/duckdb caches are kept;
 *  3. runs Framework's own CLI (`observable build`) in a child process whose Node fetch and TCP
 *     connections to non-loopback hosts throw (no-network.mjs, preloaded through NODE_OPTIONS so
 *     data loaders inherit it), with HTTP(S)_PROXY pointing at a closed local port for non-Node
 *     tools. Any attempted leak fails the build.
 */
import {spawn, type ChildProcess} from "node:child_process";
import {existsSync, readFileSync} from "node:fs";
import {mkdtemp, readdir, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {delimiter, join, resolve, sep} from "node:path";
import {pathToFileURL} from "node:url";
import {publishRawOutputs, type PublishedRaw} from "./raw-outputs.ts";
import {PROJECT_DIR, findPackageDir, frameworkCacheDir, prepareOfflineCache, type OfflineCacheResult} from "./offline-cache.ts";

/** Entries of `.observablehq/cache` that are not data loader outputs and survive clearLoaderCache. */
export const KEPT_CACHE_ENTRIES = new Set(["_npm", "_jsr", "_node", "_duckdb", "_vmmbench"]);

export const NO_NETWORK_PRELOAD = join(PROJECT_DIR, "data-loaders", "site", "no-network.mjs");

export interface SiteOptions {
  /** Framework source root; must be the config's root. Default: <project>/src. */
  root?: string;
  /** Working directory of `observable` (relative root/output in the config resolve against it). Default: the project. */
  cwd?: string;
  /** Config file; default: Framework's own lookup of observablehq.config.{js,ts} in cwd. */
  config?: string;
  /** Output directory (given to the config as VMMBENCH_SITE_OUT). Default: the config's, <cwd>/dist. */
  output?: string;
  /** Stream Framework's output to this process's stdout/stderr (default true). */
  echo?: boolean;
}

export interface BuildSiteOptions extends SiteOptions {
  /** Delete data loader outputs first so loaders re-run (after new runs). */
  clearLoaderCache: boolean;
  /** Publish this database's raw outputs under `<output>/raw/` (raw-outputs.ts). */
  rawFrom?: string;
}

export interface BuildSiteResult {
  output: string;
  /** wall time of the whole call, and of `observable build` alone */
  elapsedMs: number;
  frameworkMs: number;
  cache: OfflineCacheResult;
  /** loader outputs deleted by clearLoaderCache */
  cleared: string[];
  /** Framework's stdout+stderr */
  log: string;
  /** the raw outputs published under raw/, when rawFrom was given */
  raw?: PublishedRaw;
}

export class SiteBuildError extends Error {
  constructor(
    message: string,
    readonly log: string,
    readonly refused: string[]
  ) {
    super(message);
    this.name = "SiteBuildError";
  }
}

/** Deletes Framework's data loader outputs under `<root>/.observablehq/cache`; returns what was removed. */
export async function clearLoaderCache(root: string): Promise<string[]> {
  const cacheDir = frameworkCacheDir(root);
  let entries: string[];
  try {
    entries = await readdir(cacheDir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    if (KEPT_CACHE_ENTRIES.has(entry)) continue;
    await rm(join(cacheDir, entry), {recursive: true, force: true});
    removed.push(entry);
  }
  return removed;
}

function frameworkCli(projectDir = PROJECT_DIR): string {
  const dir = findPackageDir("@observablehq/framework", projectDir);
  if (!dir) throw new Error("@observablehq/framework is not installed");
  return join(dir, "dist", "bin", "observable.js");
}

/**
 * Environment for a child process that must not use the network: the preload that makes leaks
 * throw, a dead proxy for other tools, telemetry off, and node_modules/.bin on PATH (Framework runs
 * `.ts` data loaders with `tsx`).
 */
export function offlineEnv(base: NodeJS.ProcessEnv = process.env, refusedLog?: string): NodeJS.ProcessEnv {
  const importFlag = `--import=${pathToFileURL(NO_NETWORK_PRELOAD).href}`;
  const nodeOptions = [base.NODE_OPTIONS, importFlag].filter(Boolean).join(" ");
  const deadProxy = "http://127.0.0.1:9"; // discard port: nothing listens, connections are refused
  const env: NodeJS.ProcessEnv = {
    ...base,
    NODE_OPTIONS: nodeOptions,
    PATH: [join(PROJECT_DIR, "node_modules", ".bin"), base.PATH].filter(Boolean).join(delimiter),
    OBSERVABLE_TELEMETRY_DISABLE: "true",
    HTTP_PROXY: deadProxy,
    HTTPS_PROXY: deadProxy,
    http_proxy: deadProxy,
    https_proxy: deadProxy,
    ALL_PROXY: deadProxy,
    all_proxy: deadProxy,
    NO_PROXY: "127.0.0.1,localhost,::1",
    no_proxy: "127.0.0.1,localhost,::1",
    npm_config_offline: "true",
    FORCE_COLOR: "0",
    NO_COLOR: "1"
  };
  if (refusedLog) env.VMMBENCH_NETWORK_LOG = refusedLog;
  return env;
}

function frameworkArgs(command: string, options: SiteOptions): string[] {
  const args = [frameworkCli(), command];
  if (options.config) args.push("--config", resolve(options.cwd ?? PROJECT_DIR, options.config));
  return args;
}

async function withRefusedLog<T>(fn: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "vmmbench-net-"));
  try {
    return await fn(join(dir, "refused.log"));
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
}

function readRefused(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split("\t").slice(1).join("\t"));
}

/**
 * Framework clears its output folder only when it lies inside the working directory, and refuses
 * to overwrite a file ("file conflict") elsewhere, so a second `site build --out /tmp/x` failed.
 * A folder outside that holds a previous report (its `_observablehq/`) is cleared here; any other
 * non-empty folder is refused rather than wiped.
 */
export async function clearOutput(output: string, cwd: string): Promise<void> {
  const inside = output === cwd || output.startsWith(cwd.endsWith(sep) ? cwd : cwd + sep);
  if (inside || !existsSync(output)) return;
  const entries = await readdir(output);
  if (entries.length === 0) return;
  if (!entries.includes("_observablehq")) throw new SiteBuildError(`${output} is not empty and holds no report built before (no _observablehq/): refusing to overwrite it; give an empty or new folder`, "", []);
  await rm(output, {recursive: true, force: true});
}

/** Prepares the offline cache, optionally clears loader outputs, and runs `observable build` offline. */
export async function buildSite(options: BuildSiteOptions): Promise<BuildSiteResult> {
  const start = performance.now();
  const cwd = resolve(options.cwd ?? PROJECT_DIR);
  const root = resolve(cwd, options.root ?? "src");
  const output = resolve(cwd, options.output ?? "dist");
  const echo = options.echo ?? true;
  if (!existsSync(root)) throw new Error(`site root ${root} does not exist`);

  const cache = await prepareOfflineCache(root, {log: echo ? (m) => console.log(m) : undefined});
  const cleared = options.clearLoaderCache ? await clearLoaderCache(root) : [];
  await clearOutput(output, cwd);

  return await withRefusedLog(async (refusedLog) => {
    const frameworkStart = performance.now();
    const child = spawn(process.execPath, frameworkArgs("build", options), {
      cwd,
      env: {...offlineEnv(process.env, refusedLog), ...(options.output ? {VMMBENCH_SITE_OUT: output} : {})},
      stdio: ["ignore", "pipe", "pipe"]
    });
    let log = "";
    const collect = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      log += chunk.toString();
      if (echo) stream.write(chunk);
    };
    child.stdout!.on("data", collect(process.stdout));
    child.stderr!.on("data", collect(process.stderr));
    const code = await new Promise<number | null>((resolvePromise, reject) => {
      child.on("error", reject);
      child.on("close", resolvePromise);
    });
    const frameworkMs = performance.now() - frameworkStart;
    const refused = readRefused(refusedLog);
    if (refused.length > 0) {
      throw new SiteBuildError(`observable build tried to use the network: ${refused.join("; ")}`, log, refused);
    }
    if (code !== 0) {
      const tail = log.split("\n").slice(-20).join("\n");
      throw new SiteBuildError(`observable build failed (exit ${code}):\n${tail}`, log, refused);
    }
    if (!existsSync(output)) {
      throw new SiteBuildError(`observable build produced no ${output}`, log, refused);
    }
    const raw = options.rawFrom ? await publishRawOutputs(options.rawFrom, output) : undefined;
    return {output, elapsedMs: performance.now() - start, frameworkMs, cache, cleared, log, raw};
  });
}

export interface PreviewSiteOptions extends SiteOptions {
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Open a browser (default false). */
  open?: boolean;
}

export interface PreviewHandle {
  url: string;
  process: ChildProcess;
  /** resolves with the exit code when the server stops */
  exited: Promise<number | null>;
  close(): Promise<void>;
}

/** Prepares the offline cache and starts `observable preview` offline; resolves once it listens. */
export async function previewSite(options: PreviewSiteOptions = {}): Promise<PreviewHandle> {
  const cwd = resolve(options.cwd ?? PROJECT_DIR);
  const root = resolve(cwd, options.root ?? "src");
  const echo = options.echo ?? true;
  await prepareOfflineCache(root, {log: echo ? (m) => console.log(m) : undefined});
  const args = [...frameworkArgs("preview", options), "--host", options.host ?? "127.0.0.1"];
  if (options.port !== undefined) args.push("--port", String(options.port));
  if (!options.open) args.push("--no-open");
  const child = spawn(process.execPath, args, {cwd, env: offlineEnv(), stdio: ["ignore", "pipe", "pipe"]});
  const exited = new Promise<number | null>((resolvePromise) => child.on("close", resolvePromise));
  const url = await new Promise<string>((resolvePromise, reject) => {
    let text = "";
    const onData = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      if (echo) stream.write(chunk);
      text += chunk.toString();
      const match = /https?:\/\/[^\s/]+:\d+\//.exec(text.replace(/\x1b\[[0-9;]*m|\x1b\]8;;[^\x07\x1b]*(?:\x07|\x1b\\)/g, ""));
      if (match) resolvePromise(match[0]);
    };
    child.stdout!.on("data", onData(process.stdout));
    child.stderr!.on("data", onData(process.stderr));
    child.on("error", reject);
    exited.then((code) => reject(new Error(`observable preview exited (code ${code}) before listening:\n${text}`)));
  });
  return {
    url,
    process: child,
    exited,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    }
  };
}
