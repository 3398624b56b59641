/**
 * Small helpers every parser shares: line splitting, strict number reading, rounding.
 * All regexes here are anchored and linear (no nested quantifiers) so arbitrary input cannot stall them.
 */
import {ParseError} from "../errors.ts";

/** Lines without their terminators; CRLF and lone CR count as line ends too (Windows tools, pasted logs). */
export function splitLines(text: string): string[] {
  // A plain string split is several times faster than the regex split, and the same when there is no CR.
  return text.includes("\r") ? text.split(/\r\n|\r|\n/) : text.split("\n");
}

/** Whether a UTF-16 code unit is one of the ASCII characters `trim()` and `\s` treat as blank. */
export function isAsciiBlank(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

/**
 * Index of the first character `trim()` keeps, or -1 for a blank line: a cheap look at where a line
 * starts without allocating its trimmed copy. Non-ASCII blanks (NBSP, BOM, U+2028…) are honoured.
 */
export function firstNonBlank(line: string): number {
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (isAsciiBlank(code)) continue;
    if (code < 128) return i;
    const trimmed = line.trimStart();
    return trimmed === "" ? -1 : line.length - trimmed.length;
  }
  return -1;
}

/** Index of the first non-blank line (0-based), or -1 for blank text. */
export function firstSignificantLine(lines: readonly string[]): number {
  return lines.findIndex((line) => line.trim() !== "");
}

/** A finite number written in plain decimal or exponent notation, else undefined (no hex, no "Infinity"). */
export function readNumber(token: string | undefined): number | undefined {
  if (token === undefined) return undefined;
  const n = token.length;
  // Tokens from fields() have no blanks to trim; only copy when an end could be blank.
  const first = token.charCodeAt(0);
  const last = token.charCodeAt(n - 1);
  const trimmed = first > 32 && first < 127 && last > 32 && last < 127 ? token : token.trim();
  return decimalValue(trimmed, 0, trimmed.length);
}

/** readNumber of line.slice(start, end) for a token already known to hold no blanks, without copying it. */
export function readNumberAt(line: string, start: number, end: number): number | undefined {
  return start < end ? decimalValue(line, start, end) : undefined;
}

const EXACT_POWERS = Array.from({length: 23}, (_, k) => 10 ** k); // 10^0..10^22, exact in binary64

/** Whether the last number decimalValue read had at most 12 significant digits (roundSignificant leaves it as is). */
let lastShort = false;

/**
 * Checks /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/ by hand and reads the value: this runs for
 * every number parsed. With at most 15 significant digits and a power of ten up to 10^22, the
 * value is one correctly rounded multiplication or division of exact operands (Clinger's fast
 * path), the same double Number() returns; anything else goes through Number().
 */
function decimalValue(text: string, start: number, n: number): number | undefined {
  let i = start;
  let code = i < n ? text.charCodeAt(i) : -1;
  let negative = false;
  if (code === 43 || code === 45) {
    negative = code === 45;
    code = ++i < n ? text.charCodeAt(i) : -1;
  }
  let digits = 0;
  let significant = 0;
  let mantissa = 0;
  let scale = 0;
  while (code >= 48 && code <= 57) {
    digits++;
    if (significant > 0 || code !== 48) {
      significant++;
      mantissa = mantissa * 10 + (code - 48);
    }
    code = ++i < n ? text.charCodeAt(i) : -1;
  }
  if (code === 46) {
    code = ++i < n ? text.charCodeAt(i) : -1;
    while (code >= 48 && code <= 57) {
      digits++;
      scale--;
      if (significant > 0 || code !== 48) {
        significant++;
        mantissa = mantissa * 10 + (code - 48);
      }
      code = ++i < n ? text.charCodeAt(i) : -1;
    }
  }
  if (digits === 0) return undefined;
  if (code === 101 || code === 69) {
    code = ++i < n ? text.charCodeAt(i) : -1;
    let exponentNegative = false;
    if (code === 43 || code === 45) {
      exponentNegative = code === 45;
      code = ++i < n ? text.charCodeAt(i) : -1;
    }
    let exponentDigits = 0;
    let exponent = 0;
    while (code >= 48 && code <= 57) {
      exponentDigits++;
      if (exponent < 1e6) exponent = exponent * 10 + (code - 48);
      code = ++i < n ? text.charCodeAt(i) : -1;
    }
    if (exponentDigits === 0) return undefined;
    scale += exponentNegative ? -exponent : exponent;
  }
  if (i !== n) return undefined;
  if (significant <= 15 && scale >= -22 && scale <= 22) {
    const value = scale >= 0 ? mantissa * EXACT_POWERS[scale]! : mantissa / EXACT_POWERS[-scale]!;
    lastShort = significant <= 12;
    return negative ? -value : value;
  }
  lastShort = false;
  const value = Number(start === 0 && n === text.length ? text : text.slice(start, n));
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
  // Hand-rolled for ASCII blanks (the regex split dominated table parsing); other blanks take the regex path.
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    let code = line.charCodeAt(i);
    if (isAsciiBlank(code)) {
      i++;
      continue;
    }
    const start = i;
    while (code > 32 || (code !== 32 && (code < 9 || code > 13))) {
      if (code >= 128) return fieldsSlow(line);
      if (++i === n) break;
      code = line.charCodeAt(i);
    }
    out.push(line.slice(start, i));
  }
  return out;
}

/** The numbers of a line of exactly two fields (as fields() splits it), else false; read them from pairFirst/pairSecond. */
export let pairFirst = 0;
export let pairSecond = 0;
let pairSecondShort = false;

/**
 * roundSignificant(pairSecond), without its arithmetic when the text held at most 12 significant
 * digits: such a number is already the double nearest a 12-digit decimal. Dense "x y" rows
 * (lat_mem_rd, context switches) spent about 5 % of their parse proving that again.
 */
export function roundedPairSecond(): number {
  return pairSecondShort ? pairSecond : roundSignificant(pairSecond);
}

/** fields(line) has two entries and readNumber reads both: without allocating the fields. */
export function readNumberPair(line: string): boolean {
  const n = line.length;
  let i = 0;
  let code = 0;
  const bounds = pairBounds;
  let count = 0;
  while (i < n) {
    code = line.charCodeAt(i);
    if (isAsciiBlank(code)) {
      i++;
      continue;
    }
    if (count === 2) return code >= 128 ? readNumberPairSlow(line) : false;
    const start = i;
    while (code > 32 || (code !== 32 && (code < 9 || code > 13))) {
      if (code >= 128) return readNumberPairSlow(line);
      if (++i === n) break;
      code = line.charCodeAt(i);
    }
    bounds[count * 2] = start;
    bounds[count * 2 + 1] = i;
    count++;
  }
  if (count !== 2) return false;
  const a = decimalValue(line, bounds[0]!, bounds[1]!);
  if (a === undefined) return false;
  const b = decimalValue(line, bounds[2]!, bounds[3]!);
  if (b === undefined) return false;
  pairFirst = a;
  pairSecond = b;
  pairSecondShort = lastShort;
  return true;
}

const pairBounds = new Int32Array(4);

function readNumberPairSlow(line: string): boolean {
  const parts = fieldsSlow(line);
  if (parts.length !== 2) return false;
  const a = readNumber(parts[0]);
  const b = readNumber(parts[1]);
  if (a === undefined || b === undefined) return false;
  pairFirst = a;
  pairSecond = b;
  pairSecondShort = false;
  return true;
}

function fieldsSlow(line: string): string[] {
  const trimmed = line.trim();
  return trimmed === "" ? [] : trimmed.split(/\s+/);
}

/** Rounds to a number of significant digits to strip binary noise from unit conversions (e.g. KiB/s → MB/s). */
export function roundSignificant(value: number, digits = 12): number {
  if (!Number.isFinite(value) || value === 0) return value;
  if (digits <= 15 && fitsDigits(Math.abs(value), digits)) return value;
  return Number(value.toPrecision(digits));
}


/**
 * Whether `a` (> 0) is the double nearest to a decimal of at most `digits` significant digits, in
 * which case toPrecision(digits) gives that decimal back and rounding would return `a` unchanged.
 * Proof by construction: m / 10^k (or m × 10^k) is correctly rounded for an integer m < 2^53 and
 * an exact power of ten, so equality means `a` is the nearest double to m·10^-k. Most values
 * parsed from text, and their KiB→MB conversions, pass; the rest take the string round trip.
 */
function fitsDigits(a: number, digits: number): boolean {
  if (a < 1e-280 || a > 1e280) return false;
  const k = digits - 1 - Math.floor(Math.log10(a));
  if (k > 22 || k < -22) return false;
  const m = Math.round(k >= 0 ? a * EXACT_POWERS[k]! : a / EXACT_POWERS[-k]!);
  if (m >= EXACT_POWERS[digits]!) return false;
  return (k >= 0 ? m / EXACT_POWERS[k]! : m * EXACT_POWERS[-k]!) === a;
}

/** KiB/s (IOzone, fio "bw") to decimal MB/s, the vocabulary's bandwidth unit. */
export function kibPerSecToMBps(kib: number): number {
  const bytes = kib * 1024;
  // A whole number of bytes below 10^12 over 10^6 is already the double nearest a ≤12-digit decimal.
  if (Number.isInteger(kib) && bytes < 1e12 && bytes > -1e12) return bytes / 1e6;
  return roundSignificant(bytes / 1e6);
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
