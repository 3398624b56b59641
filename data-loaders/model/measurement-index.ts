/**
 * The measurements (host, metric, params) of one sample table, found by a numeric hash and compared
 * exactly within a bucket. A parser meets most series for the first time (every row of a small
 * file is new), so making an entry must be cheap: one Map entry and one object, where a trie of
 * nested Maps made several Maps per series. Each measurement keeps its params' hash, so the
 * store's series index (store/series-index.ts) finds a table's series without hashing them again.
 *
 * Params are the same measurement when their canonical JSON is (how the store keys series):
 * undefined-valued keys are absent, NaN and ±Infinity are null, -0 is 0.
 */
import type {ParamValue, Params} from "./sample.ts";

export interface Measurement {
  host: string;
  metric: string;
  params: Params;
  /** paramsHash(params). */
  paramsHash: number;
  /** Next repetition number. */
  next: number;
  /** Id of the table's first series under this measurement, -1 before it is made. */
  series: number;
  /** Ids of further series (another suite or unit): rare, so no array is made per measurement. */
  moreSeries: number[] | undefined;
}

export class MeasurementIndex {
  private readonly buckets = new Map<number, Measurement | Measurement[]>();
  // Parsers pass one params object for a row's metrics: hash it once. Params must not change after use.
  private lastParams: Params | undefined;
  private lastParamsHash = 0;

  /** `knownHash`, when the caller has it, is paramsHash(params). */
  get(host: string, metric: string, params: Params, knownHash?: number): Measurement {
    if (params !== this.lastParams) {
      this.lastParams = params;
      this.lastParamsHash = knownHash ?? paramsHash(params);
    }
    const hash = smallKey(mix((Math.imul(nameHash(host), 31) + nameHash(metric)) ^ this.lastParamsHash));
    const found = this.buckets.get(hash);
    if (found !== undefined) {
      if (!Array.isArray(found)) {
        if (same(found, host, metric, params)) return found;
      } else {
        for (const m of found) if (same(m, host, metric, params)) return m;
      }
    }
    const made: Measurement = {host, metric, params, paramsHash: this.lastParamsHash, next: 0, series: -1, moreSeries: undefined};
    if (found === undefined) this.buckets.set(hash, made);
    else if (Array.isArray(found)) found.push(made);
    else this.buckets.set(hash, [found, made]);
    return made;
  }
}

/**
 * A 32-bit hash as a Map key V8 keeps unboxed: small integers (31 bits) are immediate values, while
 * larger ones become heap numbers, allocated per lookup and hashed more slowly.
 */
export function smallKey(hash: number): number {
  return hash >> 1;
}

/** murmur3's finalizer: every input bit reaches every output bit, so sums of such terms rarely collide. */
export function mix(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const nameHashes = new Map<string, number>();

/**
 * stringHash of a name (suite, metric, unit, host), remembered: looking a string up in a Map uses
 * the hash V8 keeps in the string, which is cheaper than reading its characters again for each of
 * the ~10^6 series of a large ingest. Names come from a small vocabulary (and a file's host names);
 * the memo is dropped if it ever grows large.
 */
export function nameHash(name: string): number {
  let hash = nameHashes.get(name);
  if (hash === undefined) {
    if (nameHashes.size >= 65536) nameHashes.clear();
    hash = stringHash(name, 0x811c9dc5);
    nameHashes.set(name, hash);
  }
  return hash;
}

const scratch = new Float64Array(1);
const scratchWords = new Int32Array(scratch.buffer);

/** Short strings hash every character; long ones a sample of them: a collision only costs a comparison. */
export function stringHash(text: string, seed: number): number {
  const n = text.length;
  let hash = seed ^ n;
  const step = n <= 24 ? 1 : n >> 3;
  for (let i = 0; i < n; i += step) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return n === 0 ? hash : Math.imul(hash ^ text.charCodeAt(n - 1), 0x01000193);
}

/** As JSON writes the value: non-finite numbers are null. */
function canonical(value: ParamValue | null | undefined): ParamValue | null | undefined {
  return typeof value === "number" && !Number.isFinite(value) ? null : value;
}

function valueHash(value: ParamValue | null): number {
  if (typeof value === "number") {
    scratch[0] = value === 0 ? 0 : value; // -0 is 0
    // Mixed: the low word of a power of two (a common file or record size) is all zeros.
    return mix(scratchWords[0]! ^ Math.imul(scratchWords[1]!, 0x5bd1e995)) ^ 1;
  }
  if (typeof value === "string") return stringHash(value, 2);
  if (typeof value === "boolean") return value ? 3 : 4;
  return 5; // null
}

/** Equal for params of the same canonical JSON. Order-independent (a sum of per-key hashes), so no key sorting. */
export function paramsHash(params: Params): number {
  let sum = 0;
  for (const key in params) {
    if (!Object.prototype.hasOwnProperty.call(params, key)) continue;
    const value = params[key];
    if (value === undefined) continue;
    sum = (sum + paramHash(key, value)) | 0;
  }
  return sum;
}

/** One key's share of paramsHash: the hash of params that differ in one key is that share plus the rest's. */
function paramHash(key: string, value: ParamValue): number {
  return paramHashOfKey(keyHash(key), value);
}

/** The part of paramHash that depends on the key alone, for callers that hash many values of one key. */
export function keyHash(key: string): number {
  return Math.imul(stringHash(key, 7), 0x9e3779b1);
}

export function paramHashOfKey(hashOfKey: number, value: ParamValue): number {
  return mix(hashOfKey ^ valueHash(canonical(value)!));
}

function same(m: Measurement, host: string, metric: string, params: Params): boolean {
  return m.metric === metric && m.host === host && sameParams(m.params, params);
}

/**
 * Whether two params objects have the same canonical JSON: every defined key of `a` holds the
 * same value in `b`, and `b` has as many defined keys. One pass over each object with plain reads
 * (params are plain objects, so for-in meets only their own keys): the store compares every
 * series of every ingested table this way, and the two-way own-key check took twice as long.
 */
export function sameParams(a: Params, b: Params): boolean {
  if (a === b) return true;
  let keys = 0;
  for (const key in a) {
    const value = a[key];
    if (value === undefined) continue;
    keys++;
    const other = b[key];
    if (value !== other && !(jsonNull(value) && jsonNull(other))) return false;
  }
  for (const key in b) if (b[key] !== undefined) keys--;
  return keys === 0;
}

/** What JSON writes as null: null itself (params read back from stored JSON), NaN and ±Infinity. */
function jsonNull(value: ParamValue | null | undefined): boolean {
  return value === null || (typeof value === "number" && value - value !== 0);
}
