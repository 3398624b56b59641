/**
 * A slot per (a, b, c, params) without building a string key per sample: nested Maps keyed by the
 * three strings, then by each param name (sorted) and value. Two params objects get the same slot
 * exactly when their canonical JSON (keys sorted, as the store writes `series.params`) is equal:
 * NaN and ±Infinity count as null and undefined-valued keys are absent, as in JSON.stringify.
 * Parsing and storing a million samples was dominated by JSON.stringify and hashing the long key
 * strings; a Map lookup on a short string or a number is far cheaper.
 */
import type {ParamValue, Params} from "./samples.ts";

type Node = Map<unknown, unknown>;

/** Marks "no more params" inside a node, so {a: 1} and {a: 1, b: 2} get different slots. */
const END = Symbol("end");

export class ParamsTrie<T> {
  private readonly root: Node = new Map();
  // Consecutive samples mostly share (a, b, c): remember the last prefix node.
  private lastA: string | undefined;
  private lastB: string | undefined;
  private lastC: string | undefined;
  private lastNode: Node | undefined;

  /** The slot for this combination, made by `create` the first time it is seen. */
  slot(a: string, b: string, c: string, params: Params, create: () => T): T {
    let node: Node;
    if (this.lastNode !== undefined && a === this.lastA && b === this.lastB && c === this.lastC) node = this.lastNode;
    else {
      node = child(child(child(this.root, a), b), c);
      this.lastA = a;
      this.lastB = b;
      this.lastC = c;
      this.lastNode = node;
    }
    const keys = sortedKeys(params);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const value = params[key];
      if (value === undefined) continue;
      node = child(child(node, key), jsonValue(value));
    }
    let slot = node.get(END) as T | undefined;
    if (slot === undefined) {
      slot = create();
      node.set(END, slot);
    }
    return slot;
  }

  /** The slot if it exists, without creating one. */
  find(a: string, b: string, c: string, params: Params): T | undefined {
    let node = this.root.get(a) as Node | undefined;
    node = node?.get(b) as Node | undefined;
    node = node?.get(c) as Node | undefined;
    if (!node) return undefined;
    for (const key of sortedKeys(params)) {
      const value = params[key];
      if (value === undefined) continue;
      node = node.get(key) as Node | undefined;
      node = node?.get(jsonValue(value)) as Node | undefined;
      if (!node) return undefined;
    }
    return node.get(END) as T | undefined;
  }
}

function child(node: Node, key: unknown): Node {
  let next = node.get(key) as Node | undefined;
  if (next === undefined) {
    next = new Map();
    node.set(key, next);
  }
  return next;
}

/** JSON.stringify writes non-finite numbers as null; Map keys already treat -0 as 0. */
function jsonValue(value: ParamValue | null): ParamValue | null {
  return typeof value === "number" && !Number.isFinite(value) ? null : value;
}

/** Param names in code-unit order; parsers usually build them sorted already, so check before sorting. */
function sortedKeys(params: Params): string[] {
  const keys = Object.keys(params);
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) return keys.sort();
  }
  return keys;
}
