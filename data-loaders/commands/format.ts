import type {Row} from "../store/store.ts";
import {terminalText} from "./terminal-text.ts";

export type OutputFormat = "table" | "csv" | "json";

/** Renders query rows for a terminal (aligned columns), a spreadsheet (RFC 4180 CSV) or a program (JSON). */
export function formatRows(columns: string[], rows: Row[], format: OutputFormat): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(rows, (_key, value) => (typeof value === "bigint" ? value.toString() : value), 2)}\n`;
    case "csv":
      return [columns.map(csvCell).join(","), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(","))].join("\n") + "\n";
    case "table": {
      const cells = rows.map((r) => columns.map((c) => text(r[c])));
      // A loop, not Math.max(...cells): spreading 10^5 rows as arguments overflowed the stack.
      const widths = columns.map((c, i) => cells.reduce((w, row) => Math.max(w, row[i].length), c.length));
      const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd();
      return [line(columns), line(widths.map((w) => "-".repeat(w))), ...cells.map(line), `(${rows.length} row${rows.length === 1 ? "" : "s"})`].join("\n") + "\n";
    }
  }
}

function text(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  if (typeof value === "object") return JSON.stringify(value);
  return terminalText(String(value));
}

function csvCell(value: unknown): string {
  const s = value === null || value === undefined ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
