// The Compare page's parts: the controls (which comparison, which verdicts, suites and metrics),
// the count of each verdict, and the table of series — regressions first, as `vmmbench compare`
// prints them. Each verdict is a word and a mark; its colour only repeats them.
import * as Inputs from "npm:@observablehq/inputs";
import {html} from "npm:htl";
import {VERDICTS, compareMatcher, readCompareState, writeCompareState} from "./compare-state.js";
import {withDownload} from "./download.js";
import {formatInterval, formatSlowdown, formatValue, paramsLabel, unitLabel} from "./format.js";

const MARK = {regressed: "▲", improved: "▼", changed: "◆", unchanged: "·", "too few": "?"};
const VERDICT_ORDER = Object.fromEntries(VERDICTS.map((v, i) => [v, i]));

/** Column-oriented rows ({column: [values]}) back into row objects. */
export function rowsOf(columns) {
  const names = Object.keys(columns ?? {});
  const n = names.length ? columns[names[0]].length : 0;
  return Array.from({length: n}, (_, i) => Object.fromEntries(names.map((name) => [name, columns[name][i]])));
}

export function comparisonTitle(c) {
  return `${c.a} → ${c.b}`;
}

/**
 * The controls as one element whose value is {cmp, verdicts, suites, q}, emitting "input" on every
 * change (Framework's view()) and keeping the URL in step.
 */
export function compareControls(comparisons, suites) {
  const options = {comparisons, suites};
  const initial = readCompareState(location.search, options);
  const byId = new Map(comparisons.map((c) => [c.id, c]));
  const inputs = {
    cmp: Inputs.select(comparisons.map((c) => c.id), {label: "Compare", value: initial.cmp, format: (id) => comparisonTitle(byId.get(id)), width: 640}),
    verdicts: Inputs.checkbox(VERDICTS, {label: "Verdict", value: initial.verdicts}),
    suites: Inputs.checkbox(suites, {label: "Suite", value: initial.suites}),
    q: Inputs.text({label: "Metric", placeholder: "lat_fork, size_mb…", value: initial.q})
  };
  const form = Inputs.form(inputs, {template: (parts) => html`<div class="compare-controls">${Object.values(parts)}</div>`});
  form.addEventListener("input", () => {
    const search = writeCompareState(form.value, options);
    if (search !== location.search) history.replaceState(history.state, "", location.pathname + search + location.hash);
  });
  return form;
}

/** "2 regressed · 1 improved · …" for the rows shown. */
export function verdictCounts(rows) {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0]));
  for (const row of rows) counts[row.verdict]++;
  return html`<p class="compare-counts">${VERDICTS.filter((v) => counts[v]).map((v) => html`<span class="verdict ${cls(v)}"><span class="mark">${MARK[v]}</span> ${counts[v]} ${v}</span> `)}</p>`;
}

/** The series of one comparison that `state` lets through, regressions first: a table, or stacked rows under 640 px. */
export function compareTable(rows, state, {width = 960, title = "comparison"} = {}) {
  const shown = rows.filter(compareMatcher(state)).sort(byVerdict);
  if (shown.length === 0) return html`<p class="empty-chart">No series of this comparison pass the filters.</p>`;
  const narrow = width < 640;
  const slowdown = (r) => html`<span class="slowdown">${formatSlowdown(r.slowdown, r.slowdown_low, r.slowdown_high)}</span> <small>${formatInterval(r.slowdown_low, r.slowdown_high)}</small>`;
  const value = (x, unit) => `${formatValue(x)} ${unitLabel(unit)}`;
  const p = (x) => (Number.isFinite(x) ? (x < 0.001 ? x.toExponential(1) : x.toFixed(3)) : "–");
  const caption = `${shown.length} of ${rows.length} series`;
  const table = html`<div class="compare-table ${narrow ? "narrow" : ""}"><table>
    <caption>${caption} <small>· slowdown = B against A (1× = A, above 1 = B worse), 95% bootstrap interval · p after Holm's correction</small></caption>
    <thead><tr><th>Verdict</th><th>Series</th><th>Pair</th><th>n A/B</th><th>Median A</th><th>Median B</th><th>Slowdown</th><th>p</th></tr></thead>
    <tbody>${shown.map(
      (r) => html`<tr class=${cls(r.verdict)}>
        <td class="verdict-cell"><span class="verdict ${cls(r.verdict)}"><span class="mark">${MARK[r.verdict]}</span> ${r.verdict}</span></td>
        <td class="series"><b>${r.metric}</b> <small>${r.suite}${r.params !== "{}" ? ` · ${paramsLabel(r.params)}` : ""}</small></td>
        <td class="pair" data-label="pair">${r.pair}</td>
        <td class="n" data-label="n A/B">${r.n_a}/${r.n_b}</td>
        <td class="num" data-label="A">${value(r.median_a, r.unit)}</td>
        <td class="num" data-label="B">${value(r.median_b, r.unit)}</td>
        <td class="num" data-label="slowdown">${slowdown(r)}</td>
        <td class="num" data-label="p" title=${`before correction: ${p(r.p)}${r.stratified ? "; permuted within rounds" : ""}`}>${p(r.p_adjusted)}</td>
      </tr>`
    )}</tbody></table></div>`;
  return withDownload(table, shown, {caption: `${title}: ${caption}`, name: title, convention: "slowdown: B against A, above 1 = B worse, 1 = A; p_adjusted: Holm"});
}

function byVerdict(x, y) {
  return VERDICT_ORDER[x.verdict] - VERDICT_ORDER[y.verdict] || (x.verdict === "improved" ? x.slowdown - y.slowdown : y.slowdown - x.slowdown);
}

function cls(verdict) {
  return verdict.replace(" ", "-");
}
