/**
 * LMbench `lat_mem_rd` output on its own (stderr of `lat_mem_rd -P 1 SIZE_MB 128 256 ...`):
 *
 *   "stride=128
 *   0.00049 1.186
 *   0.00098 1.186
 *
 *   "stride=256
 *   ...
 *
 * One block per stride; rows are array size in MB and load latency in ns.
 */
import {ParseError} from "../../../errors.ts";
import {SampleTable, SeriesByNumber} from "../../../model/sample-table.ts";
import {ParsedOutput} from "../../../model/sample.ts";
import {firstNonBlank, pairFirst, readNumberPair, roundedPairSecond, splitLines} from "../../../parsers/text.ts";

export const FORMAT = "lmbench-lat-mem-rd";

export const STRIDE_TITLE = /^"?stride=(\d+)\s*$/;

/** The series of one stride block: rows differ in size_mb. */
export function strideSeries(table: SampleTable, stride: number, random: boolean): SeriesByNumber {
  return table.seriesByNumber(`lat_mem_rd ${stride} ${random}`, "lmbench", "lat_mem_rd", "ns", random ? {stride, random: true} : {stride}, "size_mb");
}

/** Appends one "size_mb ns" row of a stride block; false when the line is not such a row. */
export function addLatMemRdRow(series: SeriesByNumber, line: string): boolean {
  if (!readNumberPair(line)) return false;
  series.push(pairFirst, roundedPairSecond());
  return true;
}

/** `lines` is `splitLines(text)`, passed in when the caller (detection) already split the text. */
export function parseLatMemRd(text: string, file: string, lines: readonly string[] = splitLines(text)): ParsedOutput {
  const table = new SampleTable();
  let stride: SeriesByNumber | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const first = firstNonBlank(raw);
    if (first < 0) {
      stride = undefined;
      continue;
    }
    // Rows start with a digit (or "."); only other lines can be a title.
    const code = raw.charCodeAt(first);
    if (code === 34 || code === 115) {
      // '"' or "s"
      const title = STRIDE_TITLE.exec(raw.trim());
      if (title) {
        stride = strideSeries(table, Number(title[1]), false);
        continue;
      }
    }
    if (stride === undefined || !addLatMemRdRow(stride, raw)) {
      throw new ParseError(file, i + 1, stride === undefined ? 'a "stride=N title line' : "a lat_mem_rd row \"<size MB> <latency ns>\"", lines[i]);
    }
  }
  if (table.length === 0) throw new ParseError(file, 1, 'at least one "stride=N block with rows', lines[0]);
  return new ParsedOutput(FORMAT, "lmbench", null, table, {});
}
