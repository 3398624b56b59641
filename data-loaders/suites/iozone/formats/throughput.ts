/**
 * IOzone throughput mode (`iozone -t N`, `-l/-u` ranges too):
 *
 *   	Throughput test with 2 processes
 *   	Each process writes a 102400 kByte file in 4 kByte records
 *
 *   	Children see throughput for  2 initial writers 	= 1071476.06 kB/sec
 *   	Parent sees throughput for  2 initial writers 	=  436541.55 kB/sec
 *   	Min throughput per process 			=  535405.38 kB/sec
 *
 * Each "Children see"/"Parent sees" line becomes one sample with `threads` and `aggregate` params;
 * per-process min/max/avg lines restate the same run and are not stored.
 */
import {ParseError} from "../../../errors.ts";
import {SampleTable} from "../../../model/sample-table.ts";
import {ParsedOutput, type Params} from "../../../model/sample.ts";
import {THROUGHPUT_METRICS, readIozoneBanner} from "./common.ts";
import {kibPerSecToMBps, readNumber, splitLines} from "../../../parsers/text.ts";

export const FORMAT = "iozone-throughput";

export const THROUGHPUT_LINE = /^\s*(Children see|Parent sees) throughput for\s+(\d+)\s+([^=]*)=\s*(\S+)\s+(\S+)\s*$/;
const EACH_PROCESS = /^\s*Each (?:process|thread) writes a (\d+) [kK][bB]yte file in (\d+) [kK][bB]yte records/;

/** `lines` is `splitLines(text)`, passed in when the caller (detection) already split the text. */
export function parseIozoneThroughput(text: string, file: string, lines: readonly string[] = splitLines(text)): ParsedOutput {
  const first = lines.findIndex((line) => THROUGHPUT_LINE.test(line));
  if (first < 0) throw new ParseError(file, 1, 'IOzone throughput lines "Children see throughput for N initial writers = X kB/sec"', lines[0]);
  const banner = readIozoneBanner(lines.slice(0, first), file);
  const table = new SampleTable();
  const unknown = new Set<string>();
  let sizes: Params = {};
  for (let i = 0; i < lines.length; i++) {
    const each = EACH_PROCESS.exec(lines[i]!);
    if (each) sizes = {file_kb: Number(each[1]), record_kb: Number(each[2])};
    const match = THROUGHPUT_LINE.exec(lines[i]!);
    if (!match) continue;
    const [, who, threads, test, amount, unit] = match as unknown as [string, string, string, string, string, string];
    const value = readNumber(amount);
    if (value === undefined || !/^k[bB](?:ytes)?\/sec$|^KB\/sec$/.test(unit)) {
      throw new ParseError(file, i + 1, "a throughput in kB/sec (run without -O)", lines[i]);
    }
    const metric = THROUGHPUT_METRICS[test.trim().toLowerCase()];
    if (!metric) {
      unknown.add(test.trim());
      continue;
    }
    const params = {...sizes, threads: Number(threads), aggregate: who === "Children see" ? "children" : "parent"};
    table.add("iozone", metric, "MB/s", params, kibPerSecToMBps(value));
  }
  const meta = {...banner.meta};
  if (unknown.size > 0) meta.skipped_tests = [...unknown].join(", ");
  return new ParsedOutput(FORMAT, "iozone", banner.version, table, meta);
}
