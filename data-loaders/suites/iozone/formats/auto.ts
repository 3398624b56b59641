/**
 * IOzone auto mode (`iozone -a`, optionally `-i N` subsets), old ("KB", "Kbytes/sec") and new
 * ("kB", "kBytes/sec") layouts:
 *
 *   	Output is in kBytes/sec
 *                                                                 random    random     bkwd ...
 *                 kB  reclen    write  rewrite    read    reread    read     write     read ...
 *                 64       4     1865     1802    18212    42241    41267     7443    12336 ...
 *
 * Values are KiB/s. With `-i` subsets IOzone prints only the selected tests' values, packed left
 * under the full 13-column header, so columns are mapped from the command line's `-i` list.
 * A trailing `-R` Excel report repeats the same numbers and is ignored here.
 */
import {ParseError} from "../../../errors.ts";
import {SampleTable} from "../../../model/sample-table.ts";
import {ParsedOutput} from "../../../model/sample.ts";
import {ALL_AUTO_COLUMNS, AUTO_TEST_COLUMNS, integerRow, readIozoneBanner} from "./common.ts";
import {fields, kibPerSecToMBps, splitLines} from "../../../parsers/text.ts";

export const FORMAT = "iozone-auto";

/** The column header: "KB  reclen   write rewrite ..." (file size label is "KB" before 3.4xx, "kB" after). */
export const AUTO_HEADER = /^\s*[kK][bB]\s+reclen\s+write\b/;


/** `lines` is `splitLines(text)`, passed in when the caller (detection) already split the text. */
export function parseIozoneAuto(text: string, file: string, lines: readonly string[] = splitLines(text)): ParsedOutput {
  const headerIndex = lines.findIndex((line) => AUTO_HEADER.test(line));
  if (headerIndex < 0) throw new ParseError(file, 1, 'an IOzone auto-mode header "kB  reclen   write rewrite ..."', lines[0]);
  const banner = readIozoneBanner(lines.slice(0, headerIndex), file);
  const headerColumns = fields(lines[headerIndex]!).length - 2;
  // Without a command line (a pasted fragment) the widest row tells how many tests ran.
  const expected = banner.meta.command_line === undefined ? undefined : expectedColumns(banner.tests, headerColumns);

  const rows: Array<{index: number; values: number[]}> = [];
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const line = lines[i]!;
    const values = integerRow(line);
    if (values === null) continue;
    if (values === undefined) {
      if (rows.length === 0) throw new ParseError(file, i + 1, "an IOzone auto-mode row \"<file kB> <record kB> <kB/s>...\"", line);
      break; // "iozone test complete.", "Excel output is below:" or other trailer
    }
    if (values.length < 3) throw new ParseError(file, i + 1, "an IOzone auto-mode row with file size, record size and results", line);
    rows.push({index: i, values});
  }
  if (rows.length === 0) throw new ParseError(file, headerIndex + 2, "IOzone auto-mode result rows after the header", lines[headerIndex + 1]);

  const columns = expected ?? ALL_AUTO_COLUMNS.slice(0, Math.max(...rows.map((row) => row.values.length - 2)));
  const table = new SampleTable();
  for (const row of rows) {
    const values = row.values;
    if (values.length - 2 !== columns.length) {
      throw new ParseError(
        file,
        row.index + 1,
        `${columns.length} results per row (${columns.join(", ")}) — the file looks truncated or mixes runs`,
        lines[row.index]
      );
    }
    const params = {file_kb: values[0]!, record_kb: values[1]!};
    for (let column = 0; column < columns.length; column++) {
      table.add("iozone", columns[column]!, "MB/s", params, kibPerSecToMBps(values[column + 2]!));
    }
  }
  return new ParsedOutput(FORMAT, "iozone", banner.version, table, banner.meta);
}

/** Columns printed for a `-i` selection; undefined when the command line does not say. */
function expectedColumns(tests: number[] | undefined, headerColumns: number): string[] | undefined {
  if (!tests) return headerColumns > 0 && headerColumns <= ALL_AUTO_COLUMNS.length ? ALL_AUTO_COLUMNS.slice(0, headerColumns) : undefined;
  return tests.flatMap((test) => AUTO_TEST_COLUMNS[test] ?? []);
}
