// The one canonical form of a measurement's params, shared by the store (series.params), the
// campaign's stop rule, the report and the browser: JSON with keys in code-unit order. JSON itself
// leaves out undefined values and writes non-finite numbers as null and -0 as 0. A plain module
// under src/ so that the browser loads the very code the store uses (data-loaders/model/params.ts
// re-exports it).

const byCodeUnit = ([a], [b]) => (a < b ? -1 : a > b ? 1 : 0);

/** Params (an object, or JSON text as DuckDB returns it) as canonical JSON text. */
export function canonicalParams(params) {
  const object = typeof params === "string" ? JSON.parse(params) : (params ?? {});
  return JSON.stringify(Object.fromEntries(Object.entries(object).sort(byCodeUnit)));
}
