/**
 * LMbench summary tables, as `make see` / `make summary` (scripts/getsummary) print them, 2.0 and 3.0:
 *
 *                    L M B E N C H  3 . 0   S U M M A R Y
 *   Context switching - times in microseconds - smaller is better
 *   -------------------------------------------------------------------------
 *   Host                 OS  2p/0K 2p/16K 2p/64K 8p/16K 8p/64K 16p/16K 16p/64K
 *                            ctxsw  ctxsw  ctxsw ctxsw  ctxsw   ctxsw   ctxsw
 *   --------- ------------- ------ ------ ------ ------ ------ ------- -------
 *   X64-Linux Linux 5.8.0-1   11.5   11.3   11.5   14.4   13.8    14.7    15.0
 *
 * Cells are fixed-width and right-aligned, blank when the benchmark did not run, and squeezed with
 * a "K" suffix (×1000) when too wide. Each table may hold several hosts (one row each). Columns
 * are located from the "--- ---" rule under the header, so blank cells keep their place.
 */
import {ParseError} from "../../../errors.ts";
import {SampleTable} from "../../../model/sample-table.ts";
import {ParsedOutput, type Params} from "../../../model/sample.ts";
import {firstNonBlank, roundSignificant, splitLines} from "../../../parsers/text.ts";

export const FORMAT = "lmbench-summary";

const NO_PARAMS: Params = Object.freeze({});

export const SUMMARY_BANNER = /^\s*L M B E N C H\s+(\d) \. (\d)\s+S U M M A R Y\s*$/;

/** A column's meaning: a sample spec, or null for columns that carry no measurement (Mhz, Guesses). */
type ColumnSpec = {metric: string; params?: Params} | null;

interface SectionLayout {
  /** Matches the table title line. */
  title: RegExp;
  unit: string;
  /** Column layouts after Host and OS, keyed by their count (2.0 and 3.0 differ in a few tables). */
  layouts: Record<number, ColumnSpec[]>;
}

const ctx = (procs: number, size_kb: number): ColumnSpec => ({metric: "lat_ctx", params: {procs, size_kb}});
const op = (type: string, name: string): ColumnSpec => ({metric: "lat_op", params: {type, op: name}});
const remote = (metric: string): ColumnSpec => ({metric, params: {remote: true}});

const PROCESSOR_TAIL: ColumnSpec[] = [
  {metric: "lat_sig_install"},
  {metric: "lat_sig_handler"},
  {metric: "lat_fork"},
  {metric: "lat_exec"},
  {metric: "lat_sh"}
];
const PROCESSOR_HEAD: ColumnSpec[] = [null, {metric: "lat_syscall"}, {metric: "lat_null_io"}, {metric: "lat_stat"}, {metric: "lat_open_close"}];
const FILE_VM: ColumnSpec[] = [
  {metric: "lat_fs_create", params: {size_kb: 0}},
  {metric: "lat_fs_delete", params: {size_kb: 0}},
  {metric: "lat_fs_create", params: {size_kb: 10}},
  {metric: "lat_fs_delete", params: {size_kb: 10}},
  {metric: "lat_mmap"},
  {metric: "lat_prot_fault"},
  {metric: "lat_pagefault"}
];
const LOCAL_LATENCY_TAIL: ColumnSpec[] = [
  {metric: "lat_pipe"},
  {metric: "lat_unix"},
  {metric: "lat_udp"},
  {metric: "lat_rpc_udp"},
  {metric: "lat_tcp"},
  {metric: "lat_rpc_tcp"},
  {metric: "lat_tcp_connect"}
];

const SECTIONS: SectionLayout[] = [
  {
    title: /^Processor, Processes - times in microseconds/,
    unit: "us",
    layouts: {
      // Mhz, null call, null I/O, stat, open clos, [slct TCP,] sig inst, sig hndl, fork, exec, sh
      10: [...PROCESSOR_HEAD, ...PROCESSOR_TAIL],
      11: [...PROCESSOR_HEAD, {metric: "lat_select", params: {fds: 100, kind: "tcp"}}, ...PROCESSOR_TAIL]
    }
  },
  {
    title: /^Basic integer operations - times in nanoseconds/,
    unit: "ns",
    layouts: {5: ["bit", "add", "mul", "div", "mod"].map((name) => op("integer", name))}
  },
  {
    title: /^Basic uint64 operations - times in nanoseconds/,
    unit: "ns",
    layouts: {5: ["bit", "add", "mul", "div", "mod"].map((name) => op("int64", name))}
  },
  {
    title: /^Basic float operations - times in nanoseconds/,
    unit: "ns",
    layouts: {4: ["add", "mul", "div", "bogomflops"].map((name) => op("float", name))}
  },
  {
    title: /^Basic double operations - times in nanoseconds/,
    unit: "ns",
    layouts: {4: ["add", "mul", "div", "bogomflops"].map((name) => op("double", name))}
  },
  {
    title: /^Context switching - times in microseconds/,
    unit: "us",
    layouts: {7: [ctx(2, 0), ctx(2, 16), ctx(2, 64), ctx(8, 16), ctx(8, 64), ctx(16, 16), ctx(16, 64)]}
  },
  {
    // The first column repeats 2p/0K from the context-switch table; it is not stored twice.
    title: /^\*Local\* Communication latencies in microseconds/,
    unit: "us",
    layouts: {8: [null, ...LOCAL_LATENCY_TAIL], 7: LOCAL_LATENCY_TAIL}
  },
  {
    title: /^\*Remote\* Communication latencies in microseconds/,
    unit: "us",
    layouts: {5: ["lat_udp", "lat_rpc_udp", "lat_tcp", "lat_rpc_tcp", "lat_tcp_connect"].map(remote)}
  },
  {
    title: /^File & VM system latencies in microseconds/,
    unit: "us",
    layouts: {7: FILE_VM, 8: [...FILE_VM, {metric: "lat_select", params: {fds: 100, kind: "file"}}]}
  },
  {
    title: /^\*Local\* Communication bandwidths in MB\/s/,
    unit: "MB/s",
    layouts: {
      9: [
        {metric: "bw_pipe"},
        {metric: "bw_unix"},
        {metric: "bw_tcp"},
        {metric: "bw_file_read"},
        {metric: "bw_mmap_read"},
        {metric: "bw_mem_copy", params: {method: "libc"}},
        {metric: "bw_mem_copy", params: {method: "unrolled"}},
        {metric: "bw_mem_read"},
        {metric: "bw_mem_write"}
      ]
    }
  },
  {
    title: /^Memory latencies in nanoseconds/,
    unit: "ns",
    layouts: {
      // Mhz, L1, L2, main, [random,] guesses
      5: [null, memLevel("l1"), memLevel("l2"), memLevel("main"), null],
      6: [null, memLevel("l1"), memLevel("l2"), memLevel("main"), memLevel("random"), null]
    }
  }
];

function memLevel(level: string): ColumnSpec {
  return {metric: "lat_mem_rd", params: {level}};
}

/** Tables whose cells are not measurements in the vocabulary (CPU description, cache line size). */
const IGNORED_TITLES = [/^Basic system parameters/, /^\*Remote\* Communication bandwidths/];

/** First characters of every title in SECTIONS and IGNORED_TITLES. */
const TITLE_START = "PBC*FM";

const COLUMN_RULE = /^-+(?: +-+)+ *$/;
const MAKE_NOISE = /^(?:make(?:\[\d+\])?:|cd results && make)/;
const CELL = /^(\d+\.?\d*|\.\d+)(K)?$/;

interface Span {
  start: number;
  end: number;
}

/** `lines` is `splitLines(text)`, passed in when the caller (detection) already split the text. */
export function parseLmbenchSummary(text: string, file: string, lines: readonly string[] = splitLines(text)): ParsedOutput {
  const bannerIndex = lines.findIndex((line) => SUMMARY_BANNER.test(line));
  if (bannerIndex < 0) throw new ParseError(file, 1, 'an LMbench summary banner "L M B E N C H  3 . 0   S U M M A R Y"', lines[0]);
  const banner = SUMMARY_BANNER.exec(lines[bannerIndex]!)!;
  const table = new SampleTable();
  const meta: Record<string, string> = {};

  for (let i = bannerIndex + 1; i < lines.length; i++) {
    // Table titles start with one of a few characters; other lines (rows, blanks) need no regex.
    const first = firstNonBlank(lines[i]!);
    if (first < 0 || !TITLE_START.includes(lines[i]![first]!)) continue;
    const title = lines[i]!.trim();
    const section = SECTIONS.find((candidate) => candidate.title.test(title));
    const ignored = IGNORED_TITLES.some((pattern) => pattern.test(title));
    if (!section && !ignored) continue;
    const ruleIndex = findColumnRule(lines, i + 1);
    if (ruleIndex < 0) throw new ParseError(file, i + 2, `the column rule ("--------- -------------  ----") of table "${title}"`, lines[i + 1]);
    const columns = columnSpans(lines[ruleIndex]!);
    const rowsEnd = tableEnd(lines, ruleIndex + 1);
    i = rowsEnd - 1;
    if (!section) continue;
    const layout = section.layouts[columns.length - 2];
    if (columns.length < 3 || !layout) {
      throw new ParseError(file, ruleIndex + 1, `${Object.keys(section.layouts).map((n) => Number(n) + 2).join(" or ")} columns in table "${title}"`, lines[ruleIndex]);
    }
    for (let r = ruleIndex + 1; r < rowsEnd; r++) {
      const row = lines[r]!;
      if (MAKE_NOISE.test(row.trim())) continue;
      readRow(row, r, columns, layout, section.unit, file, table, meta);
    }
  }
  if (table.length === 0) meta.warning = "the summary holds no result tables (no results files were found when it was made)";
  return new ParsedOutput(FORMAT, "lmbench", `${banner[1]}.${banner[2]}`, table, meta);
}

/** The header rule is the first "--- ---" line within a few lines of the title (titles are followed by one long rule). */
function findColumnRule(lines: readonly string[], from: number): number {
  for (let i = from; i < Math.min(lines.length, from + 8); i++) {
    if (COLUMN_RULE.test(lines[i]!.trimEnd())) return i;
  }
  return -1;
}

/** Rows run from the rule to the first blank line (make noise may end the table too). */
function tableEnd(lines: readonly string[], from: number): number {
  let i = from;
  while (i < lines.length && lines[i]!.trim() !== "" && !/^make(?:\[\d+\])?: Leaving/.test(lines[i]!.trim())) i++;
  return i;
}

function columnSpans(rule: string): Span[] {
  const spans: Span[] = [];
  const pattern = /-+/g;
  for (let match = pattern.exec(rule); match; match = pattern.exec(rule)) spans.push({start: match.index, end: match.index + match[0].length});
  return spans;
}

function readRow(
  row: string,
  index: number,
  columns: Span[],
  layout: ColumnSpec[],
  unit: string,
  file: string,
  table: SampleTable,
  meta: Record<string, string>
): void {
  const host = row.slice(columns[0]!.start, columns[1]!.start).trim();
  if (host === "") throw new ParseError(file, index + 1, "a summary row starting with a host name", row);
  const os = row.slice(columns[1]!.start, columns[1]!.end).trim();
  if (os) meta[`os.${host}`] = os;
  const valueColumns = columns.slice(2);
  const cells = assignCells(row, valueColumns, columns[2]!.start);
  for (const [column, token] of cells) {
    const spec = layout[column];
    if (spec === null || spec === undefined) continue;
    const cell = CELL.exec(token);
    if (!cell) throw new ParseError(file, index + 1, `a number in column ${column + 3} of the summary row for ${host}`, token);
    // getsummary squeezes wide values as "111.5K" (×1000) and drops trailing digits ("262.").
    const value = Number(cell[1]) * (cell[2] ? 1000 : 1);
    table.add("lmbench", spec.metric, unit, spec.params ?? NO_PARAMS, roundSignificant(value), host);
  }
}

/**
 * Maps the tokens right of the OS column to column indexes. Cells are right-aligned, so a token
 * belongs to the column holding its last character; a token that overflows into the gap (or the
 * next column's left edge) goes to the column it overlaps most, and never to a column already taken.
 */
function assignCells(row: string, columns: Span[], from: number): Map<number, string> {
  const cells = new Map<number, string>();
  const pattern = /\S+/g;
  pattern.lastIndex = from;
  for (let match = pattern.exec(row); match; match = pattern.exec(row)) {
    const start = match.index;
    const end = start + match[0].length;
    let best = columns.findIndex((column) => end > column.start && end <= column.end);
    if (best < 0 || cells.has(best)) best = mostOverlapping(columns, start, end, cells);
    if (best < 0) best = nearestFree(columns, end, cells);
    if (best >= 0) cells.set(best, match[0]);
  }
  return cells;
}

function mostOverlapping(columns: Span[], start: number, end: number, taken: Map<number, string>): number {
  let best = -1;
  let bestOverlap = 0;
  columns.forEach((column, index) => {
    const overlap = Math.min(end, column.end) - Math.max(start, column.start);
    if (overlap > bestOverlap && !taken.has(index)) {
      best = index;
      bestOverlap = overlap;
    }
  });
  return best;
}

function nearestFree(columns: Span[], end: number, taken: Map<number, string>): number {
  let best = -1;
  let bestDistance = Infinity;
  columns.forEach((column, index) => {
    const distance = Math.abs(column.end - end);
    if (distance < bestDistance && !taken.has(index)) {
      best = index;
      bestDistance = distance;
    }
  });
  return best;
}
