/**
 * fio terse (`--output-format=terse`, also `terse,normal`), versions 3 and 4 (the default is 3):
 *
 *   3;fio-3.28;Seq1M-Read-Q8;0;0;1048576;52883;51;19828;336;42513;19289.755947;5008.972290;38671;...
 *
 * Fields after terse version, fio version, job name, group id and error: per direction (read,
 * write, then trim in v4) io KiB, bw KiB/s, IOPS, runtime ms, slat min/max/mean/dev µs, clat
 * min/max/mean/dev µs, 20 clat percentiles, lat min/max/mean/dev, bw min/max/agg%/mean/dev.
 * Job options (rw, bs, iodepth) come from the "name: (g=0): rw=..." lines fio prints before the
 * terse lines, when present; the normal report that `terse,normal` appends is ignored.
 */
import {ParseError} from "../../../errors.ts";
import {SampleTable} from "../../../model/sample-table.ts";
import {ParsedOutput} from "../../../model/sample.ts";
import {FIO_VERSION, addDirection, jobParams, readJobDescriptions, type Direction} from "./common.ts";
import {firstNonBlank, kibPerSecToMBps, readNumber, splitLines} from "../../../parsers/text.ts";

export const FORMAT = "fio-terse";

export const TERSE_LINE = /^([2-5]);fio-[^;]*;/;
const DIRECTION_FIELDS = 41;
const FIRST_DIRECTION = 5;

/** `lines` is `splitLines(text)`, passed in when the caller (detection) already split the text. */
export function parseFioTerse(text: string, file: string, lines: readonly string[] = splitLines(text)): ParsedOutput {
  const descriptions = readJobDescriptions(lines);
  const table = new SampleTable();
  let version: string | null = null;
  lines.forEach((raw, index) => {
    // Terse lines start with their version digit (2-5); no other line needs the regex.
    const first = firstNonBlank(raw);
    const lead = first < 0 ? 0 : raw.charCodeAt(first);
    if (lead < 50 || lead > 53) return;
    const line = raw.trim();
    const terse = TERSE_LINE.exec(line);
    if (!terse) return;
    if (terse[1] !== "3" && terse[1] !== "4") {
      throw new ParseError(file, index + 1, "fio terse version 3 or 4 (run with --terse-version=3 or --output-format=json)", raw);
    }
    const parts = line.split(";");
    const directions: Direction[] = terse[1] === "4" ? ["read", "write", "trim"] : ["read", "write"];
    const needed = FIRST_DIRECTION + directions.length * DIRECTION_FIELDS;
    // The 18th field of each direction block is the first clat percentile ("1.000000%=..."); checking it catches cut or shifted lines.
    if (parts.length < needed || !directions.every((_, d) => (parts[FIRST_DIRECTION + d * DIRECTION_FIELDS + 12] ?? "").includes("%="))) {
      throw new ParseError(file, index + 1, `a complete fio terse v${terse[1]} line (${needed} or more ';'-separated fields)`, raw);
    }
    version = FIO_VERSION.exec(parts[1]!)?.[1] ?? parts[1]!;
    const job = parts[2]!;
    const error = readNumber(parts[4]) ?? 0;
    directions.forEach((direction, d) => {
      const base = FIRST_DIRECTION + d * DIRECTION_FIELDS;
      const ioKib = readNumber(parts[base]);
      const bw = readNumber(parts[base + 1]);
      const iops = readNumber(parts[base + 2]);
      const clatMean = readNumber(parts[base + 10]);
      if (ioKib === undefined || bw === undefined || iops === undefined) {
        throw new ParseError(file, index + 1, `numbers in the ${direction} fields of the fio terse line`, raw);
      }
      if (ioKib === 0 && bw === 0) return; // direction not used by this job
      const params = jobParams(job, direction, descriptions.get(job) ?? {});
      addDirection(table, params, {bandwidth: kibPerSecToMBps(bw), iops, clatMeanUs: clatMean}, error);
    });
  });
  if (table.length === 0 && version === null) {
    throw new ParseError(file, 1, 'fio terse lines "3;fio-<version>;<job>;..."', lines[0]);
  }
  return new ParsedOutput(FORMAT, "fio", version, table, {});
}
