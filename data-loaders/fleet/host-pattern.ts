/**
 * Ansible's host patterns as inventories write them: `web[01:03].example.com` (numeric ranges keep
 * their zero padding, `[a:f]` letters, an optional step `[1:9:2]`, several ranges in one name) and
 * an optional `:port` (`db.example.com:2222`, `[2001:db8::1]:2222`). After
 * ansible/plugins/inventory/__init__.py (expand_hostname_range) and parsing/utils/addresses.py.
 */

export interface HostPattern {
  names: string[];
  port: number | null;
}

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** Expands a host pattern; throws a plain Error with what is wrong (the caller adds file:line). */
export function expandHostPattern(pattern: string): HostPattern {
  const text = pattern.trim();
  if (text === "") throw new Error("a host name");
  // [IPv6]:port, then name:port where the name holds no other colon; a bare IPv6 address has no port.
  const bracketed = /^\[([0-9A-Fa-f:.%]+:[0-9A-Fa-f:.%]*)\](?::(\d+))?$/.exec(text);
  if (bracketed) return {names: [bracketed[1]!], port: bracketed[2] === undefined ? null : port(bracketed[2])};
  if (text.endsWith(":")) throw new Error(`a port after the colon of "${text}"`);
  // Colons inside [...] belong to ranges; one outside them, followed by digits only, starts a port.
  const outside = text.replace(/\[[^\]]*\]/g, (range) => "_".repeat(range.length));
  const colons = [...outside.matchAll(/:/g)].map((m) => m.index!);
  if (colons.length > 1) {
    if (/^[0-9A-Fa-f:.%]+$/.test(text)) return {names: [text], port: null};
    throw new Error(`a host name, host:port or an IPv6 address, not "${text}"`);
  }
  const withPort = colons.length === 1 ? /^(.+):(\d+)$/.exec(text) : null;
  if (colons.length === 1 && !withPort) throw new Error(`a host name or host:port, not "${text}"`);
  const name = withPort ? withPort[1]! : text;
  return {names: expandRanges(name), port: withPort ? port(withPort[2]!) : null};
}

function port(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`a port from 1 to 65535, not ${text}`);
  return n;
}

/** `db[1:3]-node[a:b]` → db1-nodea, db1-nodeb, db2-nodea … (the first range varies slowest). */
function expandRanges(name: string): string[] {
  const open = name.indexOf("[");
  if (open < 0) {
    if (name.includes("]")) throw new Error(`a "[" before the "]" in "${name}"`);
    return [name];
  }
  const close = name.indexOf("]", open);
  if (close < 0) throw new Error(`a "]" closing the range in "${name}"`);
  const head = name.slice(0, open);
  const tail = name.slice(close + 1);
  const bounds = name.slice(open + 1, close).split(":");
  if (bounds.length !== 2 && bounds.length !== 3) throw new Error(`a range begin:end or begin:end:step, not "[${bounds.join(":")}]"`);
  const [begin = "0", end = "", stepText = "1"] = bounds;
  const step = Number(stepText);
  if (!Number.isInteger(step) || step < 1) throw new Error(`a whole step of at least 1 in "[${bounds.join(":")}]"`);
  if (end === "") throw new Error(`an end value in "[${bounds.join(":")}]"`);
  let items: string[];
  const a = LETTERS.indexOf(begin || "0");
  const b = LETTERS.indexOf(end);
  if (begin.length === 1 && end.length === 1 && a >= 0 && b >= 0) {
    if (a > b) throw new Error(`a range whose begin is not after its end: "[${bounds.join(":")}]"`);
    items = [];
    for (let i = a; i <= b; i += step) items.push(LETTERS[i]!);
  } else {
    const from = begin === "" ? 0 : Number(begin);
    const to = Number(end);
    if (!/^\d*$/.test(begin) || !/^\d+$/.test(end)) throw new Error(`numbers or single letters in "[${bounds.join(":")}]"`);
    if (from > to) throw new Error(`a range whose begin is not after its end: "[${bounds.join(":")}]"`);
    if (to - from > 100_000) throw new Error(`a range of at most 100000 hosts, not "[${bounds.join(":")}]"`);
    // A leading zero asks for the padding of the written begin, which the end must share.
    const width = begin.length > 1 && begin.startsWith("0") ? begin.length : 0;
    if (width && end.length !== width) throw new Error(`equal-length begin and end in "[${bounds.join(":")}]"`);
    items = [];
    for (let i = from; i <= to; i += step) items.push(String(i).padStart(width, "0"));
  }
  const rest = expandRanges(tail);
  return items.flatMap((item) => rest.map((r) => `${head}${item}${r}`));
}
