// The reproduction table: for each metric of the paper's Table 1 and Table 2, the paper's ratios
// (Xen 3.1 / native F8, KVM-60 / native F8) beside ours (each of our guests / our native), with
// the 95% bootstrap interval. Everything is rendered with htl, which escapes every interpolation.
import {html} from "npm:htl";
import {canonical} from "./paper-table.js";
import {environmentsOf, envKey} from "./data.js";
import {formatRatio} from "./format.js";

export function reproductionTable(rows, {layout, caption = "Ratios to native: the paper's beside ours (× native; lower is better)"} = {}) {
  const cells = new Map();
  for (const r of rows) cells.set(`${envKey(r)}\u0000${r.metric}\u0000${canonical(r.params)}`, r);
  const envs = environmentsOf(rows.filter((r) => r.hypervisor !== "none" && r.ratio != null));
  const paper = envs.filter((e) => e.source === "reference");
  const ours = envs.filter((e) => e.source !== "reference");
  const cell = (e, l) => {
    const d = cells.get(`${e.key}\u0000${l.metric}\u0000${canonical(l.params)}`);
    if (!d || d.ratio == null) return html`<td class="empty">–</td>`;
    const interval = d.ratio_low != null && d.ratio_low !== d.ratio_high ? html` <small>[${d.ratio_low.toFixed(2)}–${d.ratio_high.toFixed(2)}]</small>` : "";
    const flags = [d.noisy ? "n" : "", d.bimodal ? "b" : ""].join("");
    return html`<td class=${d.source === "reference" ? "paper" : "ours"} title=${`${d.environment}: median ${d.median} ${d.unit} over n=${d.n}; ratio to ${d.baseline}`}><span class="ratio">${formatRatio(d.ratio)}</span>${interval}${flags ? html`<sup class="flag">${flags}</sup>` : ""}<br><small class="spread">n=${d.n}</small></td>`;
  };
  return html`<div class="paper-table reproduction-table"><table>
    <caption>${caption}</caption>
    <thead><tr><th>metric</th>${paper.map((e) => html`<th data-column=${e.label}>${e.environment}<br><small>paper</small></th>`)}${ours.map((e) => html`<th data-column=${e.label}>${e.environment}<br><small>${e.source === "run" ? "ours" : "ingested"} · ${e.run_id}</small></th>`)}</tr></thead>
    <tbody>${layout.map((l) => html`<tr data-metric=${l.metric} data-label=${l.label}><th scope="row">${l.label}</th>${paper.map((e) => cell(e, l))}${ours.map((e) => cell(e, l))}</tr>`)}</tbody>
  </table></div>`;
}
