// The "what it costs and why" page's tables: each cost (a slowdown against native with its 95%
// interval) beside the counts that explain it, guests that virtualize memory differently side by
// side, and the paper's causes with the meters that count them (data-loaders/report/meters.ts).
import {el} from "./dom.js";
import {hostSide} from "./meters.js";
import {CAUSE_CLASS, CAUSE_MARK} from "./claims.js";
import {formatSlowdownCI, formatValue, paramsLabel} from "./format.js";

/** The page's columns of counts: per side, the meter that fills each (null: that side has none). */
export const COUNT_COLUMNS = [
  {id: "exits", header: "exits", kvm: ["kvm_exits"], xen: ["xen_entries"]},
  {id: "paging", header: "page tables", kvm: ["kvm_pf_fixed"], xen: ["xen_ptwr_emulations", "xen_npf"]},
  {id: "shadow_writes", header: "PT writes", kvm: ["kvm_mmu_pte_write"], xen: []},
  {id: "io", header: "I/O exits", kvm: ["kvm_io_exits", "kvm_mmio_exits"], xen: []},
  {id: "guest_faults", header: "guest faults", guest: ["guest_minflt"]},
  {id: "guest_sys", header: "guest sys µs", guest: ["guest_stime"]}
];

/** The sum of the column's meters that were read (null: none was; `why` says why one was not). */
function columnCount(found, column, side) {
  const meters = column.guest ?? (side ? column[side] : []);
  const read = meters.map((m) => found?.get(m)).filter((c) => c?.median != null);
  if (!read.length) {
    const unread = meters.map((m) => found?.get(m)).find((c) => c && c.median == null);
    return {value: null, why: unread?.why ?? null};
  }
  return {value: read.reduce((sum, c) => sum + c.median, 0), n: Math.min(...read.map((c) => c.n)), unit: read[0].unit};
}

/** One flat row per metered cell: its slowdown against native and its counts per operation. */
export function costRows(summaryRows, lookup) {
  return summaryRows.map((r) => {
    const found = lookup(r.run_id, r.environment, r.metric, r.params);
    const side = hostSide(r.hypervisor);
    const row = {
      metric: r.metric,
      params: r.params,
      environment: r.environment,
      run_id: r.run_id,
      hypervisor: r.hypervisor,
      median: r.median,
      unit: r.unit,
      n: r.n,
      slowdown: r.baseline === r.environment ? null : r.slowdown,
      slowdown_low: r.slowdown_low,
      slowdown_high: r.slowdown_high,
      per: [...(found?.values() ?? [])][0]?.unit?.split("/")[1] ?? null
    };
    for (const column of COUNT_COLUMNS) {
      const c = columnCount(found, column, side);
      row[column.id] = c.value;
      row[`${column.id}_why`] = c.why ?? null;
    }
    return row;
  });
}

const count = (why) => (x, i, data) => (x == null ? (data[i][why] ? `– (${data[i][why]})` : "–") : formatValue(x));

/** Inputs.table options for costRows: counts to three digits, an unread count with its reason. */
export function costTableOptions() {
  return {
    columns: ["metric", "params", "environment", "slowdown", "per", ...COUNT_COLUMNS.map((c) => c.id), "n", "run_id"],
    header: {params: "parameters", slowdown: "slowdown [95% CI]", per: "per", n: "n", run_id: "run", ...Object.fromEntries(COUNT_COLUMNS.map((c) => [c.id, c.header]))},
    format: {
      params: (p) => paramsLabel(p),
      slowdown: (x, i, data) => (data[i].slowdown == null ? "baseline" : formatSlowdownCI(x, data[i].slowdown_low, data[i].slowdown_high)),
      per: (p) => p ?? "–",
      ...Object.fromEntries(COUNT_COLUMNS.map((c) => [c.id, count(`${c.id}_why`)]))
    },
    align: {slowdown: "right", ...Object.fromEntries(COUNT_COLUMNS.map((c) => [c.id, "right"]))},
    rows: 16,
    layout: "auto"
  };
}

/**
 * Guests compared (meters.ts pairs): KVM shadow against nested paging — oriented by the paging
 * the environments' fingerprints record, pairs of the same paging dropped — and Xen PV against PVH.
 */
export function pairRows(pairs, environments) {
  const paging = new Map(environments.map((e) => [`${e.run_id}\u0000${e.environment}`, e.paging]));
  return pairs.flatMap((p) => {
    let pair = p;
    let what = "Xen PV against PVH";
    if (p.hypervisor === "kvm") {
      const a = paging.get(`${p.run_id}\u0000${p.first}`);
      const b = paging.get(`${p.run_id}\u0000${p.second}`);
      if (!a || !b || a === b) return [];
      what = "KVM shadow against nested paging";
      if (a !== "shadow") pair = flip(p);
    }
    const value = (meter, side) => pair.counts.find((c) => c.meter === meter)?.[side] ?? null;
    const headline = p.hypervisor === "kvm" ? "kvm_exits" : "xen_entries";
    const paged = p.hypervisor === "kvm" ? "kvm_pf_fixed" : "xen_ptwr_emulations";
    return [{
      comparison: what, run_id: pair.run_id, first: pair.first, second: pair.second, metric: pair.metric, params: pair.params,
      slowdown: pair.slowdown, low: pair.low, high: pair.high, n: pair.n,
      exits_first: value(headline, "first"), exits_second: value(headline, "second"),
      paging_first: value(paged, "first"), paging_second: value(paged, "second"),
      faults_first: value("guest_minflt", "first"), faults_second: value("guest_minflt", "second")
    }];
  });
}

function flip(p) {
  return {
    ...p, first: p.second, second: p.first,
    slowdown: p.slowdown ? 1 / p.slowdown : null, low: p.high ? 1 / p.high : null, high: p.low ? 1 / p.low : null,
    counts: p.counts.map((c) => ({...c, first: c.second, second: c.first, first_n: c.second_n, second_n: c.first_n}))
  };
}

export function pairTableOptions() {
  const v = (x) => formatValue(x);
  return {
    columns: ["comparison", "metric", "params", "first", "second", "slowdown", "exits_first", "exits_second", "paging_first", "paging_second", "faults_first", "faults_second", "n"],
    header: {
      params: "parameters", first: "first", second: "second", slowdown: "time 1st ÷ 2nd [95% CI]",
      exits_first: "exits 1st", exits_second: "exits 2nd", paging_first: "page tables 1st", paging_second: "page tables 2nd",
      faults_first: "guest faults 1st", faults_second: "guest faults 2nd"
    },
    format: {
      params: (p) => paramsLabel(p), slowdown: (x, i, data) => formatSlowdownCI(x, data[i].low, data[i].high),
      exits_first: v, exits_second: v, paging_first: v, paging_second: v, faults_first: v, faults_second: v
    },
    align: {slowdown: "right"},
    rows: 16,
    layout: "auto"
  };
}

/** Per claim that names a cause: its words, and each cited meter in each guest with its verdict. */
export function causesTable(claims, causes, {width = 1000, narrow = 640} = {}) {
  const blocks = claims.filter((c) => c.cause).map((c) => {
    const rows = causes.filter((r) => r.claim === c.id);
    return el("tbody", {"data-claim": c.id},
      el("tr", {class: "claim-head"}, el("th", {colspan: 5, scope: "rowgroup"}, el("span", {class: "statement"}, el("q", null, c.cause.says)), el("br"), el("small", null, `${c.section} · cited for: ${c.statement}`))),
      rows.length
        ? rows.map((r) => el("tr", {class: "claim-row", "data-cause": r.verdict},
            el("td", {"data-label": "guest"}, r.environment, el("br"), el("small", null, r.run_id)),
            el("td", {"data-label": "meter"}, r.meter, el("small", null, ` of ${r.of}`)),
            el("td", {"data-label": "per operation", class: "num"}, r.estimate == null ? "–" : el("b", null, formatValue(r.estimate)), " ", el("small", null, r.unit ?? ""), r.cells ? el("small", null, ` (n ≥ ${r.n}${r.cells > 1 ? `, mean of ${r.cells} sizes` : ""})`) : null),
            el("td", {"data-label": "needs"}, `≥ ${r.min}`),
            el("td", {"data-label": "verdict"}, el("span", {class: `verdict ${CAUSE_CLASS[r.verdict]}`}, el("span", {class: "mark", "aria-hidden": "true"}, CAUSE_MARK[r.verdict]), " ", r.verdict), r.why ? [el("br"), el("small", null, r.why)] : null)))
        : [el("tr", {class: "claim-row empty"}, el("td", {colspan: 5}, el("small", null, "no guest of this claim was metered")))]);
  });
  // Below `narrow` px each row stacks, its cells labelled (report.css, as the claims table).
  return el("div", {class: `claims-table${width < narrow ? " narrow" : ""}`, id: "causes"},
    el("table", null,
      el("caption", null, "The paper's causes, counted", el("br"), el("small", {class: "legend"}, "at or above the count a cause needs per operation: supports (✓); below: contradicts (✗); unreadable: not metered (–), with why")),
      el("thead", null, el("tr", null, el("th", null, "guest"), el("th", null, "meter"), el("th", null, "per operation"), el("th", null, "cause needs"), el("th", null, "verdict"))),
      blocks));
}
