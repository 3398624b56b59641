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
import {ParseError} from "../errors.ts";
import type {ParsedOutput, Params, Sample} from "../samples.ts";
import {fields, firstSignificantLine, numberRepetitions, readNumber, roundSignificant, splitLines} from "./text.ts";
import {latMemRdRow} from "./lmbench-lat-mem-rd.ts";

export const FORMAT = "lmbench-results";

/** First line of a results file: "[lmbench3.0 results for ...]" or "[lmbench2.0 results for ...]". */
export const RESULTS_BANNER = /^\[lmbench(\d+(?:\.\d+)?)\S* results for (.*)\]\s*$/;

interface LineMetric {
  pattern: RegExp;
  build: (match: RegExpExecArray) => {metric: string; params?: Params; unit?: string; scale?: number} | undefined;
}

/** "Label: value microseconds" lines, in the order LMbench's scripts/lmbench writes them. */
const LATENCY_LINES: LineMetric[] = [
  {pattern: /^Simple syscall: (\S+) microseconds$/, build: () => ({metric: "lat_syscall"})},
  {pattern: /^Simple read: (\S+) microseconds$/, build: () => ({metric: "lat_read"})},
  {pattern: /^Simple write: (\S+) microseconds$/, build: () => ({metric: "lat_write"})},
  {pattern: /^Simple stat: (\S+) microseconds$/, build: () => ({metric: "lat_stat"})},
  {pattern: /^Simple fstat: (\S+) microseconds$/, build: () => ({metric: "lat_fstat"})},
  {pattern: /^Simple open\/close: (\S+) microseconds$/, build: () => ({metric: "lat_open_close"})},
  {
    pattern: /^Select on (\d+) (tcp )?fd's: (\S+) microseconds$/,
    build: (m) => ({metric: "lat_select", params: {fds: Number(m[1]), kind: m[2] ? "tcp" : "file"}})
  },
  {pattern: /^Signal handler installation: (\S+) microseconds$/, build: () => ({metric: "lat_sig_install"})},
  {pattern: /^Signal handler overhead: (\S+) microseconds$/, build: () => ({metric: "lat_sig_handler"})},
  {pattern: /^Protection fault: (\S+) microseconds$/, build: () => ({metric: "lat_prot_fault"})},
  {pattern: /^Pipe latency: (\S+) microseconds$/, build: () => ({metric: "lat_pipe"})},
  {pattern: /^AF_UNIX sock stream latency: (\S+) microseconds$/, build: () => ({metric: "lat_unix"})},
  {pattern: /^Process fork\+exit: (\S+) microseconds$/, build: () => ({metric: "lat_fork"})},
  {pattern: /^Process fork\+execve: (\S+) microseconds$/, build: () => ({metric: "lat_exec"})},
  {pattern: /^Process fork\+\/bin\/sh -c: (\S+) microseconds$/, build: () => ({metric: "lat_sh"})},
  {pattern: /^Pagefaults on \S.*: (\S+) microseconds$/, build: () => ({metric: "lat_pagefault"})},
  {
    pattern: /^(UDP|TCP|RPC\/udp|RPC\/tcp) latency using (\S+): (\S+) microseconds$/,
    build: (m) => ({metric: NETWORK_LATENCY[m[1]!]!, params: remoteParams(m[2]!)})
  },
  {
    pattern: /^TCP\/IP connection cost to (\S+): (\S+) microseconds$/,
    build: (m) => ({metric: "lat_tcp_connect", params: remoteParams(m[1]!)})
  },
  {
    // Basic operations (LMbench 3 only), e.g. "int64 mul: 1.94 nanoseconds", "double bogomflops: 2.40 nanoseconds".
    pattern: /^(integer|int64|uint64|float|double) (bit|add|mul|div|mod|bogomflops): (\S+) nanoseconds$/,
    build: (m) => ({metric: "lat_op", params: {type: opType(m[1]!), op: m[2]!}, unit: "ns"})
  },
  {pattern: /^AF_UNIX sock stream bandwidth: (\S+) MB\/sec$/, build: () => ({metric: "bw_unix", unit: "MB/s"})},
  {pattern: /^Pipe bandwidth: (\S+) MB\/sec$/, build: () => ({metric: "bw_pipe", unit: "MB/s"})},
  {
    // LMbench 2.x prints one line where 3.x prints a "Socket bandwidth using" block.
    pattern: /^TCP bandwidth using (\S+): (\S+) MB\/sec$/,
    build: (m) => ({metric: "bw_tcp", params: remoteParams(m[1]!), unit: "MB/s"})
  },
  {
    // lmdd's KB is 1024 bytes.
    pattern: /^File \S.* write bandwidth: (\S+) KB\/sec$/,
    build: () => ({metric: "bw_file_write", unit: "MB/s", scale: 1024 / 1e6})
  },
  {
    pattern: /^STREAM (copy|scale|add|triad) bandwidth: (\S+) MB\/sec$/,
    build: (m) => ({metric: `stream_${m[1]}`, unit: "MB/s"})
  },
  {
    pattern: /^STREAM2 (fill|copy|daxpy|sum) bandwidth: (\S+) MB\/sec$/,
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
export function parseLmbenchResults(text: string, file: string, lines: readonly string[] = splitLines(text)): ParsedOutput {
  const start = firstSignificantLine(lines);
  const banner = start >= 0 ? RESULTS_BANNER.exec(lines[start]!.trim()) : null;
  if (!banner) {
    throw new ParseError(file, Math.max(start, 0) + 1, "an LMbench results banner \"[lmbench3.0 results for ...]\"", lines[Math.max(start, 0)]);
  }
  const meta: Record<string, string> = {uname: banner[2]!};
  const samples: Sample[] = [];
  const push = (metric: string, params: Params, unit: string, value: number) =>
    samples.push({suite: "lmbench", metric, params, unit, value: roundSignificant(value), repetition: 0});

  let title: string | undefined;
  let lastUnquotedTitle: string | undefined;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!.trimEnd();
    if (line.trim() === "") {
      title = undefined;
      continue;
    }
    const header = HEADER_LINE.exec(line);
    if (header) {
      const key = header[1]!.trim();
      if (META_KEYS.has(key) && header[2]!.trim() !== "") meta[key.toLowerCase().replace(/[ _]+/g, "_")] = header[2]!.trim();
      continue;
    }
    const lineMatch = matchLineMetric(line);
    if (lineMatch) {
      push(lineMatch.metric, lineMatch.params, lineMatch.unit, lineMatch.value);
      continue;
    }
    const tlb = /^tlb: (\d+) pages$/.exec(line);
    if (tlb) {
      meta.tlb_pages = tlb[1]!;
      continue;
    }
    if (title !== undefined) {
      if (parseBlockRow(title, lastUnquotedTitle, line, push)) continue;
    }
    // A new block title: quoted ("size=16k ovr=1.37, "stride=128, "read bandwidth) or a known bare title.
    if (line.startsWith('"')) {
      title = line.slice(1).trim();
    } else if (!DATA_PAIR.test(line)) {
      title = line.trim();
      lastUnquotedTitle = title;
    }
  }
  if (meta.lmbench_version === undefined && meta.lmbench_ver !== undefined) meta.lmbench_version = meta.lmbench_ver;
  delete meta.lmbench_ver;
  return {
    format: FORMAT,
    tool: "lmbench",
    toolVersion: meta.lmbench_version || banner[1]!,
    samples: numberRepetitions(samples),
    meta
  };
}

function matchLineMetric(line: string): {metric: string; params: Params; unit: string; value: number} | undefined {
  const trimmed = line.trim();
  for (const entry of LATENCY_LINES) {
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

/** One data row inside the current block; false when the line is not a row of that block. */
function parseBlockRow(title: string, lastUnquotedTitle: string | undefined, line: string, push: Push): boolean {
  const ctx = CTX_TITLE.exec(title);
  if (ctx) {
    const [procs, latency] = fields(line).map((field) => readNumber(field));
    if (procs === undefined || latency === undefined || fields(line).length !== 2) return false;
    push("lat_ctx", {procs, size_kb: Number(ctx[1])}, "us", latency);
    return true;
  }
  if (title.startsWith("stride=")) {
    const row = latMemRdRow(title, line, lastUnquotedTitle === "Random load latency");
    if (!row) return false;
    push("lat_mem_rd", row.params, "ns", row.value);
    return true;
  }
  if (title === "File system latency") {
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
  const pair = DATA_PAIR.exec(line);
  if (!pair) return false;
  const x = readNumber(pair[1]);
  const y = readNumber(pair[2]);
  if (x === undefined || y === undefined) return false;
  if (title === "mappings") {
    push("lat_mmap", {size_mb: x}, "us", y);
    return true;
  }
  const bandwidth = BANDWIDTH_BLOCKS[title];
  if (bandwidth) {
    push(bandwidth.metric, {...bandwidth.params, size_mb: x}, "MB/s", y);
    return true;
  }
  // Rows of a block we do not map (e.g. "Memory load parallelism") are consumed silently.
  return true;
}
