/** One input file's bytes to its parsed output: the step an ingest runs per file, inline or in a worker. */
import {isAscii, isUtf8} from "node:buffer";
import {parseAny} from "../parsers/detect.ts";
import type {ParsedOutput} from "../samples.ts";

export function parseBytes(bytes: Buffer, file: string): ParsedOutput {
  // Parsers read text; latin1 keeps every byte of a non-UTF-8 file one character, so line numbers stay true.
  // Pure ASCII (the usual benchmark output) reads the same either way; latin1 decodes it several times faster.
  return parseAny(bytes.toString(isAscii(bytes) || !isUtf8(bytes) ? "latin1" : "utf8"), file);
}
