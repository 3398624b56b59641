/** What the fio formats share: job parameters in the vocabulary and the sample triple per direction. */
import {SampleTable} from "../../../model/sample-table.ts";
import type {Params} from "../../../model/sample.ts";
import {roundSignificant} from "../../../parsers/text.ts";

export type Direction = "read" | "write" | "trim";

export const FIO_VERSION = /^fio-(\d+\.\d+\S*)$/;

/** fio sizes ("4k", "1m", "1024KiB", "4096B") in bytes; ranges and lists stay as written. fio's k is 1024. */
export function blockSizeParam(value: string): number | string {
  const match = /^(\d+)\s*([kKmMgG]?)(?:i?[bB])?$/.exec(value.trim());
  if (!match) return value.trim();
  const power = {"": 0, k: 1, m: 2, g: 3}[match[2]!.toLowerCase() as "" | "k" | "m" | "g"];
  return Number(match[1]) * 1024 ** power;
}

/** Job options (from JSON "job options", a normal-output job line or terse context) as vocabulary params. */
export function jobParams(job: string, direction: Direction, options: Record<string, string | undefined>): Params {
  const params: Params = {job, rw: direction};
  if (options.rw) params.pattern = options.rw;
  if (options.bs) params.bs = blockSizeParam(options.bs);
  for (const key of ["iodepth", "numjobs"] as const) {
    const value = options[key];
    if (value !== undefined && /^\d+$/.test(value.trim())) params[key] = Number(value);
  }
  if (options.ioengine) params.ioengine = options.ioengine;
  return params;
}

export interface DirectionResult {
  /** Decimal MB/s. */
  bandwidth: number;
  iops: number;
  /** Mean completion latency in µs, when reported. */
  clatMeanUs?: number;
}

/** fio_bw, fio_iops and fio_lat_mean for one job direction; a job error makes them failed samples. */
export function addDirection(table: SampleTable, params: Params, result: DirectionResult, error?: number): void {
  const values: Array<[string, string, number | undefined]> = [
    ["fio_bw", "MB/s", result.bandwidth],
    ["fio_iops", "IOPS", result.iops],
    ["fio_lat_mean", "us", result.clatMeanUs]
  ];
  for (const [metric, unit, value] of values) {
    if (value === undefined || !Number.isFinite(value)) continue;
    if (!error) table.add("fio", metric, unit, params, roundSignificant(value));
    else table.fail(table.add("fio", metric, unit, params, Number.NaN), `fio job error ${error}`);
  }
}

/**
 * Job description lines fio prints before running, e.g.
 * "Seq-Read: (g=0): rw=read, bs=(R) 1024KiB-1024KiB, (W) ..., ioengine=libaio, iodepth=1".
 */
export function readJobDescriptions(lines: readonly string[]): Map<string, Record<string, string>> {
  const jobs = new Map<string, Record<string, string>>();
  for (const line of lines) {
    if (!line.includes(": (g=")) continue; // cheaper than the regex on every line
    const match = /^(\S.*?): \(g=\d+\): (rw=.*)$/.exec(line.trim());
    if (!match) continue;
    const options: Record<string, string> = {};
    const rw = /(?:^|, )rw=([^,\s]+)/.exec(match[2]!);
    if (rw) options.rw = rw[1]!;
    // bs=(R) 4096B-4096B, (W) ...: keep the read size when min equals max.
    // 3.x: "bs=(R) 4096B-4096B, (W) ..."; 2.x: "bs=128K-128K/128K-128K/...".
    const bs = /bs=\(R\) ([^\s,-]+)-([^\s,]+),/.exec(match[2]!) ?? /bs=([^\s,/-]+)-([^\s,/]+)[/,]/.exec(match[2]!);
    if (bs) options.bs = bs[1] === bs[2] ? bs[1]! : `${bs[1]}-${bs[2]}`;
    const engine = /ioengine=([^,\s]+)/.exec(match[2]!);
    if (engine) options.ioengine = engine[1]!;
    const depth = /iodepth=(\d+)/.exec(match[2]!);
    if (depth) options.iodepth = depth[1]!;
    jobs.set(match[1]!, options);
  }
  return jobs;
}
