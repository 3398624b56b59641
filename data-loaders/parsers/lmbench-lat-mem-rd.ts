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
import {ParseError} from "../errors.ts";
import type {ParsedOutput, Params, Sample} from "../samples.ts";
import {firstNonBlank, numberRepetitions, pairFirst, pairSecond, readNumberPair, roundSignificant, splitLines} from "./text.ts";

export const FORMAT = "lmbench-lat-mem-rd";

export const STRIDE_TITLE = /^"?stride=(\d+)\s*$/;

/** One "size_mb ns" row under a stride title (its stride read once), or undefined when the line is not such a row. */
export function latMemRdRow(stride: number, line: string, random: boolean): {params: Params; value: number} | undefined {
  if (!readNumberPair(line)) return undefined;
  const params: Params = random ? {size_mb: pairFirst, stride, random: true} : {size_mb: pairFirst, stride};
  return {params, value: pairSecond};
}

/** `lines` is `splitLines(text)`, passed in when the caller (detection) already split the text. */
export function parseLatMemRd(text: string, file: string, lines: readonly string[] = splitLines(text)): ParsedOutput {
  const samples: Sample[] = [];
  let stride: number | undefined;
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
        stride = Number(title[1]);
        continue;
      }
    }
    const row = stride === undefined ? undefined : latMemRdRow(stride, raw, false);
    if (!row) {
      throw new ParseError(file, i + 1, stride === undefined ? 'a "stride=N title line' : "a lat_mem_rd row \"<size MB> <latency ns>\"", lines[i]);
    }
    samples.push({suite: "lmbench", metric: "lat_mem_rd", params: row.params, unit: "ns", value: roundSignificant(row.value), repetition: 0});
  }
  if (samples.length === 0) throw new ParseError(file, 1, 'at least one "stride=N block with rows', lines[0]);
  return {format: FORMAT, tool: "lmbench", toolVersion: null, samples: numberRepetitions(samples), meta: {}};
}
