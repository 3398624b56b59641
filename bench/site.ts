/**
 * The report's speed over 10^6 SYNTHETIC samples (bench/site-data.ts), in headless Chromium on
 * 127.0.0.1. Budgets: first chart visible ≤ 1.5 s, a filter change redrawn ≤ 100 ms, first page
 * ≤ 2 MB transferred.
 *
 * Usage: npx tsx bench/site.ts [--db /tmp/vmmbench-site-1m.duckdb] [--out DIR] [--samples 1000000] [--runs 5] [--skip-build]
 *   Generates the database when it does not exist, builds the site over it (into DIR, by default
 *   beside the database: never the project's dist/), then measures each page with a fresh
 *   browser context (nothing cached).
 */
import {execa} from "execa";
import {existsSync, readdirSync, statSync} from "node:fs";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {Store} from "../data-loaders/store/store.ts";
import {HAVE_CHROMIUM, openBrowser, serveDist} from "../test/helpers/browser.ts";
import {generateSiteData} from "./site-data.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const DB = opt("db", "/tmp/vmmbench-site-1m.duckdb");
const DIST = opt("out", `${DB}.dist`);
const SAMPLES = Number(opt("samples", "1000000"));
const RUNS = Number(opt("runs", "5"));

const PAGES = [
  {path: "/", first: "figure.report-figure svg", facet: "hypervisor", option: "qemu-tcg"},
  {path: "/linpack", first: "figure.report-figure svg", facet: "hypervisor", option: "qemu-tcg"},
  {path: "/lmbench", first: ".paper-table table tbody tr, figure.report-figure svg", facet: "hypervisor", option: "qemu-tcg"},
  {path: "/iozone", first: "figure.report-figure svg", facet: "hypervisor", option: "qemu-tcg"}
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const max = (xs: number[]) => Math.max(...xs);
const dirSize = (dir: string): number => readdirSync(dir, {withFileTypes: true}).reduce((s, e) => s + (e.isDirectory() ? dirSize(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);

async function main(): Promise<void> {
  if (!existsSync(DB)) {
    const t = performance.now();
    const store = await Store.open(DB);
    try {
      const r = await generateSiteData(store, {samples: SAMPLES, runs: 2});
      console.log(`generated ${r.samples} SYNTHETIC samples (${r.groups} groups) into ${DB} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    } finally {
      store.close();
    }
  }
  const samples = await (async () => {
    const store = await Store.open(DB);
    try {
      return Number((await store.query("SELECT count(*) AS n FROM results"))[0].n);
    } finally {
      store.close();
    }
  })();
  if (!args.includes("--skip-build")) {
    const t = performance.now();
    await execa("node", [join(ROOT, "bin", "vmmbench.js"), "site", "build", "--db", DB, "--out", DIST], {cwd: ROOT});
    console.log(`site build over ${samples.toLocaleString("en-US")} samples (loaders re-run, report cache cold or warm): ${((performance.now() - t) / 1000).toFixed(1)} s; dist ${(dirSize(DIST) / 1e6).toFixed(1)} MB`);
  }
  if (!HAVE_CHROMIUM) return void console.log("chromium absent: browser timings skipped");

  const server = await serveDist(DIST);
  const session = await openBrowser();
  const rows: string[] = [];
  let ok = true;
  try {
    for (const p of PAGES) {
      const first: number[] = [];
      const bytes: number[] = [];
      const redrawFirst: number[] = [];
      const redrawAll: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const context = await session.browser.newContext({serviceWorkers: "block"});
        await context.route((url) => !/^https?:\/\/127\.0\.0\.1[:/]/.test(url.href) && !/^(data|blob):/.test(url.href), (r) => r.abort());
        const page = await context.newPage();
        await page.setViewportSize({width: 1280, height: 900});
        const cdp = await context.newCDPSession(page);
        await cdp.send("Network.enable");
        let transferred = 0;
        cdp.on("Network.loadingFinished", (e: {encodedDataLength: number}) => (transferred += e.encodedDataLength));
        await page.goto(server.origin + p.path, {waitUntil: "commit"});
        await page.waitForSelector(p.first, {state: "visible", timeout: 60_000});
        first.push(await page.evaluate(() => performance.now()));
        await page.waitForLoadState("networkidle");
        bytes.push(transferred);
        // Filter change: untick one option and time until the page's DOM stops changing.
        for (let k = 0; k < 3; k++) {
          const t = await page.evaluate(
            async ({facet, option}) => {
              const main = document.querySelector("#observablehq-main") ?? document.body;
              const label = [...document.querySelectorAll(`[data-facet="${facet}"] label`)].find((l) => l.textContent?.trim() === option);
              const input = label?.querySelector("input");
              if (!input) throw new Error(`no ${facet} option ${option}`);
              let firstAt = -1;
              let lastAt = -1;
              const mo = new MutationObserver(() => {
                const now = performance.now();
                if (firstAt < 0) firstAt = now;
                lastAt = now;
              });
              mo.observe(main, {childList: true, subtree: true, attributes: true, characterData: true});
              const start = performance.now();
              input.click();
              // settle: no mutation for 300 ms (then paint)
              for (;;) {
                await new Promise((r) => setTimeout(r, 50));
                if (lastAt > 0 && performance.now() - lastAt > 300) break;
                if (performance.now() - start > 5000) break;
              }
              await new Promise((r) => requestAnimationFrame(() => r(null)));
              mo.disconnect();
              return {first: firstAt - start, all: lastAt - start};
            },
            {facet: p.facet, option: p.option}
          );
          redrawFirst.push(t.first);
          redrawAll.push(t.all);
        }
        await context.close();
      }
      const line = `${p.path.padEnd(9)} first chart visible median ${median(first).toFixed(0)} ms (max ${max(first).toFixed(0)}) | transferred ${(median(bytes) / 1e6).toFixed(2)} MB | filter change: first redraw ${median(redrawFirst).toFixed(0)} ms, page settled ${median(redrawAll).toFixed(0)} ms (max ${max(redrawAll).toFixed(0)})`;
      rows.push(line);
      console.log(line);
      if (median(first) > 1500 || median(redrawAll) > 100 || (p.path === "/" && median(bytes) > 2e6)) ok = false;
    }
    // Explore is allowed to be heavy (duckdb-wasm + every sample); report it.
    const tracked = await session.newPage();
    const t = await tracked.gotoAndWait(`${server.origin}/explore`, ".result-count", {timeout: 120_000});
    console.log(`/explore  ready (duckdb-wasm + ${samples.toLocaleString("en-US")} samples loaded, default query run) ${t.toFixed(0)} ms`);
    await tracked.page.close();
  } finally {
    await session.close();
    await server.close();
  }
  console.log(ok ? "within budget: first chart ≤ 1500 ms, redraw ≤ 100 ms, first page ≤ 2 MB" : "OVER BUDGET (see above)");
}

await main();
