// The report's charts. Each takes (rows, {width, ...options}) and returns a <figure> with its
// caption, a CSV of exactly what it draws and the raw outputs behind it (download.js). Plot writes
// every label as SVG text, so labels from the data (environment names, hosts) never run as HTML.
// Ratios are slowdowns against native (data.js): lower is better, 1× = native. Values spanning
// decades get log axes with every tick labelled; values and 95% intervals are drawn, not hidden
// in tooltips; the width is the page's, down to a phone's.
import * as Plot from "npm:@observablehq/plot";
import * as aq from "npm:arquero";
import {html} from "npm:htl";
import {coreOf, envKey, envLabel, environmentsOf, labelKernelSeries, paramsOf, severalRuns} from "./data.js";
import {downloadBar} from "./download.js";
import {formatMedian, formatPercent, formatSize, formatSlowdown, formatSlowdownCI, formatValue, logTicks, slowdownTick, valueTick} from "./format.js";
import {hypervisorColorScale} from "./hypervisors.js";

export const SUITE_LABEL = {lmbench: "LMbench", linpack: "LINPACK", iozone: "IOzone", fio: "fio", stream: "STREAM"};
const SUITE_ORDER = ["lmbench", "linpack", "iozone", "fio", "stream"];

const spread = (d) => `n=${d.n}, median ${formatMedian(d)}, IQR ${formatValue(d.q1)}–${formatValue(d.q3)}, min ${formatValue(d.min)}, max ${formatValue(d.max)}, RSD ${d.rsd == null ? "–" : (d.rsd * 100).toFixed(1) + "%"}${d.noisy ? " (noisy)" : ""}${d.bimodal ? " (bimodal)" : ""}`;
const slowdownText = (d) => (d.slowdown == null ? "" : `${formatSlowdownCI(d.slowdown, d.slowdown_low, d.slowdown_high)} native`);

/** Framework gives width 0 before layout; a phone gives 360–390 px. Charts follow it. */
export function chartWidth(width) {
  return Number.isFinite(width) && width > 0 ? width : 640;
}

/** Room for the longest y label, but never more than 40% of a narrow chart. */
function labelMargin(labels, width) {
  const longest = Math.max(4, ...labels.map((l) => String(l).length));
  return Math.round(Math.min(width * 0.4, 10 + 6.2 * longest));
}

/** A log domain around `values` with some air, always containing 1× when `one`. */
function logDomain(values, {one = false, pad = 1.25} = {}) {
  const xs = values.filter((v) => v != null && Number.isFinite(v) && v > 0);
  if (one) xs.push(1);
  const lo = Math.min(...xs) / pad;
  const hi = Math.max(...xs) * pad;
  return [lo, hi];
}

/** Linear or log: log when the values span more than a factor 20 (and all are positive). */
function spansDecades(values) {
  const xs = values.filter((v) => v != null && Number.isFinite(v));
  return xs.length > 1 && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) > 20;
}

/**
 * A log axis with every tick labelled. Plot hands log scales to d3's log tickFormat, which blanks
 * the 5s (and more) whatever tickFormat says; an axis mark with its own text channel does not.
 */
function logAxis(dim, ticks, format, {label, anchor} = {}) {
  const axis = dim === "x" ? Plot.axisX : Plot.axisY;
  const grid = dim === "x" ? Plot.gridX : Plot.gridY;
  return [grid(ticks), axis(ticks, {text: format, label, anchor, labelAnchor: dim === "x" ? "right" : "top", labelArrow: "none"})];
}

function figure(caption, chart, {note, name = "", count = 0, rows = [], columns, caveats} = {}) {
  return html`<figure class="report-figure" data-chart=${name} data-count=${count}>${caveats ?? ""}${chart}<figcaption>${caption}${note ? html`<br><small>${note}</small>` : ""}</figcaption>${rows.length ? downloadBar(rows, {caption, name, columns}) : ""}</figure>`;
}

function empty(message = "Nothing to show for this selection.") {
  return html`<p class="empty-chart"><em>${message}</em></p>`;
}

/**
 * Overhead by suite: per environment the geometric mean, over the suite's metrics, of its slowdown
 * against its run's native environment, with the 95% bootstrap interval, printed beside each dot.
 */
export function overheadChart(overhead, {width, caption = "Slowdown against native by suite (geometric mean over metrics; lower is better, 1× = native)"} = {}) {
  width = chartWidth(width);
  const rows = overhead.filter((d) => d.hypervisor !== "none" && d.slowdown != null);
  if (!rows.length) return figure(caption, empty("No virtualized environment in this selection."), {name: "overhead"});
  const multi = severalRuns(rows);
  const data = rows.map((d) => ({...d, label: envLabel(d, {multiRun: multi}), suiteLabel: SUITE_LABEL[d.suite] ?? d.suite, basis: d.paper_groups ? `${d.groups} of the paper's ${d.paper_groups} metrics` : `${d.groups} metrics`}));
  const order = environmentsOf(rows).map((e) => e.label);
  const suites = SUITE_ORDER.filter((s) => data.some((d) => d.suite === s)).map((s) => SUITE_LABEL[s]);
  const domain = logDomain(data.flatMap((d) => [d.low, d.high, d.slowdown]), {one: true, pad: 1.3});
  const marginRight = width < 500 ? 74 : 118;
  const chart = Plot.plot({
    width,
    height: 44 + suites.length * (order.length * 18 + 26),
    marginRight,
    marginLeft: labelMargin(order, width),
    x: {type: "log", domain, axis: null},
    y: {domain: order, label: null},
    fy: {domain: suites, label: null},
    color: {...hypervisorColorScale(data.map((d) => d.hypervisor)), legend: true},
    symbol: {domain: ["paper", "ours"], range: ["diamond", "circle"], legend: true},
    marks: [
      logAxis("x", logTicks(...domain, {sparse: domain[1] / domain[0] > (width < 560 ? 100 : 2000)}), slowdownTick, {label: "slowdown vs native (×, lower is better) →"}),
      Plot.ruleX([1], {stroke: "currentColor", strokeOpacity: 0.5}),
      Plot.ruleY(data, {y: "label", fy: "suiteLabel", x1: "low", x2: "high", stroke: "hypervisor", strokeWidth: 2}),
      Plot.dot(data, {y: "label", fy: "suiteLabel", x: "slowdown", fill: "hypervisor", symbol: (d) => (d.source === "reference" ? "paper" : "ours"), r: 4}),
      Plot.text(data, {y: "label", fy: "suiteLabel", x: (d) => Math.max(d.high, d.slowdown), text: (d) => formatSlowdownCI(d.slowdown, d.low, d.high), dx: 6, textAnchor: "start", fontSize: width < 500 ? 9 : 10}),
      Plot.tip(data, Plot.pointer({y: "label", fy: "suiteLabel", x: "slowdown", title: (d) => `${d.label}, ${d.suiteLabel}: ${formatSlowdownCI(d.slowdown, d.low, d.high)} native, geometric mean over ${d.basis}`}))
    ]
  });
  const table = data.map(({source, run_id, environment, hypervisor, suite, slowdown, low, high, groups, paper_groups}) => ({source, run_id, environment, hypervisor, suite, slowdown, ci_low: low, ci_high: high, metrics: groups, paper_metrics: paper_groups}));
  return figure(caption, chart, {
    note: "Dots: geometric mean of slowdowns (time ratio for latencies, inverse ratio for bandwidths and GFLOPS), printed with the 95% bootstrap interval [in brackets] drawn as the bar. Diamonds: the paper's numbers (no repetitions, so no interval). Where the paper published a suite (LMbench's Tables 1 and 2), every environment's mean is over the paper's metrics only.",
    name: "overhead",
    count: data.length,
    rows: table
  });
}

/**
 * Reproduction: for each Table 1/2 metric, our slowdown (y, with its interval) against the
 * paper's for the same hypervisor (x). On the diagonal, the paper's overhead is reproduced.
 */
export function reproductionChart(rows, {width, labels, caption = "Reproduction: our slowdown against the paper's, Table 1 and 2 metrics (log–log; lower is better on both axes)"} = {}) {
  width = chartWidth(width);
  const guests = rows.filter((r) => r.slowdown != null && (r.hypervisor === "xen" || r.hypervisor === "kvm"));
  const paper = guests.filter((r) => r.source === "reference").map((r) => ({hypervisor: r.hypervisor, metric: r.metric, params: r.params, paperSlowdown: r.slowdown, paperEnv: r.environment}));
  const ours = guests.filter((r) => r.source !== "reference");
  const KEYS = ["hypervisor", "metric", "params"];
  const data = ours.length && paper.length ? aq.from(ours).join(aq.from(paper), [KEYS, KEYS]).objects() : [];
  if (!data.length) return figure(caption, empty("No Xen or KVM environment of ours in this selection: nothing to set beside the paper's ratios."), {name: "reproduction"});
  const multi = severalRuns(data);
  for (const d of data) (d.label = envLabel(d, {multiRun: multi})), (d.metricLabel = labels?.(d) ?? d.metric);
  const [lo, hi] = logDomain(data.flatMap((d) => [d.paperSlowdown, d.slowdown_low ?? d.slowdown, d.slowdown_high ?? d.slowdown]), {one: true, pad: 1.2});
  const ticks = logTicks(lo, hi, {sparse: hi / lo > (width < 560 ? 100 : 2000)});
  const side = Math.min(width, 560);
  const chart = Plot.plot({
    width: side,
    height: side,
    x: {type: "log", domain: [lo, hi], axis: null},
    y: {type: "log", domain: [lo, hi], axis: null},
    color: {legend: true, label: "environment"},
    marks: [
      logAxis("x", ticks, slowdownTick, {label: "paper: guest / native F8 (×) →"}),
      logAxis("y", ticks, slowdownTick, {label: "↑ ours: guest / native (×)"}),
      Plot.line([[lo, lo], [hi, hi]], {stroke: "currentColor", strokeOpacity: 0.4, strokeDasharray: "4,3"}),
      Plot.ruleX(data, {x: "paperSlowdown", y1: "slowdown_low", y2: "slowdown_high", stroke: "label"}),
      Plot.dot(data, {x: "paperSlowdown", y: "slowdown", fill: "label", symbol: "hypervisor", r: 4}),
      Plot.text(data, {x: "paperSlowdown", y: "slowdown", text: "metricLabel", dx: 7, textAnchor: "start", fontSize: 9, fillOpacity: 0.75}),
      Plot.tip(data, Plot.pointer({x: "paperSlowdown", y: "slowdown", title: (d) => `${d.metricLabel} — ${d.label}: ${slowdownText(d)}; paper ${d.paperEnv}: ${formatSlowdown(d.paperSlowdown)}\n${spread(d)}`}))
    ]
  });
  const table = data.map((d) => ({metric: d.metric, params: d.params, environment: d.environment, run_id: d.run_id, hypervisor: d.hypervisor, slowdown: d.slowdown, ci_low: d.slowdown_low, ci_high: d.slowdown_high, n: d.n, paper_environment: d.paperEnv, paper_slowdown: d.paperSlowdown, raw: d.raw}));
  return figure(caption, chart, {note: "Each dot is one metric in one of our environments, placed at the paper's slowdown for the same hypervisor (Xen 3.1 or KVM-60) and ours, with its 95% bootstrap interval as the vertical bar. Dashed: ours equals the paper's.", name: "reproduction", count: data.length, rows: table});
}

/**
 * LINPACK N sweep (Fig. 1): median GFLOPS per N on a log axis, a line per environment and BLAS
 * kernel set, IQR bars, values printed; each line's peak also as a share of the machine's limit
 * for that kernel set (`peaks`: the page's peak rows).
 */
export function linpackSweep(rows, {width, peaks = [], caption = "Figure 1. LINPACK: GFLOPS by problem size N (log scale; higher is better)"} = {}) {
  width = chartWidth(width);
  const data = rows.filter((r) => r.metric === "linpack_gflops" && r.n > 0 && paramsOf(r).n != null).map((r) => ({...r, N: Number(paramsOf(r).n)}));
  if (!data.length) return figure(caption, empty(), {name: "linpack-sweep"});
  const multi = severalRuns(data);
  const order = labelKernelSeries(data, {multiRun: multi});
  const peakOf = (d) => peaks.find((p) => p.run_id === d.run_id && p.environment === d.environment && (p.core ?? null) === (coreOf(d) ?? null));
  for (const d of data) {
    const p = peakOf(d);
    d.efficiency = p?.efficiency != null && p.peak_n === d.N ? p.efficiency : null;
  }
  const log = spansDecades(data.map((d) => d.median));
  const domain = log ? logDomain(data.flatMap((d) => [d.q1, d.q3, d.median]), {pad: 1.4}) : undefined;
  const chart = Plot.plot({
    width,
    height: 400,
    marginRight: 40,
    x: {type: "log", axis: null, domain: logDomain(data.map((d) => d.N), {pad: 1.15})},
    y: log ? {type: "log", domain, axis: null} : {label: "↑ GFLOPS (higher is better)", grid: true, zero: true},
    color: {domain: order, legend: true, label: "environment"},
    marks: [
      logAxis("x", [...new Set(data.map((d) => d.N))].sort((a, b) => a - b), String, {label: "problem size N (log scale) →"}),
      log ? logAxis("y", logTicks(...domain), valueTick, {label: "↑ GFLOPS (log scale, higher is better)"}) : null,
      Plot.ruleX(data, {x: "N", y1: "q1", y2: "q3", stroke: "label", strokeWidth: 2, strokeOpacity: 0.6}),
      Plot.line(data, {x: "N", y: "median", stroke: "label", sort: "N", marker: "circle"}),
      Plot.text(data, {x: "N", y: "median", text: (d) => `${formatMedian(d)}${d.efficiency != null ? ` · ${formatPercent(d.efficiency)} of limit` : ""}`, dy: -8, fontSize: 9, fill: "label"}),
      Plot.tip(data, Plot.pointer({x: "N", y: "median", title: (d) => `${d.label}, N=${d.N}: ${formatMedian(d)} GFLOPS${d.efficiency != null ? ` (peak: ${formatPercent(d.efficiency)} of the ${formatValue(peakOf(d).limit_gflops)} GFLOPS limit)` : ""}\n${spread(d)}${d.slowdown != null ? `\n${slowdownText(d)}` : ""}`}))
    ]
  });
  const table = data.map((d) => ({environment: d.environment, run_id: d.run_id, hypervisor: d.hypervisor, core: coreOf(d), N: d.N, gflops_median: d.median, q1: d.q1, q3: d.q3, n: d.n, rsd: d.rsd, limit_gflops: peakOf(d)?.limit_gflops ?? null, share_of_limit: peakOf(d)?.limit_gflops ? d.median / peakOf(d).limit_gflops : null, slowdown: d.slowdown, ci_low: d.slowdown_low, ci_high: d.slowdown_high, raw: d.raw}));
  const limits = peaks.some((p) => p.efficiency != null);
  return figure(caption, chart, {note: `Lines join medians (printed above each point); vertical bars span the interquartile range; a line per environment and BLAS kernel set.${limits ? " At each line's peak, its share of the machine's limit for that kernel set (clock × FLOPs per cycle × threads)." : ""}`, name: "linpack-sweep", count: data.length, rows: table});
}

/** LINPACK's peak as a slowdown (native's peak ÷ the guest's, over the N both swept), with its interval and the paper's stated ratios. */
export function peakChart(peaks, {width, paper = [], caption = "LINPACK peak: slowdown against native's peak (lower is better, 1× = native)"} = {}) {
  width = chartWidth(width);
  const data = peaks.filter((d) => d.slowdown != null && d.hypervisor !== "none");
  if (!data.length && !paper.length) return figure(caption, empty("No virtualized LINPACK peak in this selection."), {name: "linpack-peak"});
  const multi = severalRuns(data);
  const rows = data.map((d) => ({...d, lo: d.slowdown_low ?? d.slowdown, hi: d.slowdown_high ?? d.slowdown}));
  const order = labelKernelSeries(rows, {multiRun: multi});
  const domain = logDomain([...rows.flatMap((d) => [d.lo, d.hi]), ...paper.map((p) => p.slowdown)], {one: true, pad: 1.35});
  const chart = Plot.plot({
    width,
    height: 70 + Math.max(1, order.length) * 24 + paper.length * 14,
    marginLeft: labelMargin(order, width),
    marginRight: width < 500 ? 70 : 110,
    marginTop: 20 + paper.length * 14,
    x: {type: "log", domain, axis: null},
    y: {domain: order, label: null},
    color: {...hypervisorColorScale(rows.map((d) => d.hypervisor)), legend: rows.length > 0},
    marks: [
      logAxis("x", logTicks(...domain, {sparse: domain[1] / domain[0] > (width < 560 ? 100 : 2000)}), slowdownTick, {label: "peak slowdown vs native (×, lower is better) →"}),
      Plot.ruleX([1], {stroke: "currentColor", strokeOpacity: 0.5}),
      Plot.ruleX(paper, {x: "slowdown", stroke: "#e15759", strokeDasharray: "4,3"}),
      ...paper.map((p, i) => Plot.text([p], {x: "slowdown", text: width < 640 && p.short ? "short" : "label", frameAnchor: "top", dy: -8 - i * 14, fill: "#e15759", fontSize: 10, textAnchor: p.slowdown > Math.sqrt(domain[0] * domain[1]) ? "end" : "start", dx: 3})),
      Plot.ruleY(rows, {y: "label", x1: "lo", x2: "hi", stroke: "currentColor", strokeWidth: 2}),
      // A hollow dot: the baseline ran another BLAS kernel set, so the ratio compares kernels too.
      Plot.dot(rows.filter((d) => d.like_for_like !== false), {y: "label", x: "slowdown", fill: "hypervisor", r: 5}),
      Plot.dot(rows.filter((d) => d.like_for_like === false), {y: "label", x: "slowdown", fill: "white", stroke: "hypervisor", strokeWidth: 2, r: 5}),
      // Labels of dots in the right half end left of their bar, so none runs off the chart.
      ...[false, true].map((right) => Plot.text(rows.filter((d) => (d.slowdown > Math.sqrt(domain[0] * domain[1])) === right), {y: "label", x: right ? "lo" : "hi", text: (d) => `${formatSlowdownCI(d.slowdown, d.slowdown_low, d.slowdown_high)}${d.like_for_like === false ? ` ≠ kernels` : ""}`, dx: right ? -6 : 6, textAnchor: right ? "end" : "start", fontSize: width < 500 ? 9 : 10})),
      Plot.tip(rows, Plot.pointerY({y: "label", x: "slowdown", title: (d) => `${d.label}: peak ${formatValue(d.peak_gflops)} GFLOPS at N=${d.peak_n ?? "?"} (${d.core ?? "unknown"} kernels); ${formatSlowdownCI(d.slowdown, d.slowdown_low, d.slowdown_high)} against ${d.baseline}'s peak with ${d.like_for_like === false ? `other kernels (${d.baseline_core ?? "unknown"})` : "the same kernels"} over N ∈ {${(d.compared_n ?? []).join(", ")}}`}))
    ]
  });
  const table = rows.map((d) => ({environment: d.environment, run_id: d.run_id, hypervisor: d.hypervisor, core: d.core, peak_gflops: d.peak_gflops, peak_n: d.peak_n, baseline: d.baseline, baseline_core: d.baseline_core, like_for_like: d.like_for_like, compared_n: d.compared_n, slowdown: d.slowdown, ci_low: d.slowdown_low, ci_high: d.slowdown_high}));
  const unlike = rows.some((d) => d.like_for_like === false);
  return figure(caption, chart, {note: `Dots: native's best median GFLOPS ÷ the guest's, both over the N the two ran, with the same BLAS kernel set where native ran the guest's${unlike ? " (hollow, “≠ kernels”: native ran no sweep with this guest's set, so the ratio compares kernels too)" : ""}; black bars: 95% bootstrap interval (both peaks recomputed in every resample), printed in brackets. Dashed red: the ratios the paper states in its text, as slowdowns.`, name: "linpack-peak", count: rows.length, rows: table});
}

/** A dot per environment with its IQR and min–max, median and slowdown printed: Figures 2, 3 and 4. */
function bandwidthDots(data, {width, fx, fxDomain, colorBy = "hypervisor", unit = "MB/s", scaleData = data}) {
  const order = environmentsOf(data).map((e) => e.label);
  const values = scaleData.flatMap((d) => [d.min, d.max, d.median]);
  const log = spansDecades(values);
  const panels = fx ? fxDomain.length : 1;
  const domain = log ? logDomain(values, {pad: 1.3}) : [0, Math.max(...values) * 1.05];
  const textWidth = width < 500 ? 96 : 150;
  const middle = log ? Math.sqrt(domain[0] * domain[1]) : domain[1] / 2;
  return Plot.plot({
    width,
    height: 56 + order.length * 22,
    marginLeft: labelMargin(order, width),
    marginRight: 8,
    fx: fx ? {domain: fxDomain, label: null, axis: "top"} : undefined,
    x: log ? {type: "log", domain, axis: null} : {domain, label: `${unit} (higher is better) →`, grid: true, ticks: Math.max(2, Math.floor((width / panels - textWidth) / 70))},
    y: {domain: order, label: null},
    color: colorBy === "hypervisor" ? {...hypervisorColorScale(data.map((d) => d.hypervisor)), legend: true} : undefined,
    marks: [
      // Ticks at 1, 2 and 5 per decade need ~45 px each in a panel; else one per decade.
      log ? logAxis("x", logTicks(...domain, {sparse: domain[1] / domain[0] > (width < 560 ? 100 : 1000) || width / panels / (3 * Math.log10(domain[1] / domain[0])) < 45}), valueTick, {label: `${unit} (log scale, higher is better) →`}) : null,
      Plot.ruleY(data, {fx, y: "label", x1: "min", x2: "max", stroke: "currentColor", strokeOpacity: 0.35}),
      Plot.ruleY(data, {fx, y: "label", x1: "q1", x2: "q3", stroke: "currentColor", strokeWidth: 3}),
      Plot.dot(data, {fx, y: "label", x: "median", fill: "hypervisor", r: 4.5}),
      // Labels of dots in the right half end at the dot, so none runs off the chart.
      ...[false, true].map((right) => Plot.text(data.filter((d) => (d.median > middle) === right), {fx, y: "label", x: "median", text: (d) => `${formatMedian(d)}${d.slowdown != null && d.hypervisor !== "none" ? ` · ${formatSlowdownCI(d.slowdown, d.slowdown_low, d.slowdown_high)}` : ""}`, dy: -9, dx: right ? 4 : -4, textAnchor: right ? "end" : "start", fontSize: width < 500 ? 8 : 9})),
      Plot.tip(data, Plot.pointer({fx, y: "label", x: "median", title: (d) => `${d.label}${d.case ? ` (${d.case})` : ""}: ${formatMedian(d)} ${unit}\n${spread(d)}${d.slowdown != null ? `\n${slowdownText(d)}` : ""}`}))
    ]
  });
}

const bandwidthRow = (d) => ({environment: d.environment, run_id: d.run_id, hypervisor: d.hypervisor, vcpus: d.vcpus, passthrough: d.passthrough, metric: d.metric, params: d.params, median: d.median, q1: d.q1, q3: d.q3, min: d.min, max: d.max, n: d.n, rsd: d.rsd, slowdown: d.slowdown, ci_low: d.slowdown_low, ci_high: d.slowdown_high, notes: d.notes, raw: d.raw});

/** Fig. 2: memory read/write bandwidth per environment (median, IQR, min–max; slowdown printed). */
export function memoryBandwidth(rows, {width, sizeMb, caption} = {}) {
  width = chartWidth(width);
  caption ??= `Figure 2. Memory bandwidth of read and write, LMbench bw_mem${sizeMb != null ? `, ${sizeMb} MB buffer` : ""} (MB/s, higher is better)`;
  const data = rows.filter((r) => (r.metric === "bw_mem_read" || r.metric === "bw_mem_write") && r.n > 0 && (sizeMb == null || Number(paramsOf(r).size_mb) === sizeMb));
  if (!data.length) return figure(caption, empty(), {name: "memory-bandwidth"});
  const multi = severalRuns(data);
  for (const d of data) (d.label = envLabel(d, {multiRun: multi})), (d.op = d.metric === "bw_mem_read" ? "read" : "write");
  const ops = ["read", "write"].filter((o) => data.some((d) => d.op === o));
  // Two panels side by side need room; a phone stacks them as one chart each.
  const charts = width < 640 ? ops.map((op) => bandwidthDots(data.filter((d) => d.op === op), {width, fx: "op", fxDomain: [op]})) : [bandwidthDots(data, {width, fx: "op", fxDomain: ops})];
  return figure(caption, html`<div>${charts}</div>`, {note: "Dots: medians (printed, with the slowdown against native and its 95% interval); thick line: interquartile range; thin line: min–max.", name: "memory-bandwidth", count: data.length, rows: data.map(bandwidthRow)});
}

/**
 * Another suite's panel on this page (data-loaders/report/page-places.ts): its metrics side by side,
 * drawn like Figure 2, e.g. STREAM's Copy, Scale, Add and Triad beside LMbench's bw_mem.
 */
export function suitePanel(rows, {width, panel, caption}) {
  width = chartWidth(width);
  const labels = panel.metrics;
  caption ??= `${panel.title}: ${Object.values(labels).join(", ")} (${rows.find((r) => labels[r.metric])?.unit ?? "MB/s"}, higher is better)`;
  const data = rows.filter((r) => r.suite === panel.suite && labels[r.metric] && r.n > 0);
  const name = `${panel.suite}-panel`;
  if (!data.length) return figure(caption, empty(`No ${panel.title} results in this selection.`), {name});
  const multi = severalRuns(data);
  for (const d of data) (d.label = envLabel(d, {multiRun: multi})), (d.what = labels[d.metric]);
  const shown = Object.values(labels).filter((l) => data.some((d) => d.what === l));
  const unit = data[0].unit;
  // Side by side while each panel keeps 240 px, in rows of equal panels on one shared scale.
  const perRow = Math.max(1, Math.min(shown.length, Math.floor(width / 240)));
  const rowsOf = Math.ceil(shown.length / perRow);
  const perLine = Math.ceil(shown.length / rowsOf);
  const groups = Array.from({length: rowsOf}, (_, i) => shown.slice(i * perLine, (i + 1) * perLine));
  const charts = groups.map((group) => bandwidthDots(data.filter((d) => group.includes(d.what)), {width, fx: "what", fxDomain: group, unit, scaleData: data}));
  return figure(caption, html`<div>${charts}</div>`, {note: "Dots: medians (printed, with the slowdown against native and its 95% interval); thick line: interquartile range; thin line: min–max.", name, count: data.length, rows: data.map(bandwidthRow)});
}

const ioCase = (d, showPassthrough) => `${d.vcpus ?? "?"} vCPU${d.vcpus === 1 ? "" : "s"}${showPassthrough ? (d.passthrough ? ", pass-through" : ", emulated I/O") : ""}`;

/** Fig. 3/4: IOzone bandwidth by environment, for one file and record size. */
export function iozoneBars(rows, {width, metric = "file_read", fileKb, recordKb, caption, caveats} = {}) {
  width = chartWidth(width);
  const data = rows.filter((r) => r.metric === metric && r.n > 0 && Number(paramsOf(r).file_kb) === fileKb && Number(paramsOf(r).record_kb) === recordKb);
  // A database without IOzone rows offers no sizes to pick.
  const sizes = fileKb == null || recordKb == null ? "" : `, ${formatSize(fileKb)} file, ${formatSize(recordKb)} records`;
  caption ??= `${metric === "file_read" ? "Figure 3. Read" : metric === "file_write" ? "Figure 4. Write" : metric} bandwidth by environment, IOzone${sizes} (MB/s, higher is better)`;
  if (!data.length) return figure(caption, empty(), {name: "iozone-bars"});
  const multi = severalRuns(data);
  const showPassthrough = data.some((d) => d.passthrough);
  for (const d of data) (d.case = ioCase(d, showPassthrough)), (d.label = `${envLabel(d, {multiRun: multi})}`);
  return figure(caption, bandwidthDots(data, {width}), {
    note: `Dots: medians (printed, with the slowdown against native and its 95% interval); thick line: interquartile range; thin line: min–max.${showPassthrough ? " Pass-through (VT-d) and emulated I/O are told apart in each environment's name and tooltip." : ""}`,
    name: "iozone-bars",
    count: data.length,
    rows: data.map(bandwidthRow),
    caveats
  });
}

const OP_LABEL = (m) => m.replace(/^file_/, "").replaceAll("_", " ");

/**
 * IOzone by operation × record size (× file size when several): a heatmap per environment whose
 * colour is the slowdown against native (or MB/s), with the value printed in each cell.
 */
export function iozoneHeatmap(rows, {width, operation = "all", measure = "slowdown", caption} = {}) {
  width = chartWidth(width);
  const ops = operation === "all" ? null : [operation];
  let data = rows.filter((r) => r.n > 0 && (!ops || ops.includes(r.metric))).map((r) => ({...r, file: Number(paramsOf(r).file_kb), record: Number(paramsOf(r).record_kb)}));
  const bySlowdown = measure === "slowdown";
  if (bySlowdown) data = data.filter((d) => d.slowdown != null && d.hypervisor !== "none");
  caption ??= `IOzone ${ops ? OP_LABEL(operation) : "operations"} by record size, ${bySlowdown ? "slowdown against native (lower is better)" : "MB/s (higher is better)"}`;
  if (!data.length) return figure(caption, empty(bySlowdown ? "No guest with a native baseline in this selection." : undefined), {name: "iozone-heatmap"});
  const files = [...new Set(data.map((d) => d.file))].sort((a, b) => a - b);
  for (const d of data) d.rowLabel = files.length > 1 ? `${OP_LABEL(d.metric)} · ${formatSize(d.file)}` : OP_LABEL(d.metric);
  const envs = environmentsOf(data);
  const multi = severalRuns(data);
  const cols = Math.max(1, Math.min(envs.length, Math.floor(width / 300)));
  const pos = new Map(envs.map((e, i) => [e.key, i]));
  for (const d of data) {
    const i = pos.get(envKey(d));
    d.col = i % cols;
    d.row = Math.floor(i / cols);
    d.label = envLabel(d, {multiRun: multi});
    d.fill = bySlowdown ? d.slowdown : d.median;
    d.text = bySlowdown ? formatSlowdown(d.slowdown, d.slowdown_low, d.slowdown_high) : formatMedian(d);
  }
  const records = [...new Set(data.map((d) => d.record))].sort((a, b) => a - b);
  const yDomain = [...new Set(data.sort((a, b) => a.metric.localeCompare(b.metric) || a.file - b.file).map((d) => d.rowLabel))];
  const titles = envs.map((e, i) => ({col: i % cols, row: Math.floor(i / cols), label: e.label}));
  const rowsN = Math.ceil(envs.length / cols);
  const fills = data.map((d) => d.fill).filter((v) => v > 0);
  const extreme = Math.max(2, ...fills.map((v) => Math.max(v, 1 / v)));
  const chart = Plot.plot({
    width,
    height: rowsN * (yDomain.length * 26 + 40) + 70,
    marginLeft: labelMargin(yDomain, Math.min(width, 300)),
    marginTop: 30,
    fx: {axis: null, padding: 0.06},
    fy: {axis: null, padding: 0.15},
    x: {type: "band", domain: records, label: "record size →", tickFormat: (r) => formatSize(r)},
    y: {type: "band", domain: yDomain, label: null},
    color: bySlowdown
      ? {type: "log", scheme: "RdBu", reverse: true, domain: [1 / extreme, extreme], pivot: 1, legend: true, label: "slowdown vs native (×): blue faster, red slower", tickFormat: slowdownTick, ticks: logTicks(1 / extreme, extreme, {sparse: extreme > 20})}
      : {type: "log", scheme: "Blues", legend: true, label: "MB/s", tickFormat: valueTick, ticks: logTicks(Math.min(...fills), Math.max(...fills), {sparse: true})},
    marks: [
      Plot.cell(data, {x: "record", y: "rowLabel", fx: "col", fy: "row", fill: "fill", inset: 0.5}),
      Plot.text(data, {x: "record", y: "rowLabel", fx: "col", fy: "row", text: "text", fontSize: 10, fill: (d) => (bySlowdown ? (Math.abs(Math.log(d.fill)) > Math.log(extreme) * 0.55 ? "white" : "black") : "black")}),
      Plot.text(titles, {fx: "col", fy: "row", text: "label", frameAnchor: "top-left", dy: -16, fontWeight: "bold"}),
      Plot.tip(data, Plot.pointer({x: "record", y: "rowLabel", fx: "col", fy: "row", title: (d) => `${d.label}: ${OP_LABEL(d.metric)}, ${formatSize(d.file)} file, ${formatSize(d.record)} records\n${formatMedian(d)} MB/s; ${spread(d)}${d.slowdown != null ? `\n${slowdownText(d)}` : ""}`}))
    ]
  });
  return figure(caption, chart, {
    note: bySlowdown ? "Each cell prints the slowdown against the same run's native environment (native itself is the baseline, 1×, and has no panel). Hover a cell for n, spread and the 95% interval." : "Each cell prints the median MB/s. Hover a cell for n, spread and the slowdown against native.",
    name: "iozone-heatmap",
    count: data.length,
    rows: data.map(bandwidthRow)
  });
}
