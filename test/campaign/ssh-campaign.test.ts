import {execa} from "execa";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {Store} from "../../data-loaders/store/store.ts";
import {ROOT} from "../helpers/shared.ts";
import {SSHD_SKIP_REASON, startSshd, type Sshd} from "../helpers/sshd.ts";

const BIN = join(ROOT, "bin", "vmmbench.js");
if (SSHD_SKIP_REASON) console.warn(`[vmmbench tests] ${SSHD_SKIP_REASON}`);

describe.skipIf(SSHD_SKIP_REASON !== null)("a campaign across native and an SSH host (real sshd on 127.0.0.1)", () => {
  let sshd: Sshd;
  let dir: string;
  beforeAll(async () => {
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), "vmmbench-sshcampaign-"));
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(dir, {recursive: true, force: true});
  });

  it("interleaves the environments in rotating order and records each one's fingerprint", async () => {
    writeFileSync(
      join(dir, "plan.yaml"),
      `name: ssh
environments:
  - {target: local, label: native}
  - target: ssh
    label: loopback-ssh
    destination: ${sshd.destination}
    port: ${sshd.port}
    identity_file: ${sshd.identityFile}
    strict_host_key_checking: "no"
    hypervisor: kvm
    passthrough: true
suites:
  lmbench: {table1: [lat_syscall, lat_pipe], ctx: [], mem_size_mb: [4], budget_ms: 20, reps: 3}
repetitions: {min: 2, max: 2}
`
    );
    const db = join(dir, "s.duckdb");
    const result = await execa("node", [BIN, "run", "--plan", join(dir, "plan.yaml"), "--db", db]);
    const order = [...result.stderr.matchAll(/\] (?:ok|FAIL) +(\S+)\/r(\d)\//g)].map((m) => `${m[2]}:${m[1]}`);
    expect(order).toEqual(["0:native", "0:native", "0:loopback-ssh", "0:loopback-ssh", "1:loopback-ssh", "1:loopback-ssh", "1:native", "1:native"]);
    const store = await Store.open(db);
    try {
      const envs = await store.query(`SELECT r.environment, r.hypervisor, r.passthrough, e.launch, count(DISTINCT r.metric) FILTER (WHERE r.suite <> 'meters') AS metrics FROM results r JOIN environments e USING (run_id, environment) WHERE r.source = 'run' GROUP BY ALL ORDER BY 1`);
      expect(envs).toEqual([
        {environment: "loopback-ssh", hypervisor: "kvm", passthrough: true, launch: expect.stringContaining(`:${sshd.port}`), metrics: 5},
        {environment: "native", hypervisor: "none", passthrough: false, launch: "local", metrics: 5}
      ]);
    } finally {
      store.close();
    }
  });
});
