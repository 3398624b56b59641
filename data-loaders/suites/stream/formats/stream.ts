/**
 * McCalpin STREAM (stream.c 5.x, serial or OpenMP):
 *
 *   STREAM version $Revision: 5.10 $
 *   Array size = 268435456 (elements), Offset = 0 (elements)
 *   Number of Threads counted = 4
 *   Function    Best Rate MB/s  Avg time     Min time     Max time
 *   Copy:           18514.5     0.242368     0.231979     0.317779
 *   Triad:          23314.0     0.291828     0.276334     0.337149
 *   Solution Validates: avg error less than 1.000000e-13 on all three arrays
 *
 * Older builds print "Rate (MB/s)"; HPCC's copy prints "Rate (GB/s)" (×1000 to MB/s).
 */
import {ParseError} from "../../../errors.ts";
import {SampleTable} from "../../../model/sample-table.ts";
import {ParsedOutput, type Params} from "../../../model/sample.ts";
import {fields, firstSignificantLine, readNumber, roundSignificant, splitLines} from "../../../parsers/text.ts";

export const FORMAT = "stream";

export const STREAM_TABLE_HEADER = /^Function\s+(Best Rate MB\/s|Rate \(MB\/s\)|Rate \(GB\/s\))\s+Avg time\s+Min time\s+Max time\s*$/;
const KERNELS = ["Copy", "Scale", "Add", "Triad"] as const;

/** `lines` is `splitLines(text)`, passed in when the caller (detection) already split the text. */
export function parseStream(text: string, file: string, lines: readonly string[] = splitLines(text)): ParsedOutput {
  const headerIndex = lines.findIndex((line) => STREAM_TABLE_HEADER.test(line.trim()));
  if (headerIndex < 0) {
    const first = Math.max(firstSignificantLine(lines), 0);
    throw new ParseError(file, first + 1, 'a STREAM results table "Function    Best Rate MB/s  Avg time ..."', lines[first]);
  }
  const scale = STREAM_TABLE_HEADER.exec(lines[headerIndex]!.trim())![1] === "Rate (GB/s)" ? 1000 : 1;
  const meta: Record<string, string> = {};
  const params: Params = {};
  let version: string | null = null;
  for (const raw of lines.slice(0, headerIndex)) {
    const line = raw.trim();
    const revision = /^STREAM version \$Revision: (\S+) \$$/.exec(line);
    if (revision) version = revision[1]!;
    const array = /^Array size = (\d+)/.exec(line);
    if (array) params.array_elements = Number(array[1]);
    const counted = /^Number of Threads counted = (\d+)/.exec(line);
    const requested = /^Number of Threads requested = (\d+)/.exec(line);
    if (counted) params.threads = Number(counted[1]);
    else if (requested && params.threads === undefined) params.threads = Number(requested[1]);
  }

  let validation: string | undefined;
  for (let k = headerIndex; k < lines.length && validation === undefined; k++) {
    const line = lines[k]!;
    if ((line.includes("Solution Validates") || line.includes("Failed Validation")) && /^(Solution Validates|Failed Validation)/.test(line.trim())) validation = line;
  }
  if (validation) meta.validation = validation.trim();
  const failed = validation !== undefined && validation.trim().startsWith("Failed");
  const table = new SampleTable();
  KERNELS.forEach((kernel, k) => {
    const index = headerIndex + 1 + k;
    const parts = fields(lines[index] ?? "");
    const rate = readNumber(parts[1]);
    if (parts[0] !== `${kernel}:` || parts.length !== 5 || rate === undefined) {
      throw new ParseError(file, index + 1, `the STREAM "${kernel}:" row "<rate> <avg> <min> <max>"`, lines[index]);
    }
    const metric = `stream_${kernel.toLowerCase()}`;
    if (!failed) table.add("stream", metric, "MB/s", params, roundSignificant(rate * scale));
    else table.fail(table.add("stream", metric, "MB/s", params, Number.NaN), `${validation!.trim()} (reported ${rate * scale} MB/s)`);
  });
  return new ParsedOutput(FORMAT, "stream", version, table, meta);
}
