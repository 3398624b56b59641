import {ParseError} from "./errors.ts";

export interface TsvRow {
  line: number;
  cells: Record<string, string>;
}

/** Reads a header-first tab-separated file; every row must have the header's column count. */
export function readTsv(text: string, file: string, required: readonly string[]): TsvRow[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const header = lines[0]?.split("\t") ?? [];
  for (const name of required) {
    if (!header.includes(name)) throw new ParseError(file, 1, `a header with column "${name}"`, lines[0]);
  }
  const rows: TsvRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === "" || lines[i].startsWith("#")) continue;
    const values = lines[i].split("\t");
    if (values.length !== header.length) {
      throw new ParseError(file, i + 1, `${header.length} tab-separated cells`, lines[i]);
    }
    rows.push({line: i + 1, cells: Object.fromEntries(header.map((name, j) => [name, values[j]]))});
  }
  return rows;
}
