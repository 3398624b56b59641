import {html} from "npm:htl";
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
  return html`<div class="paper-table" style="max-width:${width}px; overflow-x:auto">
    <table>
      ${caption ? html`<caption>${caption}</caption>` : ""}
      <thead><tr><th>${unit ? `${UNIT_LABEL[unit] ?? unit}, ${better}` : ""}</th>${columns.map(
        (c) => html`<th title=${`${c.environment} — hypervisor ${c.hypervisor}, mode ${c.mode}${c.vcpus ? `, ${c.vcpus} vCPU` : ""}`} data-column=${c.label} data-source=${c.source} data-run=${c.run_id} data-environment=${c.environment} data-hypervisor=${c.hypervisor} data-vcpus=${c.vcpus ?? "unknown"} data-passthrough=${c.passthrough ? "on" : "off"} data-guest=${c.guest_os ?? "unknown"}>${c.environment}<br><small>${sourceLabel(c.source)}${c.source === "reference" ? "" : ` · ${c.run_id}`}</small></th>`
      )}</tr></thead>
      <tbody>${rows.map(
        (r) => html`<tr data-metric=${r.metric}><th scope="row">${r.label}</th>${columns.map((c) => cell(cells.get(`${c.id}\u0000${r.metric}\u0000${canonical(r.params)}`)))}</tr>`
      )}</tbody>
    </table>
  </div>`;
}

function cell(d) {
  if (!d) return html`<td class="empty">–</td>`;
  if (d.n === 0) return html`<td class="failed" title=${`${d.failed} failed sample(s)`}>failed</td>`;
  const flags = [d.noisy ? "noisy" : null, d.bimodal ? "bimodal" : null].filter(Boolean);
  const ratio =
    d.ratio == null || d.baseline == null
      ? ""
      : d.baseline === d.environment
        ? html`<span class="ratio baseline">baseline</span>`
      : d.ratio_low === d.ratio_high
        ? html`<span class="ratio">${formatRatio(d.ratio)}</span>`
        : html`<span class="ratio" title=${`ratio to ${d.baseline}; 95% bootstrap CI`}>${formatRatio(d.ratio)} <small>[${d.ratio_low.toFixed(2)}–${d.ratio_high.toFixed(2)}]</small></span>`;
  const spread = d.n > 1 ? `n=${d.n} ±${(d.rsd * 100).toFixed(1)}%` : "n=1";
  return html`<td class=${flags.join(" ")} title=${`median of ${d.n}; min ${formatValue(d.min)}, max ${formatValue(d.max)}${flags.length ? `; ${flags.join(", ")}` : ""}`}>
    <span class="value">${formatValue(d.median)}</span>${flags.length ? html`<sup class="flag">${flags.map((f) => f[0]).join("")}</sup>` : ""}
    ${ratio ? html`<br>${ratio}` : ""}<br><small class="spread">${spread}</small>
  </td>`;
}

function sourceLabel(source) {
  return source === "reference" ? "paper" : source === "run" ? "ours" : "ingested";
}

/** Params arrive as JSON text from DuckDB and as objects from page code; compare them as sorted JSON. */
export function canonical(params) {
  const o = typeof params === "string" ? JSON.parse(params) : params ?? {};
  return JSON.stringify(Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b))));
}
