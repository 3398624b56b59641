import {execa} from "execa";
import {mkdtempSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {Store} from "../../data-loaders/store/store.ts";
import {HAVE_CHROMIUM, openBrowser, serveDist, type BrowserSession, type StaticServer} from "../helpers/browser.ts";
import {ROOT} from "../helpers/shared.ts";
import {writeSyntheticRun, type SyntheticSeries} from "../helpers/synthetic-runs.ts";

const BIN = join(ROOT, "bin", "vmmbench.js");
const SERIES: SyntheticSeries[] = [
  {metric: "lat_syscall", unit: "us", median: 0.3},
  {metric: "lat_fork", unit: "us", median: 120},
  {metric: "lat_exec", unit: "us", median: 410},
  {metric: "bw_mem_write", unit: "MB/s", median: 6500}
];

/** A database of its own, exported: the site is built from several controllers' exports. */
async function exportOf(dir: string, name: string, write: (store: Store) => Promise<void>): Promise<string> {
  const db = join(dir, name, `${name}.duckdb`);
  const store = await Store.open(db);
  try {
    await write(store);
  } finally {
    store.close();
  }
  const out = join(dir, `${name}-export`);
  await execa("node", [BIN, "export", out, "--db", db]);
  return out;
}

describe.skipIf(!HAVE_CHROMIUM)("the Compare page, built from two controllers' exports (Chromium)", () => {
  let dir: string;
  let server: StaticServer;
  let browser: BrowserSession;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-compare-site-"));
    const base = {environments: ["native", "kvm"], series: SERIES, rounds: 5, reps: 4, noise: 0.02};
    // Controller 1: a kernel upgrade that makes fork 12% slower under KVM and writes 9% faster.
    const kernels = await exportOf(dir, "ctl1", async (store) => {
      await writeSyntheticRun(store, {...base, runId: "20261201T020000Z-aaaaaa", tags: {kernel: "6.1"}, seed: 21});
      await writeSyntheticRun(store, {...base, runId: "20261202T020000Z-bbbbbb", tags: {kernel: "6.6"}, seed: 22, shift: (env, metric) => (env === "kvm" && metric === "lat_fork" ? 1.12 : metric === "bw_mem_write" ? 1.09 : 1)});
    });
    // Controller 2: two builds of QEMU interleaved in one campaign.
    const builds = await exportOf(dir, "ctl2", (store) =>
      writeSyntheticRun(store, {...base, environments: ["qemu-8", "qemu-9"], runId: "20261203T020000Z-cccccc", seed: 23, shift: (env, metric) => (env === "qemu-9" && metric === "lat_exec" ? 1.1 : 1)})
    );
    const out = join(dir, "site");
    const built = await execa("node", [BIN, "site", "build", "--from", kernels, "--from", builds, "--compare", "env:qemu-8..env:qemu-9", "--out", out], {cwd: ROOT, env: {VMMBENCH_CACHE: join(dir, "cache")}}); // the report cache too stays out of the project
    expect(built.stderr).toMatch(/ctl1-export: 2 run\(s\)/);
    server = await serveDist(out);
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, {recursive: true, force: true});
  });

  it("shows the named comparison first, regressions first, and nothing leaves 127.0.0.1", async () => {
    const tracked = await browser.newPage();
    await tracked.page.setViewportSize({width: 1440, height: 1000});
    await tracked.gotoAndWait(`${server.origin}/compare`, ".compare-table tbody tr");
    expect(await tracked.page.locator("select option").allInnerTexts()).toEqual([
      "environment qemu-8 → environment qemu-9",
      "tag kernel=6.1 (1 run) → tag kernel=6.6 (1 run)"
    ]);
    const first = tracked.page.locator(".compare-table tbody tr").first();
    expect(await first.locator(".verdict").innerText()).toMatch(/regressed/);
    expect(await first.locator(".series").innerText()).toMatch(/^lat_exec/);
    expect(await tracked.page.locator(".compare-table caption").innerText()).toMatch(/^4 of 4 series/);
    expect(await tracked.cellErrors()).toEqual([]);
    expect(tracked.consoleErrors.filter((e) => !e.includes("favicon"))).toEqual([]);
    expect(tracked.externalRequests()).toEqual([]);
  });

  it("keeps its controls in the URL: a link restores the comparison and filters, a change rewrites it", async () => {
    const tracked = await browser.newPage();
    const search = "?cmp=tag%3Akernel%3D6.1..tag%3Akernel%3D6.6&verdict=regressed&verdict=improved";
    await tracked.gotoAndWait(`${server.origin}/compare${search}`, ".compare-table tbody tr");
    const rows = tracked.page.locator(".compare-table tbody tr");
    const verdicts = await rows.locator(".verdict").allInnerTexts();
    expect(verdicts.map((v) => v.replace(/^\W+\s*/, ""))).toEqual(["regressed", "improved", "improved"]);
    expect(await rows.first().locator(".series").innerText()).toMatch(/^lat_fork/);
    expect(await rows.first().locator(".pair").innerText()).toBe("kvm");
    await tracked.page.locator("input[type=text]").fill("bw_mem");
    await tracked.page.waitForFunction(() => location.search.includes("q=bw_mem"));
    await expect.poll(() => rows.count()).toBe(2);
    expect(new URL(tracked.page.url()).searchParams.getAll("verdict")).toEqual(["regressed", "improved"]);
    // The CSV holds exactly the rows shown, headed by the comparison and its own ratio convention.
    const [csv] = await Promise.all([tracked.page.waitForEvent("download"), tracked.page.click(".downloadable button.download")]);
    const lines = readFileSync(await csv.path(), "utf8").trim().split("\n");
    expect(lines[0]).toBe("# tag kernel=6.1 (1 run) → tag kernel=6.6 (1 run): 2 of 8 series");
    expect(lines).toContain("# slowdown: B against A, above 1 = B worse, 1 = A; p_adjusted: Holm");
    const header = lines.findIndex((l) => !l.startsWith("#"));
    expect(lines[header].split(",")).toEqual(expect.arrayContaining(["verdict", "metric", "slowdown", "slowdown_low", "slowdown_high", "p_adjusted"]));
    expect(lines.slice(header + 1).map((l) => l.split(",")[lines[header].split(",").indexOf("metric")])).toEqual(["bw_mem_write", "bw_mem_write"]);
  });

  it("fits a 390 px phone: stacked rows, nothing wider than the screen", async () => {
    const tracked = await browser.newPage();
    await tracked.page.setViewportSize({width: 390, height: 844});
    await tracked.gotoAndWait(`${server.origin}/compare`, ".compare-table.narrow tbody tr");
    expect(await tracked.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const box = await tracked.page.locator(".compare-table").boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
  });
});
