/**
 * The README's main command end to end, on this machine as it is (its /dev/kvm, PVM or none,
 * included): `vmmbench run --plan quick` into a fresh database must measure native, KVM and Xen —
 * the host's where a guest boots under them, the nested lab's otherwise — and the report built
 * from it must fill the home page's reproduction view and the paper's claims for that run.
 *
 * Cost: ~4 min with warm caches (CI runs `npm run report` first), plus ~1.5 min for the lab root
 * when it is not cached. The lab needs root; skipped when not root or with VMMBENCH_LAB_TESTS=0.
 */
import {execa} from "execa";
import {existsSync, mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {loadReport} from "../../data-loaders/report/summary.ts";
import {Store} from "../../data-loaders/store/store.ts";
import {kvmProvider} from "../../data-loaders/targets/kvm-detect.ts";
import {HAVE_CHROMIUM, openBrowser, serveDist} from "../helpers/browser.ts";
import {buildReportInto} from "../helpers/site-build.ts";
import {ROOT} from "../helpers/shared.ts";

const BIN = join(ROOT, "bin", "vmmbench.js");
const enabled = process.env.VMMBENCH_LAB_TESTS !== "0" && process.getuid?.() === 0;

describe.skipIf(!enabled)("vmmbench run --plan quick (the main command)", () => {
  let dir: string;
  let db: string;
  let runId: string;
  let log: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-quick-"));
    db = join(dir, "quick.duckdb");
    const started = Date.now();
    const result = await execa("node", [BIN, "run", "--plan", "quick", "--db", db], {cwd: ROOT, reject: false, all: true, timeout: 20 * 60_000});
    log = String(result.all);
    process.stderr.write(`quick plan: vmmbench run took ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    expect(result.exitCode, log.slice(-4000)).toBe(0);
    const store = await Store.open(db);
    try {
      runId = String((await store.query(`SELECT run_id FROM runs WHERE source = 'run'`))[0]!.run_id);
    } finally {
      store.close();
    }
  }, 25 * 60_000);
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it("measures native, KVM and Xen PV and PVH, with every step done and the host's KVM verdict said", async () => {
    expect(log).toMatch(/^host: KVM (boots a guest|not used \(.+\)); Xen dom0: (yes|no)$/m);
    const store = await Store.open(db);
    try {
      const envs = await store.query(`SELECT environment, hypervisor, mode, extra FROM environments WHERE run_id = $1 ORDER BY environment`, [runId]);
      const kinds = envs.map((e) => `${e.hypervisor}/${e.mode}`);
      expect(kinds).toEqual(expect.arrayContaining(["none/none", "kvm/kvm", "xen/pv", "xen/pvh", "qemu-tcg/tcg"]));
      const failed = await store.query(`SELECT step_id, message FROM steps WHERE run_id = $1 AND status = 'failed'`, [runId]);
      expect(failed).toEqual([]);
      const measured = await store.query(
        `SELECT DISTINCT environment, hypervisor, suite FROM results WHERE run_id = $1 AND status = 'ok' ORDER BY ALL`,
        [runId]
      );
      for (const env of envs) {
        expect(measured.filter((r) => r.environment === env.environment).map((r) => r.suite), String(env.environment)).toEqual(["iozone", "linpack", "lmbench", "meters"]);
      }
      const extra = Object.fromEntries(envs.map((e) => [String(e.environment), JSON.parse(String(e.extra)) as Record<string, string>]));
      if (extra["lab-kvm"]) {
        // The host's KVM did not boot a guest: the lab's KVM stands in, compared with lab-native, and says why.
        expect(extra["lab-kvm"]).toMatchObject({nested_under: "qemu-tcg", paging: "shadow"});
        expect(extra["lab-kvm"]!.note).toMatch(/^the host's KVM is not used: /);
        if (kvmProvider() === "kvm_pvm") expect(extra["lab-kvm"]!.note).toMatch(/kvm_pvm \(PVM\)/);
        expect(extra["lab-native"]).toMatchObject({nested_under: "qemu-tcg"});
      }
      expect(extra["qemu-tcg"]).toMatchObject({accel: "tcg"});
    } finally {
      store.close();
    }
  });

  it("fills the reproduction ratios and the paper's claims for the run", async () => {
    const report = await loadReport(db);
    const guests = report.rows.filter((r) => r.run_id === runId && (r.hypervisor === "kvm" || r.hypervisor === "xen") && r.metric === "lat_fork");
    expect(guests.length).toBeGreaterThanOrEqual(3);
    for (const g of guests) {
      expect(g.ratio, g.environment).toBeGreaterThan(0);
      expect(g.ratio_low!).toBeLessThanOrEqual(g.ratio!);
      expect(g.baseline, g.environment).toBe(g.environment.startsWith("lab-") ? "lab-native" : "native");
    }
    const claims = report.claims.filter((c) => c.run_id === runId);
    const judged = claims.filter((c) => c.verdict !== "not measured");
    expect(new Set(judged.map((c) => c.claim))).toEqual(new Set(["linpack-xen", "linpack-kvm", "sysops-near-native", "process-creation-slow", "process-creation-kvm-slower", "ctx-xen-faster", "mem-read-native", "mem-write-kvm-lower", "iozone-emulated-slow"]));
  });

  it.runIf(HAVE_CHROMIUM)("shows them on the home page", async () => {
    const out = await buildReportInto(dir, db);
    expect(existsSync(join(out, "index.html"))).toBe(true);
    const server = await serveDist(out);
    const browser = await openBrowser();
    try {
      const tracked = await browser.newPage();
      await tracked.gotoAndWait(`${server.origin}/`, `.claims-table tr.claim-row[data-run="${runId}"]`);
      const verdicts = await tracked.page.$$eval(`.claims-table tr.claim-row[data-run="${runId}"]`, (trs) => trs.map((tr) => tr.getAttribute("data-verdict")));
      expect(verdicts.filter((v) => v !== "not measured").length).toBeGreaterThanOrEqual(9);
      const columns = await tracked.page.$$eval(".reproduction-table thead th[data-column]", (ths) => ths.map((th) => th.textContent ?? ""));
      expect(columns.join(" ")).toMatch(/kvm/);
      expect(columns.join(" ")).toMatch(/xen/);
      expect(await tracked.cellErrors()).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  }, 300_000);
});
