/**
 * Offline report build and render costs, on the probe site of test/site (Plot-only page vs a page
 * that waits for DuckDB-wasm before its first chart).
 * Usage: npx tsx bench/site-offline.ts [--runs N] [--dist DIR]
 *   --dist DIR  also time first paint of every page of an existing build (e.g. dist/ of the report)
 */
import {mkdtemp, rm} from "node:fs/promises";
import {readdirSync, statSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {buildSite} from "../data-loaders/site/build.ts";
import {HAVE_CHROMIUM, openBrowser, serveDist} from "../test/helpers/browser.ts";
import {PROBE_PAGES, writeProbeSite} from "../test/site/probe-site.ts";

function dirSize(dir: string): number {
  let size = 0;
  for (const e of readdirSync(dir, {withFileTypes: true})) size += e.isDirectory() ? dirSize(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return size;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function firstChart(dist: string, pages: [string, string][], runs: number): Promise<void> {
  if (!HAVE_CHROMIUM) return void console.log("chromium absent: render timings skipped");
  const server = await serveDist(dist);
  const session = await openBrowser();
  try {
    for (const [path, selector] of pages) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const tracked = await session.newPage();
        times.push(await tracked.gotoAndWait(server.origin + path, selector, {timeout: 120_000}));
        const errors = [...(await tracked.cellErrors()), ...tracked.consoleErrors, ...tracked.externalRequests()];
        if (errors.length) console.log(`  ${path}: ${errors.join("; ")}`);
        await tracked.page.close();
      }
      console.log(`first chart ${path.padEnd(12)} median ${median(times).toFixed(0)} ms  (${times.map((t) => t.toFixed(0)).join(", ")})`);
    }
  } finally {
    await session.close();
    await server.close();
  }
}

async function main(): Promise<void> {
  const runsIdx = process.argv.indexOf("--runs");
  const runs = runsIdx > 0 ? Number(process.argv[runsIdx + 1]) : 3;
  const distIdx = process.argv.indexOf("--dist");
  const dir = await mkdtemp(join(tmpdir(), "vmmbench-bench-site-"));
  try {
    const config = await writeProbeSite(dir);
    const cold = await buildSite({cwd: dir, config, echo: false});
    console.log(`build (cold npm cache): ${(cold.elapsedMs / 1000).toFixed(1)} s, cache fill ${cold.cache.elapsedMs.toFixed(0)} ms`);
    const warm = await buildSite({cwd: dir, config, echo: false});
    console.log(`build (warm npm cache): ${(warm.elapsedMs / 1000).toFixed(1)} s (observable build ${(warm.frameworkMs / 1000).toFixed(1)} s)`);
    console.log(`dist: ${(dirSize(warm.output) / 1e6).toFixed(1)} MB (DuckDB-wasm: ${(dirSize(join(warm.output, "_npm", "@duckdb")) / 1e6).toFixed(1)} MB)`);
    await firstChart(warm.output, [[PROBE_PAGES.plot, "#plot-chart svg"], [PROBE_PAGES.duckdb, "#duck-chart svg"]], runs);
    if (distIdx > 0) {
      const dist = process.argv[distIdx + 1];
      const pages = readdirSync(dist).filter((f) => f.endsWith(".html") && f !== "404.html").map((f): [string, string] => [`/${f.replace(/(index)?\.html$/, "")}`, "#observablehq-main svg, #observablehq-main figure"]);
      await firstChart(dist, pages, runs);
    }
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
}

await main();
