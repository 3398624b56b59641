/**
 * Fills Observable Framework's npm cache (`<root>/.observablehq/cache/_npm/NAME@VERSION/…`) from
 * node_modules so that `observable build` and `observable preview` never ask the npm registry or
 * jsDelivr for anything.
 *
 * How Framework 1.13.4 resolves `npm:` imports (node_modules/@observablehq/framework/dist/npm.js):
 *  - resolveNpmVersion() asks registry.npmjs.org unless a folder `_npm/NAME@VERSION` already exists
 *    whose version satisfies the requested range (no range: the highest folder wins);
 *  - populateNpmCache() downloads `cdn.jsdelivr.net/npm/NAME@VERSION/+esm` into
 *    `_npm/NAME@VERSION/_esm.js` (and other files such as `dist/duckdb-mvp.wasm` as they are)
 *    unless that file already exists; an existing file is used as is.
 * Every `npm:` name that Framework's client code mentions (dist/client/**) is version-resolved when
 * the client bundles are rolled up, even for libraries a page never uses; those get an empty
 * placeholder folder. The libraries a page can really load (Plot, d3, htl, isoformat, Arrow,
 * Arquero, DuckDB-wasm, d3-dsv) are bundled with esbuild into `_esm.js`, sharing one apache-arrow
 * (duckdb-wasm imports it) and one d3 (Plot imports it) through relative imports, the same
 * shape Framework itself writes after a download.
 */
import {createHash} from "node:crypto";
import {existsSync, readFileSync, readdirSync, statSync} from "node:fs";
import {copyFile, link, mkdir, readdir, readFile, rm, writeFile} from "node:fs/promises";
import {dirname, join, relative, resolve} from "node:path";
import {fileURLToPath} from "node:url";

/** The vmmbench checkout this module lives in (holds node_modules and package-lock.json). */
export const PROJECT_DIR = fileURLToPath(new URL("../../", import.meta.url));

/** Bump when the layout written here changes, so existing caches are refilled. */
const CACHE_FORMAT = 3;

/**
 * Packages bundled into the cache. `shared` lists dependencies imported from their own cache
 * folder instead of being inlined (so one copy is loaded and instanceof-style checks agree).
 * `files` are copied verbatim (paths inside the package).
 */
export interface OfflinePackage {
  name: string;
  shared?: string[];
  files?: string[];
}

/** DuckDB-wasm files Framework's stdlib/duckdb.js loads (libraries.js getImplicitDownloads). */
export const DUCKDB_WASM_FILES = [
  "dist/duckdb-mvp.wasm",
  "dist/duckdb-browser-mvp.worker.js",
  "dist/duckdb-eh.wasm",
  "dist/duckdb-browser-eh.worker.js"
];

/**
 * Measured from Framework 1.13.4: implicit imports (libraries.js getImplicitInputImports /
 * getImplicitFileImports / getImplicitDependencies) and the client's recommended libraries
 * that can be satisfied from node_modules. @observablehq/inputs is not here: Framework bundles
 * it itself from its own node_modules as /_observablehq/stdlib/inputs.js (a "builtin").
 */
export const OFFLINE_PACKAGES: OfflinePackage[] = [
  {name: "apache-arrow"},
  {name: "d3"},
  {name: "d3-dsv"}, // FileAttachment.csv()/tsv()
  {name: "htl"}, // html, svg; imported by Inputs
  {name: "isoformat"}, // implicit dependency of Inputs
  // Plot inlines the parts of d3 it uses (tree-shaken: ~200 kB less than sharing all of d3 on every page).
  {name: "@observablehq/plot"},
  {name: "arquero"}, // inlines @uwdata/flechette and acorn
  {name: "@duckdb/duckdb-wasm", shared: ["apache-arrow"], files: DUCKDB_WASM_FILES},
  {name: "hyparquet-writer"} // Explore's Parquet downloads; inlines hyparquet
];

/** Version used for folders of libraries the pages must not use (a page that does fails the build). */
export const PLACEHOLDER_VERSION = "0.0.0-offline";

export interface PrepareOfflineCacheOptions {
  /** Directory holding node_modules and package-lock.json; defaults to this checkout. */
  projectDir?: string;
  /** Extra packages to bundle (e.g. a page that imports `npm:d3-array` directly). */
  extraPackages?: OfflinePackage[];
  /** Refill even when the stamp says the cache is current. */
  force?: boolean;
  log?: (message: string) => void;
}

export interface OfflineCacheResult {
  /** `<root>/.observablehq/cache/_npm` */
  npmDir: string;
  /** false when the stamp matched and nothing was written */
  filled: boolean;
  /** name → version bundled */
  packages: Record<string, string>;
  /** names given an empty placeholder folder */
  placeholders: string[];
  elapsedMs: number;
}

interface Stamp {
  key: string;
  packages: Record<string, string>;
  placeholders: string[];
}

const STAMP_PATH = join("_vmmbench", "offline-stamp.json"); // relative to .observablehq/cache

/** `<root>/.observablehq/cache` */
export function frameworkCacheDir(root: string): string {
  return join(resolve(root), ".observablehq", "cache");
}

/** Finds the directory of an installed package, resolving from `fromDir` as Node would. */
export function findPackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = resolve(fromDir); ; ) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function readPackageJson(dir: string): {name: string; version: string; dependencies?: Record<string, string>} {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
}

/** Version of an installed package, read from its package.json (throws when absent). */
export function installedVersion(name: string, projectDir = PROJECT_DIR): string {
  const dir = findPackageDir(name, projectDir);
  if (!dir) throw new Error(`offline cache: package ${name} is not installed in ${projectDir}/node_modules`);
  return readPackageJson(dir).version;
}

/** The duckdb-wasm version Framework pins (DUCKDB_WASM_VERSION in its dist/duckdb.js). */
export function frameworkDuckDBWasmVersion(projectDir = PROJECT_DIR): string {
  const frameworkDir = findPackageDir("@observablehq/framework", projectDir);
  if (!frameworkDir) throw new Error("offline cache: @observablehq/framework is not installed");
  const source = readFileSync(join(frameworkDir, "dist", "duckdb.js"), "utf8");
  const match = /DUCKDB_WASM_VERSION\s*=\s*"([^"]+)"/.exec(source);
  if (!match) throw new Error("offline cache: cannot find DUCKDB_WASM_VERSION in Framework's dist/duckdb.js");
  return match[1];
}

/**
 * Every package name Framework's client code refers to with an `npm:` specifier, minus the
 * built-ins it serves itself (`npm:@observablehq/duckdb` etc., resolvers.js `builtins`).
 */
export function clientNpmNames(projectDir = PROJECT_DIR): string[] {
  const frameworkDir = findPackageDir("@observablehq/framework", projectDir);
  if (!frameworkDir) throw new Error("offline cache: @observablehq/framework is not installed");
  const dist = join(frameworkDir, "dist");
  const builtins = new Set<string>();
  const resolvers = readFileSync(join(dist, "resolvers.js"), "utf8");
  const builtinBlock = /const builtins = [^;]*?\[([\s\S]*?)\]\);/.exec(resolvers)?.[1] ?? "";
  for (const m of builtinBlock.matchAll(/\["npm:((?:@[\w.-]+\/)?[\w.-]+)"/g)) builtins.add(m[1]);
  const names = new Set<string>();
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) visit(path);
      else if (path.endsWith(".js")) {
        for (const m of readFileSync(path, "utf8").matchAll(/["'`]npm:((?:@[\w.-]+\/)?[\w.-]+)/g)) {
          if (!builtins.has(m[1])) names.add(m[1]); // the character class stops before any @range
        }
      }
    }
  };
  visit(join(dist, "client"));
  return [...names].sort();
}

function lockfileHash(projectDir: string): string {
  const hash = createHash("sha256");
  for (const file of ["package-lock.json", "package.json"]) {
    const path = join(projectDir, file);
    if (existsSync(path)) hash.update(file).update(readFileSync(path));
  }
  return hash.digest("hex");
}

function cachePathOf(npmDir: string, name: string, version: string, file = "_esm.js"): string {
  return join(npmDir, `${name}@${version}`, file);
}

/** Removes `_npm/NAME@*` folders other than `keep` (a stale higher version would win resolution). */
async function removeOtherVersions(npmDir: string, name: string, keep: string): Promise<void> {
  const scope = name.startsWith("@") ? name.slice(0, name.indexOf("/")) : undefined;
  const base = scope ? name.slice(scope.length + 1) : name;
  const dir = scope ? join(npmDir, scope) : npmDir;
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.startsWith(`${base}@`) && entry !== `${base}@${keep}`) {
      await rm(join(dir, entry), {recursive: true, force: true});
    }
  }
}

async function linkOrCopy(source: string, target: string): Promise<void> {
  await mkdir(dirname(target), {recursive: true});
  await rm(target, {force: true});
  try {
    await link(source, target);
  } catch {
    await copyFile(source, target);
  }
}

/**
 * Ensures the Framework npm cache under `<root>/.observablehq/cache/_npm` holds everything the
 * pages may import, built from node_modules. Idempotent: when the stamp (hash of package-lock.json,
 * package.json, the package list and this module's format) matches and the files exist, it returns
 * at once without writing.
 */
export async function prepareOfflineCache(root: string, options: PrepareOfflineCacheOptions = {}): Promise<OfflineCacheResult> {
  const start = performance.now();
  const projectDir = resolve(options.projectDir ?? PROJECT_DIR);
  const log = options.log ?? (() => {});
  const cacheDir = frameworkCacheDir(root);
  const npmDir = join(cacheDir, "_npm");
  const stampPath = join(cacheDir, STAMP_PATH);
  const packages = [...OFFLINE_PACKAGES, ...(options.extraPackages ?? [])];

  const frameworkVersion = installedVersion("@observablehq/framework", projectDir);
  const key = createHash("sha256")
    .update(JSON.stringify({CACHE_FORMAT, frameworkVersion, packages, lock: lockfileHash(projectDir)}))
    .digest("hex");

  if (!options.force && existsSync(stampPath)) {
    try {
      const stamp = JSON.parse(readFileSync(stampPath, "utf8")) as Stamp;
      const complete =
        stamp.key === key &&
        packages.every(({name, files = []}) => {
          const version = stamp.packages[name];
          return (
            version !== undefined &&
            existsSync(cachePathOf(npmDir, name, version)) &&
            files.every((f) => existsSync(cachePathOf(npmDir, name, version, f)))
          );
        }) &&
        stamp.placeholders.every((name) => existsSync(join(npmDir, `${name}@${PLACEHOLDER_VERSION}`)));
      if (complete) {
        return {npmDir, filled: false, packages: stamp.packages, placeholders: stamp.placeholders, elapsedMs: performance.now() - start};
      }
    } catch {
      // unreadable stamp: refill
    }
  }

  const duckdbPinned = frameworkDuckDBWasmVersion(projectDir);
  const duckdbInstalled = installedVersion("@duckdb/duckdb-wasm", projectDir);
  if (duckdbPinned !== duckdbInstalled) {
    throw new Error(
      `offline cache: Framework loads @duckdb/duckdb-wasm ${duckdbPinned} but ${duckdbInstalled} is installed; ` +
        `depend on "@duckdb/duckdb-wasm": "${duckdbPinned}" exactly`
    );
  }

  const {build} = await import("esbuild");
  const versions: Record<string, string> = {};
  const dirs: Record<string, string> = {};
  for (const {name} of packages) {
    const dir = findPackageDir(name, projectDir);
    if (!dir) throw new Error(`offline cache: ${name} is not installed (npm install it; it is needed offline)`);
    dirs[name] = dir;
    versions[name] = readPackageJson(dir).version;
  }

  await mkdir(npmDir, {recursive: true});
  for (const {name, shared = [], files = []} of packages) {
    const version = versions[name];
    const outFile = cachePathOf(npmDir, name, version);
    // Shared dependencies: import from their cache folder when the copy this package resolves is the
    // one cached; otherwise inline (correct, just larger).
    const externals = new Map<string, string>();
    for (const dep of shared) {
      const depDir = findPackageDir(dep, dirs[name]);
      if (depDir && versions[dep] !== undefined && readPackageJson(depDir).version === versions[dep]) {
        externals.set(dep, relative(dirname(outFile), cachePathOf(npmDir, dep, versions[dep])).split("\\").join("/"));
      } else {
        log(`offline cache: ${name} resolves a different ${dep}; inlining it`);
      }
    }
    const result = await build({
      entryPoints: [name],
      absWorkingDir: dirs[name],
      nodePaths: [join(projectDir, "node_modules")],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022", // Framework parses cached modules with acorn ecmaVersion 13 (ES2022)
      minify: true,
      legalComments: "none",
      write: false,
      logLevel: "silent",
      plugins: [
        {
          name: "vmmbench-shared-npm",
          setup(b) {
            b.onResolve({filter: /^[^./]/}, (args) => {
              const target = externals.get(args.path);
              if (target === undefined) return undefined;
              return {path: target.startsWith(".") ? target : `./${target}`, external: true};
            });
          }
        }
      ]
    });
    await removeOtherVersions(npmDir, name, version);
    await mkdir(dirname(outFile), {recursive: true});
    await writeFile(outFile, result.outputFiles[0].contents);
    await copyFile(join(dirs[name], "package.json"), cachePathOf(npmDir, name, version, "package.json"));
    for (const file of files) {
      const source = join(dirs[name], file);
      if (!existsSync(source)) throw new Error(`offline cache: ${name} lacks ${file}`);
      await linkOrCopy(source, cachePathOf(npmDir, name, version, file));
    }
    log(`offline cache: ${name}@${version} (${(result.outputFiles[0].contents.length / 1024).toFixed(0)} kB${files.length ? ` + ${files.length} files` : ""})`);
  }

  const placeholders = clientNpmNames(projectDir).filter((name) => versions[name] === undefined);
  for (const name of placeholders) {
    await removeOtherVersions(npmDir, name, PLACEHOLDER_VERSION);
    await mkdir(join(npmDir, `${name}@${PLACEHOLDER_VERSION}`), {recursive: true});
  }

  const stamp: Stamp = {key, packages: versions, placeholders};
  await mkdir(dirname(stampPath), {recursive: true});
  await writeFile(stampPath, JSON.stringify(stamp, null, 2) + "\n");
  return {npmDir, filled: true, packages: versions, placeholders, elapsedMs: performance.now() - start};
}
