import {el} from "./dom.js";
import {columnId} from "./columns.js";
import {canonicalParams} from "./params.js";
import {sourceLabel} from "./data.js";
import {formatInterval, formatMedian, formatSlowdown, formatValue, unitLabel} from "./format.js";

/** Marks for flagged values: not letters, so they never read as "n" beside n=15. */
export const FLAG_MARK = {noisy: "†", bimodal: "‡"};

/**
 * A table laid out like the paper's Table 1 / Table 2: one row per measurement, one column per
 * environment. Each cell shows the median (the paper's exactly as printed), its slowdown against
 * the column's own native baseline with the 95% bootstrap interval, n and the relative spread;
 * noisy (†) and bimodal (‡) values are flagged. The row labels stay put while the columns scroll.
 *
 * data: summary rows with slowdowns (data.js); rows: [{label, metric, params}]; columns: from
 * environmentColumns(); printed: the paper's cells as printed (pages.ts).
 */
export function paperTable(data, {rows, columns, caption, printed = {}} = {}) {
  const cells = new Map();
  for (const d of data) cells.set(`${columnId(d)}\u0000${d.metric}\u0000${canonical(d.params)}`, d);
  const first = data.find((d) => rows.some((r) => r.metric === d.metric));
  const unit = first?.unit;
  const better = first ? (first.lower_is_better ? "lower is better" : "higher is better") : "";
  const head = el("tr", null, el("th", {class: "row-label"}, unit ? `${unitLabel(unit)}, ${better}` : ""), columns.map((c) =>
    el("th", {
      title: `${c.environment} — hypervisor ${c.hypervisor}, mode ${c.mode}${c.vcpus ? `, ${c.vcpus} vCPU` : ""}${c.nested_under ? `, nested under ${c.nested_under}` : ""}`,
      "data-column": c.label, "data-source": c.source, "data-run": c.run_id, "data-environment": c.environment, "data-hypervisor": c.hypervisor,
      "data-vcpus": c.vcpus ?? "unknown", "data-passthrough": c.passthrough ? "on" : "off", "data-guest": c.guest_os ?? "unknown"
    }, c.environment, el("br"), el("small", null, `${sourceLabel(c.source)}${c.source === "reference" ? "" : ` · ${c.run_id}`}`))
  ));
  const body = rows.map((r) => el("tr", {"data-metric": r.metric}, el("th", {scope: "row", class: "row-label"}, r.label), columns.map((c) => {
    const d = cells.get(`${c.id}\u0000${r.metric}\u0000${canonical(r.params)}`);
    return cell(d, c, printed[`${c.environment}\u0000${r.metric}\u0000${canonical(r.params)}`]);
  })));
  return el("div", {class: "paper-table"},
    el("table", null, caption ? el("caption", null, caption) : null, el("thead", null, head), el("tbody", null, body)));
}

function cell(d, column, printed) {
  if (!d) return el("td", {class: "empty", title: column.source === "reference" ? "the paper did not publish this number" : "not measured"}, column.source === "reference" ? "not published" : "–");
  if (d.n === 0) return el("td", {class: "failed", title: `${d.failed} failed sample(s)`}, "failed");
  const flags = [d.noisy ? "noisy" : null, d.bimodal ? "bimodal" : null].filter(Boolean);
  const slowdown =
    d.slowdown == null || d.baseline == null
      ? null
      : d.baseline === d.environment
        ? el("span", {class: "ratio baseline"}, "baseline")
        : d.slowdown_low == null || d.slowdown_low === d.slowdown_high
          ? el("span", {class: "ratio"}, formatSlowdown(d.slowdown))
          : el("span", {class: "ratio", title: `slowdown against ${d.baseline}; 95% bootstrap CI`}, formatSlowdown(d.slowdown, d.slowdown_low, d.slowdown_high), " ", el("small", null, formatInterval(d.slowdown_low, d.slowdown_high)));
  const spread = d.n > 1 ? `n=${d.n} ±${(d.rsd * 100).toFixed(1)}%` : d.source === "reference" ? "as printed" : "n=1";
  return el("td", {class: [d.source === "reference" ? "reference" : "", ...flags].join(" ").trim() || null, title: `median of ${d.n}; min ${formatValue(d.min)}, max ${formatValue(d.max)}, IQR ${formatValue(d.q1)}–${formatValue(d.q3)}${flags.length ? `; ${flags.join(", ")}` : ""}`},
    el("span", {class: "value"}, printed ?? formatMedian(d)),
    flags.length ? el("sup", {class: "flag", title: flags.join(", ")}, flags.map((f) => FLAG_MARK[f]).join("")) : null,
    slowdown ? [el("br"), slowdown] : null,
    el("br"),
    el("small", {class: "spread"}, spread)
  );
}

/** Params arrive as JSON text from DuckDB and as objects from page code: compare them in the store's canonical form. */
export const canonical = canonicalParams;
