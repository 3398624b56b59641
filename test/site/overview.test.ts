import {execa} from "execa";
import {createHash} from "node:crypto";
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {PAPER_RUN_ID} from "../../data-loaders/paper/che2008.ts";
import {CLAIMS} from "../../data-loaders/report/claims.ts";
import {HAVE_CHROMIUM, openBrowser, serveDist, type BrowserSession, type StaticServer, type TrackedPage} from "../helpers/browser.ts";
import {ROOT} from "../helpers/shared.ts";
import {buildReportInto} from "../helpers/site-build.ts";

const BIN = join(ROOT, "bin", "vmmbench.js");
const ARTIFACTS = join(ROOT, "test-artifacts");

const PLAN = `name: site-test
environments: [{target: local}]
suites:
  lmbench: {ctx: [2p0k], mem_size_mb: [4], budget_ms: 10, reps: 3}
repetitions: {min: 1, max: 1}
`;

if (!HAVE_CHROMIUM) console.warn("[vmmbench tests] /usr/bin/chromium is absent (apt-get install chromium): the report's browser tests are skipped.");

describe.skipIf(!HAVE_CHROMIUM)("the report's overview page in Chromium", () => {
  let dir: string;
  let server: StaticServer;
  let browser: BrowserSession;
  let tracked: TrackedPage;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-site-"));
    const db = join(dir, "site.duckdb");
    writeFileSync(join(dir, "plan.yaml"), PLAN);
    await execa("node", [BIN, "run", "--plan", join(dir, "plan.yaml"), "--db", db], {cwd: ROOT});
    server = await serveDist(await buildReportInto(dir, db));
    browser = await openBrowser();
    tracked = await browser.newPage();
    await tracked.gotoAndWait(`${server.origin}/`, ".paper-table table tbody tr");
  }, 600_000);

  afterAll(async () => {
    if (tracked) {
      mkdirSync(ARTIFACTS, {recursive: true});
      await tracked.page.screenshot({path: join(ARTIFACTS, "overview.png"), fullPage: true}).catch(() => undefined);
    }
    await browser?.close();
    await server?.close();
    rmSync(dir, {recursive: true, force: true});
  });

  const headers = () => tracked.page.$$eval(".paper-table:not(.reproduction-table) thead th[data-column]", (ths) => ths.map((th) => th.getAttribute("data-column")));

  it("shows Table 1 with our native run beside the paper's three environments", async () => {
    expect(await headers()).toEqual(["paper native F8", "paper F8 on Xen 3.1", "paper F8 on KVM-60", "native"]);
    const rows = await tracked.page.$$eval(".paper-table:not(.reproduction-table) tbody tr", (trs) => trs.map((tr) => tr.getAttribute("data-metric")));
    expect(rows).toEqual(["lat_syscall", "lat_stat", "lat_fstat", "lat_open_close", "lat_fork", "lat_exec", "lat_sh", "lat_sig_handler", "lat_pipe"]);
    const forkRow = await tracked.page.$$eval('.paper-table:not(.reproduction-table) tr[data-metric="lat_fork"] td .value', (tds) => tds.map((td) => td.textContent));
    // The paper's numbers exactly as it printed them (data/reference/che2008.tsv), not re-rounded.
    expect(forkRow.slice(0, 3)).toEqual(["88.73", "1511.5", "2200"]);
    expect(Number(forkRow[3]?.replace(/,/g, ""))).toBeGreaterThan(0);
    // Each value carries its ratio to its own study's native column.
    const kvmFork = await tracked.page.$eval('.paper-table:not(.reproduction-table) tr[data-metric="lat_fork"] td:nth-child(4) .ratio', (el) => el.textContent);
    expect(kvmFork).toBe("24.8×");
  });

  const claimRows = (claim: string, run: string) =>
    tracked.page.$$eval(`.claims-table tbody[data-claim="${claim}"] tr.claim-row[data-run="${run}"]`, (trs) =>
      trs.map((tr) => ({verdict: tr.getAttribute("data-verdict"), shown: tr.querySelector(".verdict")?.textContent?.trim(), subjects: tr.querySelector(".subjects")?.textContent?.trim()}))
    );

  it("checks every claim of the paper on its own numbers and on our run, with a verdict in words", async () => {
    const claims = await tracked.page.$$eval(".claims-table tbody[data-claim]", (tbodies) => tbodies.map((t) => t.getAttribute("data-claim")));
    expect(claims).toEqual(CLAIMS.map((c) => c.id));
    const slow = await claimRows("process-creation-slow", PAPER_RUN_ID);
    expect(slow).toEqual([
      {verdict: "holds", shown: "✓ holds", subjects: "paper F8 on Xen 3.1 vs paper native F8"},
      {verdict: "holds", shown: "✓ holds", subjects: "paper F8 on KVM-60 vs paper native F8"}
    ]);
    expect((await claimRows("iozone-xen-vtd-faster", PAPER_RUN_ID))[0]).toMatchObject({verdict: "not measured", shown: "– not measured"});
    // our run measured native only: no guest for any claim to speak of
    const runId = await tracked.page.$eval(".claims-table tr.claim-row:not([data-run=\"paper-che2008\"])", (tr) => tr.getAttribute("data-run"));
    const ours = await tracked.page.$$eval(`.claims-table tr.claim-row[data-run="${runId}"]`, (trs) => trs.map((tr) => tr.getAttribute("data-verdict")));
    expect(ours).toEqual(CLAIMS.map(() => "not measured"));
    const fork = await tracked.page.$eval(`.claims-table tbody[data-claim="process-creation-slow"] tr.claim-row li[data-verdict]`, (li) => li.textContent);
    expect(fork).toBe("✓ fork 17.0×");
  });

  it("renders with no error cell and no request leaving 127.0.0.1", async () => {
    expect(await tracked.cellErrors()).toEqual([]);
    expect(tracked.consoleErrors).toEqual([]);
    expect(tracked.externalRequests()).toEqual([]);
    expect(tracked.requests.length).toBeGreaterThan(5);
  });

  it("shows the IOzone page of a database with no IOzone rows as a note, not an error", async () => {
    const iozone = await browser.newPage();
    await iozone.gotoAndWait(`${server.origin}/iozone`, "[data-empty]");
    expect(await iozone.page.$eval("[data-empty]", (el) => el.textContent)).toMatch(/^No IOzone results in this database yet/);
    expect(await iozone.cellErrors()).toEqual([]);
    expect(iozone.consoleErrors).toEqual([]);
    expect(await iozone.page.$$eval("figcaption", (els) => els.map((el) => el.textContent).join(" "))).not.toMatch(/null|NaN|undefined/);
  });

  it("changes the table when an environment is unticked", async () => {
    await tracked.page.locator(`[data-facet="environment"] label`, {hasText: "paper F8 on Xen 3.1"}).locator("input").uncheck();
    await tracked.page.waitForFunction(() => document.querySelectorAll(".paper-table:not(.reproduction-table) thead th[data-column]").length === 3);
    expect(await headers()).toEqual(["paper native F8", "paper F8 on KVM-60", "native"]);
    // the claims follow the filters: the paper's Xen guest leaves the rows it is a subject of
    await tracked.page.waitForFunction(() => document.querySelectorAll('.claims-table tbody[data-claim="process-creation-slow"] tr.claim-row[data-run="paper-che2008"]').length === 1);
    expect((await claimRows("process-creation-kvm-slower", PAPER_RUN_ID))).toEqual([]);
    await tracked.page.locator(`[data-facet="environment"] label`, {hasText: "paper F8 on Xen 3.1"}).locator("input").check();
    await tracked.page.waitForFunction(() => document.querySelectorAll(".paper-table:not(.reproduction-table) thead th[data-column]").length === 4);
    expect(await claimRows("process-creation-kvm-slower", PAPER_RUN_ID)).toHaveLength(1);
  });

  it("links each table to the raw outputs it was read from, published with the site by sha256", async () => {
    const links = await tracked.page.$$eval(".download-bar a[data-sha256]", (as) => as.map((a) => [a.getAttribute("href")!, (a as HTMLElement).dataset.sha256!]));
    expect(links.length).toBeGreaterThan(1);
    for (const [href, sha] of links) {
      const response = await fetch(new URL(href, `${server.origin}/`).href);
      expect(response.status, href).toBe(200);
      const bytes = Buffer.from(await response.arrayBuffer());
      // The paper's numbers are named by the reference version's hash (table and environments together).
      if (bytes.subarray(0, 12).toString() === "table\tlabel\t") continue;
      expect(createHash("sha256").update(bytes).digest("hex"), href).toBe(sha);
    }
    expect((await fetch(`${server.origin}/raw/index.csv`)).status).toBe(200);
  });
});
