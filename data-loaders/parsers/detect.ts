/**
 * Recognises a tool's output from its content (never its file name) and dispatches to the parser.
 * Each format has a signature: a line only that tool prints. Text carrying signatures of two
 * different tools (two files concatenated, a log that interleaves runs) is refused rather than
 * half-parsed, naming both tools and their lines.
 */
import {ParseError} from "../errors.ts";
import type {ParsedOutput} from "../model/sample.ts";
import {SUITES} from "../suites/registry.ts";
import type {Format, Parser, Signature, Suite} from "../suites/suite.ts";
import type {Evidence} from "./evidence.ts";
import {firstNonBlank, firstSignificantLine, splitLines} from "./text.ts";

export type {Parser} from "../suites/suite.ts";

export interface FormatInfo {
  id: string;
  tool: string;
  description: string;
}

type Tagged = Signature & {family: string};

interface Tables {
  formats: Format[];
  families: Map<string, Suite<any, any>>;
  expected: string;
  signatures: Tagged[];
  /**
   * Per first character (ASCII code, 128 for anything else): the signatures a line starting with it
   * may match, in order; with the literal-only signatures, or without them for texts that hold none
   * of their literals (most).
   */
  candidates: Tagged[][];
  candidatesWithoutLiterals: Tagged[][];
}

let tables: Tables | undefined;

/** Built from the suites on first use (the registry imports the suites, which may not be ready while this module loads). */
function formatTables(): Tables {
  if (tables) return tables;
  const suites = SUITES as readonly Suite<any, any>[];
  const signatures = suites.flatMap((suite) => (suite.detection?.signatures ?? []).map((signature) => ({...signature, family: suite.name})));
  const candidates = Array.from({length: 129}, (_, code) =>
    signatures.filter((signature) => signature.literal !== undefined || (code < 128 && signature.first!.includes(String.fromCharCode(code))))
  );
  tables = {
    formats: suites.flatMap((suite) => [...suite.formats]),
    families: new Map(suites.filter((suite) => suite.detection).map((suite) => [suite.name, suite])),
    expected: `one of: ${suites.flatMap((suite) => (suite.detection ? [suite.detection.expected] : [])).join(", ")}`,
    signatures,
    candidates,
    candidatesWithoutLiterals: candidates.map((list) => list.filter((signature) => signature.literal === undefined))
  };
  return tables;
}

export function listFormats(): FormatInfo[] {
  return formatTables().formats.map(({id, tool, description}) => ({id, tool, description}));
}

/** Lines longer than this are payload (minified JSON, binary junk), not signatures; skipping them keeps detection linear. */
const MAX_SIGNATURE_LINE = 4096;

export function detectFormat(text: string, file: string): string {
  return detect(text, file, splitLines(text));
}

function detect(text: string, file: string, lines: readonly string[]): string {
  const {families, expected} = formatTables();
  const evidence = collectEvidence(lines, text);
  const first = firstSignificantLine(lines);
  if (first < 0) throw new ParseError(file, 1, expected, "an empty file");

  const found = new Map<string, Evidence>();
  for (const item of evidence) if (!found.has(item.family)) found.set(item.family, item);
  // A format that embeds another tool's output (HPCC's STREAM table) is one tool, not two.
  for (const item of evidence) for (const embedded of formatTables().signatures.find((s) => s.format === item.format && s.embeds)?.embeds ?? []) found.delete(embedded);
  if (found.size > 1) {
    const [a, b] = [...found.values()].sort((x, y) => x.line - y.line);
    throw new ParseError(
      file,
      b!.line + 1,
      `the output of a single tool (${a!.format} output starts at line ${a!.line + 1}; the text mixes formats or files)`,
      lines[b!.line]
    );
  }
  const family = [...found.keys()][0];
  if (family !== undefined) {
    const own = evidence.filter((item) => item.family === family);
    return families.get(family)!.detection!.choose(new Set(own.map((item) => item.format)), {file, lines, evidence: own});
  }
  for (const suite of families.values()) {
    const id = suite.detection!.unsigned?.(text, lines, first);
    if (id) return id;
  }
  throw new ParseError(file, first + 1, expected, lines[first]);
}

function collectEvidence(lines: readonly string[], text: string): Evidence[] {
  const {signatures, candidates, candidatesWithoutLiterals} = formatTables();
  const evidence: Evidence[] = [];
  // One scan of the whole text decides whether the literal-only signatures need a look at all.
  const literals = new Set(signatures.flatMap((signature) => (signature.literal !== undefined && text.includes(signature.literal) ? [signature.literal] : [])));
  const table = literals.size > 0 ? candidates : candidatesWithoutLiterals;
  for (let line = 0; line < lines.length; line++) {
    const raw = lines[line]!;
    if (raw.length > MAX_SIGNATURE_LINE) continue;
    const start = firstNonBlank(raw);
    if (start < 0) continue;
    const code = raw.charCodeAt(start);
    const list = table[code < 128 ? code : 128]!;
    let trimmed: string | undefined;
    for (const signature of list) {
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

/** Detects the format from the content and parses it. Every failure is a ParseError naming file and line. */
export function parseAny(text: string, file: string): ParsedOutput {
  // Split once: detection and the parser read the same lines.
  const lines = splitLines(text);
  const id = detect(text, file, lines);
  const entry = formatTables().formats.find((format) => format.id === id)!;
  return entry.parse(text, file, lines);
}

/** Parses with a named format, for callers that know what they hold (`--format`). */
export function parseAs(id: string, text: string, file: string): ParsedOutput {
  const {formats} = formatTables();
  const entry = formats.find((format) => format.id === id);
  if (!entry) throw new ParseError(file, 1, `a known format id (${formats.map((format) => format.id).join(", ")})`, id);
  return entry.parse(text, file);
}
