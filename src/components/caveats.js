// Caveats the report computes from the data and prints beside the figure they qualify, so a
// reader sees why a number may not mean what it seems: an IOzone file that fits in RAM, LINPACK
// sweeps that differ, a guest measured under emulation, a cell the paper never published.
import {html} from "npm:htl";
import {envKey, envLabel, paramsOf, severalRuns} from "./data.js";
import {formatSize} from "./format.js";

// What a caveat that does not apply displays: nothing (display("") would print the empty string's quotes).
const nothing = () => document.createDocumentFragment();

/**
 * What an IOzone series measured: "device" when it used O_DIRECT or a file larger than the
 * environment's memory, "page cache" when a buffered file fits in memory, "unknown" without the
 * memory size. `memoryMb`: environment key (data.js envKey) → memory_mb.
 */
export function ioMedium(row, memoryMb) {
  const p = paramsOf(row);
  if (p.direct === true) return {medium: "device", why: "O_DIRECT bypasses the page cache"};
  const mem = memoryMb.get(envKey(row));
  if (p.file_kb == null || mem == null) return {medium: "unknown", why: "file size or memory not recorded"};
  return p.file_kb * 1024 > mem * 1024 * 1024
    ? {medium: "device", why: `${formatSize(p.file_kb)} file > ${formatSize(mem * 1024)} memory`}
    : {medium: "page cache", why: `buffered ${formatSize(p.file_kb)} file ≤ ${formatSize(mem * 1024)} memory`};
}

export const memoryOf = (environments) => new Map(environments.map((e) => [envKey(e), e.memory_mb]));

/** One line per medium for the IOzone rows shown, plus the probe's own notes on them. */
export function ioCaveat(rows, environments) {
  if (!rows.length) return nothing();
  const memory = memoryOf(environments);
  const multi = severalRuns(rows);
  const byMedium = new Map();
  for (const r of rows) {
    const {medium, why} = ioMedium(r, memory);
    if (!byMedium.has(medium)) byMedium.set(medium, new Map());
    byMedium.get(medium).set(envLabel(r, {multiRun: multi}), why);
  }
  const notes = [...new Set(rows.flatMap((r) => r.notes ?? []))];
  const line = (medium, envs) => {
    const list = [...envs].map(([e, why]) => `${e} (${why})`).join("; ");
    if (medium === "page cache") return html`<li data-medium="page-cache"><b>Page cache, not the disk:</b> ${list}. A buffered file smaller than memory is read back from RAM, so these bandwidths measure memory copies and the guest's page cache, not the device or its virtualization.</li>`;
    if (medium === "device") return html`<li data-medium="device"><b>The device:</b> ${list}.</li>`;
    return html`<li data-medium="unknown"><b>Page cache or device unknown:</b> ${list}.</li>`;
  };
  return html`<div class="caveat" data-caveat="io-medium"><b>What these IOzone numbers measured</b><ul>${[...byMedium].map(([m, envs]) => line(m, envs))}</ul>${
    notes.length ? html`<details class="probe-notes"><summary>What the probe noted on these samples (${notes.length})</summary><ul>${notes.map((n) => html`<li><q>${n}</q></li>`)}</ul></details>` : ""
  }</div>`;
}

/** Peaks compared with a baseline that ran other BLAS kernels: the ratio measures the kernels as much as the hypervisor. */
export function kernelCaveat(peaks) {
  const unlike = peaks.filter((p) => p.like_for_like === false);
  if (!unlike.length) return nothing();
  const multi = severalRuns(unlike);
  return html`<div class="caveat" data-caveat="kernels"><b>Unlike BLAS kernels.</b> These peaks are compared with a baseline that ran another OpenBLAS kernel set, so their ratio compares the kernels (SSE against AVX-512 differ 4–8× in FLOPs per cycle) as much as the hypervisor. The claims below leave them out. Pin the set natively with the plan's LINPACK option <code>pinned: [{core, n}]</code>, or the whole study with <code>core</code>:<ul>${unlike.map(
    (p) => html`<li>${envLabel(p, {multiRun: multi})} ran ${p.core ?? "unknown"} kernels; ${p.baseline} only ${p.baseline_core ?? "unknown"}</li>`
  )}</ul></div>`;
}

/** Peaks whose N sweep differs from their baseline's: which N each swept and which the ratio uses. */
export function sweepCaveat(peaks) {
  const differ = peaks.filter((p) => p.baseline && p.baseline !== p.environment && String(p.sweep_n) !== String(p.baseline_sweep_n));
  if (!differ.length) return nothing();
  const list = (ns) => (ns?.length ? ns.join(", ") : "none");
  return html`<div class="caveat" data-caveat="sweeps"><b>The sweeps differ between environments.</b> A peak is the best over the N an environment ran, so each ratio below uses only the N both sides ran:<ul>${differ.map(
    (p) => html`<li>${p.environment}: N ∈ {${list(p.sweep_n)}}; ${p.baseline}: N ∈ {${list(p.baseline_sweep_n)}}; compared over N ∈ {${list(p.compared_n)}}</li>`
  )}</ul></div>`;
}

/** Environments measured under emulation (a TCG guest) or nested inside it (the lab). */
export function emulationCaveat(rows) {
  const emulated = new Map();
  for (const r of rows) {
    if (r.source === "reference" || r.hypervisor === "none") continue; // a baseline has no slowdown to qualify
    if (r.hypervisor === "qemu-tcg") emulated.set(r.environment, "is emulated by QEMU TCG");
    else if (r.nested_under) emulated.set(r.environment, `ran nested under ${r.nested_under}`);
  }
  if (!emulated.size) return nothing();
  return html`<div class="caveat" data-caveat="emulation"><b>Emulation in the ratios:</b> ${[...emulated].map(([e, why], i) => html`${i ? "; " : ""}${e} ${why}`)}. Their slowdowns include the emulator's own cost of every instruction, page-table update and exit, so compare their order with the paper's, not their size.</div>`;
}

/** The paper's environments that have no value for any of `metrics` (the paper did not publish them). */
export function notPublishedCaveat(allRows, metricsLabel) {
  const paperRows = allRows.filter((r) => r.source === "reference");
  if (paperRows.length) return nothing();
  return html`<div class="caveat" data-caveat="not-published"><b>The paper did not publish these numbers:</b> it drew ${metricsLabel} without printing their values, so nothing of the paper's stands beside ours here.</div>`;
}
