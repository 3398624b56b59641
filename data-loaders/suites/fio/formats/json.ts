/**
 * fio `--output-format=json` (2.x and 3.x schemas), possibly after non-JSON lines (job banners,
 * warnings) that fio or a wrapper printed first:
 *
 *   {
 *     "fio version" : "fio-3.26",
 *     "jobs" : [ { "jobname" : "disk_fill", "job options" : {"rw" : "readwrite", "bs" : "256k"},
 *                  "read" : { "bw_bytes" : 149343283, "bw" : 145843, "iops" : 569.69, "clat_ns" : {"mean" : 76331646.8} } } ]
 *   }
 *
 * 2.x reports bw in KiB/s and clat in µs ("clat"); 3.x adds bw_bytes and reports clat_ns.
 */
import {ParseError} from "../../../errors.ts";
import {SampleTable} from "../../../model/sample-table.ts";
import {ParsedOutput} from "../../../model/sample.ts";
import {FIO_VERSION, addDirection, jobParams, type Direction} from "./common.ts";
import {kibPerSecToMBps, splitLines} from "../../../parsers/text.ts";

export const FORMAT = "fio-json";

type Json = null | boolean | number | string | Json[] | {[key: string]: Json};
type JsonObject = {[key: string]: Json};

const DIRECTIONS: Direction[] = ["read", "write", "trim"];

/** Index of the line where the JSON document starts: the first line that is exactly "{" or starts with {". */
export function jsonStartLine(lines: readonly string[]): number {
  return lines.findIndex((line) => /^\{\s*$|^\{\s*"/.test(line.trim()));
}

/** `lines` is `splitLines(text)`, passed in when the caller (detection) already split the text. */
export function parseFioJson(text: string, file: string, lines: readonly string[] = splitLines(text)): ParsedOutput {
  const start = jsonStartLine(lines);
  if (start < 0) throw new ParseError(file, 1, "a fio JSON document (a line starting with \"{\")", lines[0]);
  const end = lastClosingLine(lines, start);
  const document = parseDocument(lines.slice(start, end + 1).join("\n"), file, start);
  const version = typeof document["fio version"] === "string" ? document["fio version"] : undefined;
  const jobs = document.jobs;
  if (version === undefined || !Array.isArray(jobs)) {
    throw new ParseError(file, start + 1, 'a fio JSON object with "fio version" and "jobs"', lines[start]);
  }
  const globalOptions = stringRecord(document["global options"]);
  const table = new SampleTable();
  jobs.forEach((job, index) => {
    if (!isObject(job)) throw new ParseError(file, start + 1, `an object for job ${index} in "jobs"`);
    const name = typeof job.jobname === "string" ? job.jobname : `job${index}`;
    const options = {...globalOptions, ...stringRecord(job["job options"])};
    const error = typeof job.error === "number" ? job.error : 0;
    for (const direction of DIRECTIONS) {
      const stats = job[direction];
      if (!isObject(stats) || !didIo(stats)) continue;
      addDirection(table, jobParams(name, direction, options), readDirection(stats), error);
    }
  });
  const meta: Record<string, string> = {};
  if (typeof document.time === "string") meta.time = document.time;
  if (lines.slice(0, start).some((line) => line.trim() !== "")) meta.preamble_lines = String(start);
  return new ParsedOutput(FORMAT, "fio", FIO_VERSION.exec(version)?.[1] ?? version, table, meta);
}

/** Trailing text after the document (a wrapper's "done" line) is cut at the last line that is "}". */
function lastClosingLine(lines: readonly string[], start: number): number {
  for (let i = lines.length - 1; i > start; i--) if (lines[i]!.trim() === "}") return i;
  return lines.length - 1;
}

function parseDocument(json: string, file: string, startLine: number): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    const line = position ? startLine + json.slice(0, Number(position[1])).split("\n").length : startLine + json.split("\n").length;
    throw new ParseError(file, line, "well-formed fio JSON (the document is cut short or mixed with other text)", message);
  }
  if (!isObject(parsed as Json)) throw new ParseError(file, startLine + 1, "a fio JSON object");
  return parsed as JsonObject;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringRecord(value: Json | undefined): Record<string, string> {
  if (!isObject(value)) return {};
  const record: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) if (typeof entry === "string" || typeof entry === "number") record[key] = String(entry);
  return record;
}

function numberAt(object: JsonObject, key: string): number | undefined {
  const value = object[key];
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** A direction the job never used is printed with zeros; it is not a measurement. */
function didIo(stats: JsonObject): boolean {
  return (numberAt(stats, "total_ios") ?? 0) > 0 || (numberAt(stats, "io_bytes") ?? 0) > 0 || (numberAt(stats, "bw") ?? 0) > 0;
}

function readDirection(stats: JsonObject) {
  const bwBytes = numberAt(stats, "bw_bytes");
  const bandwidth = bwBytes !== undefined ? bwBytes / 1e6 : kibPerSecToMBps(numberAt(stats, "bw") ?? 0);
  const clatNs = stats.clat_ns;
  const clatUs = stats.clat;
  const clatMeanUs = isObject(clatNs) && numberAt(clatNs, "mean") !== undefined
    ? numberAt(clatNs, "mean")! / 1000
    : isObject(clatUs)
      ? numberAt(clatUs, "mean")
      : undefined;
  return {bandwidth, iops: numberAt(stats, "iops") ?? 0, clatMeanUs};
}
