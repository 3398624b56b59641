// The filter bar every page shares: source, run, environment, hypervisor, guest OS, vCPUs and
// pass-through. Its state lives in the URL's query string (read on load, written with
// history.replaceState on every change), so a link reproduces the view; the sidebar's links carry
// the same query string, so the selection follows the reader from page to page.
import * as Inputs from "npm:@observablehq/inputs";
import {html} from "npm:htl";
import {compareSources, sourceLabel} from "./data.js";
import {compareHypervisors, hypervisorLabel} from "./hypervisors.js";

export const FACETS = [
  {key: "source", param: "source", label: "Source", of: (d) => d.source, format: sourceLabel},
  {key: "run", param: "run", label: "Run", of: (d) => d.run_id},
  {key: "environment", param: "env", label: "Environment", of: (d) => d.environment},
  {key: "hypervisor", param: "hv", label: "Hypervisor", of: (d) => d.hypervisor, format: hypervisorLabel},
  {key: "guest_os", param: "guest", label: "Guest OS", of: (d) => d.guest_os ?? "unknown"},
  {key: "vcpus", param: "vcpus", label: "vCPUs", of: (d) => (d.vcpus == null ? "unknown" : String(d.vcpus))},
  {key: "passthrough", param: "pt", label: "Pass-through", of: (d) => (d.passthrough ? "on" : "off")}
];

/** The options of each facet, from the environments list (src/data/environments.json). */
export function facetOptions(environments) {
  const out = {};
  for (const f of FACETS) {
    const values = [...new Set(environments.map(f.of))];
    if (f.key === "source") values.sort(compareSources);
    else if (f.key === "hypervisor") values.sort(compareHypervisors);
    else if (f.key === "vcpus") values.sort((a, b) => Number(a) - Number(b));
    else values.sort((a, b) => a.localeCompare(b));
    out[f.key] = values;
  }
  return out;
}

/**
 * Filter state from a query string: absent facet = everything; `env=` alone = nothing. Values the
 * report does not have are left out and listed in `state.unknown` ([{facet, value}]); a facet none
 * of whose values exist falls back to everything, so a stale link shows the page, not an empty one.
 */
export function readState(search, options) {
  const params = new URLSearchParams(search);
  const state = {};
  const unknown = [];
  for (const f of FACETS) {
    if (!params.has(f.param)) state[f.key] = options[f.key].slice();
    else {
      const asked = params.getAll(f.param).filter((v) => v !== "");
      const known = new Set(options[f.key]);
      for (const v of asked) if (!known.has(v)) unknown.push({facet: f, value: v});
      const wanted = new Set(asked);
      state[f.key] = options[f.key].filter((v) => wanted.has(v));
      if (asked.length && !state[f.key].length) state[f.key] = options[f.key].slice();
    }
  }
  Object.defineProperty(state, "unknown", {value: unknown, enumerable: false});
  return state;
}

/** The query string for a state (facets with every option selected are left out). */
export function writeState(state, options, base = "") {
  const params = new URLSearchParams(base);
  for (const f of FACETS) {
    params.delete(f.param);
    const selected = state[f.key] ?? options[f.key];
    if (selected.length === options[f.key].length) continue;
    if (selected.length === 0) params.append(f.param, "");
    else for (const v of selected) params.append(f.param, v);
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** A predicate on rows (summary rows, environments) for a state. */
export function matcher(state) {
  const sets = FACETS.map((f) => [f, new Set(state[f.key])]);
  return (d) => sets.every(([f, set]) => set.has(f.of(d)));
}

function syncLinks(search) {
  for (const a of document.querySelectorAll("#observablehq-sidebar a[href], a.keep-filters[href]")) {
    const url = new URL(a.getAttribute("href"), location.href);
    if (url.origin !== location.origin) continue;
    url.search = search;
    a.setAttribute("href", url.pathname + url.search + url.hash);
  }
}

/**
 * The filter bar: an element whose value is the state {facet: [selected values]} and which emits
 * "input" on change (use with Framework's view()).
 */
export function filterBar(environments, {facets = FACETS.map((f) => f.key), open = true} = {}) {
  const options = facetOptions(environments);
  const initial = readState(location.search, options);
  const inputs = {};
  for (const f of FACETS) {
    if (!facets.includes(f.key) || options[f.key].length === 0) continue;
    inputs[f.key] = Inputs.checkbox(options[f.key], {label: f.label, value: initial[f.key], format: f.format ?? ((v) => v)});
    inputs[f.key].dataset.facet = f.key;
  }
  const form = Inputs.form(inputs, {
    template: (parts) => html`<div class="filter-facets">${Object.values(parts)}</div>`
  });
  const reset = html`<button type="button" class="filter-reset">Show all</button>`;
  const warning = initial.unknown.length
    ? html`<p class="filter-warning" role="alert">This link asks for ${initial.unknown.map(({facet, value}, i) => html`${i ? ", " : ""}${facet.label.toLowerCase()} <code>${value}</code>`)}, which this report does not have: ignored.</p>`
    : "";
  const root = html`<details class="filter-bar" open=${open}><summary>Filters <small class="filter-summary"></small></summary>${warning}${form}${reset}</details>`;
  const summaryText = root.querySelector(".filter-summary");
  const full = () => {
    const v = form.value;
    const state = {};
    for (const f of FACETS) state[f.key] = v[f.key] ?? options[f.key].slice();
    return state;
  };
  const describe = (state) => {
    const narrowed = FACETS.filter((f) => state[f.key].length !== options[f.key].length).map((f) => `${f.label.toLowerCase()}: ${state[f.key].length}/${options[f.key].length}`);
    summaryText.textContent = narrowed.length ? `(${narrowed.join(", ")})` : "(showing everything)";
  };
  const update = () => {
    const state = full();
    const search = writeState(state, options, location.search);
    if (search !== location.search) history.replaceState(history.state, "", location.pathname + search + location.hash);
    syncLinks(writeState(state, options)); // the filters follow the reader; a page's own controls stay on it
    describe(state);
  };
  form.addEventListener("input", update);
  reset.addEventListener("click", () => {
    for (const [key, input] of Object.entries(inputs)) {
      input.value = options[key].slice();
    }
    form.dispatchEvent(new Event("input", {bubbles: true}));
  });
  Object.defineProperty(root, "value", {get: full, set() {}});
  describe(full());
  syncLinks(writeState(full(), options));
  root.options = options;
  return root;
}
