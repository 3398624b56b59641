/**
 * Small helpers every parser shares: line splitting, strict number reading, repetition numbering.
 * All regexes here are anchored and linear (no nested quantifiers) so arbitrary input cannot stall them.
 */
import {ParseError} from "../errors.ts";
import type {Params, Sample} from "../samples.ts";

/** Lines without their terminators; CRLF and lone CR count as line ends too (Windows tools, pasted logs). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** Index of the first non-blank line (0-based), or -1 for blank text. */
export function firstSignificantLine(lines: readonly string[]): number {
  return lines.findIndex((line) => line.trim() !== "");
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A finite number written in plain decimal or exponent notation, else undefined (no hex, no "Infinity"). */
export function readNumber(token: string | undefined): number | undefined {
  if (token === undefined) return undefined;
  const trimmed = token.trim();
  if (!NUMBER.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/** Like readNumber, but a bad token is a ParseError at the given 0-based line index. */
export function requireNumber(token: string | undefined, file: string, lineIndex: number, expected: string, line?: string): number {
  const value = readNumber(token);
  if (value === undefined) throw new ParseError(file, lineIndex + 1, expected, line ?? token ?? "end of line");
  return value;
}

/** Whitespace-separated fields of a line. */
export function fields(line: string): string[] {
  const trimmed = line.trim();
  return trimmed === "" ? [] : trimmed.split(/\s+/);
}

/**
 * Numbers repetitions per (host, metric, params): the n-th sample of the same measurement in one
 * input gets repetition n. Parsers emit samples in file order and leave repetition at 0.
 */
export function numberRepetitions(samples: Sample[]): Sample[] {
  const seen = new Map<string, number>();
  for (const sample of samples) {
    const key = `${sample.host ?? ""}\u0000${sample.metric}\u0000${stableParams(sample.params)}`;
    const count = seen.get(key) ?? 0;
    sample.repetition = count;
    seen.set(key, count + 1);
  }
  return samples;
}

function stableParams(params: Params): string {
  return JSON.stringify(Object.keys(params).sort().map((key) => [key, params[key]]));
}

/** Rounds to a number of significant digits to strip binary noise from unit conversions (e.g. KiB/s → MB/s). */
export function roundSignificant(value: number, digits = 12): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(digits));
}

/** KiB/s (IOzone, fio "bw") to decimal MB/s, the vocabulary's bandwidth unit. */
export function kibPerSecToMBps(kib: number): number {
  return roundSignificant((kib * 1024) / 1e6);
}

/** Truncates a line for error messages so a 1 MB line does not become a 1 MB message. */
export function excerpt(line: string | undefined, max = 80): string {
  if (line === undefined) return "end of file";
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** Index of the last non-blank line before `end` (0-based), or 0; "ends early" errors point there. */
export function lastSignificantLine(lines: readonly string[], end = lines.length): number {
  for (let i = Math.min(end, lines.length) - 1; i >= 0; i--) if (lines[i]!.trim() !== "") return i;
  return 0;
}
