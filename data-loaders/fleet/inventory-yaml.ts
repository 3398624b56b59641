/**
 * Ansible's YAML inventory (ansible/plugins/inventory/yaml.py): a mapping of groups, each with
 * `hosts` (pattern → variables or nothing), `vars` and `children` (more groups, nested the same
 * way). Ansible skips a key it does not know with a warning; vmmbench stops at it with its line,
 * since a misspelt `host:` would otherwise drop hosts from a campaign without a word.
 */
import {readFileSync} from "node:fs";
import {isMap, isNode, isScalar, LineCounter, parseDocument, type Document} from "yaml";
import {ConfigError} from "../errors.ts";
import {expandHostPattern} from "./host-pattern.ts";
import {InventoryBuilder, type Vars} from "./inventory.ts";

type Path = (string | number)[];

export function parseYamlInventory(text: string, file: string): InventoryBuilder {
  const {doc, at} = parseYaml(text, file);
  const fail: (path: Path, expected: string, found?: unknown) => never = (path, expected, found) => {
    throw new ConfigError(`${at(path)}: ${path.join(".")}${path.length ? ": " : ""}expected ${expected}${found === undefined ? "" : `, found ${JSON.stringify(found)}`}`);
  };
  const root = doc.toJS() as unknown;
  if (!isPlainMapping(root)) fail([], "a mapping of groups (all: {hosts: …, children: …})", root);
  if ("plugin" in root) fail(["plugin"], "a YAML inventory, not an inventory plugin's configuration (ansible-playbook reads those; vmmbench reads INI and YAML files)");
  const inventory = new InventoryBuilder();
  const group = (name: string, data: unknown, path: Path) => {
    inventory.group(name);
    if (data === null || data === undefined) return;
    if (!isPlainMapping(data)) fail(path, "a group: a mapping with hosts, vars or children", data);
    for (const [key, value] of Object.entries(data)) {
      const here = [...path, key];
      if (!["hosts", "vars", "children"].includes(key)) fail(here, "one of the keys hosts, vars, children", key);
      if (value === null) continue;
      // Ansible reads `hosts: web1` as a mapping of one host.
      const entries = typeof value === "string" ? {[value]: null} : value;
      if (!isPlainMapping(entries)) fail(here, "a mapping", value);
      for (const [name, item] of Object.entries(entries)) {
        if (key === "vars") inventory.group(groupName(path)).vars[name] = item;
        else if (key === "children") {
          group(name, item, [...here, name]);
          inventory.child(groupName(path), name);
        } else {
          let pattern;
          try {
            pattern = expandHostPattern(name);
          } catch (error) {
            return fail([...here, name], (error as Error).message, name);
          }
          if (item !== null && !isPlainMapping(item)) fail([...here, name], "the host's variables as a mapping, or nothing", item);
          const vars: Vars = {...((item as Vars | null) ?? {})};
          if (pattern.port !== null) vars.ansible_port = pattern.port;
          for (const host of pattern.names) inventory.host(groupName(path), host, vars);
        }
      }
    }
  };
  for (const [name, data] of Object.entries(root)) group(name, data, [name]);
  return inventory;
}

/** The group a path names: its last key that is not hosts/vars/children. */
function groupName(path: Path): string {
  return String(path[path.length - 1]);
}

/** A group_vars/ or host_vars/ file: its variables, or "vault" when ansible-vault encrypted it. */
export function readVarsFile(file: string): Vars | "vault" {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code})`);
  }
  if (text.startsWith("$ANSIBLE_VAULT;")) return "vault";
  const {doc, at} = parseYaml(text, file);
  const vars = doc.toJS() as unknown;
  if (vars === null || vars === undefined) return {};
  if (!isPlainMapping(vars)) throw new ConfigError(`${at([])}: expected a mapping of variables, found ${JSON.stringify(vars)}`);
  return vars;
}

function parseYaml(text: string, file: string): {doc: Document; at: (path: Path) => string} {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: false});
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    throw new ConfigError(`${file}:${lineCounter.linePos(error.pos[0]).line}: expected valid YAML: ${error.message.split("\n")[0]}`);
  }
  const line = (node: unknown) => (isNode(node) && node.range ? `${file}:${lineCounter.linePos(node.range[0]).line}` : undefined);
  // The line where a key is written (`web1:` may have no value node at all), else its nearest ancestor's.
  const at = (path: Path) => {
    for (let depth = path.length; depth > 0; depth--) {
      const parent = depth === 1 ? doc.contents : doc.getIn(path.slice(0, depth - 1), true);
      if (!isMap(parent)) continue;
      const pair = parent.items.find((item) => isScalar(item.key) && String(item.key.value) === String(path[depth - 1]));
      const found = pair ? line(pair.key) : undefined;
      if (found) return found;
    }
    return line(doc.contents) ?? `${file}:1`;
  };
  return {doc, at};
}

function isPlainMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
