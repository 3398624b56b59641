/**
 * Ansible's INI inventory (ansible/plugins/inventory/ini.py): `[group]` sections of host lines
 * (`pattern key=value …`, split as a POSIX shell would), `[group:vars]` of `key=value` lines and
 * `[group:children]` of group names; hosts before the first section are `ungrouped`. Values are
 * read as Python literals where they are one (numbers, True/False/None, quoted strings), else as
 * text. A `:vars` or `:children` section may come before its group is declared; a name it refers
 * to that is never declared is an error, as in Ansible.
 */
import {ConfigError} from "../errors.ts";
import {expandHostPattern} from "./host-pattern.ts";
import {InventoryBuilder, type Vars} from "./inventory.ts";

export function parseIniInventory(text: string, file: string): InventoryBuilder {
  const inventory = new InventoryBuilder();
  const fail: (line: number, expected: string, found?: string) => never = (line, expected, found) => {
    throw new ConfigError(`${file}:${line}: expected ${expected}${found === undefined ? "" : `, found ${JSON.stringify(found)}`}`);
  };
  let group = "ungrouped";
  let state: "hosts" | "vars" | "children" = "hosts";
  const declared = new Set(["all", "ungrouped"]);
  /** Groups named by a :vars or :children section before being declared, with the line that named them. */
  const pending = new Map<string, number>();
  const declare = (name: string) => {
    declared.add(name);
    pending.delete(name);
  };
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) return;
    const section = /^\[([^\]\s:]+)(?::(\w+))?\]\s*(?:[#;].*)?$/.exec(trimmed);
    if (section) {
      group = section[1]!;
      const kind = section[2] ?? "hosts";
      if (kind !== "hosts" && kind !== "vars" && kind !== "children") fail(line, "a section [group], [group:vars] or [group:children]", trimmed);
      state = kind as typeof state;
      inventory.group(group);
      if (state === "vars") {
        if (!declared.has(group) && !pending.has(group)) pending.set(group, line);
      } else declare(group);
      return;
    }
    if (trimmed.startsWith("[")) fail(line, "a section like [group] with no spaces", trimmed);
    if (state === "vars") {
      const eq = trimmed.indexOf("=");
      if (eq < 0) fail(line, "key=value", trimmed);
      const key = trimmed.slice(0, eq).trim();
      if (key === "") fail(line, "a variable name before =", trimmed);
      Object.assign(inventory.group(group).vars, {[key]: pythonLiteral(trimmed.slice(eq + 1).trim())});
    } else if (state === "children") {
      const child = shellWords(trimmed, () => fail(line, "a group name", trimmed))[0]!;
      if (child === group) fail(line, `a child group other than ${group} itself`, child);
      inventory.child(group, child);
      if (!declared.has(child) && !pending.has(child)) pending.set(child, line);
    } else {
      const words = shellWords(trimmed, (why) => fail(line, `a host line (${why})`, trimmed));
      if (words.length === 0) return;
      let pattern;
      try {
        pattern = expandHostPattern(words[0]!);
      } catch (error) {
        return fail(line, (error as Error).message, words[0]);
      }
      const vars: Vars = {};
      for (const word of words.slice(1)) {
        const eq = word.indexOf("=");
        if (eq <= 0) fail(line, "key=value host variables after the host name", word);
        vars[word.slice(0, eq)] = pythonLiteral(word.slice(eq + 1));
      }
      if (pattern.port !== null) vars.ansible_port = pattern.port;
      for (const name of pattern.names) inventory.host(group, name, vars);
      declare(group);
    }
  });
  for (const [name, line] of pending) fail(line, `a group declared somewhere in the file ([${name}])`, name);
  return inventory;
}

/**
 * A value as Python's ast.literal_eval reads it, where it reads: numbers, True/False/None, quoted
 * strings, and JSON-shaped lists and mappings; anything else stays text.
 */
export function pythonLiteral(text: string): unknown {
  if (/^[-+]?\d+$/.test(text)) return Number(text);
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  if (text === "True") return true;
  if (text === "False") return false;
  if (text === "None") return null;
  const quoted = /^(['"])(.*)\1$/s.exec(text);
  if (quoted) return quoted[2]!.replace(/\\(.)/g, "$1");
  if (/^[\[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** Splits a line into words as Python's shlex.split(line, comments=True) does. */
export function shellWords(line: string, fail: (why: string) => never): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'" || c === '"') {
      const end = c === "'" ? line.indexOf("'", i + 1) : closingDoubleQuote(line, i + 1);
      if (end < 0) fail("an unterminated quote");
      const inner = line.slice(i + 1, end);
      word = (word ?? "") + (c === '"' ? inner.replace(/\\(["\\$`])/g, "$1") : inner);
      i = end;
    } else if (c === "\\" && i + 1 < line.length) {
      word = (word ?? "") + line[++i];
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "#" && word === null) {
      break;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

function closingDoubleQuote(line: string, from: number): number {
  for (let i = from; i < line.length; i++) {
    if (line[i] === "\\") i++;
    else if (line[i] === '"') return i;
  }
  return -1;
}
