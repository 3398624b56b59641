/**
 * Builds (or previews) the Observable Framework report with no network use.
 *
 * buildSite():
 *  1. fills Framework's npm cache from node_modules (offline-cache.ts);
 *  2. builds in a workspace beside the output (workspace.ts): the sources linked into a root of its
 *     own, so Framework's data loader cache starts empty and the project's is never written.
 *     (Framework 1.13.4 keeps a loader's output at `<root>/.observablehq/cache/<target path>` and
 *     `observable build` reuses any existing one, even one older than its loader.) The project's
 *     config is evaluated here and handed to Framework as JSON with that root and output;
 *  3. runs Framework's own CLI (`observable build`) in a child process whose Node fetch and TCP
 *     connections to non-loopback hosts throw (no-network.mjs, preloaded through NODE_OPTIONS so
 *     data loaders inherit it), with HTTP(S)_PROXY pointing at a closed local port for non-Node
 *     tools. Any attempted leak fails the build;
 *  4. swaps the finished site in for the old output. A failed build leaves the old output as it
 *     was and says why in one line; Framework's whole output is kept beside it in
 *     `<output>.build-failed.log` until a build succeeds.
 */
import {spawn, type ChildProcess} from "node:child_process";
import {existsSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {mkdtemp, readdir, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {delimiter, join, resolve} from "node:path";
import {pathToFileURL} from "node:url";
import {SiteBuildError} from "./errors.ts";
import {failureLine} from "./failure-line.ts";
import {publishRawOutputs, type PublishedRaw} from "./raw-outputs.ts";
import {PROJECT_DIR, findPackageDir, frameworkCacheDir, prepareOfflineCache, type OfflineCacheResult} from "./offline-cache.ts";
import {BuildWorkspace, refuseForeignOutput} from "./workspace.ts";

export {SiteBuildError};

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
  /** Output directory. Default: the config's, <cwd>/dist. */
  output?: string;
  /** Stream Framework's output to this process's stdout/stderr (default true). */
  echo?: boolean;
}

export interface BuildSiteOptions extends SiteOptions {
  /** Publish this database's raw outputs under `<output>/raw/` (raw-outputs.ts). */
  rawFrom?: {database: string; dataDir: string};
}

export interface BuildSiteResult {
  output: string;
  /** wall time of the whole call, and of `observable build` alone */
  elapsedMs: number;
  frameworkMs: number;
  cache: OfflineCacheResult;
  /** Framework's stdout+stderr */
  log: string;
  /** the raw outputs published under raw/, when rawFrom was given */
  raw?: PublishedRaw;
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
  if (!dir) throw new SiteBuildError("@observablehq/framework is not installed (run npm ci)", "", []);
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

/** The config `observable` would read in `cwd` (or `config`), evaluated here. */
async function frameworkConfig(cwd: string, config: string | undefined): Promise<Record<string, unknown>> {
  const path = config ? resolve(cwd, config) : ["observablehq.config.ts", "observablehq.config.js"].map((name) => join(cwd, name)).find(existsSync);
  if (!path) return {};
  return ((await import(pathToFileURL(path).href)) as {default: Record<string, unknown>}).default;
}

/** `config` with another root and output, as a module Framework can read without a TypeScript loader. */
function writeConfig(file: string, config: Record<string, unknown>, root: string, output: string): string {
  const text = JSON.stringify({...config, root, output}, (key, value) => {
    if (typeof value === "function") throw new SiteBuildError(`the site config's "${key}" is a function, which a build in a workspace cannot carry`, "", []);
    return value;
  });
  writeFileSync(file, `export default ${text};\n`);
  return file;
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

/** Prepares the offline cache and runs `observable build` offline in a workspace; swaps the site in on success. */
export async function buildSite(options: BuildSiteOptions = {}): Promise<BuildSiteResult> {
  const start = performance.now();
  const cwd = resolve(options.cwd ?? PROJECT_DIR);
  const config = await frameworkConfig(cwd, options.config);
  const root = resolve(cwd, options.root ?? String(config.root ?? "src"));
  const output = resolve(cwd, options.output ?? String(config.output ?? "dist"));
  const echo = options.echo ?? true;
  if (!existsSync(root)) throw new SiteBuildError(`site root ${root} does not exist`, "", []);

  refuseForeignOutput(output);
  const cache = await prepareOfflineCache(root, {log: echo ? (m) => console.log(m) : undefined});
  const workspace = BuildWorkspace.create(output);
  try {
    const configFile = writeConfig(join(workspace.dir, "observablehq.config.js"), config, workspace.stageRoot(root), workspace.out);
    return await withRefusedLog(async (refusedLog) => {
      const frameworkStart = performance.now();
      const child = spawn(process.execPath, frameworkArgs("build", {...options, config: configFile}), {cwd, env: offlineEnv(process.env, refusedLog), stdio: ["ignore", "pipe", "pipe"]});
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
      const kept = code === 0 && refused.length === 0 ? clearLog(output) : keepLog(output, log);
      if (refused.length > 0) throw new SiteBuildError(`observable build tried to use the network: ${refused.join("; ")}`, log, refused);
      if (code !== 0) throw new SiteBuildError(`site build failed, ${output} left as it was: ${failureLine(log, code)}${kept ? ` (Framework's output: ${kept})` : ""}`, log, refused);
      if (!existsSync(workspace.out)) throw new SiteBuildError(`observable build produced no site, ${output} left as it was`, log, refused);
      const raw = options.rawFrom ? await publishRawOutputs(options.rawFrom.database, workspace.out, options.rawFrom.dataDir) : undefined;
      workspace.swapInto(output);
      return {output, elapsedMs: performance.now() - start, frameworkMs, cache, log, raw};
    });
  } finally {
    workspace.remove();
  }
}

/** Keeps Framework's output of a failed build beside the output, for its reader; its path, or undefined when it cannot be written. */
function keepLog(output: string, log: string): string | undefined {
  try {
    writeFileSync(`${output}.build-failed.log`, log);
    return `${output}.build-failed.log`;
  } catch {
    return undefined;
  }
}

/** A build that succeeded removes the log of an earlier failure. */
function clearLog(output: string): undefined {
  rmSync(`${output}.build-failed.log`, {force: true});
  return undefined;
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
  // Builds no longer write the project's loader cache, so what is there is some earlier preview's: show the database as it is now.
  await clearLoaderCache(root);
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
