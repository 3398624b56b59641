// The report's charts. Each takes (data, {width, ...options}) and returns an element; pages call
// them inside resize((width) => …). Plot writes every label as SVG text, so labels from the data
// (environment names, hosts) never run as HTML. Every mark's tooltip gives n and the spread.
import * as Plot from "npm:@observablehq/plot";
import {html} from "npm:htl";
import {direction, envKey, envLabel, environmentsOf, paramsOf, severalRuns} from "./data.js";
import {formatRatio, formatValue} from "./format.js";

const HV_COLORS = {none: "#4e79a7", xen: "#f28e2b", kvm: "#59a14f", "qemu-tcg": "#b07aa1"};
const hvColor = (hv) => HV_COLORS[hv] ?? "#9c755f";
const ci = (d) => (d.ratio_low == null || d.ratio_low === d.ratio_high ? "no CI (n=1 or baseline)" : `95% CI ${d.ratio_low.toFixed(3)}–${d.ratio_high.toFixed(3)}`);
const spread = (d) => `n=${d.n}, median ${formatValue(d.median)}, IQR ${formatValue(d.q1)}–${formatValue(d.q3)}, min ${formatValue(d.min)}, max ${formatValue(d.max)}, RSD ${d.rsd == null ? "–" : (d.rsd * 100).toFixed(1) + "%"}${d.noisy ? " (noisy)" : ""}${d.bimodal ? " (bimodal)" : ""}`;

function figure(caption, chart, {note, name = "", count = 0} = {}) {
  return html`<figure class="report-figure" data-chart=${name} data-count=${count}>${chart}<figcaption>${caption}${note ? html`<br><small>${note}</small>` : ""}</figcaption></figure>`;
}

function empty(message = "Nothing to show for this selection.") {
  return html`<p class="empty-chart"><em>${message}</em></p>`;
}

/**
 * Overhead by suite: per environment the geometric mean, over the suite's metrics, of its slowdown
 * against its run's native environment (>1: slower), with the 95% bootstrap interval.
 */
export function overheadChart(overhead, {width, caption = "Slowdown against native by suite (geometric mean over metrics, ×; lower is better)"} = {}) {
  const rows = overhead.filter((d) => d.hypervisor !== "none" && d.slowdown != null);
  if (!rows.length) return figure(caption, empty("No virtualized environment in this selection."));
  const multi = severalRuns(rows);
  const data = rows.map((d) => ({...d, label: envLabel(d, {multiRun: multi}), suiteLabel: SUITE_LABEL[d.suite] ?? d.suite}));
  const order = environmentsOf(rows).map((e) => e.label);
  const suites = ["lmbench", "linpack", "iozone", "fio", "stream"].filter((s) => data.some((d) => d.suite === s)).map((s) => SUITE_LABEL[s] ?? s);
  const chart = Plot.plot({
    width: chartWidth(width),
    height: 40 + suites.length * (order.length * 16 + 24),
    marginRight: 70,
    marginLeft: Math.min(260, 8 + 6.5 * Math.max(...order.map((l) => l.length))),
    x: {type: "log", label: "slowdown vs native (×, lower is better) →", grid: true, ticks: LOG_TICKS, tickFormat: (x) => `${x}×`},
    y: {domain: order, label: null},
    fy: {domain: suites, label: null},
    color: {type: "categorical", domain: Object.keys(HV_COLORS), range: Object.values(HV_COLORS), legend: true},
    symbol: {domain: ["paper", "ours"], range: ["diamond", "circle"], legend: true},
    marks: [
      Plot.ruleX([1], {stroke: "currentColor", strokeOpacity: 0.5}),
      Plot.ruleY(data, {y: "label", fy: "suiteLabel", x1: "low", x2: "high", stroke: (d) => d.hypervisor, strokeWidth: 2}),
      Plot.dot(data, {
        y: "label",
        fy: "suiteLabel",
        x: "slowdown",
        fill: (d) => d.hypervisor,
        symbol: (d) => (d.source === "reference" ? "paper" : "ours"),
        r: 4,
        channels: {metrics: "groups"},
        tip: {format: {fy: false, y: true, x: false, fill: false, symbol: false}},
        title: (d) => `${d.label}: ${d.slowdown.toFixed(3)}× native (${d.low === d.high ? "no CI" : `95% CI ${d.low.toFixed(3)}–${d.high.toFixed(3)}`}), geometric mean over ${d.groups} metric × parameter values of ${SUITE_LABEL[d.suite] ?? d.suite}`
      })
    ]
  });
  return figure(caption, chart, {note: "Dots: geometric mean of slowdowns (time ratio for latencies, inverse ratio for bandwidths and GFLOPS); bars: 95% bootstrap interval. Diamonds: the paper's numbers (no repetitions, so no interval).", name: "overhead", count: data.length});
}

const LOG_TICKS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100];

export const SUITE_LABEL = {lmbench: "LMbench", linpack: "LINPACK", iozone: "IOzone", fio: "fio", stream: "STREAM"};

/**
 * Reproduction: for each Table 1/2 metric, our ratio to native (y, with its interval) against the
 * paper's ratio for the same hypervisor (x). On the diagonal, the paper's overhead is reproduced.
 */
export function reproductionChart(rows, {width, labels, caption = "Reproduction: our ratio to native against the paper's, Table 1 and 2 metrics (log–log; lower is better on both axes)"} = {}) {
  const paper = new Map();
  for (const r of rows) if (r.source === "reference" && r.hypervisor !== "none" && r.ratio != null) paper.set(`${r.hypervisor}\u0000${r.metric}\u0000${r.params}`, r);
  const ours = rows.filter((r) => r.source !== "reference" && r.ratio != null && (r.hypervisor === "xen" || r.hypervisor === "kvm") && paper.has(`${r.hypervisor}\u0000${r.metric}\u0000${r.params}`));
  if (!ours.length) return figure(caption, empty("No Xen or KVM environment of ours in this selection: nothing to set beside the paper's ratios."));
  const multi = severalRuns(ours);
  const data = ours.map((r) => {
    const p = paper.get(`${r.hypervisor}\u0000${r.metric}\u0000${r.params}`);
    return {...r, label: envLabel(r, {multiRun: multi}), paperRatio: p.ratio, paperEnv: p.environment, metricLabel: labels?.(r) ?? r.metric};
  });
  const all = data.flatMap((d) => [d.paperRatio, d.ratio_low ?? d.ratio, d.ratio_high ?? d.ratio]);
  const lo = Math.min(0.5, ...all) * 0.9;
  const hi = Math.max(2, ...all) * 1.1;
  const chart = Plot.plot({
    width: chartWidth(width),
    height: Math.min(520, width * 0.75),
    x: {type: "log", domain: [lo, hi], label: "paper: guest / native F8 (×) →", grid: true, ticks: LOG_TICKS.filter((t) => t >= lo && t <= hi), tickFormat: (t) => `${t}×`},
    y: {type: "log", domain: [lo, hi], label: "↑ ours: guest / native (×)", grid: true, ticks: LOG_TICKS.filter((t) => t >= lo && t <= hi), tickFormat: (t) => `${t}×`},
    color: {legend: true, label: "environment"},
    marks: [
      Plot.line([[lo, lo], [hi, hi]], {stroke: "currentColor", strokeOpacity: 0.4, strokeDasharray: "4,3"}),
      Plot.ruleX(data, {x: "paperRatio", y1: "ratio_low", y2: "ratio_high", stroke: "label"}),
      Plot.dot(data, {
        x: "paperRatio",
        y: "ratio",
        fill: "label",
        symbol: "hypervisor",
        r: 4,
        tip: true,
        title: (d) => `${d.metricLabel} — ${d.label}: ${formatRatio(d.ratio)} native (${ci(d)}); paper ${d.paperEnv}: ${formatRatio(d.paperRatio)}\n${spread(d)}`
      }),
      environmentsOf(data).length <= 2 ? Plot.text(data, {x: "paperRatio", y: "ratio", text: "metricLabel", dx: 7, textAnchor: "start", fontSize: 9, fillOpacity: 0.7}) : null
    ]
  });
  return figure(caption, chart, {note: "Each dot is one metric in one of our environments, placed at the paper's ratio for the same hypervisor (Xen 3.1 or KVM-60) and our ratio with its 95% bootstrap interval (vertical bar). Dashed: ours equals the paper's.", name: "reproduction", count: data.length});
}

/** LINPACK N sweep (Fig. 1): median GFLOPS per N, a line per environment, IQR whiskers. */
export function linpackSweep(rows, {width, caption = "Figure 1. LINPACK: GFLOPS by problem size N (higher is better)"} = {}) {
  const data = rows.filter((r) => r.metric === "linpack_gflops" && r.n > 0 && paramsOf(r).n != null).map((r) => ({...r, N: Number(paramsOf(r).n)}));
  if (!data.length) return figure(caption, empty());
  const multi = severalRuns(data);
  for (const d of data) d.label = envLabel(d, {multiRun: multi});
  const order = environmentsOf(data).map((e) => e.label);
  const chart = Plot.plot({
    width: chartWidth(width),
    height: 380,
    x: {type: "log", label: "problem size N →", grid: true, tickFormat: "d"},
    y: {label: "↑ GFLOPS (higher is better)", grid: true, zero: true},
    color: {domain: order, legend: true, label: "environment"},
    marks: [
      Plot.ruleX(data, {x: "N", y1: "q1", y2: "q3", stroke: "label", strokeWidth: 2, strokeOpacity: 0.6}),
      Plot.line(data, {x: "N", y: "median", stroke: "label", sort: "N", marker: "circle"}),
      Plot.tip(data, Plot.pointer({x: "N", y: "median", title: (d) => `${d.label}, N=${d.N}: ${formatValue(d.median)} GFLOPS\n${spread(d)}${d.ratio != null ? `\n${formatRatio(d.ratio)} native (${ci(d)})` : ""}`}))
    ]
  });
  return figure(caption, chart, {note: "Lines join medians; vertical bars span the interquartile range. Hover for n, spread and the ratio to native.", name: "linpack-sweep", count: data.length});
}

/** Peak GFLOPS as a percentage of native's peak, with its interval, and the paper's stated ratios. */
export function peakChart(peaks, {width, paper = [], caption = "LINPACK peak as % of native peak (higher is better)"} = {}) {
  const data = peaks.filter((d) => d.ratio != null && d.hypervisor !== "none");
  if (!data.length && !paper.length) return figure(caption, empty("No virtualized LINPACK peak in this selection."));
  const multi = severalRuns(data);
  const rows = data.map((d) => ({...d, label: envLabel(d, {multiRun: multi}), pct: d.ratio * 100, lo: (d.ratio_low ?? d.ratio) * 100, hi: (d.ratio_high ?? d.ratio) * 100}));
  const order = environmentsOf(rows).map((e) => e.label);
  const chart = Plot.plot({
    width: chartWidth(width),
    height: 60 + Math.max(1, order.length) * 22 + paper.length * 10,
    marginLeft: Math.min(260, 8 + 6.5 * Math.max(10, ...order.map((l) => l.length))),
    x: {label: "peak GFLOPS, % of native (higher is better) →", grid: true, domain: [0, Math.max(110, ...rows.map((d) => d.hi + 5))]},
    y: {domain: order, label: null},
    marks: [
      Plot.barX(rows, {y: "label", x: "pct", fill: (d) => hvColor(d.hypervisor), fillOpacity: 0.8}),
      Plot.ruleY(rows, {y: "label", x1: "lo", x2: "hi", stroke: "currentColor", strokeWidth: 2}),
      Plot.text(rows, {y: "label", x: "hi", text: (d) => `${d.pct.toFixed(1)}%`, dx: 4, textAnchor: "start"}),
      Plot.ruleX([100], {stroke: "currentColor"}),
      Plot.ruleX(paper, {x: (d) => d.value * 100, stroke: "#e15759", strokeDasharray: "4,3"}),
      Plot.text(paper, {x: (d) => d.value * 100, text: (d) => d.label, frameAnchor: "top", dy: -2, rotate: 0, fill: "#e15759", fontSize: 10, lineAnchor: "bottom", textAnchor: "end", dx: -3}),
      Plot.tip(rows, Plot.pointerY({y: "label", x: "pct", title: (d) => `${d.label}: peak ${formatValue(d.peak_gflops)} GFLOPS at N=${d.peak_n ?? "?"}; ${d.pct.toFixed(2)}% of ${d.baseline}'s peak (${d.lo === d.hi ? "no CI" : `95% CI ${d.lo.toFixed(2)}–${d.hi.toFixed(2)}%`})`}))
    ]
  });
  return figure(caption, chart, {note: "Bars: best median GFLOPS over the N sweep ÷ native's best; black bars: 95% bootstrap interval (the peak recomputed in every resample). Dashed red: the ratios the paper states in its text.", name: "linpack-peak", count: rows.length});
}

/** Fig. 2: memory read/write bandwidth, a bar per environment (median) with IQR and min–max. */
export function memoryBandwidth(rows, {width, sizeMb, caption = "Figure 2. Memory bandwidth of read and write, LMbench bw_mem (MB/s, higher is better)"} = {}) {
  const data = rows.filter((r) => (r.metric === "bw_mem_read" || r.metric === "bw_mem_write") && r.n > 0 && (sizeMb == null || Number(paramsOf(r).size_mb) === sizeMb));
  if (!data.length) return figure(caption, empty());
  const multi = severalRuns(data);
  for (const d of data) (d.label = envLabel(d, {multiRun: multi})), (d.op = d.metric === "bw_mem_read" ? "read" : "write");
  const order = environmentsOf(data).map((e) => e.label);
  const chart = Plot.plot({
    width: chartWidth(width),
    height: 50 + order.length * 20,
    marginLeft: Math.min(260, 8 + 6.5 * Math.max(...order.map((l) => l.length))),
    fx: {label: null, domain: ["read", "write"]},
    x: {label: "MB/s (higher is better) →", grid: true},
    y: {domain: order, label: null},
    marks: [
      Plot.barX(data, {fx: "op", y: "label", x: "median", fill: (d) => hvColor(d.hypervisor), fillOpacity: 0.75}),
      Plot.ruleY(data, {fx: "op", y: "label", x1: "min", x2: "max", stroke: "currentColor", strokeOpacity: 0.35}),
      Plot.ruleY(data, {fx: "op", y: "label", x1: "q1", x2: "q3", stroke: "currentColor", strokeWidth: 3}),
      Plot.tip(data, Plot.pointer({fx: "op", y: "label", x: "median", title: (d) => `${d.label}, ${d.op} ${paramsOf(d).size_mb} MB: ${formatValue(d.median)} MB/s\n${spread(d)}${d.ratio != null ? `\n${formatRatio(d.ratio)} native (${ci(d)})` : ""}`}))
    ]
  });
  return figure(caption, chart, {note: "Bars: medians; thick line: interquartile range; thin line: min–max.", name: "memory-bandwidth", count: data.length});
}

const ioCase = (d) => `${d.vcpus ?? "?"} vCPU${d.vcpus === 1 ? "" : "s"}${d.passthrough ? " + pass-through" : ""}`;

/** Fig. 3/4: IOzone bandwidth by environment × vCPUs × pass-through, for one file and record size. */
export function iozoneBars(rows, {width, metric = "file_read", fileKb, recordKb, caption} = {}) {
  const data = rows.filter((r) => r.metric === metric && r.n > 0 && Number(paramsOf(r).file_kb) === fileKb && Number(paramsOf(r).record_kb) === recordKb);
  const sizes = fileKb == null || recordKb == null ? "" : `, ${fileKb / 1024} MiB file, ${recordKb} KiB records`;
  caption ??= `${metric === "file_read" ? "Figure 3. Read" : metric === "file_write" ? "Figure 4. Write" : metric} bandwidth by environment and case, IOzone${sizes} (MB/s, higher is better)`;
  if (!data.length) return figure(caption, empty());
  const multi = severalRuns(data);
  for (const d of data) (d.label = envLabel(d, {multiRun: multi})), (d.case = ioCase(d));
  const order = environmentsOf(data).map((e) => e.label);
  const chart = Plot.plot({
    width: chartWidth(width),
    height: 50 + order.length * 22,
    marginRight: 190,
    marginLeft: Math.min(260, 8 + 6.5 * Math.max(...order.map((l) => l.length))),
    x: {label: "MB/s (higher is better) →", grid: true},
    y: {domain: order, label: null},
    color: {domain: ["off", "on"], range: ["#9ecae9", "#2b6cb0"], legend: true, label: "pass-through", tickFormat: (v) => `pass-through ${v}`},
    marks: [
      Plot.barX(data, {y: "label", x: "median", fill: (d) => (d.passthrough ? "on" : "off")}),
      Plot.ruleY(data, {y: "label", x1: "q1", x2: "q3", stroke: "currentColor", strokeWidth: 3}),
      Plot.text(data, {y: "label", x: "q3", text: (d) => (d.ratio != null && d.hypervisor !== "none" ? `${formatRatio(d.ratio)} [${d.ratio_low?.toFixed(2)}–${d.ratio_high?.toFixed(2)}] · ${d.case}` : d.case), dx: 5, textAnchor: "start", fontSize: 10}),
      Plot.tip(data, Plot.pointerY({y: "label", x: "median", title: (d) => `${d.label} (${d.hypervisor}, ${d.case}): ${formatValue(d.median)} MB/s\n${spread(d)}${d.ratio != null ? `\n${formatRatio(d.ratio)} native (${ci(d)})` : ""}`}))
    ]
  });
  return figure(caption, chart, {note: "Bars: medians; black: interquartile range; labels: ratio to native [95% bootstrap CI] and the case (vCPUs, pass-through).", name: "iozone-bars", count: data.length});
}

/** IOzone by file size × record size: a small heatmap per environment (fill: MB/s or ratio to native). */
export function iozoneHeatmap(rows, {width, metric, measure = "ratio", caption} = {}) {
  // The page's operation picker has no value when the database holds no IOzone rows.
  metric ??= "file_read";
  const data = rows.filter((r) => r.metric === metric && r.n > 0).map((r) => ({...r, file: Number(paramsOf(r).file_kb), record: Number(paramsOf(r).record_kb)}));
  caption ??= `IOzone ${metric.replace("file_", "")} by file and record size, ${measure === "ratio" ? "ratio to native (higher is better)" : "MB/s (higher is better)"}`;
  if (!data.length) return figure(caption, empty());
  const envs = environmentsOf(data);
  const multi = severalRuns(data);
  const cols = Math.max(1, Math.min(envs.length, Math.floor(width / 230)));
  const pos = new Map(envs.map((e, i) => [e.key, i]));
  for (const d of data) {
    const i = pos.get(envKey(d));
    d.col = i % cols;
    d.row = Math.floor(i / cols);
    d.label = envLabel(d, {multiRun: multi});
    d.fill = measure === "ratio" ? d.ratio : d.median;
  }
  const records = [...new Set(data.map((d) => d.record))].sort((a, b) => a - b);
  const files = [...new Set(data.map((d) => d.file))].sort((a, b) => a - b);
  const titles = envs.map((e, i) => ({col: i % cols, row: Math.floor(i / cols), label: e.label}));
  const rowsN = Math.ceil(envs.length / cols);
  const chart = Plot.plot({
    width: chartWidth(width),
    height: rowsN * (files.length * 22 + 50) + 50,
    marginLeft: 60,
    fx: {axis: null, padding: 0.08},
    fy: {axis: null, padding: 0.12},
    x: {type: "band", domain: records, label: "record KiB →", tickFormat: (r) => (r >= 1024 ? `${r / 1024}M` : `${r}k`)},
    y: {type: "band", domain: files, label: "file", tickFormat: (f) => (f >= 1048576 ? `${f / 1048576}G` : `${f / 1024}M`)},
    color:
      measure === "ratio"
        ? {type: "log", scheme: "RdBu", domain: [0.05, 20], pivot: 1, legend: true, label: "ratio to native (×)", clamp: true}
        : {type: "log", scheme: "Blues", legend: true, label: "MB/s"},
    marks: [
      Plot.cell(data, {x: "record", y: "file", fx: "col", fy: "row", fill: "fill", inset: 0.5, title: (d) => `${d.label}: ${d.file / 1024} MiB file, ${d.record} KiB records\n${formatValue(d.median)} MB/s; ${spread(d)}${d.ratio != null ? `\n${formatRatio(d.ratio)} native (${ci(d)})` : ""}`}),
      Plot.text(titles, {fx: "col", fy: "row", text: "label", frameAnchor: "top-left", dy: -14, fontWeight: "bold"})
    ]
  });
  return figure(caption, chart, {note: measure === "ratio" ? "Blue: faster than native, red: slower. Hover a cell for n, spread and the 95% interval." : "Hover a cell for n, spread and the ratio to native.", name: "iozone-heatmap", count: data.length});
}

/**
 * Framework reports width 0 for a cell drawn before layout (and phones are narrow): with the wide
 * label margins these charts use, that makes negative bar widths, so the chart never goes below
 * what its margins need and scrolls instead.
 */
function chartWidth(width) {
  return Math.max(Number.isFinite(width) ? width : 640, 560);
}

export {direction};
