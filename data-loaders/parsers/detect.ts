/**
 * Recognises a tool's output from its content (never its file name) and dispatches to the parser.
 * Each format has a signature: a line only that tool prints. Text carrying signatures of two
 * different tools (two files concatenated, a log that interleaves runs) is refused rather than
 * half-parsed, naming both tools and their lines.
 */
import {ParseError} from "../errors.ts";
import type {ParsedOutput} from "../model/sample.ts";
import {JOB_RESULT_HEADER, parseFioNormal} from "./fio-normal.ts";
import {jsonStartLine, parseFioJson} from "./fio-json.ts";
import {TERSE_LINE, parseFioTerse} from "./fio-terse.ts";
import {FIO_VERSION} from "./fio-common.ts";
import {HPCC_BANNER, parseHpcc} from "./hpcc.ts";
import {HPL_BANNER, parseHpl} from "./hpl.ts";
import {TRIALS_HEADER, parseIntelLinpack} from "./intel-linpack.ts";
import {AUTO_HEADER, parseIozoneAuto} from "./iozone-auto.ts";
import {REPORT_TITLE, parseIozoneExcel} from "./iozone-excel.ts";
import {THROUGHPUT_LINE, parseIozoneThroughput} from "./iozone-throughput.ts";
import {STRIDE_TITLE, parseLatMemRd} from "./lmbench-lat-mem-rd.ts";
import {RESULTS_BANNER, parseLmbenchResults} from "./lmbench-results.ts";
import {SUMMARY_BANNER, parseLmbenchSummary} from "./lmbench-summary.ts";
import {STREAM_TABLE_HEADER, parseStream} from "./stream.ts";
import {firstNonBlank, firstSignificantLine, lastSignificantLine, splitLines} from "./text.ts";

export type Parser = (text: string, file: string, lines?: readonly string[]) => ParsedOutput;

export interface FormatInfo {
  id: string;
  tool: string;
  description: string;
}

interface FormatEntry extends FormatInfo {
  parse: Parser;
}

const FORMATS: FormatEntry[] = [
  {id: "lmbench-results", tool: "lmbench", description: "LMbench 2.x/3.x raw results file ([key: value] header, \"Simple syscall: ...\" lines, blocks)", parse: parseLmbenchResults},
  {id: "lmbench-summary", tool: "lmbench", description: "LMbench 2.0/3.0 summary tables (make see / getsummary), several hosts per table", parse: parseLmbenchSummary},
  {id: "lmbench-lat-mem-rd", tool: "lmbench", description: "LMbench lat_mem_rd output (\"stride=N blocks of size MB / latency ns)", parse: parseLatMemRd},
  {id: "iozone-auto", tool: "iozone", description: "IOzone auto mode (-a, -i subsets), old KB and new kB layouts", parse: parseIozoneAuto},
  {id: "iozone-excel", tool: "iozone", description: "IOzone -R/-b Excel report sections (\"Writer report\" ...)", parse: parseIozoneExcel},
  {id: "iozone-throughput", tool: "iozone", description: "IOzone throughput mode (-t N: \"Children see throughput for ...\")", parse: parseIozoneThroughput},
  {id: "hpl", tool: "hpl", description: "HPL.out from HPLinpack 2.0-2.3 (netlib, Intel MKL, NVIDIA)", parse: parseHpl},
  {id: "hpcc", tool: "hpcc", description: "HPC Challenge hpccoutf.txt (HPL section and Summary section, appended runs)", parse: parseHpcc},
  {id: "intel-linpack", tool: "intel-linpack", description: "Intel Optimized LINPACK Benchmark (Linux and Windows layouts)", parse: parseIntelLinpack},
  {id: "fio-json", tool: "fio", description: "fio --output-format=json (2.x and 3.x schemas)", parse: parseFioJson},
  {id: "fio-terse", tool: "fio", description: "fio --output-format=terse (terse v3/v4 lines; terse,normal too)", parse: parseFioTerse},
  {id: "fio-normal", tool: "fio", description: "fio default text output (job result blocks)", parse: parseFioNormal},
  {id: "stream", tool: "stream", description: "McCalpin STREAM (Copy/Scale/Add/Triad rate table)", parse: parseStream}
];

const EXPECTED_FORMATS =
  "one of: LMbench results file, LMbench summary, lat_mem_rd output, IOzone auto/Excel report/throughput output, " +
  "HPL.out, HPCC hpccoutf.txt, Intel LINPACK output, fio JSON/terse/normal output, STREAM output";

export function listFormats(): FormatInfo[] {
  return FORMATS.map(({id, tool, description}) => ({id, tool, description}));
}

/** Tool families whose outputs must not share one text. HPCC embeds HPL and STREAM output; that is one family. */
type Family = "lmbench" | "iozone" | "linpack" | "fio" | "stream";

interface Evidence {
  format: string;
  family: Family;
  line: number;
}

/**
 * Signatures checked on every line; each names the format the line proves. `first` lists the
 * characters a matching (trimmed) line can start with, so most lines are ruled out by one lookup;
 * fio's job lines can start with anything and are tried only on lines holding their literal.
 */
const LINE_SIGNATURES: Array<{pattern: RegExp; format: string; family: Family; first?: string; literal?: string}> = [
  {pattern: HPCC_BANNER, format: "hpcc", family: "linpack", first: "T"},
  {pattern: HPL_BANNER, format: "hpl", family: "linpack", first: "H"},
  {pattern: TRIALS_HEADER, format: "intel-linpack", family: "linpack", first: "S"},
  {pattern: /^Intel\(R\) Optimized LINPACK Benchmark data/, format: "intel-linpack", family: "linpack", first: "I"},
  {pattern: RESULTS_BANNER, format: "lmbench-results", family: "lmbench", first: "["},
  {pattern: SUMMARY_BANNER, format: "lmbench-summary", family: "lmbench", first: "L"},
  {pattern: AUTO_HEADER, format: "iozone-auto", family: "iozone", first: "kK"},
  {pattern: THROUGHPUT_LINE, format: "iozone-throughput", family: "iozone", first: "CP"},
  {pattern: REPORT_TITLE, format: "iozone-excel", family: "iozone", first: '"'},
  {pattern: /^Iozone: Performance Test of File I\/O/, format: "iozone", family: "iozone", first: "I"},
  {pattern: TERSE_LINE, format: "fio-terse", family: "fio", first: "2345"},
  {pattern: JOB_RESULT_HEADER, format: "fio-normal", family: "fio", literal: ": (groupid="},
  {pattern: /^\S.*: \(g=\d+\): rw=/, format: "fio", family: "fio", literal: ": (g="},
  {pattern: FIO_VERSION, format: "fio", family: "fio", first: "f"},
  {pattern: /^"fio version"\s*:/, format: "fio-json", family: "fio", first: '"'},
  {pattern: STREAM_TABLE_HEADER, format: "stream", family: "stream", first: "F"},
  {pattern: /^STREAM version \$Revision/, format: "stream", family: "stream", first: "S"}
];

/**
 * Per first character (ASCII code, 128 for anything else): the signatures a line starting with it
 * may match, in order; with the literal-only signatures, or without them for texts that hold none
 * of their literals (most).
 */
const CANDIDATES: Array<typeof LINE_SIGNATURES> = Array.from({length: 129}, (_, code) =>
  LINE_SIGNATURES.filter((signature) => signature.literal !== undefined || (code < 128 && signature.first!.includes(String.fromCharCode(code))))
);
const CANDIDATES_WITHOUT_LITERALS: Array<typeof LINE_SIGNATURES> = CANDIDATES.map((list) => list.filter((signature) => signature.literal === undefined));

/** Lines longer than this are payload (minified JSON, binary junk), not signatures; skipping them keeps detection linear. */
const MAX_SIGNATURE_LINE = 4096;

export function detectFormat(text: string, file: string): string {
  return detect(text, file, splitLines(text));
}

function detect(text: string, file: string, lines: readonly string[]): string {
  const evidence = collectEvidence(lines, text);
  const first = firstSignificantLine(lines);
  if (first < 0) throw new ParseError(file, 1, EXPECTED_FORMATS, "an empty file");

  const families = new Map<Family, Evidence>();
  for (const item of evidence) if (!families.has(item.family)) families.set(item.family, item);
  // HPCC prints a STREAM table inside its StarSTREAM section; that is HPCC's, not a second tool.
  if (evidence.some((item) => item.format === "hpcc")) families.delete("stream");
  if (families.size > 1) {
    const [a, b] = [...families.values()].sort((x, y) => x.line - y.line);
    throw new ParseError(
      file,
      b!.line + 1,
      `the output of a single tool (${a!.format} output starts at line ${a!.line + 1}; the text mixes formats or files)`,
      lines[b!.line]
    );
  }
  const formats = new Set(evidence.map((item) => item.format));
  const family = [...families.keys()][0];
  switch (family) {
    case "linpack":
      if (formats.has("hpcc")) return "hpcc";
      if (formats.has("hpl")) {
        if (formats.has("intel-linpack")) throw mixed(file, lines, evidence, "hpl", "intel-linpack");
        return "hpl";
      }
      return "intel-linpack";
    case "lmbench":
      if (formats.has("lmbench-results") && formats.has("lmbench-summary")) throw mixed(file, lines, evidence, "lmbench-results", "lmbench-summary");
      return formats.has("lmbench-results") ? "lmbench-results" : "lmbench-summary";
    case "iozone":
      if (formats.has("iozone-auto")) return "iozone-auto";
      if (formats.has("iozone-throughput")) return "iozone-throughput";
      if (formats.has("iozone-excel")) return "iozone-excel";
      throw new ParseError(file, lastSignificantLine(lines) + 1, "IOzone results (an auto-mode table, a throughput report or an Excel report; the output ends early)", lines[lastSignificantLine(lines)]);
    case "fio":
      if (formats.has("fio-json") && jsonStartLine(lines) >= 0) return "fio-json";
      if (formats.has("fio-terse")) return "fio-terse";
      if (formats.has("fio-normal")) return "fio-normal";
      throw new ParseError(file, evidence[0]!.line + 1, "a supported fio output: this is not one (use --output-format=json)", lines[evidence[0]!.line]);
    case "stream":
      return "stream";
    default:
      // lat_mem_rd has no banner: its first significant line is a stride title.
      if (STRIDE_TITLE.test(lines[first]!.trim())) return "lmbench-lat-mem-rd";
      // Minified fio JSON is one long line that the signature scan skips.
      if (jsonStartLine(lines) >= 0 && text.includes('"fio version"')) return "fio-json";
      throw new ParseError(file, first + 1, EXPECTED_FORMATS, lines[first]);
  }
}

function collectEvidence(lines: readonly string[], text: string): Evidence[] {
  const evidence: Evidence[] = [];
  // One scan of the whole text decides whether the literal-only signatures need a look at all.
  const literals = new Set(LINE_SIGNATURES.flatMap((signature) => (signature.literal !== undefined && text.includes(signature.literal) ? [signature.literal] : [])));
  const table = literals.size > 0 ? CANDIDATES : CANDIDATES_WITHOUT_LITERALS;
  for (let line = 0; line < lines.length; line++) {
    const raw = lines[line]!;
    if (raw.length > MAX_SIGNATURE_LINE) continue;
    const start = firstNonBlank(raw);
    if (start < 0) continue;
    const code = raw.charCodeAt(start);
    const candidates = table[code < 128 ? code : 128]!;
    let trimmed: string | undefined;
    for (const signature of candidates) {
      if (signature.literal !== undefined && !(literals.has(signature.literal) && raw.includes(signature.literal))) continue;
      trimmed ??= raw.trim();
      if (signature.pattern.test(trimmed)) {
        evidence.push({format: signature.format, family: signature.family, line});
        break;
      }
    }
  }
  return evidence;
}

function mixed(file: string, lines: readonly string[], evidence: Evidence[], a: string, b: string): ParseError {
  const first = evidence.find((item) => item.format === a)!;
  const second = evidence.find((item) => item.format === b)!;
  const later = first.line > second.line ? first : second;
  const earlier = later === first ? second : first;
  return new ParseError(
    file,
    later.line + 1,
    `a single output (${earlier.format} output starts at line ${earlier.line + 1}; the text mixes formats or files)`,
    lines[later.line]
  );
}

/** Detects the format from the content and parses it. Every failure is a ParseError naming file and line. */
export function parseAny(text: string, file: string): ParsedOutput {
  // Split once: detection and the parser read the same lines.
  const lines = splitLines(text);
  const id = detect(text, file, lines);
  const entry = FORMATS.find((format) => format.id === id)!;
  return entry.parse(text, file, lines);
}

/** Parses with a named format, for callers that know what they hold (`--format`). */
export function parseAs(id: string, text: string, file: string): ParsedOutput {
  const entry = FORMATS.find((format) => format.id === id);
  if (!entry) throw new ParseError(file, 1, `a known format id (${FORMATS.map((format) => format.id).join(", ")})`, id);
  return entry.parse(text, file);
}
