import {execa} from "execa";
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {ConfigError} from "../../data-loaders/errors.ts";
import {resolveConnection} from "../../data-loaders/fleet/connection.ts";
import {expandHostPattern} from "../../data-loaders/fleet/host-pattern.ts";
import {hostsOf, readInventory, varsOf, type Inventory} from "../../data-loaders/fleet/inventory.ts";
import {findAnsiblePlaybook} from "../../data-loaders/fleet/transport.ts";

const INI = `# hosts before any section are ungrouped
lonely.example.com

[web]
web[01:03].example.com ansible_user=deploy http_port=8080
db.example.com:2222 ansible_host=10.0.0.5 "note=two words" flag=True

[web:vars]
ansible_user = ops
ntp = "ntp.example.com"

[prod:children]
web
dbs

[dbs]
db.example.com

[prod:vars]
ansible_port=2200
env=prod
`;

// The same inventory in Ansible's YAML form.
const YAML = `all:
  hosts:
    lonely.example.com:
  children:
    prod:
      vars: {ansible_port: 2200, env: prod}
      children:
        web:
          vars: {ansible_user: ops, ntp: ntp.example.com}
          hosts:
            web[01:03].example.com: {ansible_user: deploy, http_port: 8080}
            db.example.com:2222: {ansible_host: 10.0.0.5, note: two words, flag: true}
        dbs:
          hosts:
            db.example.com:
`;

const ANSIBLE_INVENTORY = (await findAnsiblePlaybook()) ? "ansible-inventory" : null;

describe("Ansible inventories read without Ansible", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-inventory-"));
    writeFileSync(join(dir, "fleet.ini"), INI);
    writeFileSync(join(dir, "fleet.yml"), YAML);
    mkdirSync(join(dir, "group_vars"));
    mkdirSync(join(dir, "host_vars", "web02.example.com"), {recursive: true});
    writeFileSync(join(dir, "group_vars", "web.yml"), "ansible_ssh_private_key_file: /keys/web\ncolor: blue\n");
    writeFileSync(join(dir, "host_vars", "web02.example.com", "main.yml"), "color: red\n");
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  const everything = (inventory: Inventory) => ({
    groups: Object.fromEntries(["all", "ungrouped", "web", "dbs", "prod"].map((g) => [g, hostsOf(inventory, g).sort()])),
    vars: Object.fromEntries(hostsOf(inventory, "all").map((h) => [h, sorted(varsOf(inventory, h))]))
  });

  it("reads INI: sections, children, :vars, ranges, host:port, quoted words, Python literals, group_vars/ and host_vars/", () => {
    const inventory = readInventory(join(dir, "fleet.ini"));
    const {groups, vars} = everything(inventory);
    expect(groups).toEqual({
      all: ["db.example.com", "lonely.example.com", "web01.example.com", "web02.example.com", "web03.example.com"],
      ungrouped: ["lonely.example.com"],
      web: ["db.example.com", "web01.example.com", "web02.example.com", "web03.example.com"],
      dbs: ["db.example.com"],
      prod: ["db.example.com", "web01.example.com", "web02.example.com", "web03.example.com"]
    });
    // The host's own values win; then the deeper group (web over prod); group_vars/ and host_vars/ add theirs.
    expect(vars["web02.example.com"]).toEqual({ansible_port: 2200, ansible_ssh_private_key_file: "/keys/web", ansible_user: "deploy", color: "red", env: "prod", http_port: 8080, ntp: "ntp.example.com"});
    expect(vars["db.example.com"]).toEqual({
      ansible_host: "10.0.0.5", ansible_port: 2222, ansible_ssh_private_key_file: "/keys/web", ansible_user: "ops", color: "blue", env: "prod", flag: true, note: "two words", ntp: "ntp.example.com"
    });
    expect(resolveConnection("db.example.com", varsOf(inventory, "db.example.com"), [])).toEqual({
      address: "10.0.0.5", port: 2222, user: "ops", identity_file: "/keys/web", ssh_args: [], connection: "ssh", become: false, unresolved: []
    });
  });

  it("reads the same inventory written as YAML to the same hosts, groups and variables", () => {
    expect(everything(readInventory(join(dir, "fleet.yml")))).toEqual(everything(readInventory(join(dir, "fleet.ini"))));
  });

  it.skipIf(!ANSIBLE_INVENTORY)("agrees with ansible-inventory --list on every host's variables and every group's hosts", async () => {
    for (const file of ["fleet.ini", "fleet.yml"]) {
      const listed = JSON.parse((await execa("ansible-inventory", ["-i", join(dir, file), "--list"])).stdout) as Record<string, {hosts?: string[]; children?: string[]}> & {_meta: {hostvars: Record<string, Record<string, unknown>>}};
      const inventory = readInventory(join(dir, file));
      const ours = Object.fromEntries(hostsOf(inventory, "all").map((h) => [h, sorted(varsOf(inventory, h))]));
      const theirs = Object.fromEntries(Object.entries(listed._meta.hostvars).map(([h, v]) => [h, sorted(v)]));
      for (const host of hostsOf(inventory, "all")) theirs[host] ??= {};
      expect(ours).toEqual(theirs);
      const members = (group: string): string[] => [...(listed[group]?.hosts ?? []), ...(listed[group]?.children ?? []).flatMap(members)];
      for (const group of ["web", "dbs", "prod", "ungrouped"]) expect(hostsOf(inventory, group).sort()).toEqual([...new Set(members(group))].sort());
    }
  });

  it("expands host patterns as Ansible does", () => {
    expect(expandHostPattern("db[01:10:3].example.com")).toEqual({names: ["db01.example.com", "db04.example.com", "db07.example.com", "db10.example.com"], port: null});
    expect(expandHostPattern("node-[a:c][1:2]:2200")).toEqual({names: ["node-a1", "node-a2", "node-b1", "node-b2", "node-c1", "node-c2"], port: 2200});
    expect(expandHostPattern("[2001:db8::1]:22")).toEqual({names: ["2001:db8::1"], port: 22});
    expect(expandHostPattern("2001:db8::1")).toEqual({names: ["2001:db8::1"], port: null});
    expect(() => expandHostPattern("db[01:3]")).toThrow(/equal-length/);
    expect(expandHostPattern("db[1:03]").names).toEqual(["db1", "db2", "db3"]);
    expect(() => expandHostPattern("db[5:1]")).toThrow(/begin is not after its end/);
    expect(() => expandHostPattern("db:")).toThrow(/port after the colon/);
    expect(() => expandHostPattern("db:99999")).toThrow(/port from 1 to 65535/);
  });

  it.each([
    ["[web\nweb1\n", "bad.ini:1: expected a section like [group] with no spaces"],
    ["[web:hosts2]\nweb1\n", 'bad.ini:1: expected a section [group], [group:vars] or [group:children], found "[web:hosts2]"'],
    ["[web]\nweb1 ansible_port\n", 'bad.ini:2: expected key=value host variables after the host name, found "ansible_port"'],
    ["[web]\nweb[3:1]\n", "bad.ini:2: expected a range whose begin is not after its end"],
    ["[web]\nweb1\n[web:vars]\nnothing here\n", 'bad.ini:4: expected key=value, found "nothing here"'],
    ["[prod:children]\nweb\n", 'bad.ini:2: expected a group declared somewhere in the file ([web]), found "web"'],
    ["[web]\nweb1 note='unterminated\n", "bad.ini:2: expected a host line (an unterminated quote)"]
  ])("names the line of a mistake in INI: %j", (text, message) => {
    writeFileSync(join(dir, "bad.ini"), text);
    expect(() => readInventory(join(dir, "bad.ini"))).toThrow(ConfigError);
    expect(() => readInventory(join(dir, "bad.ini"))).toThrow(message);
  });

  it.each([
    ["all:\n  host:\n    web1:\n", 'bad.yml:2: all.host: expected one of the keys hosts, vars, children, found "host"'],
    ["all:\n  hosts:\n    web1: [a, b]\n", "bad.yml:3: all.hosts.web1: expected the host's variables as a mapping, or nothing"],
    ["- web1\n", "bad.yml:1: expected a mapping of groups"],
    ["plugin: aws_ec2\n", "bad.yml:1: plugin: expected a YAML inventory, not an inventory plugin's configuration"],
    ["all:\n  hosts: {web1: {ansible_port: 1}\n", /bad\.yml:\d: expected valid YAML: Flow map/]
  ])("names the line of a mistake in YAML: %j", (text, message) => {
    writeFileSync(join(dir, "bad.yml"), text);
    expect(() => readInventory(join(dir, "bad.yml"))).toThrow(message);
  });

  it("notes what only Ansible can evaluate: Jinja2, vault, passwords", () => {
    const vaultDir = mkdtempSync(join(dir, "vault-"));
    writeFileSync(join(vaultDir, "hosts.ini"), "[web]\nweb1 ansible_host='{{ lookup(\"env\", \"WEB1\") }}'\nweb2 ansible_password=secret\n");
    mkdirSync(join(vaultDir, "group_vars"));
    writeFileSync(join(vaultDir, "group_vars", "web.yml"), "$ANSIBLE_VAULT;1.1;AES256\n6162636465\n");
    const inventory = readInventory(join(vaultDir, "hosts.ini"));
    expect(inventory.vaulted).toEqual([join(vaultDir, "group_vars", "web.yml")]);
    const web1 = resolveConnection("web1", varsOf(inventory, "web1"), inventory.vaulted);
    expect(web1.unresolved).toEqual([expect.stringContaining("ansible_host is a Jinja2 expression"), expect.stringContaining("vault-encrypted")]);
    expect(resolveConnection("web2", varsOf(inventory, "web2"), []).unresolved).toEqual([expect.stringContaining("password login")]);
  });
});

function sorted(vars: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(vars).sort(([a], [b]) => a.localeCompare(b)));
}
