/**
 * A slot per (a, b, c, params) without building a string key per sample: nested Maps keyed by
 * a and c, then by each param name (sorted) and value, then by b. Two params objects get the same
 * slot exactly when their canonical JSON (keys sorted, as the store writes `series.params`) is
 * equal: NaN and ±Infinity count as null and undefined-valued keys are absent, as in
 * JSON.stringify. Parsing and storing a million samples was dominated by JSON.stringify and by
 * hashing those long key strings; a Map lookup on a short string or a number is far cheaper.
 *
 * b (the metric) is the innermost level because parsers emit runs of samples that share a and c
 * and often share params (an IOzone row: thirteen metrics for one file and record size), so the
 * node reached for the previous sample is reused when its prefix and params are the same.
 */
import type {ParamValue, Params} from "./samples.ts";

type Node = Map<unknown, unknown>;

/** Marks "no more params" inside a node, so {a: 1} and {a: 1, b: 2} get different paths. */
const END = Symbol("end");

export class ParamsTrie<T> {
  private readonly root: Node = new Map();
  private lastA: string | undefined;
  private lastC: string | undefined;
  /** Node for (lastA, lastC). */
  private prefixNode: Node | undefined;
  /** A copy of the previous lookup's params (sorted keys, values) and the node they led to, under prefixNode. */
  private lastKeys: string[] | undefined;
  private readonly lastValues: unknown[] = [];
  private paramsNode: Node | undefined;

  /** The slot for this combination, made by `create` the first time it is seen. */
  slot(a: string, b: string, c: string, params: Params, create: () => T): T {
    const node = child(this.paramsNodeFor(a, c, params), b);
    let slot = node.get(END) as T | undefined;
    if (slot === undefined) {
      slot = create();
      node.set(END, slot);
    }
    return slot;
  }

  private paramsNodeFor(a: string, c: string, params: Params): Node {
    if (this.prefixNode === undefined || a !== this.lastA || c !== this.lastC) {
      this.prefixNode = child(child(this.root, a), c);
      this.lastA = a;
      this.lastC = c;
      this.lastKeys = undefined;
    } else if (this.lastKeys !== undefined && sameParams(params, this.lastKeys, this.lastValues)) {
      return this.paramsNode!;
    }
    let node = this.prefixNode;
    const keys = sortedKeys(params);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const value = params[key];
      if (value === undefined) continue;
      node = child(child(node, key), jsonValue(value));
    }
    node = child(node, END);
    this.lastKeys = keys;
    // Refilled in place: a fresh array per lookup was a good part of parsing's garbage.
    const values = this.lastValues;
    values.length = keys.length;
    for (let i = 0; i < keys.length; i++) values[i] = params[keys[i]!];
    this.paramsNode = node;
    return node;
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

/** Whether params has exactly these own keys with these values (compared with ===, so NaN never matches). */
function sameParams(params: Params, keys: readonly string[], values: readonly unknown[]): boolean {
  let count = 0;
  for (const _ in params) count++;
  if (count !== keys.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const value = params[keys[i]!];
    if (value !== values[i] || (value === undefined && !Object.prototype.hasOwnProperty.call(params, keys[i]!))) return false;
  }
  return true;
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
