import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {lanesOf} from "../../data-loaders/campaign/lanes.ts";
import {ConfigError} from "../../data-loaders/errors.ts";
import {parsePlanText} from "../../data-loaders/plan/load.ts";
import {validatePlan} from "../../data-loaders/plan/validate.ts";

const INVENTORY = `[hypervisors]
hv1 ansible_host=10.0.0.1
hv2 ansible_host=10.0.0.2 ansible_port=2222
# the same machine as hv1 under another name
hv1-alias ansible_host=10.0.0.1

[controller]
localhost ansible_connection=local

[hypervisors:vars]
ansible_user=bench
ansible_ssh_private_key_file=/keys/bench
`;

const SUITES = "suites:\n  lmbench: {table1: [lat_syscall], ctx: [], mem_size_mb: []}\n";

describe("plans that name an inventory group", () => {
  let dir: string;
  let plan: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-expand-"));
    writeFileSync(join(dir, "fleet.ini"), INVENTORY);
    plan = join(dir, "plan.yaml");
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  const load = (environments: string) => parsePlanText(`environments:\n${environments}${SUITES}`, plan);

  it("become one environment per host, labelled by the host, with how to reach it", () => {
    const loaded = load("  - {target: local}\n  - {target: ansible, inventory: fleet.ini, group: hypervisors, hypervisor: kvm}\n");
    expect(loaded.environments.map((e) => e.label)).toEqual(["native", "hv1", "hv2", "hv1-alias"]);
    expect(loaded.environments[2]).toMatchObject({
      target: "ansible",
      inventory: join(dir, "fleet.ini"),
      group: "hypervisors",
      host: "hv2",
      hypervisor: "kvm",
      transport: "auto",
      strictHostKeyChecking: "accept-new",
      resolved: {address: "10.0.0.2", port: 2222, user: "bench", identity_file: "/keys/bench", connection: "ssh", unresolved: []}
    });
    // A label names the environment on every host (several environments per host).
    expect(load("  - {target: ansible, inventory: fleet.ini, host: hv2, label: tuned}\n").environments.map((e) => e.label)).toEqual(["tuned@hv2"]);
  });

  it("store the expanded hosts, so a resumed campaign reaches them without the inventory", () => {
    const loaded = load("  - {target: ansible, inventory: fleet.ini, group: hypervisors}\n");
    const stored = JSON.parse(JSON.stringify(loaded.raw));
    expect(stored.environments).toHaveLength(3);
    rmSync(join(dir, "fleet.ini"));
    try {
      const again = validatePlan(stored, () => "stored plan");
      expect(again.environments).toEqual(loaded.environments);
    } finally {
      writeFileSync(join(dir, "fleet.ini"), INVENTORY);
    }
  });

  it.each([
    ["  - {target: ansible, inventory: fleet.ini, group: databases}\n", /plan\.yaml:2: environments\.0\.group: expected a group of fleet\.ini with hosts \(all, hypervisors, controller\), found "databases"/],
    ["  - {target: ansible, inventory: fleet.ini, host: hv9}\n", /plan\.yaml:2: environments\.0\.host: expected a host of fleet\.ini \(hv1, hv2, hv1-alias, localhost\), found "hv9"/],
    ["  - {target: ansible, inventory: fleet.ini, group: hypervisors, host: hv1}\n", /plan\.yaml:2: environments\.0\.host: expected either group .* or host .*, not both/],
    ["  - {target: ansible, inventory: missing.ini, group: hypervisors}\n", /missing\.ini: cannot read the inventory \(ENOENT\)/],
    ["  - {target: local}\n  - target: ansible\n    inventory: fleet.ini\n    group: hypervisors\n    forks: 0\n", /plan\.yaml:6: environments\.1\.forks: expected an integer from 1 to 1000, found 0/],
    ["  - {target: ansible, inventory: fleet.ini, host: hv1}\n  - {target: ansible, inventory: fleet.ini, group: hypervisors}\n", /plan\.yaml:3: environments\.1\.label: expected a label not used by another environment \("hv1" is\)/],
    ["  - {target: ssh, destination: a@b, group: hypervisors}\n", /plan\.yaml:2: environments\.0\.group: expected no group for a ssh environment \(only for ansible\)/]
  ])("point a mistake at the entry that named the group: %#", (environments, message) => {
    expect(() => load(environments)).toThrow(ConfigError);
    expect(() => load(environments)).toThrow(message);
  });

  it("put each machine in its own lane (aliases of one address share it) and ansible_connection=local in the controller's", () => {
    const loaded = load("  - {target: local}\n  - {target: ansible, inventory: fleet.ini, group: all}\n");
    expect(lanesOf(loaded.environments).map((lane) => [lane.machine, [...lane.labels]])).toEqual([
      ["controller", ["native", "localhost"]],
      ["10.0.0.1:22", ["hv1", "hv1-alias"]],
      ["10.0.0.2:2222", ["hv2"]]
    ]);
  });
});
