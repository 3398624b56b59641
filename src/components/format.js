// Number formatting shared by the tables and charts: up to four significant digits, as the paper prints.

export function formatValue(v) {
  if (v == null || !Number.isFinite(v)) return "–";
  const abs = Math.abs(v);
  if (abs >= 1000) return Math.round(v).toLocaleString("en-US");
  return Number(v.toPrecision(4)).toString();
}

export function formatRatio(r) {
  return r == null || !Number.isFinite(r) ? "–" : `${r.toFixed(2)}×`;
}

export function formatPercent(x) {
  return x == null || !Number.isFinite(x) ? "–" : `${(x * 100).toFixed(1)}%`;
}

export const UNIT_LABEL = {us: "µs", ns: "ns", "MB/s": "MB/s", GFLOPS: "GFLOPS", s: "s", ratio: "ratio"};
