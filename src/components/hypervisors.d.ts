// Types for hypervisors.js, so the Node-side report (data-loaders/report/claims.ts) sorts with the same table.
export interface Hypervisor {
  id: string;
  label: string;
  color: string;
}
export declare const HYPERVISORS: Hypervisor[];
export declare function hypervisorRank(id: string): number;
export declare function hypervisorColor(id: string): string;
export declare function hypervisorLabel(id: string): string;
export declare function compareHypervisors(a: string, b: string): number;
export declare function hypervisorColorScale(ids: Iterable<string>): {type: "categorical"; domain: string[]; range: string[]; tickFormat: (id: string) => string};
