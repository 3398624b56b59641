/**
 * Meters: why a step costs what it does. Counts of the guest kernel, of KVM on the host that runs
 * the guest and of Xen seen from dom0, taken around each timed repetition of the built-in probes
 * and stored per operation of the metric they ride along (params `of` plus that metric's own), so
 * that "a fork cost 3,100 VM exits, 2,700 of them shadow page faults" is a query. Meters have no
 * steps of their own: the probes take them (probes/common.h), the targets add the host's side
 * (meters/), the campaign joins both to the step (meters/samples.ts).
 */
import {defineSuite} from "../suite.ts";
import {METERS, type MeterName} from "./catalog.ts";

export const meters = defineSuite<"meters", never>({
  name: "meters",
  metrics: Object.fromEntries((Object.keys(METERS) as MeterName[]).map((name) => [name, {unit: `${METERS[name].count}/op`, label: METERS[name].label, overhead: false}])),
  presets: {},
  probes: [],
  formats: [],
  // Its own page: the costs beside the counts that explain them; LMbench and IOzone show counts per operation beside their rows.
  report: {page: "costs", title: "What it costs and why", order: 4}
});
