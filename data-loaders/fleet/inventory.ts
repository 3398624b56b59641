/**
 * An Ansible inventory as vmmbench reads it, without Ansible: INI or YAML files with groups,
 * children, group and host variables, host ranges and `host:port`, plus the `group_vars/` and
 * `host_vars/` folders beside the file. Variables resolve as Ansible resolves them: `all`, then
 * groups by depth (parents before children), `ansible_group_priority`, then name; the host's own
 * variables last. Jinja2 expressions are kept as written (only Ansible evaluates them), and a
 * vault-encrypted variables file is noted, not read.
 */
import {existsSync, readdirSync, readFileSync, statSync} from "node:fs";
import {basename, dirname, extname, join, resolve} from "node:path";
import {ConfigError} from "../errors.ts";
import {parseIniInventory} from "./inventory-ini.ts";
import {parseYamlInventory, readVarsFile} from "./inventory-yaml.ts";

export type Vars = Record<string, unknown>;

export interface InventoryGroup {
  name: string;
  /** Hosts declared in the group itself, in declaration order. */
  hosts: string[];
  children: string[];
  parents: Set<string>;
  vars: Vars;
}

export interface Inventory {
  /** Absolute path of the inventory file. */
  path: string;
  groups: Map<string, InventoryGroup>;
  /** Each host's own variables, in the order hosts were first declared. */
  hostVars: Map<string, Vars>;
  /** Files whose variables are vault-encrypted (only ansible-playbook can read them). */
  vaulted: string[];
}

/** What both formats' parsers fill. */
export class InventoryBuilder {
  readonly groups = new Map<string, InventoryGroup>();
  readonly hostVars = new Map<string, Vars>();

  constructor() {
    this.group("all");
    this.group("ungrouped");
  }

  group(name: string): InventoryGroup {
    let group = this.groups.get(name);
    if (!group) this.groups.set(name, (group = {name, hosts: [], children: [], parents: new Set(), vars: {}}));
    return group;
  }

  host(group: string, name: string, vars: Vars): void {
    const own = this.hostVars.get(name) ?? {};
    this.hostVars.set(name, Object.assign(own, vars));
    const members = this.group(group).hosts;
    if (!members.includes(name)) members.push(name);
  }

  child(parent: string, child: string): void {
    const group = this.group(parent);
    if (!group.children.includes(child)) group.children.push(child);
    this.group(child).parents.add(parent);
  }

  build(path: string): Inventory {
    for (const group of this.groups.values()) {
      if (group.name !== "all" && group.parents.size === 0) this.child("all", group.name);
    }
    // Ansible puts a host that belongs to no group but `all` into `ungrouped`.
    const grouped = new Set([...this.groups.values()].filter((g) => g.name !== "all" && g.name !== "ungrouped").flatMap((g) => g.hosts));
    for (const host of this.hostVars.keys()) if (!grouped.has(host)) this.host("ungrouped", host, {});
    return {path, groups: this.groups, hostVars: this.hostVars, vaulted: []};
  }
}

/** Reads an INI or YAML inventory file and the group_vars/ and host_vars/ folders beside it. */
export function readInventory(path: string): Inventory {
  const file = resolve(path);
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw new ConfigError(`${path}: an inventory folder is read by ansible-playbook only; name one INI or YAML file`);
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${path}: cannot read the inventory (${(error as NodeJS.ErrnoException).code})`);
  }
  const inventory = looksLikeYaml(file, text) ? parseYamlInventory(text, path).build(file) : parseIniInventory(text, path).build(file);
  readVarsFolders(inventory, dirname(file));
  return inventory;
}

function looksLikeYaml(file: string, text: string): boolean {
  if ([".yml", ".yaml", ".json"].includes(extname(file).toLowerCase())) return true;
  const first = text.split("\n").map((line) => line.trim()).find((line) => line !== "" && !line.startsWith("#") && !line.startsWith(";"));
  // INI starts with a section or a host line; YAML with `group:` (a key that ends its line) or a document marker.
  return first !== undefined && (first === "---" || /^[^\s=\[]+:\s*(#.*)?$/.test(first) || first.startsWith("{"));
}

/** group_vars/<group>[.yml|.yaml|.json] or group_vars/<group>/*, and the same for host_vars. */
function readVarsFolders(inventory: Inventory, dir: string): void {
  const targets: [string, Iterable<string>, (name: string, vars: Vars) => void][] = [
    ["group_vars", inventory.groups.keys(), (name, vars) => Object.assign(inventory.groups.get(name)!.vars, vars)],
    ["host_vars", inventory.hostVars.keys(), (name, vars) => Object.assign(inventory.hostVars.get(name)!, vars)]
  ];
  for (const [folder, names, apply] of targets) {
    const root = join(dir, folder);
    if (!existsSync(root)) continue;
    const entries = new Map(readdirSync(root).map((entry) => [entry, join(root, entry)]));
    for (const name of names) {
      for (const file of varsFiles(entries, name)) {
        const vars = readVarsFile(file);
        if (vars === "vault") inventory.vaulted.push(file);
        else apply(name, vars);
      }
    }
  }
}

function varsFiles(entries: Map<string, string>, name: string): string[] {
  const found: string[] = [];
  for (const candidate of [name, `${name}.yml`, `${name}.yaml`, `${name}.json`]) {
    const path = entries.get(candidate);
    if (!path) continue;
    if (statSync(path).isDirectory()) {
      found.push(
        ...readdirSync(path)
          .filter((entry) => !entry.startsWith(".") && ["", ".yml", ".yaml", ".json"].includes(extname(entry)))
          .sort()
          .map((entry) => join(path, entry))
          .filter((file) => statSync(file).isFile())
      );
    } else found.push(path);
  }
  return found;
}

/** Every host of a group and of its descendants, in declaration order, once each. */
export function hostsOf(inventory: Inventory, group: string): string[] {
  if (!inventory.groups.has(group)) return [];
  const out = new Set<string>();
  const seen = new Set<string>();
  const walk = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const g = inventory.groups.get(name)!;
    for (const host of g.hosts) out.add(host);
    for (const child of g.children) walk(child);
  };
  walk(group);
  if (group === "all") for (const host of inventory.hostVars.keys()) out.add(host);
  return [...out];
}

/** The groups a host belongs to, directly or through children, `all` included. */
export function groupsOf(inventory: Inventory, host: string): string[] {
  const direct = [...inventory.groups.values()].filter((g) => g.hosts.includes(host)).map((g) => g.name);
  const out = new Set<string>(["all"]);
  const up = (name: string) => {
    if (out.has(name) && name !== "all") return;
    out.add(name);
    for (const parent of inventory.groups.get(name)!.parents) up(parent);
  };
  for (const name of direct) up(name);
  return [...out];
}

/** A host's variables after Ansible's precedence: groups by depth, priority and name, then the host's own. */
export function varsOf(inventory: Inventory, host: string): Vars {
  const depth = new Map<string, number>();
  const depthOf = (name: string, trail: Set<string> = new Set()): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (name === "all" || trail.has(name)) return 0;
    trail.add(name);
    const parents = [...inventory.groups.get(name)!.parents];
    const d = parents.length === 0 ? 1 : Math.max(...parents.map((p) => depthOf(p, trail))) + 1;
    depth.set(name, d);
    return d;
  };
  const priority = (name: string) => Number(inventory.groups.get(name)!.vars.ansible_group_priority ?? 1);
  const groups = groupsOf(inventory, host).sort((a, b) => depthOf(a) - depthOf(b) || priority(a) - priority(b) || a.localeCompare(b));
  const vars: Vars = {};
  for (const name of groups) Object.assign(vars, inventory.groups.get(name)!.vars);
  return Object.assign(vars, inventory.hostVars.get(host));
}

/** Whether a value holds a Jinja2 expression that only Ansible can evaluate. */
export function isTemplated(value: unknown): boolean {
  return typeof value === "string" && /\{\{|\{%/.test(value);
}

export function inventoryName(inventory: Inventory): string {
  return basename(inventory.path);
}
