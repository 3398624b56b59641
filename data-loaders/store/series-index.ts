/**
 * The store's series ids by (suite, metric, unit, params), kept for the life of a Store and in step
 * with what it appends. Looked up once per series of every stored table (every row of a small
 * IOzone or lat_mem_rd file is its own series), so a lookup is one numeric Map hit built from the
 * params hash the table already computed (measurement-index.ts), then an exact comparison.
 * Params match when their canonical JSON does, as `series.params` is written (canonicalParams).
 */
import {mix, nameHash, paramsHash, sameParams, smallKey} from "../model/measurement-index.ts";
import type {Params} from "../model/sample.ts";

export interface SeriesKey {
  suite: string;
  metric: string;
  unit: string;
  params: Params;
  /** paramsHash(params) when the caller has it. */
  paramsHash?: number;
}

interface Entry {
  suite: string;
  metric: string;
  unit: string;
  params: Params;
  id: number;
}

export class SeriesIndex {
  private readonly buckets = new Map<number, Entry | Entry[]>();
  /** The highest id given or read so far. */
  size = 0;

  /** The series' id, or 0 when it is not known yet. */
  get(key: SeriesKey): number {
    const found = this.buckets.get(hash(key));
    if (found === undefined) return 0;
    if (!Array.isArray(found)) return same(found, key) ? found.id : 0;
    for (const entry of found) if (same(entry, key)) return entry.id;
    return 0;
  }

  /** Records a series under an id (read from the database, or `size + 1` for a new one). */
  set(key: SeriesKey, id: number): void {
    const entry: Entry = {suite: key.suite, metric: key.metric, unit: key.unit, params: key.params, id};
    const h = hash(key);
    const found = this.buckets.get(h);
    if (found === undefined) this.buckets.set(h, entry);
    else if (Array.isArray(found)) found.push(entry);
    else this.buckets.set(h, [found, entry]);
    if (id > this.size) this.size = id;
  }
}

function hash(key: SeriesKey): number {
  const names = Math.imul(nameHash(key.suite), 961) + Math.imul(nameHash(key.metric), 31) + nameHash(key.unit);
  return smallKey(mix(names ^ (key.paramsHash ?? paramsHash(key.params))));
}

function same(entry: Entry, key: SeriesKey): boolean {
  return entry.metric === key.metric && entry.suite === key.suite && entry.unit === key.unit && sameParams(entry.params, key.params);
}
