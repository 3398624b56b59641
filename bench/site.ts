/**
 * The report's speed over 10^6 SYNTHETIC samples (bench/site-data.ts), in headless Chromium on
 * 127.0.0.1, served the README's way (python3 -m http.server, no compression). Budgets (issue 13):
 * first chart visible ≤ 1 s on every page, a filter change redrawn ≤ 100 ms, first page ≤ 1 MB
 * transferred, Explore's first paint ≤ 1 s with DuckDB-wasm loading only on the first query.
 * Every figure is the median of --runs cold loads (a fresh browser context each, nothing cached).
 *
 * Usage: npx tsx bench/site.ts [--db /tmp/vmmbench-site-1m.duckdb] [--out DIR] [--samples 1000000] [--runs 5] [--skip-build] [--baseline OTHER_DIST]
 *   Generates the database when it does not exist, builds the site over it (into DIR, by default
 *   beside the database: never the project's dist/), then measures each page with a fresh
 *   browser context (nothing cached).
 */
import {execa} from "execa";
import {existsSync, readdirSync, statSync} from "node:fs";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {Store} from "../data-loaders/store/store.ts";
import {HAVE_CHROMIUM, openBrowser, type BrowserSession} from "../test/helpers/browser.ts";
import {servePython} from "../test/site/python-server.ts";
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
/** Another built report (e.g. main's dist/, built over the same database) measured alternately beside ours. */
const BASELINE = opt("baseline", "");

// The hypervisor facet's label for qemu-tcg (hypervisors.js), or its id in reports built before it.
const OPTIONS = ["QEMU TCG (emulated)", "qemu-tcg"];
const PAGES = [
  {path: "/", first: "figure.report-figure svg", facet: "hypervisor", options: OPTIONS},
  {path: "/linpack.html", first: "figure.report-figure svg", facet: "hypervisor", options: OPTIONS},
  {path: "/lmbench.html", first: ".paper-table table tbody tr, figure.report-figure svg", facet: "hypervisor", options: OPTIONS},
  {path: "/iozone.html", first: "figure.report-figure svg", facet: "hypervisor", options: OPTIONS}
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const max = (xs: number[]) => Math.max(...xs);
const dirSize = (dir: string): number => readdirSync(dir, {withFileTypes: true}).reduce((s, e) => s + (e.isDirectory() ? dirSize(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);

/** A page in a fresh browser context (nothing cached) that counts the bytes transferred and every request. */
async function coldPage(session: BrowserSession) {
  const context = await session.browser.newContext({serviceWorkers: "block"});
  await context.route((url) => !/^https?:\/\/127\.0\.0\.1[:/]/.test(url.href) && !/^(data|blob):/.test(url.href), (r) => r.abort());
  const page = await context.newPage();
  await page.setViewportSize({width: 1280, height: 900});
  const requests: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("worker", (w) => requests.push(w.url()));
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  let bytes = 0;
  cdp.on("Network.loadingFinished", (e: {encodedDataLength: number}) => (bytes += e.encodedDataLength));
  return {context, page, requests, transferred: () => bytes};
}

interface Load {
  first: number;
  bytes: number;
  redrawFirst: number[];
  redrawAll: number[];
}

/** One cold load of a page: until its first chart is visible, its bytes, then 3 filter changes timed until the DOM settles. */
async function coldLoad(session: BrowserSession, origin: string, p: (typeof PAGES)[number]): Promise<Load> {
  const {context, page, transferred} = await coldPage(session);
  await page.goto(origin + p.path, {waitUntil: "commit"});
  await page.waitForSelector(p.first, {state: "visible", timeout: 60_000});
  const first = await page.evaluate(() => performance.now());
  await page.waitForLoadState("networkidle");
  const bytes = transferred();
  const redrawFirst: number[] = [];
  const redrawAll: number[] = [];
  for (let k = 0; k < 3; k++) {
    const t = await page.evaluate(
      async ({facet, options}) => {
        const main = document.querySelector("#observablehq-main") ?? document.body;
        const label = [...document.querySelectorAll(`[data-facet="${facet}"] label`)].find((l) => options.includes(l.textContent?.trim() ?? ""));
        const input = label?.querySelector("input");
        if (!input) throw new Error(`no ${facet} option ${options.join(" or ")}`);
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
      {facet: p.facet, options: p.options}
    );
    redrawFirst.push(t.first);
    redrawAll.push(t.all);
  }
  await context.close();
  return {first, bytes, redrawFirst, redrawAll};
}

function summarise(loads: Load[]) {
  const all = loads.flatMap((l) => l.redrawAll);
  return {
    first: median(loads.map((l) => l.first)),
    firstMax: max(loads.map((l) => l.first)),
    bytes: median(loads.map((l) => l.bytes)),
    redraws: all.length,
    redrawFirst: median(loads.flatMap((l) => l.redrawFirst)),
    redrawAll: median(all),
    redrawMax: max(all)
  };
}

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

  const server = await servePython(DIST);
  const baseline = BASELINE ? await servePython(BASELINE) : null;
  const session = await openBrowser();
  const rows: string[] = [];
  let ok = true;
  try {
    for (const p of PAGES) {
      const ours: Load[] = [];
      const theirs: Load[] = [];
      // Alternated, so a busy machine slows both sides alike.
      for (let i = 0; i < RUNS; i++) {
        ours.push(await coldLoad(session, server.origin, p));
        if (baseline) theirs.push(await coldLoad(session, baseline.origin, p));
      }
      const m = summarise(ours);
      const line = `${p.path.padEnd(14)} ${RUNS} cold loads: first chart visible median ${m.first.toFixed(0)} ms (max ${m.firstMax.toFixed(0)}) | transferred median ${(m.bytes / 1e6).toFixed(2)} MB | filter change (${m.redraws}): first redraw median ${m.redrawFirst.toFixed(0)} ms, page settled median ${m.redrawAll.toFixed(0)} ms (max ${m.redrawMax.toFixed(0)})`;
      rows.push(line);
      console.log(line);
      if (baseline) {
        const b = summarise(theirs);
        console.log(`${"".padEnd(14)} baseline ${BASELINE}: first chart ${b.first.toFixed(0)} ms, transferred ${(b.bytes / 1e6).toFixed(2)} MB, settled ${b.redrawAll.toFixed(0)} ms | ours/baseline: first chart ×${(m.first / b.first).toFixed(2)}, bytes ×${(m.bytes / b.bytes).toFixed(2)}, settled ×${(m.redrawAll / b.redrawAll).toFixed(2)}`);
      }
      if (m.first > 1000 || m.redrawAll > 100 || m.bytes > 1e6) ok = false;
    }
    // Explore: the page paints without DuckDB; the first query loads DuckDB-wasm and every sample.
    const paint: number[] = [];
    const firstResult: number[] = [];
    const early: number[] = [];
    const exploreBytes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const {context, page, requests, transferred} = await coldPage(session);
      await page.goto(`${server.origin}/explore.html`, {waitUntil: "commit"});
      await page.waitForSelector("form.query-box textarea", {state: "visible", timeout: 60_000});
      paint.push(await page.evaluate(() => performance.now()));
      await page.waitForLoadState("networkidle");
      exploreBytes.push(transferred());
      early.push(requests.filter((u) => /duckdb|samples\.[0-9a-f]+\.arrow/.test(u)).length);
      const start = await page.evaluate(() => performance.now());
      await page.click("button.query-run");
      await page.waitForSelector(".result-count", {timeout: 180_000});
      firstResult.push((await page.evaluate(() => performance.now())) - start);
      await context.close();
    }
    console.log(`/explore.html   ${RUNS} cold loads: first paint median ${median(paint).toFixed(0)} ms (max ${max(paint).toFixed(0)}) | transferred before the first query median ${(median(exploreBytes) / 1e6).toFixed(2)} MB | DuckDB or sample requests before it: ${max(early)} | first query (DuckDB-wasm + ${samples.toLocaleString("en-US")} samples + default query) median ${median(firstResult).toFixed(0)} ms (max ${max(firstResult).toFixed(0)})`);
    if (median(paint) > 1000 || max(early) > 0) ok = false;
  } finally {
    await session.close();
    await server.close();
    await baseline?.close();
  }
  console.log(ok ? "within budget: first chart ≤ 1000 ms, redraw ≤ 100 ms, first page ≤ 1 MB, Explore paint ≤ 1000 ms with nothing of DuckDB loaded" : "OVER BUDGET (see above)");
}

await main();
