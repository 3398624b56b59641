/**
 * HPC Challenge hpccoutf.txt (1.4.x, 1.5.x). HPCC appends each run to the same file, so a file may
 * hold several runs, each opening with
 *
 *   This is the DARPA/DOE HPC Challenge Benchmark version 1.5.0 October 2012
 *
 * and made of "Begin of X section." … "End of X section." blocks. From each run this reads:
 * - the HPL section, as HPL.out (linpack_gflops/time/residual per test);
 * - the Summary section's key=value results (StarDGEMM_Gflops=10.3432, StarSTREAM_Triad=5.92076, ...),
 *   mapped by SUMMARY_METRICS below. HPL_Tflops repeats the HPL section and is used only when that
 *   section has no result line.
 */
import {ParseError} from "../../../errors.ts";
import {SampleTable} from "../../../model/sample-table.ts";
import {ParsedOutput, type Params, type Suite} from "../../../model/sample.ts";
import {readHplSection} from "./hpl.ts";
import {firstNonBlank, firstSignificantLine, lastSignificantLine, readNumber, roundSignificant, splitLines} from "../../../parsers/text.ts";

export const FORMAT = "hpcc";

export const HPCC_BANNER = /^This is the DARPA\/DOE HPC Challenge Benchmark version (\S+)/;

interface SummaryMetric {
  suite: Suite;
  metric: string;
  unit: string;
  /** Factor from the summary's unit to `unit` (GB/s → MB/s). */
  scale: number;
  params: Params;
}

const gflops = (metric: string, scope: string): SummaryMetric => ({suite: "linpack", metric, unit: "GFLOPS", scale: 1, params: {scope}});
const gups = (scope: string, lcg: boolean): SummaryMetric => ({
  suite: "linpack",
  metric: "hpcc_random_access",
  unit: "GUP/s",
  scale: 1,
  params: lcg ? {scope, lcg: true} : {scope}
});
const stream = (kernel: string, scope: string): SummaryMetric => ({suite: "stream", metric: `stream_${kernel}`, unit: "MB/s", scale: 1000, params: {scope}});
const network = (metric: string, unit: "us" | "MB/s", params: Params): SummaryMetric => ({
  suite: "linpack",
  metric,
  unit,
  scale: unit === "MB/s" ? 1000 : 1,
  params
});

/** Summary keys that are results; every other key (sizes, sizeof_*, machine constants) is not a measurement. */
const SUMMARY_METRICS: Record<string, SummaryMetric> = {
  StarDGEMM_Gflops: gflops("hpcc_dgemm", "star"),
  SingleDGEMM_Gflops: gflops("hpcc_dgemm", "single"),
  MPIFFT_Gflops: gflops("hpcc_fft", "mpi"),
  StarFFT_Gflops: gflops("hpcc_fft", "star"),
  SingleFFT_Gflops: gflops("hpcc_fft", "single"),
  PTRANS_GBs: {suite: "linpack", metric: "hpcc_ptrans", unit: "MB/s", scale: 1000, params: {}},
  MPIRandomAccess_GUPs: gups("mpi", false),
  StarRandomAccess_GUPs: gups("star", false),
  SingleRandomAccess_GUPs: gups("single", false),
  MPIRandomAccess_LCG_GUPs: gups("mpi", true),
  StarRandomAccess_LCG_GUPs: gups("star", true),
  SingleRandomAccess_LCG_GUPs: gups("single", true),
  StarSTREAM_Copy: stream("copy", "star"),
  StarSTREAM_Scale: stream("scale", "star"),
  StarSTREAM_Add: stream("add", "star"),
  StarSTREAM_Triad: stream("triad", "star"),
  SingleSTREAM_Copy: stream("copy", "single"),
  SingleSTREAM_Scale: stream("scale", "single"),
  SingleSTREAM_Add: stream("add", "single"),
  SingleSTREAM_Triad: stream("triad", "single"),
  MinPingPongLatency_usec: network("hpcc_pingpong_latency", "us", {stat: "min"}),
  AvgPingPongLatency_usec: network("hpcc_pingpong_latency", "us", {stat: "avg"}),
  MaxPingPongLatency_usec: network("hpcc_pingpong_latency", "us", {stat: "max"}),
  NaturallyOrderedRingLatency_usec: network("hpcc_ring_latency", "us", {order: "natural"}),
  RandomlyOrderedRingLatency_usec: network("hpcc_ring_latency", "us", {order: "random"}),
  MinPingPongBandwidth_GBytes: network("hpcc_pingpong_bw", "MB/s", {stat: "min"}),
  AvgPingPongBandwidth_GBytes: network("hpcc_pingpong_bw", "MB/s", {stat: "avg"}),
  MaxPingPongBandwidth_GBytes: network("hpcc_pingpong_bw", "MB/s", {stat: "max"}),
  NaturallyOrderedRingBandwidth_GBytes: network("hpcc_ring_bw", "MB/s", {order: "natural"}),
  RandomlyOrderedRingBandwidth_GBytes: network("hpcc_ring_bw", "MB/s", {order: "random"})
};

const SECTION_EDGE = /^(Begin|End) of (\S+) section\.\s*$/;
const SUMMARY_PAIR = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/** `lines` is `splitLines(text)`, passed in when the caller (detection) already split the text. */
export function parseHpcc(text: string, file: string, lines: readonly string[] = splitLines(text)): ParsedOutput {
  const starts: number[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const first = firstNonBlank(line);
    if (first >= 0 && line.charCodeAt(first) === 84 && HPCC_BANNER.test(line.trim())) starts.push(index); // "T"
  }
  if (starts.length === 0) {
    const first = Math.max(firstSignificantLine(lines), 0);
    throw new ParseError(file, first + 1, 'an HPCC banner "This is the DARPA/DOE HPC Challenge Benchmark version ..."', lines[first]);
  }
  const table = new SampleTable();
  const meta: Record<string, string> = {};
  let version: string | null = null;
  starts.forEach((start, run) => {
    const end = starts[run + 1] ?? lines.length;
    version = HPCC_BANNER.exec(lines[start]!.trim())![1]!;
    readRun(lines, start, end, file, run, meta, table);
  });
  meta.runs = String(starts.length);
  return new ParsedOutput(FORMAT, "hpcc", version, table, meta);
}

function readRun(lines: readonly string[], start: number, end: number, file: string, run: number, meta: Record<string, string>, table: SampleTable): void {
  const sections = new Map<string, {begin: number; end?: number}>();
  for (let i = start; i < end; i++) {
    const line = lines[i]!;
    const first = firstNonBlank(line);
    const lead = first < 0 ? 0 : line.charCodeAt(first);
    if (lead !== 66 && lead !== 69) continue; // "Begin of" / "End of"
    const edge = SECTION_EDGE.exec(line.trim());
    if (!edge) continue;
    if (edge[1] === "Begin") sections.set(edge[2]!, {begin: i});
    else {
      const section = sections.get(edge[2]!);
      if (!section) throw new ParseError(file, i + 1, `"Begin of ${edge[2]} section." before its end`, lines[i]);
      section.end = i;
    }
  }
  for (const [name, section] of sections) {
    if (section.end === undefined) {
      const last = lastSignificantLine(lines, end);
      throw new ParseError(file, last + 1, `"End of ${name} section." (the HPCC run that starts at line ${start + 1} ends early)`, lines[last]);
    }
  }
  let hostnameLine = "";
  for (let i = start; i < end; i++) {
    if (lines[i]!.startsWith("Hostname:")) {
      hostnameLine = lines[i]!;
      break;
    }
  }
  const hostname = /^Hostname: '(.*)'\s*$/.exec(hostnameLine);
  if (hostname) meta[run === 0 ? "hostname" : `hostname.${run}`] = hostname[1]!;

  const summary = sections.get("Summary");
  const values = summary ? readSummary(lines, summary.begin + 1, summary.end!) : new Map<string, string>();
  const procs = readNumber(values.get("CommWorldProcs"));
  const withProcs = (params: Params): Params => (procs === undefined ? params : {...params, procs});

  const hpl = sections.get("HPL");
  // Every HPL test gives a linpack_gflops sample; without any, the summary's HPL figures stand in.
  const fromSection = hpl ? readHplSection(lines, hpl.begin + 1, hpl.end!, file, table).samples : 0;
  if (fromSection === 0) hplFromSummary(values, table);

  const streamParams: Params = {};
  const vectorSize = readNumber(values.get("STREAM_VectorSize"));
  const streamThreads = readNumber(values.get("STREAM_Threads"));
  if (vectorSize !== undefined) streamParams.array_elements = vectorSize;
  if (streamThreads !== undefined) streamParams.threads = streamThreads;

  for (const [key, spec] of Object.entries(SUMMARY_METRICS)) {
    const value = readNumber(values.get(key));
    // HPCC writes 0 or -1 for tests it skipped (e.g. ping-pong on one process).
    if (value === undefined || value <= 0) continue;
    const params = spec.suite === "stream" ? {...spec.params, ...streamParams} : spec.params;
    table.add(spec.suite, spec.metric, spec.unit, withProcs(params), roundSignificant(value * spec.scale));
  }
}

function readSummary(lines: readonly string[], from: number, to: number): Map<string, string> {
  const values = new Map<string, string>();
  for (let i = from; i < to; i++) {
    const pair = SUMMARY_PAIR.exec(lines[i]!.trim());
    if (pair) values.set(pair[1]!, pair[2]!.trim());
  }
  return values;
}

function hplFromSummary(values: Map<string, string>, table: SampleTable): void {
  const tflops = readNumber(values.get("HPL_Tflops"));
  if (tflops === undefined || tflops <= 0) return;
  const params: Params = {};
  for (const [key, name] of [["HPL_N", "n"], ["HPL_NB", "nb"], ["HPL_nprow", "p"], ["HPL_npcol", "q"]] as const) {
    const value = readNumber(values.get(key));
    if (value !== undefined) params[name] = value;
  }
  table.add("linpack", "linpack_gflops", "GFLOPS", params, roundSignificant(tflops * 1000));
  const time = readNumber(values.get("HPL_time"));
  if (time !== undefined) table.add("linpack", "linpack_time", "s", params, time);
}
