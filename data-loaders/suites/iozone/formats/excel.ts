/**
 * IOzone Excel report (`-R`, also the text of `-b file.xls`), alone or after an auto-mode table:
 *
 *   "Writer report"
 *           "4"  "8"  "16"  "32"  "64"  "128"
 *   "64"   581273  743988  743988  771797  752329
 *   "128"   757430  805138  877518  883293  887675  985435
 *
 * One block per test; the quoted header row holds record sizes (kB), each row starts with the
 * file size (kB) and lists KiB/s for the record sizes that ran for that file, smallest first.
 */
import {ParseError} from "../../../errors.ts";
import {SampleTable, type SeriesByNumber} from "../../../model/sample-table.ts";
import {ParsedOutput} from "../../../model/sample.ts";
import {REPORT_METRICS, integerRow, readIozoneBanner} from "./common.ts";
import {fields, firstNonBlank, kibPerSecToMBps, splitLines} from "../../../parsers/text.ts";

export const FORMAT = "iozone-excel";

export const REPORT_TITLE = /^"([A-Za-z -]+ report)"\s*$/;
const QUOTED_INTEGER = /^"(\d+)"$/;
const INTEGER = /^\d+$/;

/** `lines` is `splitLines(text)`, passed in when the caller (detection) already split the text. */
export function parseIozoneExcel(text: string, file: string, lines: readonly string[] = splitLines(text)): ParsedOutput {
  const firstTitle = lines.findIndex((line) => REPORT_TITLE.test(line.trim()));
  if (firstTitle < 0) throw new ParseError(file, 1, 'an IOzone Excel report title such as "Writer report"', lines[0]);
  const banner = readIozoneBanner(lines.slice(0, firstTitle), file);
  const table = new SampleTable();
  const skipped: string[] = [];

  let i = firstTitle;
  while (i < lines.length) {
    const title = REPORT_TITLE.exec(lines[i]!.trim());
    if (!title) {
      if (lines[i]!.trim() !== "" && !/^iozone test complete\.?$/.test(lines[i]!.trim())) {
        throw new ParseError(file, i + 1, 'an IOzone report title ("Reader report") or a blank line', lines[i]);
      }
      i++;
      continue;
    }
    const metric = REPORT_METRICS[title[1]!];
    const recordSizes = readRecordSizes(lines[i + 1], file, i + 1);
    // One series per (file size, record size) cell of this report: by record size, then by file size.
    const byRecord = new Map<number, SeriesByNumber>();
    const seriesOf = (recordKb: number) => {
      let series = byRecord.get(recordKb);
      if (series === undefined) {
        series = table.seriesByNumber(`${metric} ${recordKb}`, "iozone", metric!, "MB/s", {record_kb: recordKb}, "file_kb");
        byRecord.set(recordKb, series);
      }
      return series;
    };
    i += 2;
    for (; i < lines.length; i++) {
      const line = lines[i]!;
      const first = firstNonBlank(line);
      if (first < 0) break;
      // Rows start with a quoted number, titles with a quoted word: only the latter need the regex.
      const next = line.charCodeAt(first + 1);
      if (!(next >= 48 && next <= 57) && REPORT_TITLE.test(line.trim())) break;
      const row = readRow(line, first, recordSizes, file, i);
      if (!metric) continue;
      for (let k = 0; k < row.values.length; k++) {
        seriesOf(row.recordSizes[k]!).push(row.fileKb, kibPerSecToMBps(row.values[k]!));
      }
    }
    if (!metric) skipped.push(title[1]!);
  }
  const meta = {...banner.meta};
  if (skipped.length > 0) meta.skipped_reports = skipped.join(", ");
  return new ParsedOutput(FORMAT, "iozone", banner.version, table, meta);
}

function readRecordSizes(line: string | undefined, file: string, index: number): number[] {
  const parts = fields(line ?? "");
  const sizes = parts.map((part) => QUOTED_INTEGER.exec(part)?.[1]);
  if (parts.length === 0 || sizes.some((size) => size === undefined)) {
    throw new ParseError(file, index + 1, 'the report\'s record-size header ("4"  "8"  "16" ...)', line);
  }
  return sizes.map(Number);
}

/**
 * A row lists results for the record sizes that ran for its file size. Auto mode skips record
 * sizes larger than the file, and small ones for files over 32 MB, so a short row belongs to the
 * largest record sizes that fit the file.
 */
function readRow(line: string, first: number, recordSizes: number[], file: string, index: number): {fileKb: number; recordSizes: number[]; values: number[]} {
  const {fileKb, values} = quotedRow(line, first) ?? fieldRow(line, file, index);
  const fitting = recordSizes.filter((size) => size <= fileKb);
  const candidates = fitting.length >= values.length ? fitting : recordSizes;
  if (values.length > candidates.length) {
    throw new ParseError(file, index + 1, `at most ${candidates.length} values for file size ${fileKb} kB`, line);
  }
  return {fileKb, recordSizes: candidates.slice(candidates.length - values.length), values};
}

/**
 * A well-formed row ('"' digits '"', then unsigned integers) read in place; undefined for
 * anything else, which fieldRow then reads (or rejects) field by field.
 */
function quotedRow(line: string, first: number): {fileKb: number; values: number[]} | undefined {
  let i = first;
  if (line.charCodeAt(i) !== 34) return undefined;
  const digitsStart = ++i;
  let fileKb = 0;
  let code = line.charCodeAt(i);
  while (code >= 48 && code <= 57) {
    fileKb = fileKb * 10 + (code - 48);
    code = line.charCodeAt(++i);
  }
  const after = line.charCodeAt(i + 1);
  if (i === digitsStart || code !== 34 || !(after === 32 || (after >= 9 && after <= 13))) return undefined;
  if (i - digitsStart > 15) fileKb = Number(line.slice(digitsStart, i));
  const values = integerRow(line, i + 1);
  return values ? {fileKb, values} : undefined;
}

function fieldRow(line: string, file: string, index: number): {fileKb: number; values: number[]} {
  const parts = fields(line);
  const fileKb = QUOTED_INTEGER.exec(parts[0] ?? "")?.[1];
  const values = parts.slice(1);
  if (fileKb === undefined || values.length === 0 || !values.every((value) => INTEGER.test(value))) {
    throw new ParseError(file, index + 1, 'a report row "<file kB>" followed by KiB/s values', line);
  }
  return {fileKb: Number(fileKb), values: values.map(Number)};
}
