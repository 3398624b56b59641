/**
 * What content detection (parsers/detect.ts) found in a text: the lines that prove a format, and
 * the error for a text that holds two formats of one tool. Apart from detect.ts so that the suites,
 * which choose among their own formats, do not import the registry that imports them.
 */
import {ParseError} from "../errors.ts";

export interface Evidence {
  format: string;
  /** The suite whose signature matched. */
  family: string;
  /** 0-based line index. */
  line: number;
}

/** How a suite picks one of its formats from the formats its signatures proved (it may refuse the text). */
export type ChooseFormat = (formats: ReadonlySet<string>, context: {file: string; lines: readonly string[]; evidence: readonly Evidence[]}) => string;

/** The error for a text that holds both `a` and `b` output: it names the later line and where the earlier output starts. */
export function mixed(file: string, lines: readonly string[], evidence: readonly Evidence[], a: string, b: string): ParseError {
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
