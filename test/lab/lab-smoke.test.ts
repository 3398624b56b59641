/**
 * The nested lab end to end, through `vmmbench run` and the database: the lab root is built (or
 * found in .cache/lab/), then one small LMbench step runs bare in the lab machine, in a real KVM
 * guest inside it (shadow paging) and in a real Xen PV domU, and the samples must land with the
 * right hypervisor and mode.
 *
 * Cost on a 2-core machine without VT-x/SVM (measured, see docs/lab.md): lab root build 2.5–3 min
 * with Debian's mirror (once per CI run; cached in .cache/lab/), then about 3–6 min of boots
 * (each group boots once for the fingerprints and once for the steps). Needs root (debootstrap).
 * Skipped when not root, or with VMMBENCH_LAB_TESTS=0.
 */
import {execa} from "execa";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {Store} from "../../data-loaders/store/store.ts";
import {ROOT} from "../helpers/shared.ts";

const BIN = join(ROOT, "bin", "vmmbench.js");
const enabled = process.env.VMMBENCH_LAB_TESTS !== "0" && process.getuid?.() === 0;

const PLAN = `name: lab-smoke
environments:
  - {target: lab, label: lab-native, inner: native, vcpus: 2}
  - {target: lab, label: lab-kvm, inner: kvm, paging: shadow, vcpus: 1, memory_mb: 384, disk_mb: 0}
  - {target: lab, label: lab-xen-pv, inner: xen-pv, vcpus: 1, memory_mb: 384, disk_mb: 0}
suites:
  lmbench: {table1: [lat_syscall, lat_fork], ctx: [], mem_size_mb: [], budget_ms: 20, reps: 2}
repetitions: {min: 1, max: 1}
step_timeout_s: 300
`;

describe.skipIf(!enabled)("nested lab smoke (native + KVM + Xen PV inside QEMU TCG)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-lab-smoke-"));
    writeFileSync(join(dir, "plan.yaml"), PLAN);
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it("stores samples from the lab machine, a KVM guest and a Xen PV domU", async () => {
    const db = join(dir, "lab.duckdb");
    const started = Date.now();
    const result = await execa("node", [BIN, "run", "--plan", join(dir, "plan.yaml"), "--db", db], {reject: false, all: true, timeout: 40 * 60_000});
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`lab smoke: vmmbench run took ${seconds.toFixed(0)} s\n`);
    expect(result.exitCode, String(result.all).slice(-4000)).toBe(0);

    const store = await Store.open(db);
    try {
      const rows = await store.query(
        `SELECT environment, hypervisor, mode, metric, count(*)::INT AS n, min(value) AS best
         FROM results WHERE source = 'run' AND suite <> 'meters' GROUP BY ALL ORDER BY environment, metric`
      );
      const table = rows.map((r) => `${r.environment} ${r.hypervisor} ${r.mode} ${r.metric} ${r.n}`);
      expect(table).toEqual([
        "lab-kvm kvm kvm lat_fork 2",
        "lab-kvm kvm kvm lat_syscall 2",
        "lab-native none none lat_fork 2",
        "lab-native none none lat_syscall 2",
        "lab-xen-pv xen pv lat_fork 2",
        "lab-xen-pv xen pv lat_syscall 2"
      ]);
      for (const r of rows) expect(Number(r.best)).toBeGreaterThan(0);
      const envs = await store.query(`SELECT environment, hypervisor_version, extra FROM environments ORDER BY environment`);
      const extra = Object.fromEntries(envs.map((e) => [String(e.environment), JSON.parse(String(e.extra)) as Record<string, string>]));
      expect(extra["lab-kvm"]).toMatchObject({nested_under: "qemu-tcg", paging: "shadow", inner: "kvm"});
      expect(extra["lab-native"]).toMatchObject({nested_under: "qemu-tcg"});
      expect(extra["lab-xen-pv"]).toMatchObject({nested_under: "qemu-tcg", domain_type: "pv"});
      expect(extra["lab-xen-pv"]!.xl_config).toContain('type = "pv"');
      expect(String(envs.find((e) => e.environment === "lab-xen-pv")!.hypervisor_version)).toMatch(/^Xen 4\.17/);
    } finally {
      store.close();
    }
  }, 45 * 60_000);
});
