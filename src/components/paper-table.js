import {el} from "./dom.js";
import {canonicalParams as canonical} from "./params.js";
import {columnId} from "./columns.js";
import {formatRatio, formatValue, UNIT_LABEL} from "./format.js";

/**
 * A table laid out like the paper's Table 1 / Table 2: one row per measurement, one column per
 * environment. Each cell shows the median, its ratio to the column's own native baseline with the
 * 95% bootstrap interval, n and the relative spread; noisy and bimodal values are flagged.
 *
 * data: summary rows (src/data/summary.json); rows: [{label, metric, params}]; columns: from environmentColumns().
 */
export function paperTable(data, {width, rows, columns, caption} = {}) {
  const cells = new Map();
  for (const d of data) cells.set(`${columnId(d)}\u0000${d.metric}\u0000${canonical(d.params)}`, d);
  const first = data.find((d) => rows.some((r) => r.metric === d.metric));
  const unit = first?.unit;
  const better = first ? (first.lower_is_better ? "lower is better" : "higher is better") : "";
  const head = el("tr", null, el("th", null, unit ? `${UNIT_LABEL[unit] ?? unit}, ${better}` : ""), columns.map((c) =>
    el("th", {
      title: `${c.environment} — hypervisor ${c.hypervisor}, mode ${c.mode}${c.vcpus ? `, ${c.vcpus} vCPU` : ""}`,
      "data-column": c.label, "data-source": c.source, "data-run": c.run_id, "data-environment": c.environment, "data-hypervisor": c.hypervisor,
      "data-vcpus": c.vcpus ?? "unknown", "data-passthrough": c.passthrough ? "on" : "off", "data-guest": c.guest_os ?? "unknown"
    }, c.environment, el("br"), el("small", null, `${sourceLabel(c.source)}${c.source === "reference" ? "" : ` · ${c.run_id}`}`))
  ));
  const body = rows.map((r) => el("tr", {"data-metric": r.metric}, el("th", {scope: "row"}, r.label), columns.map((c) => cell(cells.get(`${c.id}\u0000${r.metric}\u0000${canonical(r.params)}`)))));
  return el("div", {class: "paper-table", style: `max-width:${width}px; overflow-x:auto`},
    el("table", null, caption ? el("caption", null, caption) : null, el("thead", null, head), el("tbody", null, body)));
}

function cell(d) {
  if (!d) return el("td", {class: "empty"}, "–");
  if (d.n === 0) return el("td", {class: "failed", title: `${d.failed} failed sample(s)`}, "failed");
  const flags = [d.noisy ? "noisy" : null, d.bimodal ? "bimodal" : null].filter(Boolean);
  const ratio =
    d.ratio == null || d.baseline == null
      ? null
      : d.baseline === d.environment
        ? el("span", {class: "ratio baseline"}, "baseline")
        : d.ratio_low === d.ratio_high || d.ratio_low == null
          ? el("span", {class: "ratio"}, formatRatio(d.ratio))
          : el("span", {class: "ratio", title: `ratio to ${d.baseline}; 95% bootstrap CI`}, formatRatio(d.ratio), " ", el("small", null, `[${d.ratio_low.toFixed(2)}–${d.ratio_high.toFixed(2)}]`));
  const spread = d.n > 1 ? `n=${d.n} ±${(d.rsd * 100).toFixed(1)}%` : "n=1";
  return el("td", {class: [d.source === "reference" ? "reference" : "", ...flags].join(" ").trim() || null, title: `median of ${d.n}; min ${formatValue(d.min)}, max ${formatValue(d.max)}, IQR ${formatValue(d.q1)}–${formatValue(d.q3)}${flags.length ? `; ${flags.join(", ")}` : ""}`},
    el("span", {class: "value"}, formatValue(d.median)),
    flags.length ? el("sup", {class: "flag"}, flags.map((f) => f[0]).join("")) : null,
    ratio ? [el("br"), ratio] : null,
    el("br"),
    el("small", {class: "spread"}, spread)
  );
}

function sourceLabel(source) {
  return source === "reference" ? "paper" : source === "run" ? "ours" : "ingested";
}

/** Params arrive as JSON text from DuckDB and as objects from page code: compare them in the store's canonical form. */
export {canonical};
