// The home page's headline: one line per guest environment with its overall slowdown per suite
// (the geometric mean the overhead chart draws) and its 95% interval, as big numbers.
import * as aq from "npm:arquero";
import {el} from "./dom.js";
import {envLabel, environmentsOf, severalRuns, sourceLabel} from "./data.js";
import {formatInterval, formatSlowdown} from "./format.js";
import {hypervisorColor} from "./hypervisors.js";
import {SUITE_LABEL} from "./charts.js";

const SUITES = ["lmbench", "linpack", "iozone", "fio", "stream"];

export function headline(overhead, {caption = "Overall slowdown against native, per suite (geometric mean over its metrics; lower is better, 1× = native)"} = {}) {
  const guests = overhead.filter((d) => d.hypervisor !== "none" && d.slowdown != null);
  if (!guests.length) return el("p", {class: "headline empty"}, "No guest environment in this selection: nothing was compared with native.");
  const suites = SUITES.filter((s) => guests.some((d) => d.suite === s));
  const multi = severalRuns(guests);
  const bySuite = new Map(
    aq
      .from(guests.map((d) => ({env: `${d.run_id}\u0000${d.environment}`, suite: d.suite, row: d})))
      .groupby("env")
      .pivot("suite", "row") // a column name, not an expression: nothing for arquero to parse
      .objects()
      .map((w) => [w.env, w])
  );
  const lines = environmentsOf(guests).map((e) => {
    const w = bySuite.get(e.key) ?? {};
    return el("div", {class: "headline-row", role: "row", style: `--suites: ${suites.length}`, "data-environment": e.environment, "data-run": e.run_id},
      el("div", {class: "headline-env", role: "rowheader"},
        el("span", {class: "swatch", style: `background:${hypervisorColor(e.hypervisor)}`}), envLabel(e, {multiRun: multi}), el("br"),
        el("small", null, `${sourceLabel(e.source)}${e.source === "reference" ? "" : ` · ${e.run_id}`}${e.nested_under ? ` · nested under ${e.nested_under}` : ""}`)),
      suites.map((s) => {
        const d = w[s];
        if (!d) return el("div", {class: "headline-cell none", role: "cell", "data-suite": s}, el("small", null, SUITE_LABEL[s]), el("br"), el("span", {class: "big"}, "–"), el("br"), el("small", null, e.source === "reference" ? "not published" : "not measured"));
        return el("div", {class: "headline-cell", role: "cell", "data-suite": s, title: `geometric mean over ${d.paper_groups ? `${d.groups} of the paper's ${d.paper_groups}` : d.groups} metrics`},
          el("small", null, SUITE_LABEL[s]), el("br"),
          el("span", {class: "big"}, formatSlowdown(d.slowdown, d.low, d.high)), el("br"),
          el("small", null, formatInterval(d.low, d.high) || "no interval (one number)"));
      }));
  });
  return el("div", {class: "headline", role: "table", "aria-label": caption}, el("div", {class: "headline-caption"}, caption), lines);
}
