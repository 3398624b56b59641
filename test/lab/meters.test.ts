/**
 * Meters end to end in the nested lab, through `vmmbench run` and the database: a fork under KVM
 * with shadow paging (kvm_amd npt=0, as KVM-60 ran) must cost more page-fault exits than under
 * nested paging, and a fork in a Xen PV domU more entries into Xen than in a PVH domU (HAP). The
 * counts come from the lab's own side — KVM's debugfs, xentrace in dom0 — for the very spans the
 * probe timed. Needs root (the lab root); VMMBENCH_LAB_TESTS=0 skips it. Two lab boots, about
 * 3–5 min on 2 shared cores.
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

const PLAN = `name: lab-meters
environments:
  - {target: lab, label: lab-kvm-shadow, inner: kvm, paging: shadow, vcpus: 1, lab_vcpus: 1, memory_mb: 384, disk_mb: 0}
  - {target: lab, label: lab-kvm-nested, inner: kvm, paging: nested, vcpus: 1, lab_vcpus: 1, memory_mb: 384, disk_mb: 0}
  - {target: lab, label: lab-xen-pv, inner: xen-pv, vcpus: 1, memory_mb: 384, disk_mb: 0}
  - {target: lab, label: lab-xen-pvh, inner: xen-pvh, vcpus: 1, memory_mb: 384, disk_mb: 0}
suites:
  lmbench: {table1: [lat_fork], ctx: [], mem_size_mb: [], budget_ms: 30, reps: 3}
repetitions: {min: 1, max: 1}
step_timeout_s: 300
`;

describe.skipIf(!enabled)("meters in the nested lab", () => {
  let dir: string;
  let perFork: Map<string, {value: number; n: number}>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-lab-meters-"));
    writeFileSync(join(dir, "plan.yaml"), PLAN);
    const db = join(dir, "lab.duckdb");
    const result = await execa("node", [BIN, "run", "--plan", join(dir, "plan.yaml"), "--db", db], {reject: false, all: true, timeout: 30 * 60_000});
    expect(result.exitCode, String(result.all).slice(-4000)).toBe(0);
    // The query of the "done when", per fork.
    const {stdout} = await execa("node", [BIN, "sql", "--db", db, "--format", "json", "select environment, metric, median(value) as per_fork, count(*) as n from results where suite='meters' and status='ok' and json_extract_string(params, '$.of') = 'lat_fork' group by all"]);
    perFork = new Map((JSON.parse(stdout) as Array<{environment: string; metric: string; per_fork: number; n: number}>).map((r) => [`${r.environment} ${r.metric}`, {value: Number(r.per_fork), n: Number(r.n)}]));
    const store = await Store.open(db);
    try {
      const failed = await store.query(`SELECT environment, metric, note FROM results WHERE suite = 'meters' AND status = 'failed'`);
      expect(failed, "no meter of these environments should be unreadable").toEqual([]);
    } finally {
      store.close();
    }
  }, 35 * 60_000);
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  const at = (key: string) => {
    const row = perFork.get(key);
    expect(row, `${key} in ${[...perFork.keys()].join(", ")}`).toBeDefined();
    expect(row!.n).toBe(3);
    return row!.value;
  };

  it("counts more page-fault exits per fork under shadow paging than under nested paging", () => {
    const shadow = at("lab-kvm-shadow kvm_pf_fixed");
    const nested = at("lab-kvm-nested kvm_pf_fixed");
    process.stderr.write(`lab meters: kvm_pf_fixed per fork: shadow ${shadow.toFixed(1)}, nested ${nested.toFixed(1)}; kvm_exits shadow ${at("lab-kvm-shadow kvm_exits").toFixed(1)}, nested ${at("lab-kvm-nested kvm_exits").toFixed(1)}\n`);
    expect(shadow).toBeGreaterThan(10);
    expect(shadow).toBeGreaterThan(5 * nested);
    expect(at("lab-kvm-shadow kvm_exits")).toBeGreaterThan(at("lab-kvm-nested kvm_exits"));
    // Shadow paging tracks the guest's page-table writes; nested paging leaves them to the guest.
    expect(at("lab-kvm-shadow kvm_mmu_pte_write")).toBeGreaterThan(at("lab-kvm-nested kvm_mmu_pte_write"));
  });

  it("counts more entries into Xen per fork in a PV domU than in a PVH one, page-table updates among them", () => {
    const pv = at("lab-xen-pv xen_entries");
    const pvh = at("lab-xen-pvh xen_entries");
    process.stderr.write(`lab meters: xen_entries per fork: PV ${pv.toFixed(1)}, PVH ${pvh.toFixed(1)}\n`);
    expect(pv).toBeGreaterThan(10 * pvh);
    expect(at("lab-xen-pv xen_ptwr_emulations")).toBeGreaterThan(1);
    expect(at("lab-xen-pv xen_vcpu_time")).toBeGreaterThan(0);
    expect(at("lab-xen-pvh xen_vmexits")).toBeGreaterThan(0);
    // The guest's own side is there for every environment.
    for (const env of ["lab-kvm-shadow", "lab-kvm-nested", "lab-xen-pv", "lab-xen-pvh"]) expect(at(`${env} guest_minflt`)).toBeGreaterThan(1);
  });
});
