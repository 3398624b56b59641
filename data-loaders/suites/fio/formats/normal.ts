/**
 * fio default ("normal") text output, 3.x layout, with the 2.x direction line tolerated:
 *
 *   Seq-Read: (g=0): rw=read, bs=(R) 1024KiB-1024KiB, (W) ..., ioengine=libaio, iodepth=1
 *   Seq-Read: (groupid=0, jobs=1): err= 0: pid=13587: Mon Feb 28 17:51:17 2022
 *     read: IOPS=65, BW=65.8MiB/s (68.0MB/s)(1024MiB/15569msec)
 *       clat (usec): min=13569, max=24635, avg=14878.72, stdev=805.65
 *
 *   (fio 2.x:  read : io=1024.0MB, bw=67344KB/s, iops=65, runt= 15569msec)
 *
 * Bandwidth is taken from the decimal figure in parentheses (3.x) or the KiB-based 2.x figure;
 * "Run status group" summaries and disk stats repeat or leave the job level and are skipped.
 */
import {ParseError} from "../../../errors.ts";
import {SampleTable} from "../../../model/sample-table.ts";
import {ParsedOutput} from "../../../model/sample.ts";
import {FIO_VERSION, addDirection, jobParams, readJobDescriptions, type Direction} from "./common.ts";
import {firstNonBlank, lastSignificantLine, readNumber, splitLines} from "../../../parsers/text.ts";

export const FORMAT = "fio-normal";

export const JOB_RESULT_HEADER = /^(\S.*?): \(groupid=(\d+), jobs=(\d+)\): err=\s*(-?\d+)/;
const DIRECTION_V3 = /^(read|write|trim): IOPS=([\d.]+)([kKM]?), BW=\S+ \(([\d.]+)([kMG]B)\/s\)/;
const DIRECTION_V2 = /^(read|write|trim)\s*: io=\S+, bw=([\d.]+)([KMG]?B)\/s, iops=([\d.]+)([kKM]?)/;
const CLAT = /^clat \((nsec|usec|msec)\):.*\bavg=\s*([\d.]+)/;
/** First characters of "fio-<version>", "Run status group", read/write/trim and clat lines. */
const NORMAL_LEADS: boolean[] = Array.from({length: 128}, (_, code) => "fRrwtc".includes(String.fromCharCode(code)));

const DECIMAL_SCALE: Record<string, number> = {"": 1, k: 1e3, K: 1e3, M: 1e6};
const DECIMAL_BYTES_TO_MB: Record<string, number> = {kB: 1e-3, MB: 1, GB: 1e3};
const BINARY_BYTES_TO_MB: Record<string, number> = {B: 1 / 1e6, KB: 1024 / 1e6, MB: 1048576 / 1e6, GB: 1073741824 / 1e6};
const CLAT_TO_US: Record<string, number> = {nsec: 1e-3, usec: 1, msec: 1e3};

interface Pending {
  job: string;
  error: number;
  direction?: Direction;
  bandwidth?: number;
  iops?: number;
  clatMeanUs?: number;
}

/** `lines` is `splitLines(text)`, passed in when the caller (detection) already split the text. */
export function parseFioNormal(text: string, file: string, lines: readonly string[] = splitLines(text)): ParsedOutput {
  const descriptions = readJobDescriptions(lines);
  const table = new SampleTable();
  let version: string | null = null;
  let job: Pending | undefined;
  let current: Pending | undefined;

  const flush = () => {
    if (current?.direction && current.bandwidth !== undefined && current.iops !== undefined) {
      const params = jobParams(current.job, current.direction, descriptions.get(current.job) ?? {});
      addDirection(table, params, {bandwidth: current.bandwidth, iops: current.iops, clatMeanUs: current.clatMeanUs}, current.error);
    }
    current = undefined;
  };

  lines.forEach((raw, index) => {
    // Blank lines match nothing below; "fio-" versions, job headers and the rest are told by cheap checks first.
    const first = firstNonBlank(raw);
    if (first < 0) return;
    const lead = raw.charCodeAt(first);
    // Lines that start otherwise than every pattern below (percentiles, disk stats…) are skipped untrimmed.
    if (!(lead < 128 && NORMAL_LEADS[lead]) && !raw.includes(": (groupid=")) return;
    const line = raw.trim();
    if (lead === 102) {
      // "f"
      const fioVersion = FIO_VERSION.exec(line);
      if (fioVersion) version = fioVersion[1]!;
    }
    const header = raw.includes(": (groupid=") ? JOB_RESULT_HEADER.exec(line) : null;
    if (header) {
      flush();
      job = {job: header[1]!, error: Number(header[4])};
      return;
    }
    if (lead === 82 && line.startsWith("Run status group")) {
      flush();
      job = undefined;
      return;
    }
    if (!job) return;
    const direction = lead === 114 || lead === 119 || lead === 116; // read, write, trim
    const v3 = direction ? DIRECTION_V3.exec(line) : null;
    const v2 = v3 || !direction ? null : DIRECTION_V2.exec(line);
    if (v3 || v2) {
      flush();
      current = {...job, direction: (v3 ?? v2)![1] as Direction};
      if (v3) {
        current.iops = Number(v3[2]) * DECIMAL_SCALE[v3[3]!]!;
        current.bandwidth = Number(v3[4]) * DECIMAL_BYTES_TO_MB[v3[5]!]!;
      } else {
        current.bandwidth = Number(v2![2]) * BINARY_BYTES_TO_MB[v2![3]!]!;
        current.iops = Number(v2![4]) * DECIMAL_SCALE[v2![5]!]!;
      }
      if (!Number.isFinite(current.bandwidth) || !Number.isFinite(current.iops)) {
        throw new ParseError(file, index + 1, "a fio direction line with numeric IOPS and BW", raw);
      }
      return;
    }
    const clat = current ? CLAT.exec(line) : null;
    if (clat && current && current.clatMeanUs === undefined) {
      const mean = readNumber(clat[2]);
      if (mean !== undefined) current.clatMeanUs = mean * CLAT_TO_US[clat[1]!]!;
    }
  });
  flush();
  if (table.length === 0) {
    const end = lastSignificantLine(lines);
    throw new ParseError(file, end + 1, 'fio job results ("<job>: (groupid=0, jobs=1): err= 0" followed by "read: IOPS=..., BW=...")', lines[end]);
  }
  return new ParsedOutput(FORMAT, "fio", version, table, {});
}
