import {el} from "./dom.js";
import {paramsOf} from "./data.js";
import {formatMedian, formatSize, formatSlowdownCI, formatValue} from "./format.js";

/** The paper's four cases of Figures 3 and 4, in its order. */
export const PT_CASES = [
  {hypervisor: "xen", passthrough: true, label: "Xen, VT-d on"},
  {hypervisor: "xen", passthrough: false, label: "Xen, VT-d off"},
  {hypervisor: "kvm", passthrough: true, label: "KVM, VT-d on"},
  {hypervisor: "kvm", passthrough: false, label: "KVM, VT-d off"}
];

/**
 * Figures 3 and 4 by the paper's four cases (Xen and KVM, pass-through on and off): for each study,
 * each case's environments with their read and write bandwidth at one file and record size (median
 * MB/s, slowdown against native with its 95% bootstrap interval, n), the driver their disk went through and,
 * for a pass-through, its device and IOMMU — or why the environment could not run ("not measurable
 * here"), or that the study has no such environment.
 *
 * rows: IOzone summary rows; environments: src/data/environments.json (fingerprints and errors).
 */
export function passthroughCases(rows, environments, {width, fileKb, recordKb, caption} = {}) {
  const at = (r) => Number(paramsOf(r).file_kb) === fileKb && Number(paramsOf(r).record_kb) === recordKb;
  const cells = new Map();
  for (const r of rows) if (at(r) && (r.metric === "file_read" || r.metric === "file_write")) cells.set(`${r.run_id}\u0000${r.environment}\u0000${r.metric}`, r);
  const studies = [...new Set(environments.filter((e) => e.source !== "reference").map((e) => e.run_id))];
  const head = el("tr", null, ["case", "environment", "vCPUs", "read MB/s", "write MB/s", "disk driver · pass-through", "status"].map((h) => el("th", null, h)));
  const body = [];
  for (const run of studies) {
    if (studies.length > 1) body.push(el("tr", {class: "study"}, el("th", {colspan: 7}, `study ${run}`)));
    for (const c of PT_CASES) {
      const envs = environments.filter((e) => e.run_id === run && e.hypervisor === c.hypervisor && Boolean(e.passthrough) === c.passthrough);
      if (!envs.length) {
        body.push(el("tr", {"data-case": c.label, class: "absent"}, el("th", {scope: "row", class: "row-label"}, c.label), el("td", {colspan: 6, class: "muted"}, "no such environment in this study")));
        continue;
      }
      for (const [i, e] of envs.entries()) {
        const read = cells.get(`${run}\u0000${e.environment}\u0000file_read`);
        const write = cells.get(`${run}\u0000${e.environment}\u0000file_write`);
        // The lab words a refusal "not measurable here: …" itself; other failures say what stopped them.
        const status = e.problem ? (e.problem.startsWith("not measurable here") ? e.problem : `could not run: ${e.problem}`) : read || write ? "measured" : "no IOzone samples at this size";
        body.push(
          el("tr", {"data-case": c.label, "data-environment": e.environment, class: e.problem ? "unmeasurable" : null},
            i === 0 ? el("th", {scope: "row", rowspan: envs.length, class: "row-label"}, c.label) : null,
            el("td", null, e.environment, e.mode ? el("small", null, ` ${e.mode}`) : null),
            el("td", null, e.vcpus ?? "–"),
            bandwidth(read),
            bandwidth(write),
            el("td", {class: "wrap"}, e.disk_driver ?? "–", e.passthrough && e.pt_device ? passthroughDetails(e) : null),
            el("td", {class: e.problem ? "wrap status unmeasurable" : "status"}, status)
          )
        );
      }
    }
  }
  return el("div", {class: "paper-table passthrough-cases", style: `max-width:${width}px; overflow-x:auto`},
    el("table", null, el("caption", null, caption ?? (fileKb == null || recordKb == null ? "Figures 3 and 4 by case: no IOzone results in this selection" : `Figures 3 and 4 by case: read and write bandwidth, ${formatSize(fileKb)} file, ${formatSize(recordKb)} records`)), el("thead", null, head), el("tbody", null, body)));
}

/** The host-side driver in a line; the device and the IOMMU (long, as the kernel or Xen said them) folded. */
function passthroughDetails(e) {
  return el("small", null, el("br"), e.problem ? "pass-through asked for" : e.pt_host_driver ? `passed through via ${e.pt_host_driver}` : "passed through",
    el("details", null, el("summary", null, "device, IOMMU"), e.pt_device, e.pt_iommu ? [el("br"), `IOMMU: ${e.pt_iommu}`] : null));
}

/** Median MB/s to the precision its spread supports, the slowdown against native with its 95% interval, n and spread. */
function bandwidth(d) {
  if (!d) return el("td", {class: "empty"}, "–");
  if (d.n === 0) return el("td", {class: "failed"}, "failed");
  return el("td", {title: `median of ${d.n}; IQR ${formatValue(d.q1)}–${formatValue(d.q3)}; against ${d.baseline ?? "no baseline"}`},
    el("span", {class: "value"}, formatMedian(d)),
    d.slowdown != null && d.baseline !== d.environment ? [el("br"), el("span", {class: "ratio"}, formatSlowdownCI(d.slowdown, d.slowdown_low, d.slowdown_high))] : null,
    el("br"), el("small", {class: "spread"}, d.n > 1 && d.rsd != null ? `n=${d.n} ±${(d.rsd * 100).toFixed(1)}%` : `n=${d.n}`));
}
