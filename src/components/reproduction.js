// The reproduction table: for each metric of the paper's Table 1 and Table 2, the paper's ratios
// (Xen 3.1 / native F8, KVM-60 / native F8) beside ours (each of our guests / our native), with
// the 95% bootstrap interval. Everything is rendered with htl, which escapes every interpolation.
import {el} from "./dom.js";
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
    if (!d || d.ratio == null) return el("td", {class: "empty"}, "–");
    const interval = d.ratio_low != null && d.ratio_low !== d.ratio_high ? [" ", el("small", null, `[${d.ratio_low.toFixed(2)}–${d.ratio_high.toFixed(2)}]`)] : null;
    const flags = [d.noisy ? "n" : "", d.bimodal ? "b" : ""].join("");
    return el("td", {class: d.source === "reference" ? "paper" : "ours", title: `${d.environment}: median ${d.median} ${d.unit} over n=${d.n}; ratio to ${d.baseline}`},
      el("span", {class: "ratio"}, formatRatio(d.ratio)), interval, flags ? el("sup", {class: "flag"}, flags) : null, el("br"), el("small", {class: "spread"}, `n=${d.n}`));
  };
  const th = (e, what) => el("th", {"data-column": e.label}, e.environment, el("br"), el("small", null, what));
  return el("div", {class: "paper-table reproduction-table"}, el("table", null,
    el("caption", null, caption),
    el("thead", null, el("tr", null, el("th", null, "metric"), paper.map((e) => th(e, "paper")), ours.map((e) => th(e, `${e.source === "run" ? "ours" : "ingested"} · ${e.run_id}`)))),
    el("tbody", null, layout.map((l) => el("tr", {"data-metric": l.metric, "data-label": l.label}, el("th", {scope: "row"}, l.label), paper.map((e) => cell(e, l)), ours.map((e) => cell(e, l)))))
  ));
}
