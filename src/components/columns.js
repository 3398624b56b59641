// An environment of one run is one column of the paper-style tables. Labels repeat across runs
// ("native" in every campaign), so a column's id carries the run and its label only does when needed.
import * as aq from "npm:arquero";
import {compareSources} from "./data.js";
import {compareHypervisors} from "./hypervisors.js";

/** Distinct columns in `rows` (summary rows), the paper's own first, then ours newest first. */
export function environmentColumns(rows) {
  if (!rows.length) return [];
  const columns = aq
    .from(rows)
    .select("source", "run_id", "environment", "hypervisor", "mode", "vcpus", "passthrough", "guest_os", "nested_under")
    .dedupe("source", "run_id", "environment")
    .objects();
  const counts = new Map();
  for (const c of columns) counts.set(c.environment, (counts.get(c.environment) ?? 0) + 1);
  for (const c of columns) (c.id = columnId(c)), (c.label = counts.get(c.environment) > 1 ? `${c.environment} (${shortRun(c.run_id)})` : c.environment);
  return columns.sort(
    (a, b) =>
      compareSources(a.source, b.source) ||
      (a.source === "reference" ? 0 : b.run_id.localeCompare(a.run_id)) ||
      compareHypervisors(a.hypervisor, b.hypervisor) ||
      a.environment.localeCompare(b.environment)
  );
}

export function columnId(r) {
  return `${r.source}\u0000${r.run_id}\u0000${r.environment}`;
}

function shortRun(runId) {
  return runId.length > 16 ? runId.slice(0, 15) : runId;
}
