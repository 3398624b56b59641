// The one table of the hypervisors the report knows: the order the paper's columns take (native,
// Xen, KVM, then full emulation), one colour each for every chart, and the word a reader sees.
// The pages, the filters and data-loaders/report/claims.ts all sort and colour through it.

export const HYPERVISORS = [
  {id: "none", label: "native", color: "#4e79a7"},
  {id: "xen", label: "Xen", color: "#f28e2b"},
  {id: "kvm", label: "KVM", color: "#59a14f"},
  {id: "qemu-tcg", label: "QEMU TCG (emulated)", color: "#b07aa1"}
];

/** A hypervisor the table does not know (an ingested "vmware", say): last, in one neutral colour. */
const UNKNOWN = {rank: HYPERVISORS.length, color: "#9c755f"};

const BY_ID = new Map(HYPERVISORS.map((h, rank) => [h.id, {...h, rank}]));

export function hypervisorRank(id) {
  return BY_ID.get(id)?.rank ?? UNKNOWN.rank;
}

export function hypervisorColor(id) {
  return BY_ID.get(id)?.color ?? UNKNOWN.color;
}

export function hypervisorLabel(id) {
  return BY_ID.get(id)?.label ?? String(id);
}

/** Sorts hypervisor ids the paper's way; unknown ones after, by name. */
export function compareHypervisors(a, b) {
  return hypervisorRank(a) - hypervisorRank(b) || String(a).localeCompare(String(b));
}

/** Plot's colour scale for the hypervisors present in `ids` (so a legend lists no absent one). */
export function hypervisorColorScale(ids) {
  const domain = [...new Set(ids)].sort(compareHypervisors);
  return {type: "categorical", domain, range: domain.map(hypervisorColor), tickFormat: hypervisorLabel};
}
