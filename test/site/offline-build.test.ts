/**
 * The report builds and renders with no network: a probe site (Plot, Inputs, d3, htl, arquero, an
 * Arrow file, DuckDB-wasm through `sql` front matter and DuckDBClient.of, a data loader) is built
 * in a temporary directory with the same offline config helper and build function as the real
 * report, served from 127.0.0.1 and opened in headless Chromium.
 */
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {existsSync, readFileSync, readdirSync, statSync} from "node:fs";
import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {buildSite, clearLoaderCache, SiteBuildError, type BuildSiteResult} from "../../data-loaders/site/build.ts";
import {frameworkCacheDir, prepareOfflineCache} from "../../data-loaders/site/offline-cache.ts";
import {HAVE_CHROMIUM, openBrowser, serveDist, type BrowserSession, type StaticServer, type TrackedPage} from "../helpers/browser.ts";
import {PROBE_PAGES, writeProbeSite} from "./probe-site.ts";

function dirSize(dir: string): number {
  let size = 0;
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name);
    size += entry.isDirectory() ? dirSize(path) : statSync(path).size;
  }
  return size;
}

function readStamp(dist: string): string {
  const dir = join(dist, "_file", "data");
  const file = readdirSync(dir).find((f) => /^stamp\.[0-9a-f]+\.json$/.test(f));
  if (!file) throw new Error(`no stamp.json in ${dir}`);
  return JSON.parse(readFileSync(join(dir, file), "utf8")).stamp;
}

describe("offline site build", () => {
  let dir: string;
  let config: string;
  let first: BuildSiteResult;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vmmbench-site-"));
    config = await writeProbeSite(dir);
    first = await buildSite({cwd: dir, config, echo: false});
    console.log(
      `[site] probe build ${(first.elapsedMs / 1000).toFixed(1)} s (observable build ${(first.frameworkMs / 1000).toFixed(1)} s, ` +
        `offline cache ${first.cache.filled ? "filled" : "current"} in ${first.cache.elapsedMs.toFixed(0)} ms), ` +
        `dist ${(dirSize(first.output) / 1e6).toFixed(1)} MB`
    );
  });

  afterAll(async () => {
    if (dir) await rm(dir, {recursive: true, force: true});
  });

  it("builds with the network blocked, from node_modules only", () => {
    const dist = first.output;
    expect(existsSync(join(dist, "index.html"))).toBe(true);
    expect(existsSync(join(dist, "duck.html"))).toBe(true);
    expect(first.cache.packages["@duckdb/duckdb-wasm"]).toBe("1.29.0");
    const duckdbDist = join(dist, "_npm", "@duckdb", "duckdb-wasm@1.29.0", "dist");
    expect(readdirSync(duckdbDist).filter((f) => f.endsWith(".wasm")).sort()).toEqual(["duckdb-eh.wasm", "duckdb-mvp.wasm"]);
    // No remote URL in the pages (fonts, CDN modules, DuckDB extensions).
    for (const page of ["index.html", "duck.html"]) {
      const html = readFileSync(join(dist, page), "utf8");
      expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[a-z0-9.-]+\.[a-z]{2,}\//i);
    }
    // A page listed in the config that does not exist is left out rather than failing the build.
    expect(existsSync(join(dist, "missing.html"))).toBe(false);
  });

  it("is idempotent: a second prepareOfflineCache writes nothing", async () => {
    const again = await prepareOfflineCache(join(dir, "src"));
    expect(again.filled).toBe(false);
    expect(again.elapsedMs).toBeLessThan(1000);
  });

  it("runs the data loaders on every build, in a workspace that writes nothing into the sources' cache", async () => {
    const before = readStamp(first.output);
    await new Promise((r) => setTimeout(r, 5)); // the stamp is Date.now()
    const second = await buildSite({cwd: dir, config, echo: false});
    expect(readStamp(second.output)).not.toBe(before);
    expect(readdirSync(frameworkCacheDir(join(dir, "src"))).sort()).toEqual(["_npm", "_vmmbench"]);
    expect(readdirSync(dir).filter((name) => name.startsWith(".dist.build-"))).toEqual([]);
    // clearLoaderCache (site preview) keeps the npm cache.
    await clearLoaderCache(join(dir, "src"));
    expect(existsSync(join(frameworkCacheDir(join(dir, "src")), "_npm"))).toBe(true);
  });

  it("keeps the last good site when a build fails, and says why in one line", async () => {
    const loader = join(dir, "src", "data", "stamp.json.js");
    const good = readFileSync(loader, "utf8");
    const before = readStamp(first.output);
    await writeFile(loader, 'console.error("Error: the stamp server is down"); process.exit(3);\n');
    try {
      const error = await buildSite({cwd: dir, config, echo: false}).catch((e) => e);
      expect(error).toBeInstanceOf(SiteBuildError);
      expect((error as Error).message).toMatch(/^site build failed, \S+dist left as it was: the data loader of \/data\/stamp\.json failed: the stamp server is down \(Framework's output: \S+dist\.build-failed\.log\)$/);
      expect(readFileSync(join(dir, "dist.build-failed.log"), "utf8")).toContain("the stamp server is down");
      expect((error as Error).message).not.toContain("\n");
      expect(readStamp(first.output)).toBe(before);
      expect(existsSync(join(first.output, "index.html"))).toBe(true);
      expect(readdirSync(dir).filter((name) => name.startsWith(".dist.build-"))).toEqual([]);
    } finally {
      await writeFile(loader, good);
    }
  });

  describe.skipIf(!HAVE_CHROMIUM)("in headless Chromium from 127.0.0.1", () => {
    let server: StaticServer;
    let session: BrowserSession;

    beforeAll(async () => {
      server = await serveDist(first.output);
      session = await openBrowser();
    });

    afterAll(async () => {
      await session?.close();
      await server?.close();
    });

    async function expectClean(tracked: TrackedPage) {
      expect(await tracked.cellErrors()).toEqual([]);
      expect(tracked.consoleErrors).toEqual([]);
      // Chromium cancels a preloaded file it then fetches again (net::ERR_ABORTED) when the page is slow to start:
      // that is not a failure to load, so only other network errors count.
      expect(tracked.failedRequests.filter((r) => !r.endsWith("(net::ERR_ABORTED)"))).toEqual([]);
      expect(tracked.badResponses).toEqual([]);
      expect(tracked.externalRequests()).toEqual([]);
      expect(tracked.requests.length).toBeGreaterThan(3);
    }

    it("renders the Plot + Inputs page", async () => {
      const tracked = await session.newPage();
      const ms = await tracked.gotoAndWait(server.origin + PROBE_PAGES.plot, "#plot-chart svg");
      await tracked.page.waitForSelector("#stamp", {timeout: 30_000});
      await tracked.page.waitForLoadState("networkidle");
      console.log(`[site] Plot-only page: first chart after ${ms.toFixed(0)} ms`);
      expect(await tracked.page.locator("form input[type=range]").count()).toBeGreaterThan(0);
      expect(await tracked.page.textContent("#stamp")).toMatch(/loader stamp: \d+/);
      // Links keep their extension (preserveExtension), so any static server finds duck.html.
      expect(await tracked.page.locator('#observablehq-sidebar a[href="./duck.html"]').count()).toBe(1);
      await expectClean(tracked);
      await tracked.page.close();
    });

    it("renders the DuckDB-wasm page (sql front matter over an Arrow file, DuckDBClient.of, arquero)", async () => {
      const tracked = await session.newPage();
      const ms = await tracked.gotoAndWait(server.origin + PROBE_PAGES.duckdb, "#duck-chart svg", {timeout: 90_000});
      await tracked.page.waitForSelector("#duck-count", {timeout: 60_000});
      await tracked.page.waitForLoadState("networkidle");
      console.log(`[site] DuckDB page: first chart after ${ms.toFixed(0)} ms`);
      expect(await tracked.page.textContent("#duck-count")).toBe("duckdb rows: 400; arquero groups: 4");
      expect(await tracked.page.locator("#duck-chart svg rect").count()).toBeGreaterThanOrEqual(4);
      expect(tracked.requests.some((url) => /duckdb-(eh|mvp)\.wasm$/.test(url))).toBe(true);
      await expectClean(tracked);
      await tracked.page.close();
    });

    it("records requests that would leave the machine", async () => {
      const tracked = await session.newPage();
      await tracked.page.goto(server.origin + PROBE_PAGES.plot, {waitUntil: "commit"});
      await tracked.page.evaluate(() => fetch("https://cdn.jsdelivr.net/npm/d3/+esm").catch(() => null));
      expect(tracked.externalRequests()).toEqual(["https://cdn.jsdelivr.net/npm/d3/+esm"]);
      expect(tracked.failedRequests.some((f) => f.startsWith("https://cdn.jsdelivr.net/"))).toBe(true);
      await tracked.page.close();
    });
  });
});

describe("offline build guard", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vmmbench-leak-"));
  });

  afterAll(async () => {
    if (dir) await rm(dir, {recursive: true, force: true});
  });

  async function site(name: string, files: Record<string, string>): Promise<{cwd: string; config: string}> {
    const cwd = join(dir, name);
    const {mkdir} = await import("node:fs/promises");
    for (const [path, body] of Object.entries(files)) {
      await mkdir(join(cwd, "src", path, ".."), {recursive: true});
      await writeFile(join(cwd, "src", path), body);
    }
    const {offlineFrameworkConfig} = await import("../../data-loaders/site/framework-config.ts");
    const config = join(cwd, "observablehq.config.js");
    await writeFile(config, `export default ${JSON.stringify(offlineFrameworkConfig({baseDir: cwd, pages: []}))};\n`);
    return {cwd, config};
  }

  it("fails the build when a page needs a module that is not available offline", async () => {
    const {cwd, config} = await site("module", {"index.md": "```js\ndisplay(_.chunk([1, 2, 3, 4], 2));\n```\n"});
    const error = await buildSite({cwd, config, echo: false}).catch((e) => e);
    expect(error).toBeInstanceOf(SiteBuildError);
    expect((error as SiteBuildError).refused.join("\n")).toMatch(/cdn\.jsdelivr\.net.*lodash/);
  });

  it("fails the build when a data loader reaches for the network", async () => {
    const {cwd, config} = await site("loader", {
      "index.md": '```js\ndisplay(await FileAttachment("leak.json").json());\n```\n',
      "leak.json.js": 'const r = await fetch("https://example.com/data.json");\nprocess.stdout.write(await r.text());\n'
    });
    const error = await buildSite({cwd, config, echo: false}).catch((e) => e);
    expect(error).toBeInstanceOf(SiteBuildError);
    expect((error as SiteBuildError).refused.join("\n")).toContain("https://example.com/data.json");
  });
});
