// The paper's conclusions as claims, each checked on each study (data-loaders/report/claims.ts
// evaluates them; this only lays them out). One block per claim: what it says and the paper's
// words, then a row per study and subject with the verdict and the evidence per part. A verdict
// is a word with a mark (✓ ✗ ? –), so it reads without colour. Built with el(): nothing from the
// data is parsed as HTML.
import {el} from "./dom.js";
import {sourceLabel} from "./data.js";
import {formatInterval, formatPercent, formatSlowdown, formatValue} from "./format.js";

export const VERDICT_MARK = {"holds": "✓", "does not hold": "✗", "can't tell": "?", "not measured": "–"};
const VERDICT_CLASS = {"holds": "holds", "does not hold": "fails", "can't tell": "unsure", "not measured": "unmeasured"};

/**
 * The claim rows as evaluated (data-loaders/report/claims.ts) from the compact form the page loads
 * (pages.ts): each environment's fingerprint from `environments` (environments.json), each part's
 * words and band from its claim.
 */
export function inflateClaims({claims, rows, causes = []}, environments) {
  const byKey = new Map(environments.map((e) => [`${e.run_id}\u0000${e.environment}`, e]));
  const byId = new Map(claims.map((c) => [c.id, c]));
  return rows.map((r) => {
    const claim = byId.get(r.claim);
    return {
      ...r,
      // The meters the claim's cause cites, in this row's guests (report/meters.ts).
      causes: causes.filter((c) => c.claim === r.claim && c.run_id === r.run_id && r.environments.includes(c.environment)),
      environments: r.environments.map((name) => byKey.get(`${r.run_id}\u0000${name}`) ?? {environment: name}),
      evidence: r.evidence.map((e, i) => ({...e, label: claim.parts[i].label, measure: claim.measure, min: claim.parts[i].min, max: claim.parts[i].max}))
    };
  });
}

/**
 * The rows the page's filters let through: a row about environments is shown when every one of
 * them passes `match` (as the tables show a guest whatever its baseline's filter), a row that
 * found no environment when its study has any environment shown.
 */
export function visibleClaims(rows, match, shownEnvironments) {
  const studies = new Set(shownEnvironments.map((e) => e.run_id));
  return rows.filter((r) => (r.environments.length ? r.environments.every((e) => match({...e, source: r.source, run_id: r.run_id})) : studies.has(r.run_id)));
}

// The report's one convention: a peak (a fraction of native's) is shown as the slowdown it means,
// with the paper's kind of number, the percentage, beside it.
function evidence(e, paper) {
  const peak = e.measure === "peak";
  const slow = (x) => (x == null ? null : peak ? 1 / x : x);
  const [low, high] = peak ? [slow(e.high), slow(e.low)] : [e.low, e.high];
  const interval = formatInterval(low, high);
  return el("li", {class: `part ${VERDICT_CLASS[e.verdict]}`, "data-verdict": e.verdict, title: `${e.label}: ${e.verdict}${e.n ? ` (n ≥ ${e.n})` : ""}`},
    el("span", {class: "mark", "aria-hidden": "true"}, VERDICT_MARK[e.verdict]), " ", e.label, " ",
    e.estimate == null
      ? el("small", null, paper ? "not published" : "not measured")
      : [el("b", null, formatSlowdown(slow(e.estimate), low, high)), interval ? [" ", el("small", null, interval)] : null, peak ? [" ", el("small", null, `(${formatPercent(e.estimate)} of native)`)] : null]);
}

function subjects(r) {
  if (!r.environments.length) return el("span", {class: "muted"}, "–");
  const names = r.environments.map((e) => e.environment);
  const nested = [...new Set(r.environments.map((e) => e.nested_under).filter(Boolean))];
  return [
    r.baseline ? [names.join(", "), el("small", null, ` vs ${r.baseline}`)] : [names[0], el("small", null, ` vs ${names.slice(1).join(", ")}`)],
    nested.length ? [el("br"), el("small", {class: "nested"}, `nested under ${nested.join(", ")}`)] : null
  ];
}

export const CAUSE_MARK = {"supports": "✓", "contradicts": "✗", "not metered": "–"};
export const CAUSE_CLASS = {"supports": "holds", "contradicts": "fails", "not metered": "unmeasured"};

/** The cause the paper names, and what the meters it cites counted in these guests ("supports" at or above the claim's count per operation). */
function causeCited(cause, causes) {
  if (!cause || !causes?.length) return null;
  return el("div", {class: "cause"}, el("small", null, "cause named: ", el("q", null, cause.says)),
    el("ul", null, causes.map((c) => el("li", {class: `part ${CAUSE_CLASS[c.verdict]}`, "data-cause": c.verdict,
      title: c.why ?? `${c.meter} per operation of ${c.of}: mean over ${c.cells} parameter set(s) of medians, n ≥ ${c.n}; the cause needs at least ${c.min}`},
      el("span", {class: "mark", "aria-hidden": "true"}, CAUSE_MARK[c.verdict]), " ",
      c.meter, " ", el("b", null, c.estimate == null ? "not read" : formatValue(c.estimate)), " ", el("small", null, `${c.unit ?? ""} of ${c.of}; the cause needs ≥ ${c.min}: ${c.verdict}`)))));
}

/** The paper measured what it drew in its figures but printed no numbers: its "not measured" reads "not published". */
function verdict(v, {paper = false} = {}) {
  return el("span", {class: `verdict ${VERDICT_CLASS[v]}`}, el("span", {class: "mark", "aria-hidden": "true"}, VERDICT_MARK[v]), " ", paper && v === "not measured" ? "not published" : v);
}

/**
 * claims: [{id, section, quote, statement, measure, parts}] (the table in claims.ts);
 * rows: the evaluated rows to show (already filtered). Below `narrow` px each row stacks.
 */
export function claimsTable(rows, {claims, width = 1000, narrow = 640, caption = "The paper's conclusions, checked on each study"} = {}) {
  const byClaim = new Map(claims.map((c) => [c.id, []]));
  for (const r of rows) byClaim.get(r.claim)?.push(r);
  const blocks = claims.map((c) => {
    const list = byClaim.get(c.id);
    const head = el("tr", {class: "claim-head"}, el("th", {colspan: 4, scope: "rowgroup"},
      el("span", {class: "statement"}, c.statement), el("br"),
      el("small", null, `${c.section} · `, el("q", null, c.quote))));
    const body = list.length
      ? list.map((r) => el("tr", {class: "claim-row", "data-verdict": r.verdict, "data-run": r.run_id},
          el("td", {class: "study", "data-label": "study"}, r.source === "reference" ? "paper" : [sourceLabel(r.source), el("br"), el("small", null, r.run_id)]),
          el("td", {class: "subjects", "data-label": "environments"}, subjects(r)),
          el("td", {class: "verdict-cell", "data-label": "verdict"}, verdict(r.verdict, {paper: r.source === "reference" && r.environments.length > 0})),
          el("td", {class: "evidence", "data-label": "evidence"}, r.note ? el("small", null, r.note) : el("ul", null, r.evidence.map((e) => evidence(e, r.source === "reference"))), causeCited(c.cause, r.causes))))
      : [el("tr", {class: "claim-row empty"}, el("td", {colspan: 4}, el("small", null, "no selected study")))];
    return el("tbody", {"data-claim": c.id}, head, body);
  });
  const counts = Object.keys(VERDICT_MARK).map((v) => [v, rows.filter((r) => r.verdict === v).length]);
  return el("div", {class: `claims-table${width < narrow ? " narrow" : ""}`, id: "claims"},
    el("table", null,
      el("caption", null, caption, el("br"),
        el("small", {class: "legend"}, counts.map(([v, n], i) => [i ? " · " : "", verdict(v), ` ${n}`]))),
      el("thead", null, el("tr", null, el("th", null, "study"), el("th", null, "environments"), el("th", null, "verdict"), el("th", null, "evidence: estimate [95% interval]"))),
      blocks));
}
