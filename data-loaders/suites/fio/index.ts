/**
 * fio: ingest only (no built-in probe, no plan options). Its file I/O figures land beside IOzone's
 * in the database (docs/metrics.md); fio JSON, terse and normal outputs are read (formats/).
 */
import {ParseError} from "../../errors.ts";
import {defineSuite} from "../suite.ts";
import {FIO_VERSION} from "./formats/common.ts";
import {jsonStartLine, parseFioJson} from "./formats/json.ts";
import {JOB_RESULT_HEADER, parseFioNormal} from "./formats/normal.ts";
import {TERSE_LINE, parseFioTerse} from "./formats/terse.ts";

export const fio = defineSuite({
  name: "fio",
  metrics: {},
  presets: {},
  probes: [],
  formats: [
    {id: "fio-json", tool: "fio", description: "fio --output-format=json (2.x and 3.x schemas)", parse: parseFioJson},
    {id: "fio-terse", tool: "fio", description: "fio --output-format=terse (terse v3/v4 lines; terse,normal too)", parse: parseFioTerse},
    {id: "fio-normal", tool: "fio", description: "fio default text output (job result blocks)", parse: parseFioNormal}
  ],
  detection: {
    signatures: [
      {pattern: TERSE_LINE, format: "fio-terse", first: "2345"},
      {pattern: JOB_RESULT_HEADER, format: "fio-normal", literal: ": (groupid="},
      {pattern: /^\S.*: \(g=\d+\): rw=/, format: "fio", literal: ": (g="},
      {pattern: FIO_VERSION, format: "fio", first: "f"},
      {pattern: /^"fio version"\s*:/, format: "fio-json", first: '"'}
    ],
    choose(formats, {file, lines, evidence}) {
      if (formats.has("fio-json") && jsonStartLine(lines) >= 0) return "fio-json";
      if (formats.has("fio-terse")) return "fio-terse";
      if (formats.has("fio-normal")) return "fio-normal";
      throw new ParseError(file, evidence[0]!.line + 1, "a supported fio output: this is not one (use --output-format=json)", lines[evidence[0]!.line]);
    },
    // Minified fio JSON is one long line that the signature scan skips.
    unsigned: (text, lines) => (jsonStartLine(lines) >= 0 && text.includes('"fio version"') ? "fio-json" : undefined),
    expected: "fio JSON/terse/normal output"
  }
});
