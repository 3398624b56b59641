/**
 * HPL.out from HPLinpack 2.0–2.3 (netlib, Intel MKL and NVIDIA builds, also the HPL section of HPCC):
 *
 *   HPLinpack 2.3  --  High-Performance Linpack benchmark  --   December 2, 2018
 *   T/V                N    NB     P     Q               Time                 Gflops
 *   --------------------------------------------------------------------------------
 *   WR01R2R4        8029   400     1     2              11.55             2.9874e+01
 *   ||Ax-b||_oo/(eps*(||A||_oo*||x||_oo+||b||_oo)*N)=   5.36736931e-03 ...... PASSED
 *
 * Each test gives linpack_gflops, linpack_time and linpack_residual; a FAILED residual marks all
 * three failed. Intel's per-column progress lines ("host : Column=... Mflops=...") and NVIDIA's
 * "( per GPU)" column are tolerated.
 */
import {ParseError} from "../../../errors.ts";
import {SampleTable} from "../../../model/sample-table.ts";
import {ParsedOutput, type Params} from "../../../model/sample.ts";
import {firstNonBlank, firstSignificantLine, lastSignificantLine, readNumber, roundSignificant, splitLines} from "../../../parsers/text.ts";

export const FORMAT = "hpl";

export const HPL_BANNER = /^(?:HPLinpack (\S+)\s+--\s+High-Performance Linpack benchmark|HPL-NVIDIA (\S+)\s+--\s+NVIDIA accelerated HPL benchmark)/;
/** Encoded variant: W/C (wall/cpu time), R/C (process mapping), then depth, bcast, rfact, ndiv, pfact, nbmin. */
const VARIANT_START = /^[WC][RC][0-9A-Z]{6}\s/;
const RESULT_LINE = /^([WC][RC][0-9A-Z]{6})\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)(?:\s+\(\s*\S+\s*\))?\s*$/;
const RESIDUAL_LINE = /^\|\|Ax-b\|\|_oo[^=]*=\s*(\S+)\s+\.+\s+(PASSED|FAILED)\s*$/;
const THRESHOLD_LINE = /^- Computational tests pass if scaled residuals are less than\s+(\S+)\s*$/;
const TABLE_HEADER = /^T\/V\s+N\s+NB\s+P\s+Q\s+Time\s+Gflops/;
const TRAILER = /^Finished\s+(\d+)\s+tests/;
const SETTING_LINE = /^(PMAP|SWAP|L1|U|EQUIL|ALIGN)\s*:\s*(.+)$/;

/** First characters of the (trimmed) lines readHplSection acts on: H-eader banner, "-" threshold, settings, T/V, result variants, "|" residual, Finished. */
const INTERESTING: boolean[] = Array.from({length: 128}, (_, code) => "H-PSLUEATWC|F".includes(String.fromCharCode(code)));

interface HplTest {
  line: number;
  params: Params;
  time: number;
  gflops: number;
  residual?: number;
  failed?: boolean;
}

export interface HplSection {
  version: string | null;
  /** How many samples the section added to the table. */
  samples: number;
  meta: Record<string, string>;
}

/**
 * Reads HPL output between two line indexes (a whole HPL.out, or the HPL section of hpccoutf.txt)
 * into `table`. Throws when the text stops before a test's result or its residual check.
 */
export function readHplSection(lines: readonly string[], from: number, to: number, file: string, table: SampleTable): HplSection {
  const meta: Record<string, string> = {};
  let version: string | null = null;
  let threshold: number | undefined;
  let awaitingResult = -1;
  let finished = false;
  const tests: HplTest[] = [];

  for (let i = from; i < to; i++) {
    const raw = lines[i]!;
    // Every line this reads starts with one of a few characters; the rest (and blank lines) are skipped
    // without trimming or running the regexes below.
    const first = firstNonBlank(raw);
    if (first < 0) continue;
    const lead = raw.charCodeAt(first);
    if (!(lead < 128 && INTERESTING[lead])) continue;
    const line = raw.trim();
    if (lead === 72) {
      // "H"
      const banner = HPL_BANNER.exec(line);
      if (banner) {
        version = banner[1] ?? banner[2] ?? null;
        if (banner[2]) meta.build = "nvidia";
        continue;
      }
    }
    if (lead === 45) {
      // "-"
      const thresholdMatch = THRESHOLD_LINE.exec(line);
      if (thresholdMatch) {
        threshold = readNumber(thresholdMatch[1]);
        meta.residual_threshold = thresholdMatch[1]!;
        continue;
      }
    }
    const setting = SETTING_LINE.exec(line);
    if (setting) {
      meta[setting[1]!.toLowerCase()] = setting[2]!.trim();
      continue;
    }
    if (TABLE_HEADER.test(line)) {
      awaitingResult = i;
      continue;
    }
    if (VARIANT_START.test(line)) {
      const result = RESULT_LINE.exec(line);
      const time = readNumber(result?.[6]);
      const gflops = readNumber(result?.[7]);
      if (!result || time === undefined || gflops === undefined) {
        throw new ParseError(file, i + 1, "an HPL result line \"<T/V> <N> <NB> <P> <Q> <Time> <Gflops>\"", lines[i]);
      }
      const [, variant, n, nb, p, q] = result;
      tests.push({line: i, params: {n: Number(n), nb: Number(nb), p: Number(p), q: Number(q), variant: variant!}, time, gflops});
      awaitingResult = -1;
      continue;
    }
    // The explanation in the header is indented; result residual lines start at column 0.
    if (raw.startsWith("||Ax-b||_oo")) {
      const residual = RESIDUAL_LINE.exec(line);
      const last = tests[tests.length - 1];
      if (!residual || !last) throw new ParseError(file, i + 1, "an HPL residual line \"||Ax-b||_oo/(...)= <value> ...... PASSED\" after a result line", lines[i]);
      // HPL 1.0 printed three residual lines per test; the first is the one HPL 2.x kept.
      if (last.residual === undefined) last.residual = readNumber(residual[1]);
      if (residual[2] === "FAILED") last.failed = true;
      continue;
    }
    const trailer = TRAILER.exec(line);
    if (trailer) {
      finished = true;
      meta.tests_reported = trailer[1]!;
    }
  }

  if (!finished) {
    const end = lastSignificantLine(lines, to);
    if (awaitingResult >= 0) {
      throw new ParseError(file, end + 1, "an HPL result line after the \"T/V  N  NB ...\" header (the output ends early)", lines[end]);
    }
    const last = tests[tests.length - 1];
    if (last && last.residual === undefined && (threshold === undefined || threshold > 0)) {
      throw new ParseError(file, end + 1, "the residual check line of the last HPL test (the output ends early)", lines[end]);
    }
  }
  const before = table.length;
  for (const test of tests) testSamples(test, threshold, table);
  return {version, samples: table.length - before, meta};
}

function testSamples(test: HplTest, threshold: number | undefined, table: SampleTable): void {
  const values: Array<[string, string, number | undefined]> = [
    ["linpack_gflops", "GFLOPS", test.gflops],
    ["linpack_time", "s", test.time],
    ["linpack_residual", "1", test.residual]
  ];
  const note = test.failed
    ? `HPL residual check FAILED: scaled residual ${test.residual ?? "?"}${threshold === undefined ? "" : ` >= ${threshold}`}; reported ${test.gflops} Gflops in ${test.time} s`
    : undefined;
  for (const [metric, unit, value] of values) {
    if (value === undefined) continue;
    if (!test.failed) table.add("linpack", metric, unit, test.params, roundSignificant(value));
    else table.fail(table.add("linpack", metric, unit, test.params, Number.NaN), note!);
  }
}

/** `lines` is `splitLines(text)`, passed in when the caller (detection) already split the text. */
export function parseHpl(text: string, file: string, lines: readonly string[] = splitLines(text)): ParsedOutput {
  const bannerIndex = lines.findIndex((line) => HPL_BANNER.test(line.trim()));
  if (bannerIndex < 0) {
    const first = Math.max(firstSignificantLine(lines), 0);
    throw new ParseError(file, first + 1, 'an HPL banner "HPLinpack 2.x  --  High-Performance Linpack benchmark"', lines[first]);
  }
  const table = new SampleTable();
  const section = readHplSection(lines, 0, lines.length, file, table);
  if (section.samples === 0 && section.meta.tests_reported === undefined) {
    const end = lastSignificantLine(lines);
    throw new ParseError(file, end + 1, "at least one HPL result line (the output ends before any test finished)", lines[end]);
  }
  return new ParsedOutput(FORMAT, "hpl", section.version, table, section.meta);
}
