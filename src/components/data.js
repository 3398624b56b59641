// Helpers shared by the pages: unpacking the loaders' column-packed rows, labels, parameters.

/** {columns, rows: [[…]]} (data-loaders/report/pages.ts) → array of row objects. */
export function unpack(packed) {
  if (!packed) return [];
  const {columns, rows} = packed;
  return rows.map((r) => {
    const o = {};
    for (let i = 0; i < columns.length; i++) o[columns[i]] = r[i];
    return o;
  });
}

/** Parsed params, memoised on the row (params arrive as JSON text). */
export function paramsOf(row) {
  return (row._params ??= typeof row.params === "string" ? JSON.parse(row.params) : row.params ?? {});
}

export function sourceLabel(source) {
  return source === "reference" ? "paper" : source === "run" ? "ours" : source === "ingest" ? "ingested" : String(source);
}

/** Direction label for a unit or a row. */
export function direction(rowOrUnit) {
  const unit = typeof rowOrUnit === "string" ? rowOrUnit : rowOrUnit?.unit;
  const lower = typeof rowOrUnit === "object" && rowOrUnit && "lower_is_better" in rowOrUnit ? rowOrUnit.lower_is_better : ["us", "ms", "s", "ns"].includes(unit);
  return lower ? "lower is better" : "higher is better";
}

/** A label for an environment of one run that stays unique when several runs are shown. */
export function envLabel(row, {multiRun = true} = {}) {
  if (row.source === "reference") return row.environment;
  return multiRun ? `${row.environment} · ${shortRun(row.run_id)}` : row.environment;
}

export function shortRun(runId) {
  return runId.length > 20 ? runId.slice(0, 19) + "…" : runId;
}

/** Whether rows come from more than one non-reference run. */
export function severalRuns(rows) {
  const runs = new Set();
  for (const r of rows) if (r.source !== "reference") runs.add(r.run_id);
  return runs.size > 1;
}

export const HYPERVISOR_ORDER = {none: 0, xen: 1, kvm: 2, "qemu-tcg": 3};

/** Sort rows the paper's way: paper first, then our runs; native, Xen, KVM, emulation; then vCPUs, pass-through. */
export function envOrder(a, b) {
  const order = {reference: 0, run: 1, ingest: 2};
  return (
    (order[a.source] ?? 9) - (order[b.source] ?? 9) ||
    String(a.run_id).localeCompare(String(b.run_id)) ||
    (HYPERVISOR_ORDER[a.hypervisor] ?? 9) - (HYPERVISOR_ORDER[b.hypervisor] ?? 9) ||
    (a.vcpus ?? 0) - (b.vcpus ?? 0) ||
    Number(Boolean(a.passthrough)) - Number(Boolean(b.passthrough)) ||
    String(a.environment).localeCompare(String(b.environment))
  );
}

/** Distinct environments (run × label) of `rows`, in envOrder, each with a display label. */
export function environmentsOf(rows) {
  const byKey = new Map();
  for (const r of rows) {
    const key = `${r.run_id}\u0000${r.environment}`;
    if (!byKey.has(key)) byKey.set(key, r);
  }
  const multi = severalRuns(rows);
  return [...byKey.values()].sort(envOrder).map((r) => ({
    key: `${r.run_id}\u0000${r.environment}`,
    label: envLabel(r, {multiRun: multi}),
    source: r.source,
    run_id: r.run_id,
    environment: r.environment,
    hypervisor: r.hypervisor,
    vcpus: r.vcpus,
    passthrough: r.passthrough,
    guest_os: r.guest_os
  }));
}

export const envKey = (r) => `${r.run_id}\u0000${r.environment}`;
