/**
 * Copying one run's raw outputs into a new archive, each distinct content once, as both an export
 * (runs/<run>.tar) and a merge (the store's runs/<run>.<digest>.tar) do. The caller says how a row's
 * bytes are read and checked; the rows returned point into the new archive.
 */
import type {RawArchive} from "../store/raw-archive.ts";

export interface RawRow {
  sha256: string;
  step_id: string;
  path: string;
  bytes: number;
  format: string;
  byte_offset: number | null;
}

export interface RawCopyRow extends Omit<RawRow, "byte_offset"> {
  run_id: string;
  byte_offset: number;
}

/** The raw_outputs columns read for a copy, in RawRow's order. */
export const RAW_ROW_COLUMNS = "sha256, step_id, path, bytes, format, byte_offset";

/** Normalises a raw_outputs row as DuckDB returns it. */
export function rawRow(row: Record<string, unknown>): RawRow {
  return {sha256: String(row.sha256), step_id: String(row.step_id), path: String(row.path), bytes: Number(row.bytes), format: String(row.format), byte_offset: row.byte_offset === null ? null : Number(row.byte_offset)};
}

/**
 * Adds every row's content to `archive` (one entry per distinct sha256, named by `entryName`) and
 * returns the rows as they are in it. `read` returns a row's bytes or throws a typed error.
 */
export async function copyRawOutputs(
  archive: RawArchive,
  runId: string,
  rows: readonly RawRow[],
  read: (row: RawRow) => Buffer,
  entryName: (row: RawRow) => string
): Promise<RawCopyRow[]> {
  const offsets = new Map<string, number>();
  const out: RawCopyRow[] = [];
  for (const row of rows) {
    let offset = offsets.get(row.sha256);
    if (offset === undefined) {
      offset = archive.add({name: entryName(row), content: read(row), format: row.format, sha256: row.sha256}).offset!;
      offsets.set(row.sha256, offset);
      await archive.drained();
    }
    out.push({sha256: row.sha256, run_id: runId, step_id: row.step_id, path: archive.path, bytes: row.bytes, format: row.format, byte_offset: offset});
  }
  return out;
}
