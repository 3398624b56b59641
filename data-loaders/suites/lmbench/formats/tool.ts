/**
 * The output of one LMbench 3 binary run on its own (what `vmmbench run --engine reference` runs),
 * as the binary prints it on stderr — no results-file banner, e.g.
 *
 *   lat_syscall null        Simple syscall: 0.1936 microseconds
 *   lat_proc fork           Process fork+exit: 98.2201 microseconds
 *   lat_sig catch           Signal handler overhead: 2.0257 microseconds
 *   lat_ctx -s 16 2 8       "size=16k ovr=1.02
 *                           2 23.99
 *                           8 18.84
 *   bw_mem 64m rd           67.11 22332.40
 *
 * LMbench's own script (scripts/lmbench) builds a results file from exactly these lines, adding a
 * banner and, before bw_mem's bare "size MB/s" pairs, a block title ("Memory read bandwidth"). This
 * parser does the same and hands the text to the results-file parser, so a single tool's output
 * and a full results file go through the same line handlers and give the same metrics.
 */
import {ParseError} from "../../../errors.ts";
import {ParsedOutput} from "../../../model/sample.ts";
import {parseLmbenchResults} from "./results.ts";
import {excerpt, firstSignificantLine, splitLines} from "../../../parsers/text.ts";

export const FORMAT = "lmbench-tool";

/** bw_mem's operation → the block title scripts/lmbench writes before its pairs (results-file names). */
export const BW_MEM_TITLES: Readonly<Record<string, string>> = {
  rd: "Memory read bandwidth",
  wr: "Memory write bandwidth",
  rdwr: "Memory read/write bandwidth",
  bzero: "Memory bzero bandwidth",
  bcopy: "libc bcopy unaligned",
  fcp: "unrolled bcopy unaligned",
  cp: "unrolled partial bcopy unaligned"
};

export interface LmbenchToolOptions {
  /** Block title for outputs that are bare "x y" pairs (bw_mem): see BW_MEM_TITLES. */
  title?: string;
}

/** Parses one LMbench binary's output; text with no measurement (an error message, nothing) is a ParseError. */
export function parseLmbenchTool(text: string, file: string, options: LmbenchToolOptions = {}): ParsedOutput {
  const lines = splitLines(text);
  const first = firstSignificantLine(lines);
  if (first < 0) throw new ParseError(file, 1, "an LMbench measurement (e.g. \"Simple syscall: 0.1 microseconds\")", "an empty output");
  if (options.title !== undefined && !/^[A-Za-z][A-Za-z /]*$/.test(options.title)) {
    throw new ParseError(file, 1, "a block title of letters, spaces and slashes", options.title);
  }
  const prefix = ["[lmbench3.0 results for single tool run]", ...(options.title ? [`"${options.title}`] : [])];
  const parsed = parseLmbenchResults([...prefix, ...lines].join("\n"), file);
  if (parsed.table.length === 0) {
    throw new ParseError(file, first + 1, "an LMbench measurement (e.g. \"Simple syscall: 0.1 microseconds\", \"size=16k ovr=1.0 blocks, \"64.00 12345.6\")", excerpt(lines[first]));
  }
  return new ParsedOutput(FORMAT, "lmbench", null, parsed.table, {});
}
