// An environment of one run is one column of the paper-style tables. Labels repeat across runs
// ("native" in every campaign), so a column's id carries the run and its label only does when needed.

/** Distinct columns in `rows` (summary rows), the paper's own first, then ours newest first. */
export function environmentColumns(rows) {
  const byId = new Map();
  for (const r of rows) {
    const id = columnId(r);
    if (!byId.has(id)) {
      byId.set(id, {id, source: r.source, run_id: r.run_id, environment: r.environment, hypervisor: r.hypervisor, mode: r.mode, vcpus: r.vcpus, passthrough: r.passthrough, guest_os: r.guest_os});
    }
  }
  const columns = [...byId.values()];
  const counts = new Map();
  for (const c of columns) counts.set(c.environment, (counts.get(c.environment) ?? 0) + 1);
  for (const c of columns) c.label = counts.get(c.environment) > 1 ? `${c.environment} (${shortRun(c.run_id)})` : c.environment;
  const order = {reference: 0, run: 1, ingest: 2};
  return columns.sort(
    (a, b) =>
      order[a.source] - order[b.source] ||
      (a.source === "reference" ? 0 : b.run_id.localeCompare(a.run_id)) ||
      (HYPERVISOR_ORDER[a.hypervisor] ?? 9) - (HYPERVISOR_ORDER[b.hypervisor] ?? 9) ||
      a.environment.localeCompare(b.environment)
  );
}

// The paper's column order: native, then Xen, then KVM; emulation last.
const HYPERVISOR_ORDER = {none: 0, xen: 1, kvm: 2, "qemu-tcg": 3};

export function columnId(r) {
  return `${r.source}\u0000${r.run_id}\u0000${r.environment}`;
}

function shortRun(runId) {
  return runId.length > 16 ? runId.slice(0, 15) : runId;
}
