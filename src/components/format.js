// How the report writes numbers. The paper's values appear exactly as printed (paper-printed.ts);
// ours are rounded to what their spread supports: the last digit shown is the leading digit of the
// value's standard error (sd / √n), or of a slowdown's 95% half-interval, never more than four
// significant digits and never fewer than two. One convention for ratios: slowdown against native
// (lower is better, 1× = native speed).

export const UNIT_LABEL = {us: "µs", ns: "ns", ms: "ms", s: "s", "MB/s": "MB/s", GFLOPS: "GFLOPS", ratio: "ratio", "1": ""};
export const unitLabel = (unit) => UNIT_LABEL[unit] ?? unit ?? "";

// One formatter per number of decimals: toLocaleString with options builds a new Intl.NumberFormat
// on every call (a millisecond each), which made a filter change on IOzone take ~400 ms.
const FORMATS = new Map();
function grouped(x, decimals) {
  let f = FORMATS.get(decimals);
  if (!f) FORMATS.set(decimals, (f = new Intl.NumberFormat("en-US", {minimumFractionDigits: decimals, maximumFractionDigits: decimals})));
  return f.format(x);
}

/** `x` rounded to the decade of `uncertainty` (2–4 significant digits), as text. */
export function formatWithUncertainty(x, uncertainty) {
  if (x == null || !Number.isFinite(x)) return "–";
  if (x === 0) return "0";
  const magnitude = Math.floor(Math.log10(Math.abs(x)));
  let last = uncertainty > 0 && Number.isFinite(uncertainty) ? Math.floor(Math.log10(uncertainty)) : magnitude - 2;
  last = Math.min(magnitude - 1, Math.max(magnitude - 3, last));
  const decimals = Math.max(0, -last);
  const step = 10 ** last;
  return grouped(Math.round(x / step) * step, decimals);
}

/** A summary row's median, to the precision its standard error supports (3 significant digits for n = 1). */
export function formatMedian(d) {
  if (d == null || d.median == null) return "–";
  const se = d.n > 1 && d.rsd > 0 ? (d.rsd * Math.abs(d.median)) / Math.sqrt(d.n) : null;
  return formatWithUncertainty(d.median, se);
}

/** A plain number for axes and tooltips where no spread applies: up to 3 significant digits. */
export function formatValue(v) {
  if (v == null || !Number.isFinite(v)) return "–";
  return formatWithUncertainty(v, null);
}

/** "2.31×", rounded by the interval's half-width when there is one. */
export function formatSlowdown(s, low, high) {
  if (s == null || !Number.isFinite(s)) return "–";
  const half = low != null && high != null && high > low ? (high - low) / 2 : null;
  return `${formatWithUncertainty(s, half)}×`;
}

/** "[2.10–2.52]", rounded like its estimate ("" without an interval). */
export function formatInterval(low, high) {
  if (low == null || high == null || !(high > low)) return "";
  const half = (high - low) / 2;
  return `[${formatWithUncertainty(low, half)}–${formatWithUncertainty(high, half)}]`;
}

/** "2.31× [2.10–2.52]" (no interval: the estimate alone). */
export function formatSlowdownCI(s, low, high) {
  if (s == null || !Number.isFinite(s)) return "–";
  const interval = formatInterval(low, high);
  return interval ? `${formatSlowdown(s, low, high)} ${interval}` : formatSlowdown(s);
}

/** An axis tick on a log scale of slowdowns: every tick labelled, "0.5×", "5×", "1,000×". */
export const slowdownTick = (x) => `${grouped(x, x < 1 ? Math.min(3, Math.ceil(-Math.log10(x))) : 0)}×`;

/** Every 1-2-5 tick (or 1-10-100 when `sparse`) between lo and hi, for log axes that label each tick. */
export function logTicks(lo, hi, {sparse = false} = {}) {
  const out = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of sparse ? [1] : [1, 2, 5]) {
      const t = m * 10 ** e;
      if (t >= lo * 0.999 && t <= hi * 1.001) out.push(Number(t.toPrecision(3)));
    }
  }
  return out;
}

/** Plain tick text for a log axis of values (MB/s, GFLOPS): 0.01, 0.5, 20, 5,000. */
export const valueTick = (x) => grouped(x, x < 1 ? Math.min(4, Math.ceil(-Math.log10(x))) : 0);

export function formatPercent(x) {
  if (x == null || !Number.isFinite(x)) return "–";
  // A share too small for one decimal keeps one significant digit (an emulated CPU's 0.03% of the limit).
  return x > 0 && x < 0.0005 ? `${(x * 100).toPrecision(1)}%` : `${(x * 100).toFixed(1)}%`;
}

export function formatSize(kb) {
  const [x, unit] = kb >= 1048576 ? [kb / 1048576, "GiB"] : kb >= 1024 ? [kb / 1024, "MiB"] : [kb, "KiB"];
  return `${Number(x.toPrecision(3))} ${unit}`;
}

const PARAM_LABEL = {
  procs: (v) => `${v} processes`,
  size_kb: (v) => `${formatSize(v)} working set`,
  size_mb: (v) => `${v} MB buffer`,
  n: (v) => `N = ${v}`,
  threads: (v) => `${v} thread${v === 1 ? "" : "s"}`,
  file_kb: (v) => `${formatSize(v)} file`,
  record_kb: (v) => `${formatSize(v)} records`,
  direct: (v) => (v ? "O_DIRECT (device)" : "buffered"),
  fsync: (v) => (v ? "fsync" : "no fsync"),
  baseline: (v) => `against ${v}`
};

/** Params (JSON text or object) as words: {"procs":2,"size_kb":16} → "2 processes, 16 KiB working set". */
export function paramsLabel(params) {
  const o = typeof params === "string" ? JSON.parse(params) : params ?? {};
  const parts = Object.entries(o).map(([k, v]) => (PARAM_LABEL[k] ? PARAM_LABEL[k](v) : `${k.replaceAll("_", " ")} ${v}`));
  return parts.length ? parts.join(", ") : "–";
}
