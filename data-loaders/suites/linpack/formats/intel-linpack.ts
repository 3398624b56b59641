/**
 * Intel Optimized LINPACK Benchmark (xlinpack_xeon64 / linpack_xeon64.exe, runme_xeon64 scripts),
 * Linux and Windows layouts (Windows adds CRLF, "Intel(R) Optimized LINPACK Benchmark data" and
 * "Press any key"; older builds lack the Check column):
 *
 *   Number of threads: 4
 *   Size   LDA    Align. Time(s)    GFlops   Residual     Residual(norm) Check
 *   1000   1000   4      0.010      63.7248  1.502479e-12 5.123838e-02   pass
 *   Performance Summary (GFlops)
 *   Size   LDA    Align.  Average  Maximal
 *   1000   1000   4       77.8875  85.2770
 *
 * Every trial row becomes linpack_gflops, linpack_time and linpack_residual (the normalised
 * residual) with repetition = trial index; the summary (average/maximal of those rows) is not stored.
 */
import {ParseError} from "../../../errors.ts";
import {SampleTable} from "../../../model/sample-table.ts";
import {ParsedOutput, type Params, type Sample} from "../../../model/sample.ts";
import {fields, firstNonBlank, firstSignificantLine, readNumber, roundSignificant, splitLines} from "../../../parsers/text.ts";

export const FORMAT = "intel-linpack";

export const TRIALS_HEADER = /^Size\s+LDA\s+Align\.\s+Time\(s\)\s+GFlops\s+Residual\s+Residual\(norm\)(\s+Check)?\s*$/;
const SUMMARY_TITLE = /^Performance Summary \(GFlops\)\s*$/;
const END_OF_TESTS = /^End of tests\s*$/;

/** `lines` is `splitLines(text)`, passed in when the caller (detection) already split the text. */
export function parseIntelLinpack(text: string, file: string, lines: readonly string[] = splitLines(text)): ParsedOutput {
  const headerIndex = lines.findIndex((line) => TRIALS_HEADER.test(line.trim()));
  if (headerIndex < 0) {
    const first = Math.max(firstSignificantLine(lines), 0);
    throw new ParseError(file, first + 1, 'an Intel LINPACK results table "Size   LDA    Align. Time(s)    GFlops   Residual ..."', lines[first]);
  }
  const meta = readSettings(lines.slice(0, headerIndex));
  const threads = readNumber(meta.threads);
  const hasCheck = TRIALS_HEADER.exec(lines[headerIndex]!.trim())![1] !== undefined;
  const table = new SampleTable();

  let i = headerIndex + 1;
  for (; i < lines.length && lines[i]!.trim() !== ""; i++) {
    const parts = fields(lines[i]!);
    const numbers = parts.slice(0, 7).map((part) => readNumber(part));
    const check = hasCheck ? parts[7] : undefined;
    if (parts.length !== (hasCheck ? 8 : 7) || numbers.some((value) => value === undefined) || (hasCheck && check !== "pass" && check !== "fail")) {
      throw new ParseError(file, i + 1, `an Intel LINPACK trial row "<size> <lda> <align> <time> <gflops> <residual> <residual(norm)>${hasCheck ? " pass" : ""}"`, lines[i]);
    }
    const [size, lda, align, time, gflops, , residualNorm] = numbers as number[];
    const params: Params = {n: size!, lda: lda!, align_kb: align!};
    if (threads !== undefined) params.threads = threads;
    const failed = check === "fail";
    const note = failed ? `Intel LINPACK residual check failed (normalised residual ${residualNorm}); reported ${gflops} GFlops` : undefined;
    for (const [metric, unit, value] of [
      ["linpack_gflops", "GFLOPS", gflops!],
      ["linpack_time", "s", time!],
      ["linpack_residual", "1", residualNorm!]
    ] as const) {
      if (!failed) table.add("linpack", metric, unit, params, roundSignificant(value));
      else table.fail(table.add("linpack", metric, unit, params, Number.NaN), note!);
    }
  }
  if (table.length === 0) throw new ParseError(file, headerIndex + 2, "Intel LINPACK trial rows under the table header", lines[headerIndex + 1]);
  // The summary or "End of tests" closes every complete run; without them the table may be cut short.
  let closed = false;
  for (let k = i; k < lines.length && !closed; k++) {
    const first = firstNonBlank(lines[k]!);
    const lead = first < 0 ? 0 : lines[k]!.charCodeAt(first);
    if (lead === 80 || lead === 69) closed = SUMMARY_TITLE.test(lines[k]!.trim()) || END_OF_TESTS.test(lines[k]!.trim()); // "P", "E"
  }
  if (!closed) throw new ParseError(file, Math.min(i + 1, lines.length), 'the "Performance Summary (GFlops)" table (the output ends early)', lines[i]);
  const residualCheck = lines.find((line) => line.includes("Residual checks ") && /^Residual checks (PASSED|FAILED)/.test(line.trim()));
  if (residualCheck) meta.residual_checks = residualCheck.trim().split(/\s+/)[2]!;
  return new ParsedOutput(FORMAT, "intel-linpack", meta.version ?? null, table, withoutVersion(meta));
}

function readSettings(lines: readonly string[]): Record<string, string> {
  const meta: Record<string, string> = {};
  const patterns: Array<[RegExp, string]> = [
    [/^CPU frequency:\s*(.+)$/, "cpu_frequency"],
    [/^Number of CPUs:\s*(\d+)/, "cpus"],
    [/^Number of cores:\s*(\d+)/, "cores"],
    [/^Number of threads:\s*(\d+)/, "threads"],
    [/^Current date\/time:\s*(.+)$/, "date"],
    [/^Intel\(R\) Math Kernel Library Version (\S+)/, "version"],
    [/^Sample data file (\S+?)\.?$/, "input_file"]
  ];
  for (const raw of lines) {
    const line = raw.trim();
    for (const [pattern, key] of patterns) {
      const match = pattern.exec(line);
      if (match && meta[key] === undefined) meta[key] = match[1]!.trim();
    }
  }
  return meta;
}

function withoutVersion(meta: Record<string, string>): Record<string, string> {
  const {version: _version, ...rest} = meta;
  return rest;
}
