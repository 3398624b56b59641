/**
 * Where a site build happens, so that it can fail without harm and never touches what it does not
 * own: a folder beside the output (`.<name>.build-XXXXXX`, same file system, so the finished site
 * is renamed into place) holding
 *  - root/: the site's sources as symbolic links, with its own Framework cache. Framework keeps data
 *    loader outputs in `<root>/.observablehq/cache`; building from the project's own src/ left a
 *    test database's numbers there for the next `site preview`. Only the npm cache (filled from
 *    node_modules, keyed by version) is shared, by a link.
 *  - out/: Framework's output, swapped in for the old output only when the build succeeded; a
 *    failed build leaves the last good site as it was.
 * A workspace names its owner (pid, start time); one whose builder died is removed by the next build.
 */
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync} from "node:fs";
import {basename, dirname, join} from "node:path";
import {alive, bootId, processStart} from "../campaign/reaper.mjs";
import {SiteBuildError} from "./errors.ts";
import {frameworkCacheDir} from "./offline-cache.ts";

const OWNER = "owner.json";

export class BuildWorkspace {
  private constructor(readonly dir: string) {}

  /** A new workspace beside `output`, after removing those of builds that died. */
  static create(output: string): BuildWorkspace {
    const parent = dirname(output);
    mkdirSync(parent, {recursive: true});
    sweepWorkspaces(output);
    const dir = mkdtempSync(join(parent, `${prefix(output)}`));
    writeFileSync(join(dir, OWNER), JSON.stringify({pid: process.pid, start: processStart(process.pid), boot: bootId()}));
    return new BuildWorkspace(dir);
  }

  get root(): string {
    return join(this.dir, "root");
  }

  get out(): string {
    return join(this.dir, "out");
  }

  /** Links every entry of `source` into root/ and gives it a Framework cache that shares only the npm folder. */
  stageRoot(source: string): string {
    mkdirSync(this.root);
    for (const entry of readdirSync(source)) {
      if (entry === ".observablehq") continue;
      symlinkSync(join(source, entry), join(this.root, entry));
    }
    const cache = frameworkCacheDir(this.root);
    mkdirSync(cache, {recursive: true});
    const npm = join(frameworkCacheDir(source), "_npm");
    if (existsSync(npm)) symlinkSync(npm, join(cache, "_npm"));
    return this.root;
  }

  /** Puts the finished site at `output`: the old one is moved aside first and removed with the workspace. */
  swapInto(output: string): void {
    const previous = join(this.dir, "previous");
    if (existsSync(output)) {
      if (!statSync(output).isDirectory()) throw new SiteBuildError(`${output} exists and is not a folder: not replacing it with the site`, "", []);
      renameSync(output, previous);
    }
    try {
      renameSync(this.out, output);
    } catch (error) {
      if (existsSync(previous)) renameSync(previous, output);
      throw error;
    }
  }

  remove(): void {
    rmSync(this.dir, {recursive: true, force: true});
  }
}

/**
 * The swap replaces whatever is at `output`: a folder that holds something other than a report built
 * before (no `_observablehq/`) is refused rather than thrown away.
 */
export function refuseForeignOutput(output: string): void {
  if (!existsSync(output) || !statSync(output).isDirectory()) return;
  const entries = readdirSync(output);
  if (entries.length > 0 && !entries.includes("_observablehq")) throw new SiteBuildError(`${output} is not empty and holds no report built before (no _observablehq/): refusing to replace it; give an empty or new folder`, "", []);
}

/** Removes the workspaces beside `output` whose builder no longer runs (a build killed mid-way). */
export function sweepWorkspaces(output: string): number {
  const parent = dirname(output);
  if (!existsSync(parent)) return 0;
  let removed = 0;
  for (const entry of readdirSync(parent)) {
    if (!entry.startsWith(prefix(output))) continue;
    const dir = join(parent, entry);
    let owner;
    try {
      owner = JSON.parse(readFileSync(join(dir, OWNER), "utf8"));
    } catch {
      // Created a moment ago and not yet named, or not a workspace: leave it unless it is old.
      if (Date.now() - statSync(dir).mtimeMs < 60_000) continue;
    }
    if (owner && alive(owner)) continue;
    rmSync(dir, {recursive: true, force: true});
    removed++;
  }
  return removed;
}

function prefix(output: string): string {
  return `.${basename(output)}.build-`;
}
