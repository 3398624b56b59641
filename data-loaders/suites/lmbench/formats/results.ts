/**
 * LMbench 2.x/3.x raw results file (results/<os>/<host>.<n>, what `make results` writes), e.g.
 *
 *   [lmbench3.0 results for Linux host 6.6.0 ... aarch64 GNU/Linux]
 *   [MHZ: 1900 MHz, 0.5263 nanosec clock]
 *   Simple syscall: 0.1526 microseconds
 *   Select on 100 tcp fd's: 2.9578 microseconds
 *   "size=16k ovr=1.37
 *   2 2.32
 *   "stride=128
 *   0.00049 1.906
 *
 * The file interleaves tool noise (shell errors, RPC registration failures); lines that match no
 * known measurement are skipped. Blocks (a title line, then "x y" lines up to a blank line) are
 * mapped by title; unknown blocks are skipped too.
 */
import {ParseError} from "../../../errors.ts";
import {SampleTable, type SeriesByNumber} from "../../../model/sample-table.ts";
import {ParsedOutput, type Params} from "../../../model/sample.ts";
import {firstNonBlank, firstSignificantLine, pairFirst, readNumber, readNumberPair, roundSignificant, roundedPairSecond, splitLines} from "../../../parsers/text.ts";
import {STRIDE_TITLE, addLatMemRdRow, strideSeries} from "./lat-mem-rd.ts";

export const FORMAT = "lmbench-results";

/** First line of a results file: "[lmbench3.0 results for ...]" or "[lmbench2.0 results for ...]". */
export const RESULTS_BANNER = /^\[lmbench(\d+(?:\.\d+)?)\S* results for (.*)\]\s*$/;

interface LineMetric {
  pattern: RegExp;
  /** Characters a matching line can start with (checked before the regex). */
  first: string;
  build: (match: RegExpExecArray) => {metric: string; params?: Params; unit?: string; scale?: number} | undefined;
}

/** "Label: value microseconds" lines, in the order LMbench's scripts/lmbench writes them. */
const LATENCY_LINES: LineMetric[] = [
  {pattern: /^Simple syscall: (\S+) microseconds$/, first: "S", build: () => ({metric: "lat_syscall"})},
  {pattern: /^Simple read: (\S+) microseconds$/, first: "S", build: () => ({metric: "lat_read"})},
  {pattern: /^Simple write: (\S+) microseconds$/, first: "S", build: () => ({metric: "lat_write"})},
  {pattern: /^Simple stat: (\S+) microseconds$/, first: "S", build: () => ({metric: "lat_stat"})},
  {pattern: /^Simple fstat: (\S+) microseconds$/, first: "S", build: () => ({metric: "lat_fstat"})},
  {pattern: /^Simple open\/close: (\S+) microseconds$/, first: "S", build: () => ({metric: "lat_open_close"})},
  {
    pattern: /^Select on (\d+) (tcp )?fd's: (\S+) microseconds$/, first: "S",
    build: (m) => ({metric: "lat_select", params: {fds: Number(m[1]), kind: m[2] ? "tcp" : "file"}})
  },
  {pattern: /^Signal handler installation: (\S+) microseconds$/, first: "S", build: () => ({metric: "lat_sig_install"})},
  {pattern: /^Signal handler overhead: (\S+) microseconds$/, first: "S", build: () => ({metric: "lat_sig_handler"})},
  {pattern: /^Protection fault: (\S+) microseconds$/, first: "P", build: () => ({metric: "lat_prot_fault"})},
  {pattern: /^Pipe latency: (\S+) microseconds$/, first: "P", build: () => ({metric: "lat_pipe"})},
  {pattern: /^AF_UNIX sock stream latency: (\S+) microseconds$/, first: "A", build: () => ({metric: "lat_unix"})},
  {pattern: /^Process fork\+exit: (\S+) microseconds$/, first: "P", build: () => ({metric: "lat_fork"})},
  {pattern: /^Process fork\+execve: (\S+) microseconds$/, first: "P", build: () => ({metric: "lat_exec"})},
  {pattern: /^Process fork\+\/bin\/sh -c: (\S+) microseconds$/, first: "P", build: () => ({metric: "lat_sh"})},
  {pattern: /^Pagefaults on \S.*: (\S+) microseconds$/, first: "P", build: () => ({metric: "lat_pagefault"})},
  {
    pattern: /^(UDP|TCP|RPC\/udp|RPC\/tcp) latency using (\S+): (\S+) microseconds$/, first: "RTU",
    build: (m) => ({metric: NETWORK_LATENCY[m[1]!]!, params: remoteParams(m[2]!)})
  },
  {
    pattern: /^TCP\/IP connection cost to (\S+): (\S+) microseconds$/, first: "T",
    build: (m) => ({metric: "lat_tcp_connect", params: remoteParams(m[1]!)})
  },
  {
    // Basic operations (LMbench 3 only), e.g. "int64 mul: 1.94 nanoseconds", "double bogomflops: 2.40 nanoseconds".
    pattern: /^(integer|int64|uint64|float|double) (bit|add|mul|div|mod|bogomflops): (\S+) nanoseconds$/, first: "dfiu",
    build: (m) => ({metric: "lat_op", params: {type: opType(m[1]!), op: m[2]!}, unit: "ns"})
  },
  {pattern: /^AF_UNIX sock stream bandwidth: (\S+) MB\/sec$/, first: "A", build: () => ({metric: "bw_unix", unit: "MB/s"})},
  {pattern: /^Pipe bandwidth: (\S+) MB\/sec$/, first: "P", build: () => ({metric: "bw_pipe", unit: "MB/s"})},
  {
    // LMbench 2.x prints one line where 3.x prints a "Socket bandwidth using" block.
    pattern: /^TCP bandwidth using (\S+): (\S+) MB\/sec$/, first: "T",
    build: (m) => ({metric: "bw_tcp", params: remoteParams(m[1]!), unit: "MB/s"})
  },
  {
    // lmdd's KB is 1024 bytes.
    pattern: /^File \S.* write bandwidth: (\S+) KB\/sec$/, first: "F",
    build: () => ({metric: "bw_file_write", unit: "MB/s", scale: 1024 / 1e6})
  },
  {
    pattern: /^STREAM (copy|scale|add|triad) bandwidth: (\S+) MB\/sec$/, first: "S",
    build: (m) => ({metric: `stream_${m[1]}`, unit: "MB/s"})
  },
  {
    pattern: /^STREAM2 (fill|copy|daxpy|sum) bandwidth: (\S+) MB\/sec$/, first: "S",
    build: (m) => ({metric: `stream2_${m[1]}`, unit: "MB/s"})
  }
];

const NETWORK_LATENCY: Record<string, string> = {
  UDP: "lat_udp",
  TCP: "lat_tcp",
  "RPC/udp": "lat_rpc_udp",
  "RPC/tcp": "lat_rpc_tcp"
};

function remoteParams(host: string): Params {
  return host === "localhost" ? {} : {remote: host};
}

/** LMbench prints "uint64 add" among int64 lines; the summary calls the row "int64" — one name for both. */
function opType(printed: string): string {
  return printed === "uint64" ? "int64" : printed;
}

interface BlockMetric {
  metric: string;
  params: Params;
}

/** "size_mb value" blocks, by title (quotes stripped). Values are MB/s unless noted. */
const BANDWIDTH_BLOCKS: Record<string, BlockMetric> = {
  "read bandwidth": {metric: "bw_file_read", params: {}},
  "read open2close bandwidth": {metric: "bw_file_read", params: {open2close: true}},
  "Mmap read bandwidth": {metric: "bw_mmap_read", params: {}},
  "Mmap read open2close bandwidth": {metric: "bw_mmap_read", params: {open2close: true}},
  "libc bcopy unaligned": {metric: "bw_mem_copy", params: {method: "libc", aligned: false}},
  "libc bcopy aligned": {metric: "bw_mem_copy", params: {method: "libc", aligned: true}},
  "unrolled bcopy unaligned": {metric: "bw_mem_copy", params: {method: "unrolled", aligned: false}},
  "unrolled partial bcopy unaligned": {metric: "bw_mem_copy", params: {method: "unrolled", aligned: false, partial: true}},
  "Memory bzero bandwidth": {metric: "bw_mem_bzero", params: {}},
  "Memory read bandwidth": {metric: "bw_mem_read", params: {}},
  "Memory partial read bandwidth": {metric: "bw_mem_read", params: {partial: true}},
  "Memory write bandwidth": {metric: "bw_mem_write", params: {}},
  "Memory partial write bandwidth": {metric: "bw_mem_write", params: {partial: true}},
  "Memory read/write bandwidth": {metric: "bw_mem_rdwr", params: {}},
  "Memory partial read/write bandwidth": {metric: "bw_mem_rdwr", params: {partial: true}},
  "Socket bandwidth using localhost": {metric: "bw_tcp", params: {}}
};

const DATA_PAIR = /^\s*(\S+)\s+(\S+)(?:\s+MB\/sec)?\s*$/;
const FS_LATENCY_ROW = /^\s*(\d+)k\s+(\d+)\s+(\S+)\s+(\S+)\s*$/;
const CTX_TITLE = /^"?size=(\d+)k ovr=(\S+)\s*$/;
const HEADER_LINE = /^\[([^\]:]+):\s?(.*)\]\s*$/;

/** Header keys worth keeping as provenance (the rest are network/mount dumps). */
const META_KEYS = new Set([
  "OS", "HOSTNAME", "NODENAME", "SYSNAME", "RELEASE", "VERSION", "MACHINE", "PROCESSOR", "PROCESSORS",
  "MHZ", "MOTHERBOARD", "MB", "ENOUGH", "LMBENCH VERSION", "LMBENCH_VER", "BENCHMARK_HARDWARE", "BENCHMARK_OS",
  "FASTMEM", "LINE_SIZE", "TIMING_O", "LOOP_O"
]);

/** `lines` is `splitLines(text)`, passed in when the caller (detection) already split the text. */
/** Per first character (ASCII code, 128 for anything else): the line metrics a line starting with it may match, in order. */
const LINE_CANDIDATES: LineMetric[][] = Array.from({length: 129}, (_, code) =>
  LATENCY_LINES.filter((entry) => code < 128 && entry.first.includes(String.fromCharCode(code)))
);

const TLB_LINE = /^tlb: (\d+) pages$/;

/** `lines` is `splitLines(text)`, passed in when the caller (detection) already split the text. */
export function parseLmbenchResults(text: string, file: string, lines: readonly string[] = splitLines(text)): ParsedOutput {
  const start = firstSignificantLine(lines);
  const banner = start >= 0 ? RESULTS_BANNER.exec(lines[start]!.trim()) : null;
  if (!banner) {
    throw new ParseError(file, Math.max(start, 0) + 1, "an LMbench results banner \"[lmbench3.0 results for ...]\"", lines[Math.max(start, 0)]);
  }
  const meta: Record<string, string> = {uname: banner[2]!};
  const table = new SampleTable();
  const push = (metric: string, params: Params, unit: string, value: number) => {
    table.add("lmbench", metric, unit, params, roundSignificant(value));
  };

  // The current block, read from its title once rather than on every row.
  let block: Block | undefined;
  let lastUnquotedTitle: string | undefined;
  for (let i = start + 1; i < lines.length; i++) {
    const raw = lines[i]!;
    const first = firstNonBlank(raw);
    if (first < 0) {
      block = undefined;
      continue;
    }
    const line = raw.trimEnd();
    const lead = line.charCodeAt(0);
    if (lead === 91) {
      // "["
      const header = HEADER_LINE.exec(line);
      if (header) {
        const key = header[1]!.trim();
        if (META_KEYS.has(key) && header[2]!.trim() !== "") meta[key.toLowerCase().replace(/[ _]+/g, "_")] = header[2]!.trim();
        continue;
      }
    }
    const code = line.charCodeAt(first);
    const candidates = LINE_CANDIDATES[code < 128 ? code : 128]!;
    if (candidates.length > 0) {
      const lineMatch = matchLineMetric(line.trim(), candidates);
      if (lineMatch) {
        push(lineMatch.metric, lineMatch.params, lineMatch.unit, lineMatch.value);
        continue;
      }
    }
    if (lead === 116) {
      // "t"
      const tlb = TLB_LINE.exec(line);
      if (tlb) {
        meta.tlb_pages = tlb[1]!;
        continue;
      }
    }
    if (block !== undefined) {
      if (parseBlockRow(block, line, push)) continue;
    }
    // A new block title: quoted ("size=16k ovr=1.37, "stride=128, "read bandwidth) or a known bare title.
    if (lead === 34) {
      block = blockOf(line.slice(1).trim(), lastUnquotedTitle, table);
    } else if (!DATA_PAIR.test(line)) {
      lastUnquotedTitle = line.trim();
      block = blockOf(lastUnquotedTitle, lastUnquotedTitle, table);
    }
  }
  if (meta.lmbench_version === undefined && meta.lmbench_ver !== undefined) meta.lmbench_version = meta.lmbench_ver;
  delete meta.lmbench_ver;
  return new ParsedOutput(FORMAT, "lmbench", meta.lmbench_version || banner[1]!, table, meta);
}

function matchLineMetric(trimmed: string, candidates: readonly LineMetric[]): {metric: string; params: Params; unit: string; value: number} | undefined {
  for (const entry of candidates) {
    const match = entry.pattern.exec(trimmed);
    if (!match) continue;
    const spec = entry.build(match);
    const value = readNumber(match[match.length - 1]);
    if (!spec || value === undefined) return undefined;
    return {metric: spec.metric, params: spec.params ?? {}, unit: spec.unit ?? "us", value: value * (spec.scale ?? 1)};
  }
  return undefined;
}

type Push = (metric: string, params: Params, unit: string, value: number) => void;

/**
 * What the rows under a title are, decided from the title (and the bare title before a quoted
 * one). Blocks of "x y" rows carry their series by x, so a row costs a Map lookup.
 */
type Block =
  | {kind: "ctx"; series: SeriesByNumber}
  | {kind: "stride"; series: SeriesByNumber | undefined}
  | {kind: "fs"}
  | {kind: "pair"; series: SeriesByNumber | undefined};

function blockOf(title: string, lastUnquotedTitle: string | undefined, table: SampleTable): Block {
  const ctx = CTX_TITLE.exec(title);
  if (ctx) {
    const sizeKb = Number(ctx[1]);
    return {kind: "ctx", series: table.seriesByNumber(`lat_ctx ${sizeKb}`, "lmbench", "lat_ctx", "us", {size_kb: sizeKb}, "procs")};
  }
  if (title.startsWith("stride=")) {
    const stride = STRIDE_TITLE.exec(title);
    return {kind: "stride", series: stride ? strideSeries(table, Number(stride[1]), lastUnquotedTitle === "Random load latency") : undefined};
  }
  if (title === "File system latency") return {kind: "fs"};
  if (title === "mappings") return {kind: "pair", series: table.seriesByNumber("lat_mmap", "lmbench", "lat_mmap", "us", {}, "size_mb")};
  const bandwidth = Object.hasOwn(BANDWIDTH_BLOCKS, title) ? BANDWIDTH_BLOCKS[title]! : undefined;
  return {kind: "pair", series: bandwidth && table.seriesByNumber(`bw ${title}`, "lmbench", bandwidth.metric, "MB/s", bandwidth.params, "size_mb")};
}

/** One data row inside the current block; false when the line is not a row of that block. */
function parseBlockRow(block: Block, line: string, push: Push): boolean {
  if (block.kind === "ctx") {
    if (!readNumberPair(line)) return false;
    block.series.push(pairFirst, roundedPairSecond());
    return true;
  }
  if (block.kind === "stride") return block.series !== undefined && addLatMemRdRow(block.series, line);
  if (block.kind === "fs") {
    const row = FS_LATENCY_ROW.exec(line);
    if (!row) return false;
    const sizeKb = Number(row[1]);
    // lat_fs prints files created and deleted per second; the vocabulary wants µs per file.
    const creates = readNumber(row[3]);
    const deletes = readNumber(row[4]);
    if (creates && creates > 0) push("lat_fs_create", {size_kb: sizeKb}, "us", 1e6 / creates);
    if (deletes && deletes > 0) push("lat_fs_delete", {size_kb: sizeKb}, "us", 1e6 / deletes);
    return true;
  }
  let x: number | undefined;
  let y: number | undefined;
  // Most rows are two bare numbers; only "x y MB/sec" rows and non-rows need the regex.
  if (readNumberPair(line)) {
    x = pairFirst;
    y = roundedPairSecond();
  } else {
    const pair = DATA_PAIR.exec(line);
    if (!pair) return false;
    x = readNumber(pair[1]);
    y = readNumber(pair[2]);
    if (x === undefined || y === undefined) return false;
    y = roundSignificant(y);
  }
  // Rows of a block we do not map (e.g. "Memory load parallelism") are consumed silently.
  block.series?.push(x, y);
  return true;
}
