/** What the IOzone formats share: the banner facts, the unit line and the test-to-metric names. */
import {ParseError} from "../../../errors.ts";
import {fields} from "../../../parsers/text.ts";

/** Auto-mode columns in print order, grouped by the `-i` test number that produces them. */
export const AUTO_TEST_COLUMNS: ReadonlyArray<readonly string[]> = [
  ["file_write", "file_rewrite"], // -i 0
  ["file_read", "file_reread"], // -i 1
  ["file_random_read", "file_random_write"], // -i 2
  ["file_bkwd_read"], // -i 3
  ["file_record_rewrite"], // -i 4
  ["file_stride_read"], // -i 5
  ["file_fwrite", "file_frewrite"], // -i 6
  ["file_fread", "file_freread"] // -i 7
];

export const ALL_AUTO_COLUMNS: readonly string[] = AUTO_TEST_COLUMNS.flat();

export interface IozoneBanner {
  version: string | null;
  meta: Record<string, string>;
  /** `-i` test numbers from the command line, in numeric order; undefined when the line is absent or has none. */
  tests?: number[];
}

/** Reads the banner/settings lines every IOzone mode prints before its results. */
export function readIozoneBanner(lines: readonly string[], file: string): IozoneBanner {
  const meta: Record<string, string> = {};
  let version: string | null = null;
  let tests: number[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const revision = /^Version \$Revision: (\S+) \$$/.exec(line);
    if (revision) version = revision[1]!;
    const build = /^Build: (\S+)/.exec(line);
    if (build) meta.build = build[1]!;
    if (line.startsWith("Run began:")) meta.run_began = line.slice("Run began:".length).trim();
    if (line === "O_DIRECT feature enabled") meta.o_direct = "enabled";
    if (line.startsWith("Command line used:")) {
      meta.command_line = line.slice("Command line used:".length).trim();
      tests = testsFromCommandLine(meta.command_line);
    }
    const unit = /^Output is in (.*)$/.exec(line);
    if (unit) {
      meta.output_unit = unit[1]!;
      // -O (operations/sec) and -N (microseconds/op) change every number's meaning; only kB/s maps to MB/s.
      if (!/^kbytes\/sec/i.test(unit[1]!)) {
        throw new ParseError(file, i + 1, "IOzone output in kBytes/sec (run without -O or -N)", lines[i]);
      }
    }
  }
  return {version, meta, tests};
}

function testsFromCommandLine(commandLine: string): number[] | undefined {
  const tokens = commandLine.split(/\s+/);
  const tests = new Set<number>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const joined = /^-i(\d+)$/.exec(token);
    if (joined) tests.add(Number(joined[1]));
    else if (token === "-i" && /^\d+$/.test(tokens[i + 1] ?? "")) tests.add(Number(tokens[++i]));
  }
  return tests.size > 0 ? [...tests].sort((a, b) => a - b) : undefined;
}

/** Excel report titles (`-R`/`-b`) and throughput-mode test names, mapped to the vocabulary. */
export const REPORT_METRICS: Record<string, string> = {
  "Writer report": "file_write",
  "Re-writer report": "file_rewrite",
  "Reader report": "file_read",
  "Re-Reader report": "file_reread",
  "Random read report": "file_random_read",
  "Random write report": "file_random_write",
  "Backward read report": "file_bkwd_read",
  "Record rewrite report": "file_record_rewrite",
  "Stride read report": "file_stride_read",
  "Fwrite report": "file_fwrite",
  "Re-Fwrite report": "file_frewrite",
  "Fread report": "file_fread",
  "Re-Fread report": "file_freread",
  "Pwrite report": "file_pwrite",
  "Re-Pwrite report": "file_repwrite",
  "Pread report": "file_pread",
  "Re-Pread report": "file_repread",
  "Random mix report": "file_random_mix"
};

export const THROUGHPUT_METRICS: Record<string, string> = {
  "initial writers": "file_write",
  rewriters: "file_rewrite",
  readers: "file_read",
  "re-readers": "file_reread",
  "reverse readers": "file_bkwd_read",
  "stride readers": "file_stride_read",
  "random readers": "file_random_read",
  "mixed workload": "file_random_mix",
  "random writers": "file_random_write",
  "pwrite writers": "file_pwrite",
  "re-pwrite writers": "file_repwrite",
  "pread readers": "file_pread",
  "re-pread readers": "file_repread",
  fwriters: "file_fwrite",
  "re-fwriters": "file_frewrite",
  freaders: "file_fread",
  "re-freaders": "file_freread"
};

const INTEGER = /^\d+$/;

/**
 * The numbers of a line (from `from` on) made only of unsigned integers; null for a blank line, undefined when a
 * field is not an integer. Same answer as fields() + /^\d+$/ + Number, without the substrings.
 */
export function integerRow(line: string, from = 0): number[] | null | undefined {
  const values: number[] = [];
  const n = line.length;
  let i = from;
  while (i < n) {
    let code = line.charCodeAt(i);
    if (code === 32 || (code >= 9 && code <= 13)) {
      i++;
      continue;
    }
    const start = i;
    let value = 0;
    while (code >= 48 && code <= 57) {
      value = value * 10 + (code - 48);
      if (++i === n) break;
      code = line.charCodeAt(i);
    }
    if (i < n && !(code === 32 || (code >= 9 && code <= 13))) {
      // Not a digit: not an integer field, unless a non-ASCII blank ends it (rare: take the slow path).
      return code >= 128 ? integerRowSlow(line.slice(from)) : undefined;
    }
    values.push(i - start > 15 ? Number(line.slice(start, i)) : value);
  }
  return values.length === 0 ? null : values;
}

function integerRowSlow(line: string): number[] | null | undefined {
  const parts = fields(line);
  if (parts.length === 0) return null;
  return parts.every((part) => INTEGER.test(part)) ? parts.map(Number) : undefined;
}
