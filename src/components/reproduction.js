// The reproduction table: for each metric of the paper's Table 1 and Table 2, the paper's
// slowdowns (Xen 3.1 / native F8, KVM-60 / native F8) beside ours (each of our guests / our
// native), with the 95% bootstrap interval. Built with el(): nothing from the data is parsed as HTML.
import * as aq from "npm:arquero";
import {el} from "./dom.js";
import {canonical, FLAG_MARK} from "./paper-table.js";
import {environmentsOf} from "./data.js";
import {formatInterval, formatMedian, formatSlowdown} from "./format.js";

export function reproductionTable(rows, {layout, caption = "Slowdowns against native: the paper's beside ours (×; lower is better)"} = {}) {
  const guests = rows.filter((r) => r.hypervisor !== "none" && r.slowdown != null);
  const envs = environmentsOf(guests);
  // One row per metric × params, one column per environment: arquero's pivot of the slowdown rows.
  const cells = new Map();
  if (guests.length) {
    const wide = aq
      .from(guests.map((r) => ({cell: `${r.metric}\u0000${canonical(r.params)}`, env: `${r.run_id}\u0000${r.environment}`, row: r})))
      .groupby("cell")
      .pivot("env", "row") // a column name, not an expression: nothing for arquero to parse on every filter change
      .objects();
    for (const w of wide) cells.set(w.cell, w);
  }
  const cell = (e, l) => {
    const d = cells.get(`${l.metric}\u0000${canonical(l.params)}`)?.[e.key];
    if (!d) return el("td", {class: "empty", title: e.source === "reference" ? "the paper did not publish this number" : "not measured"}, "–");
    const interval = formatInterval(d.slowdown_low, d.slowdown_high);
    const flags = [d.noisy ? FLAG_MARK.noisy : "", d.bimodal ? FLAG_MARK.bimodal : ""].join("");
    return el("td", {class: d.source === "reference" ? "paper" : "ours", title: `${d.environment}: median ${formatMedian(d)} ${d.unit} over n=${d.n}; against ${d.baseline}`},
      el("span", {class: "ratio"}, formatSlowdown(d.slowdown, d.slowdown_low, d.slowdown_high)), interval ? [" ", el("small", null, interval)] : null, flags ? el("sup", {class: "flag"}, flags) : null, el("br"), el("small", {class: "spread"}, d.source === "reference" ? "paper" : `n=${d.n}`));
  };
  const th = (e, what) => el("th", {"data-column": e.label}, e.environment, el("br"), el("small", null, what));
  return el("div", {class: "paper-table reproduction-table"}, el("table", null,
    el("caption", null, caption),
    el("thead", null, el("tr", null, el("th", {class: "row-label"}, "metric"), envs.map((e) => th(e, e.source === "reference" ? "paper" : `${e.source === "run" ? "ours" : "ingested"} · ${e.run_id}`)))),
    el("tbody", null, layout.map((l) => el("tr", {"data-metric": l.metric, "data-label": l.label}, el("th", {scope: "row", class: "row-label"}, l.label), envs.map((e) => cell(e, l)))))
  ));
}
