/**
 * A plan names a group of an Ansible inventory instead of listing hosts:
 *
 *     - target: ansible
 *       inventory: fleet.ini        # relative to the plan's folder
 *       group: hypervisors          # or host: web01, for one host
 *       label: native               # optional: environments are then native@<host>
 *
 * At plan load it becomes one environment per host of the group (its children's hosts included),
 * labelled by the host (or `label@host`), each with how to reach it resolved from the inventory
 * (`resolved:`, fleet/connection.ts). The stored plan holds that expanded list, so `--resume`
 * continues the same hosts, each where it stopped, whatever the inventory says by then. Errors
 * inside an expanded environment point at the line of the entry that named the group.
 */
import {resolve} from "node:path";
import {fail, parseWith, text, type Locate} from "../plan/schema.ts";
import {resolveConnection} from "./connection.ts";
import {hostsOf, inventoryName, readInventory, varsOf} from "./inventory.ts";

export const FLEET_TARGET = "ansible";

export interface ExpandedEnvironments {
  environments: unknown[];
  /** Locates a path of the expanded plan in the text as written. */
  locate: Locate;
  /** Whether any entry named an inventory (the stored plan is then the expanded one). */
  expanded: boolean;
}

type Obj = Record<string, unknown>;

export function expandInventoryGroups(environments: readonly unknown[], locate: Locate, baseDir: string): ExpandedEnvironments {
  const out: unknown[] = [];
  const origin: number[] = [];
  let expanded = false;
  environments.forEach((entry, i) => {
    const env = entry as Obj;
    // Already expanded (a stored plan being resumed), or not a fleet entry: as written.
    if (env === null || typeof env !== "object" || env.target !== FLEET_TARGET || (env.resolved !== undefined && env.resolved !== null)) {
      out.push(entry);
      origin.push(i);
      return;
    }
    expanded = true;
    const path = ["environments", i];
    const file = parseWith(text(), env.inventory, locate, [...path, "inventory"]);
    const group = env.group === undefined || env.group === null ? undefined : parseWith(text(), env.group, locate, [...path, "group"]);
    const host = env.host === undefined || env.host === null ? undefined : parseWith(text(), env.host, locate, [...path, "host"]);
    if ((group === undefined) === (host === undefined)) fail(locate, [...path, group === undefined ? "group" : "host"], "either group (every host of an inventory group) or host (one of them), not both", group ?? host);
    const inventory = readInventory(resolve(baseDir, file));
    const names = group !== undefined ? hostsOf(inventory, group) : inventory.hostVars.has(host!) ? [host!] : [];
    if (names.length === 0) {
      const groups = [...inventory.groups.values()].filter((g) => hostsOf(inventory, g.name).length > 0).map((g) => g.name);
      if (group !== undefined) fail(locate, [...path, "group"], `a group of ${inventoryName(inventory)} with hosts (${groups.join(", ") || "it has none"})`, group);
      fail(locate, [...path, "host"], `a host of ${inventoryName(inventory)} (${[...inventory.hostVars.keys()].slice(0, 8).join(", ") || "it has none"})`, host);
    }
    const label = env.label === undefined || env.label === null ? undefined : parseWith(text(), env.label, locate, [...path, "label"]);
    for (const name of names) {
      out.push({
        ...env,
        label: label === undefined ? name : `${label}@${name}`,
        inventory: inventory.path,
        ...(group === undefined ? {} : {group}),
        host: name,
        resolved: resolveConnection(name, varsOf(inventory, name), inventory.vaulted)
      });
      origin.push(i);
    }
  });
  return {
    environments: out,
    expanded,
    locate: (path) => locate(path[0] === "environments" && typeof path[1] === "number" ? ["environments", origin[path[1]] ?? path[1], ...path.slice(2)] : path)
  };
}
