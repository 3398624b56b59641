import {buildProbesDetailed} from "../data-loaders/probes/build.ts";
const t0 = Date.now();
const b = await buildProbesDetailed({log: console.error});
console.log(b.binaries, Object.fromEntries(Object.entries(b.unavailable).map(([k, v]) => [k, v?.message])), Date.now() - t0);
