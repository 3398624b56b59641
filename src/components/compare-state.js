// The Compare page's state in the URL's query string — which comparison (cmp), which verdicts
// (verdict), suites (suite) and metric text (q) are shown — read on load and written back with
// history.replaceState on every change, so a link reproduces the view.

export const VERDICTS = ["regressed", "improved", "changed", "unchanged", "too few"];

/** {cmp, verdicts, suites, q} from a query string; an absent list is everything, `suite=` alone nothing. */
export function readCompareState(search, {comparisons, suites}) {
  const params = new URLSearchParams(search);
  const list = (name, all) => (params.has(name) ? all.filter((v) => params.getAll(name).includes(v)) : all.slice());
  const wanted = params.get("cmp");
  return {
    cmp: comparisons.some((c) => c.id === wanted) ? wanted : comparisons[0]?.id ?? null,
    verdicts: list("verdict", VERDICTS),
    suites: list("suite", suites),
    q: params.get("q") ?? ""
  };
}

/** The query string for a state; lists holding every option are left out. */
export function writeCompareState(state, {comparisons, suites}) {
  const params = new URLSearchParams();
  if (state.cmp && state.cmp !== comparisons[0]?.id) params.set("cmp", state.cmp);
  const list = (name, selected, all) => {
    if (selected.length === all.length) return;
    if (selected.length === 0) params.append(name, "");
    for (const v of selected) params.append(name, v);
  };
  list("verdict", state.verdicts, VERDICTS);
  list("suite", state.suites, suites);
  if (state.q) params.set("q", state.q);
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** Whether a row passes the state's filters. */
export function compareMatcher(state) {
  const verdicts = new Set(state.verdicts);
  const suites = new Set(state.suites);
  const q = state.q.trim().toLowerCase();
  return (row) => verdicts.has(row.verdict) && suites.has(row.suite) && (!q || `${row.metric} ${row.params} ${row.pair}`.toLowerCase().includes(q));
}
