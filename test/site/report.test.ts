/**
 * The report's pages end to end in Chromium, over one SYNTHETIC fixture database (bench/site-data.ts:
 * native, kvm, xen-pv, qemu-tcg; 1/2 vCPUs; pass-through on/off; a 'run' and an 'ingest' run; an
 * environment whose label is HTML) plus the paper's reference numbers. The site is built once.
 */
import {DuckDBInstance} from "@duckdb/node-api";
import {mkdirSync, mkdtempSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {generateSiteData, XSS_LABEL} from "../../bench/site-data.ts";
import {Store} from "../../data-loaders/store/store.ts";
import {HAVE_CHROMIUM, openBrowser, serveDist, type BrowserSession, type StaticServer, type TrackedPage} from "../helpers/browser.ts";
import {servePython} from "./python-server.ts";
import {ROOT} from "../helpers/shared.ts";
import {buildReportInto} from "../helpers/site-build.ts";

const ARTIFACTS = join(ROOT, "test-artifacts");
const PAGES = [
  {path: "/", name: "overview", ready: "figure[data-chart=overhead] svg"},
  {path: "/linpack", name: "linpack", ready: "figure[data-chart=linpack-sweep] svg"},
  {path: "/lmbench", name: "lmbench", ready: ".paper-table table tbody tr"},
  {path: "/iozone", name: "iozone", ready: "figure[data-chart=iozone-bars] svg"},
  // No meters in the synthetic fixture: the page says so, and still lists the causes the claims name.
  {path: "/costs", name: "costs", ready: "#causes table"},
  {path: "/explore", name: "explore", ready: ".query-status"}
];

describe.skipIf(!HAVE_CHROMIUM)("the report in Chromium (synthetic fixture)", () => {
  let dir: string;
  let db: string;
  let dist: string;
  let server: StaticServer;
  let browser: BrowserSession;
  const dialogs: string[] = [];

  async function open(path: string, ready: string): Promise<TrackedPage> {
    const tracked = await browser.newPage();
    tracked.page.on("dialog", async (d) => {
      dialogs.push(d.message());
      await d.dismiss();
    });
    await tracked.page.setViewportSize({width: 1280, height: 900});
    await tracked.gotoAndWait(`${server.origin}${path}`, ready, {timeout: 120_000});
    return tracked;
  }

  async function count(sql: string): Promise<number> {
    const instance = await DuckDBInstance.create(db, {access_mode: "READ_ONLY"});
    const con = await instance.connect();
    try {
      return Number((await con.runAndReadAll(sql)).getRowsJS()[0][0]);
    } finally {
      con.closeSync();
      instance.closeSync();
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-report-"));
    db = join(dir, "report.duckdb");
    const store = await Store.open(db);
    try {
      await generateSiteData(store, {samples: 12_000, runs: 2, xss: true});
    } finally {
      store.close();
    }
    dist = await buildReportInto(dir, db);
    server = await serveDist(dist);
    browser = await openBrowser();
    mkdirSync(ARTIFACTS, {recursive: true});
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  it("renders every page with charts or tables, no error cell, no console error, nothing leaving 127.0.0.1", async () => {
    for (const p of PAGES) {
      const tracked = await open(p.path, p.ready);
      await tracked.page.waitForTimeout(300);
      await tracked.page.screenshot({path: join(ARTIFACTS, `${p.name}.png`), fullPage: true});
      expect(await tracked.cellErrors(), p.path).toEqual([]);
      expect(tracked.consoleErrors, p.path).toEqual([]);
      expect(tracked.externalRequests(), p.path).toEqual([]);
      expect(tracked.badResponses, p.path).toEqual([]);
      const figures = await tracked.page.$$eval("figure.report-figure svg", (n) => n.length);
      const tables = await tracked.page.$$eval("table", (n) => n.length);
      if (p.name === "explore") expect(await tracked.page.$$eval("form.query-box textarea", (n) => n.length)).toBe(1);
      else expect(figures + tables, p.path).toBeGreaterThan(0);
      // duckdb-wasm and the raw samples load on Explore's first query, never with a page.
      const heavy = tracked.requests.filter((u) => /duckdb|samples\.[0-9a-f]+\.arrow/.test(u));
      expect(heavy, p.path).toEqual([]);
      await tracked.page.close();
    }
    expect(dialogs).toEqual([]);
  });

  it("shows Tables 1 and 2 laid out as in the paper, with ratios, n and the direction", async () => {
    const tracked = await open("/lmbench", ".paper-table table tbody tr");
    const captions = await tracked.page.$$eval(".paper-table caption", (n) => n.map((c) => c.textContent));
    expect(captions).toEqual(expect.arrayContaining(["Table 1. System operations (µs, lower is better)", "Table 2. Context switch (µs, lower is better)"]));
    const t1 = await tracked.page.$$eval(".paper-table table", (tables) => [...tables[0].querySelectorAll("tbody tr")].map((tr) => tr.getAttribute("data-metric")));
    expect(t1).toEqual(["lat_syscall", "lat_stat", "lat_fstat", "lat_open_close", "lat_fork", "lat_exec", "lat_sh", "lat_sig_handler", "lat_pipe"]);
    const heads = await tracked.page.$$eval(".paper-table table:first-of-type thead th[data-column]", (ths) => ths.map((th) => th.getAttribute("data-environment")));
    expect(heads.slice(0, 3)).toEqual(["paper native F8", "paper F8 on Xen 3.1", "paper F8 on KVM-60"]);
    expect(heads).toContain("kvm-1cpu");
    // The paper's fork on KVM: 2200 / 88.73 = 24.79× native (no interval: three digits); ours carry an interval and n.
    const paperKvmFork = await tracked.page.$eval('.paper-table tr[data-metric="lat_fork"] td:nth-child(4) .ratio', (el) => el.textContent);
    expect(paperKvmFork).toBe("24.8×");
    const oursCell = await tracked.page.$eval('.paper-table tr[data-metric="lat_fork"]', (tr) => tr.querySelectorAll("td")[5].textContent ?? "");
    expect(oursCell).toMatch(/\d×\s*\[[\d.,]+–[\d.,]+\]/);
    expect(oursCell).toMatch(/n=\d+ ±\d+\.\d%/);
    expect(await tracked.page.textContent("figure[data-chart=memory-bandwidth] figcaption")).toContain("higher is better");
    await tracked.page.close();
  });

  it("each filter narrows what it should, and the URL state round-trips", async () => {
    const tracked = await open("/lmbench", ".paper-table table tbody tr");
    const page = tracked.page;
    const columns = () => page.$$eval(".paper-table table:first-of-type thead th[data-column]", (ths) => ths.map((th) => ({...(th as HTMLElement).dataset})));
    const all = await columns();
    const cases: [string, string, string][] = [
      ["source", "ingested", "ingest"],
      ["run", "synthetic-01-run", "synthetic-01-run"],
      ["environment", "kvm-1cpu", "kvm-1cpu"],
      ["hypervisor", "xen", "xen"],
      ["guest_os", "Alpine Linux 3.20", "Alpine Linux 3.20"],
      ["vcpus", "2", "2"],
      ["passthrough", "on", "on"]
    ];
    const attr: Record<string, string> = {source: "source", run: "run", environment: "environment", hypervisor: "hypervisor", guest_os: "guest", vcpus: "vcpus", passthrough: "passthrough"};
    for (const [facet, label, value] of cases) {
      const box = page.locator(`[data-facet="${facet}"] label`, {hasText: label}).first().locator("input");
      await box.uncheck();
      await page.waitForFunction((n) => document.querySelectorAll(".paper-table table:first-of-type thead th[data-column]").length < n, all.length);
      const now = await columns();
      expect(now.length, facet).toBe(all.filter((c) => c[attr[facet]] !== value).length);
      expect(now.every((c) => c[attr[facet]] !== value), facet).toBe(true);
      await box.check();
      await page.waitForFunction((n) => document.querySelectorAll(".paper-table table:first-of-type thead th[data-column]").length === n, all.length);
    }
    // A narrowed view is written to the URL; opening that URL reproduces it.
    await page.locator(`[data-facet="hypervisor"] label`, {hasText: "kvm"}).first().locator("input").uncheck();
    await page.locator(`[data-facet="vcpus"] label`, {hasText: "1"}).first().locator("input").uncheck();
    await page.waitForFunction(() => location.search.includes("vcpus="));
    const url = page.url();
    expect(new URL(url).searchParams.getAll("hv")).toEqual(["none", "xen", "qemu-tcg"]);
    expect(new URL(url).searchParams.getAll("vcpus")).toEqual(["unknown", "2"]);
    const narrowed = await columns();
    expect(await page.$eval('#observablehq-sidebar a[href*="linpack"]', (a) => a.getAttribute("href"))).toContain("vcpus=2");
    const again = await open(new URL(url).pathname + new URL(url).search, ".paper-table table tbody tr");
    expect(await again.page.$$eval(".paper-table table:first-of-type thead th[data-column]", (ths) => ths.map((th) => (th as HTMLElement).dataset.column))).toEqual(narrowed.map((c) => c.column));
    expect(await again.page.locator(`[data-facet="hypervisor"] label`, {hasText: "kvm"}).first().locator("input").isChecked()).toBe(false);
    await again.page.close();
    await tracked.page.close();
  });

  it("redraws the charts of LINPACK and IOzone when filters change", async () => {
    const linpack = await open("/linpack", "figure[data-chart=linpack-sweep] svg");
    const sweep = () => linpack.page.$eval("figure[data-chart=linpack-sweep]", (f) => Number((f as HTMLElement).dataset.count));
    const before = await sweep();
    await linpack.page.locator(`[data-facet="vcpus"] label`, {hasText: "2"}).first().locator("input").uncheck();
    await linpack.page.waitForFunction((n) => Number((document.querySelector("figure[data-chart=linpack-sweep]") as HTMLElement)?.dataset.count) < n, before);
    expect(await linpack.page.textContent("figure[data-chart=linpack-peak]")).toContain("paper: KVM-60 peak = 83.46% of native F8 = 1.20×");
    await linpack.page.close();

    const io = await open("/iozone", "figure[data-chart=iozone-bars] svg");
    const bars = () => io.page.$$eval("figure[data-chart=iozone-bars]", (fs) => fs.map((f) => Number((f as HTMLElement).dataset.count)));
    const [read, write] = await bars();
    expect(read).toBeGreaterThan(0);
    expect(write).toBe(read);
    await io.page.locator(`[data-facet="passthrough"] label`, {hasText: "on"}).first().locator("input").uncheck();
    await io.page.waitForFunction((n) => Number((document.querySelector("figure[data-chart=iozone-bars]") as HTMLElement)?.dataset.count) < n, read);
    const captions = await io.page.$$eval("figure[data-chart=iozone-bars] figcaption", (n) => n.map((c) => c.textContent ?? ""));
    expect(captions[0]).toMatch(/^Figure 3\. Read bandwidth/);
    expect(captions[1]).toMatch(/^Figure 4\. Write bandwidth/);
    await io.page.selectOption("select >> nth=1", {index: 0});
    await io.page.waitForFunction(() => document.querySelector("figure[data-chart=iozone-bars] figcaption")?.textContent?.includes("4 KiB records"));
    expect(await io.page.$eval("figure[data-chart=iozone-heatmap]", (f) => Number((f as HTMLElement).dataset.count))).toBeGreaterThan(0);
    await io.page.close();
  });

  it("shows labels, hosts and guest names from the data as text, never as HTML", async () => {
    for (const p of PAGES.slice(0, 4)) {
      const tracked = await open(p.path, p.ready);
      expect(await tracked.page.$$eval("img[src=x], b[onmouseover], script:not([src]):not([type])", (n) => n.filter((e) => /alert/.test(e.outerHTML)).length), p.path).toBe(0);
      expect(await tracked.page.locator(`[data-facet="environment"] label`, {hasText: XSS_LABEL}).count(), p.path).toBe(1);
      await tracked.page.close();
    }
    const overview = await open("/", "figure[data-chart=overhead] svg");
    expect(await overview.page.locator("text=<img src=x onerror=alert(1)>").count()).toBeGreaterThan(0);
    expect(await overview.page.locator('td:has-text("<b onmouseover=alert(2)>host</b>")').count()).toBe(1);
    await overview.page.close();
    expect(dialogs).toEqual([]);
  });

  it("explores with SQL and downloads exactly the filtered rows as CSV and Parquet", async () => {
    const tracked = await open("/explore?env=native&env=kvm-2cpu&run=synthetic-01-run", ".query-status");
    const page = tracked.page;
    await page.fill("textarea", "SELECT * FROM selection ORDER BY environment, metric, params, repetition");
    await page.getByRole("button", {name: "Run"}).click();
    const expected = await count(`SELECT count(*) FROM results WHERE environment IN ('native', 'kvm-2cpu') AND run_id = 'synthetic-01-run'`);
    expect(expected).toBeGreaterThan(100);
    await page.waitForFunction((n) => document.querySelector(".result-count")?.textContent === n.toLocaleString("en-US"), expected);

    const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", {name: "Download CSV"}).click()]);
    expect(csv.suggestedFilename()).toBe("query.csv");
    const csvText = readFileSync(await csv.path(), "utf8").trim().split("\n");
    expect(csvText.length - 1).toBe(expected);
    expect(csvText[0].split(",")).toContain("environment");

    const [parquet] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", {name: "Download Parquet"}).click()]);
    expect(parquet.suggestedFilename()).toBe("query.parquet");
    const path = await parquet.path();
    const instance = await DuckDBInstance.create(":memory:");
    const con = await instance.connect();
    try {
      const rows = (await con.runAndReadAll(`SELECT count(*)::INTEGER, count(DISTINCT environment)::INTEGER, bool_and(run_id = 'synthetic-01-run') FROM read_parquet('${path}')`)).getRowsJS()[0];
      expect(rows).toEqual([expected, 2, true]);
    } finally {
      con.closeSync();
      instance.closeSync();
    }
    expect(tracked.externalRequests()).toEqual([]);
    expect(tracked.consoleErrors).toEqual([]);
    await page.screenshot({path: join(ARTIFACTS, "explore-query.png")});
    await page.close();
  });

  it("links between pages work under the README's server (python3 -m http.server): every sidebar, prev/next and in-text link returns 200", async () => {
    const python = await servePython(dist);
    try {
      const hrefs = new Set<string>();
      for (const p of PAGES) {
        const tracked = await browser.newPage();
        await tracked.page.goto(`${python.origin}${p.path === "/" ? "/" : `${p.path}.html`}`, {waitUntil: "commit"});
        await tracked.page.waitForSelector(p.ready, {state: "attached", timeout: 120_000});
        for (const href of await tracked.page.$$eval("#observablehq-sidebar a[href], #observablehq-main a[href], .observablehq-pager a[href]", (as) => as.map((a) => (a as HTMLAnchorElement).href))) {
          const url = new URL(href);
          if (url.origin === python.origin && !url.pathname.startsWith("/raw/")) hrefs.add(url.origin + url.pathname);
        }
        expect(tracked.badResponses, p.path).toEqual([]);
        await tracked.page.close();
      }
      expect(hrefs.size).toBeGreaterThanOrEqual(PAGES.length);
      for (const href of hrefs) expect((await fetch(href)).status, href).toBe(200);
      // Following the sidebar in the browser lands on a rendered page.
      const tracked = await browser.newPage();
      await tracked.page.goto(`${python.origin}/`, {waitUntil: "commit"});
      await tracked.page.click('#observablehq-sidebar a:has-text("LMbench")');
      await tracked.page.waitForSelector(".paper-table table tbody tr", {timeout: 120_000});
      expect(new URL(tracked.page.url()).pathname).toBe("/lmbench.html");
      await tracked.page.close();
    } finally {
      await python.close();
    }
  });

  it("fits a 390 px phone: no page scrolls sideways, charts follow the width", async () => {
    for (const p of PAGES) {
      const tracked = await browser.newPage();
      await tracked.page.setViewportSize({width: 390, height: 844});
      await tracked.gotoAndWait(`${server.origin}${p.path}`, p.ready, {timeout: 120_000});
      await tracked.page.waitForTimeout(300);
      await tracked.page.screenshot({path: join(ARTIFACTS, `${p.name}-390.png`), fullPage: true});
      const overflow = await tracked.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, p.path).toBeLessThanOrEqual(0);
      const wide = await tracked.page.$$eval("figure.report-figure svg", (svgs) => svgs.map((svg) => svg.getBoundingClientRect().width).filter((w) => w > 390));
      expect(wide, p.path).toEqual([]);
      expect(await tracked.cellErrors(), p.path).toEqual([]);
      await tracked.page.close();
    }
  });

  it("restores a view from its URL with every control set (filters, sizes, heatmap operation and colour)", async () => {
    const io = await open("/iozone", "figure[data-chart=iozone-bars] svg");
    const page = io.page;
    const state = () =>
      page.evaluate(() => ({
        selects: [...document.querySelectorAll("select")].map((s) => (s as HTMLSelectElement).selectedIndex),
        colour: (document.querySelector('input[type=radio]:checked') as HTMLInputElement | null)?.value,
        captions: [...document.querySelectorAll("figure.report-figure figcaption")].map((c) => c.firstChild?.textContent),
        counts: [...document.querySelectorAll("figure.report-figure")].map((f) => (f as HTMLElement).dataset.count),
        unchecked: [...document.querySelectorAll("[data-facet] input:not(:checked)")].map((i) => i.closest("label")?.textContent)
      }));
    await page.locator(`[data-facet="hypervisor"] label`, {hasText: "KVM"}).first().locator("input").uncheck();
    await page.selectOption("select >> nth=0", {index: 0});
    await page.selectOption("select >> nth=1", {index: 0});
    await page.selectOption("select >> nth=2", {label: "write"});
    await page.locator("input[type=radio] >> nth=1").check();
    await page.waitForFunction(() => ["hv=", "file=", "record=", "op=file_write", "colour=median"].every((k) => location.search.includes(k)));
    await page.waitForTimeout(300);
    const before = await state();
    expect(before.captions.some((c) => c?.startsWith("IOzone write by record size, MB/s"))).toBe(true);
    const again = await open(new URL(page.url()).pathname + new URL(page.url()).search, "figure[data-chart=iozone-heatmap] svg");
    await again.page.waitForTimeout(300);
    const after = await again.page.evaluate(() => ({
      selects: [...document.querySelectorAll("select")].map((s) => (s as HTMLSelectElement).selectedIndex),
      colour: (document.querySelector('input[type=radio]:checked') as HTMLInputElement | null)?.value,
      captions: [...document.querySelectorAll("figure.report-figure figcaption")].map((c) => c.firstChild?.textContent),
      counts: [...document.querySelectorAll("figure.report-figure")].map((f) => (f as HTMLElement).dataset.count),
      unchecked: [...document.querySelectorAll("[data-facet] input:not(:checked)")].map((i) => i.closest("label")?.textContent)
    }));
    expect(after).toEqual(before);
    await again.page.close();
    await page.close();

    const lm = await open("/lmbench", "figure[data-chart=memory-bandwidth] svg");
    // STREAM's suite puts its panel in this page's memory section (suites/stream/index.ts).
    await lm.page.waitForSelector("figure[data-chart=stream-panel] svg");
    expect(await lm.page.$$eval("figure[data-chart=stream-panel] svg [aria-label='fx-axis tick label'] text", (t) => t.map((e) => e.textContent))).toEqual(["Copy", "Scale", "Add", "Triad"]);
    await lm.page.selectOption("select", {index: 0});
    await lm.page.waitForFunction(() => location.search.includes("size="));
    const caption = await lm.page.textContent("figure[data-chart=memory-bandwidth] figcaption");
    const lm2 = await open(new URL(lm.page.url()).pathname + new URL(lm.page.url()).search, "figure[data-chart=memory-bandwidth] svg");
    expect(await lm2.page.textContent("figure[data-chart=memory-bandwidth] figcaption")).toBe(caption);
    await lm.page.close();
    await lm2.page.close();
  });

  it("names a filter value the report does not have instead of emptying the page", async () => {
    const tracked = await open("/lmbench?env=no-such-environment", ".paper-table table tbody tr");
    expect(await tracked.page.textContent(".filter-warning")).toContain("no-such-environment");
    expect(await tracked.page.$$eval(".paper-table table:first-of-type thead th[data-column]", (ths) => ths.length)).toBeGreaterThan(3);
    await tracked.page.close();
  });

  it("downloads each chart's rows as CSV headed by its caption", async () => {
    const tracked = await open("/linpack", "figure[data-chart=linpack-sweep] svg");
    const [csv] = await Promise.all([tracked.page.waitForEvent("download"), tracked.page.click("figure[data-chart=linpack-sweep] button.download")]);
    const lines = readFileSync(await csv.path(), "utf8").trim().split("\n");
    expect(lines[0]).toBe("# Figure 1. LINPACK: GFLOPS by problem size N (log scale; higher is better)");
    const header = lines.findIndex((l) => !l.startsWith("#"));
    expect(lines[header].split(",")).toEqual(expect.arrayContaining(["environment", "N", "gflops_median", "slowdown", "ci_low", "ci_high"]));
    const count = Number(await tracked.page.$eval("figure[data-chart=linpack-sweep]", (f) => (f as HTMLElement).dataset.count));
    expect(lines.length - header - 1).toBe(count);
    await tracked.page.close();
  });

  it("Explore: DuckDB loads on the first query, results holds every sample, errors read as errors and any statement leaves the page working", {timeout: 300_000}, async () => {
    const tracked = await open("/explore", ".query-status");
    const page = tracked.page;
    await page.waitForTimeout(500);
    expect(tracked.requests.filter((u) => /duckdb|samples\.[0-9a-f]+\.arrow/.test(u))).toEqual([]);
    const run = async (sql: string) => {
      await page.fill("textarea", sql);
      // The answer to this query is the status or error that appears after the old one is gone.
      await page.evaluate(() => document.querySelectorAll(".query-status, .query-error").forEach((e) => e.remove()));
      await page.getByRole("button", {name: "Run"}).click();
      await page.waitForSelector(".query-status[data-state=done], .query-error", {timeout: 60_000});
      return page.evaluate(() => ({error: document.querySelector(".query-error")?.textContent ?? null, count: document.querySelector(".result-count")?.textContent ?? null, main: document.querySelector("#observablehq-main")?.textContent ?? ""}));
    };
    const total = await count("SELECT count(*) FROM results");
    const ok = await run("select environment, metric, median(value) from results group by all");
    expect(ok.error).toBeNull();
    expect(Number(ok.count?.replace(/,/g, ""))).toBeGreaterThan(10);
    expect(tracked.requests.filter((u) => /duckdb-eh\.wasm/.test(u))).toHaveLength(1);
    expect(tracked.requests.filter((u) => /duckdb-mvp/.test(u))).toEqual([]);

    const bad = await run("select nope from results;\nselect 1");
    expect(bad.error).toMatch(/^Query failed: .*nope/s);
    expect(await page.$eval(".query-error", (e) => getComputedStyle(e).whiteSpace)).toBe("pre-wrap");
    expect(await page.$$eval(".observablehq--inspect", (n) => n.map((e) => e.textContent).filter((t) => t === "null"))).toEqual([]);

    for (const statement of ["drop table results", "begin; drop table results; commit", "create schema x; use x", "delete from results"]) {
      await run(statement);
      const after = await run("select count(*)::INTEGER as n from results");
      expect(after.error, statement).toBeNull();
      expect(await page.$eval("table tbody tr td:last-child", (td) => td.textContent?.replace(/,/g, "")), statement).toBe(String(total));
    }

    const remote = await run("select * from read_csv('http://example.com/x.csv')");
    expect(remote.error).toContain('"http://example.com/x.csv" is refused');
    // Past the page's own check (a URL built in SQL), DuckDB itself refuses: external access is off.
    const built = await run("select * from read_csv('http' || '://example.com/x.csv')");
    expect(built.error).toMatch(/disabled|external|not allowed|permission/i);
    const sneaky = await run("select * from read_csv('/' || 'etc/passwd')");
    expect(sneaky.error).toMatch(/disabled|external|not allowed|permission/i);
    const unlock = await run("set enable_external_access = true");
    expect(unlock.error).toMatch(/lock|configuration/i);
    expect(tracked.externalRequests()).toEqual([]);
    expect(tracked.consoleErrors.filter((e) => !/Query failed|Binder Error|Catalog Error|Permission|Invalid Input|Parser Error/.test(e))).toEqual([]);
    await page.close();
  });

  it("Explore: a URL with a query runs it at once, with its filters", async () => {
    const sql = "SELECT count(*)::INTEGER AS n FROM selection";
    const tracked = await open(`/explore?env=native&sql=${encodeURIComponent(sql)}`, ".result-count");
    expect(await tracked.page.inputValue("textarea")).toBe(sql);
    const expected = await count("SELECT count(*) FROM results WHERE environment = 'native'");
    await tracked.page.waitForSelector("table tbody tr td");
    expect(await tracked.page.$eval("table tbody tr td:last-child", (td) => td.textContent?.replace(/,/g, ""))).toBe(String(expected));
    await tracked.page.close();
  });
});
