/**
 * LINPACK against the machine's limit (issue 19). Natively, one thread: the kernel set OpenBLAS
 * picks by itself and the one `--core auto` runs; P_max and N_max of a sweep with each ("before"
 * and "after"); their efficiency against the computed peak. Then a campaign with the QEMU TCG guest
 * and the nested lab's environments (unless --native-only), and each guest's peak as a fraction of
 * native's: against native's own kernel set (before) and against native running the guest's set
 * at the guest's orders (after, like for like).
 *
 *     npx tsx bench/linpack-peak.ts [--max-seconds 8] [--reps 3] [--native-only]
 */
import {execFileSync} from "node:child_process";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {execa} from "execa";
import {buildProbesDetailed} from "../data-loaders/probes/build.ts";
import {parseProbeOutput} from "../data-loaders/probes/parse-output.ts";
import {linpackPeak, type SweepPoint} from "../data-loaders/suites/linpack/peak.ts";
import {Store} from "../data-loaders/store/store.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const arg = (name: string, fallback: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1]! : fallback);
const maxSeconds = arg("--max-seconds", "8");
const reps = arg("--reps", "3");

const bin = (await buildProbesDetailed({probes: ["vmmbench-linpack"]})).binaries["vmmbench-linpack"]!;

function nativeSweep(core: string) {
  const out = parseProbeOutput(execFileSync(bin, ["--sweep", "--max-seconds", maxSeconds, "--reps", reps, "--core", core], {encoding: "utf8", maxBuffer: 1 << 26}), "linpack");
  const info = out.info as unknown as Record<string, string | number>;
  const byN = new Map<number, number[]>();
  for (const s of out.samples) if (s.metric === "linpack_gflops") byN.set(Number(s.params.n), [...(byN.get(Number(s.params.n)) ?? []), s.value]);
  const peak = linpackPeak([...byN].map(([n, gflops]) => ({n, gflops})))!;
  return {info, peak};
}

const explained = JSON.parse(execFileSync(bin, ["--explain-core"], {encoding: "utf8"})) as Record<string, string | number>;
const detected = String(nativeSweep("auto").info.core_detected);
console.log(`# LINPACK peak, natively, 1 thread (sweep: --max-seconds ${maxSeconds}, ${reps} repetitions per order)`);
console.log(`CPU flags allow ${explained.best_core} (${explained.flops_per_cycle} FLOPs/cycle at ${explained.mhz} MHz from ${explained.mhz_source}: ${explained.peak_gflops_per_core} GFLOPS per core); OpenBLAS picks ${detected} by itself`);
console.log("| run | kernel set | P_max GFLOPS | N_max | N_½ | plateau | peak GFLOPS | efficiency |");
console.log("|---|---|---|---|---|---|---|---|");
const native: Record<string, ReturnType<typeof nativeSweep>> = {};
for (const [label, core] of [["before (OpenBLAS's own)", detected], ["after (--core auto)", "auto"]] as const) {
  const run = nativeSweep(core);
  native[label] = run;
  const peak = Number(run.info.peak_gflops);
  console.log(`| ${label} | ${run.info.core} | ${run.peak.pMax.toFixed(2)} | ${run.peak.nMax} | ${run.peak.nHalf ?? "–"} | ${run.peak.plateau ? "yes" : "no (cut short)"} | ${peak.toFixed(1)} | ${peak > 0 ? `${((run.peak.pMax / peak) * 100).toFixed(1)}%` : "–"} |`);
}

if (!process.argv.includes("--native-only")) {
  const dir = mkdtempSync(join(tmpdir(), "vmmbench-linpack-peak-"));
  try {
    writeFileSync(
      join(dir, "plan.yaml"),
      `name: linpack-peak
environments:
  - {target: local, label: native, suites: {linpack: {n: sweep, max_seconds: ${maxSeconds}, pinned: [{core: Nehalem, n: [200, 500]}, {core: Haswell, n: [100, 200, 300]}]}}}
  - {target: qemu, label: qemu-tcg, accel: tcg, suites: {linpack: {n: [100, 200, 300]}}}
  - {target: lab, label: lab-native, inner: native, vcpus: 1, suites: {linpack: {n: [200, 500], core: Nehalem}}}
  - {target: lab, label: lab-kvm, inner: kvm, paging: shadow, vcpus: 1, lab_vcpus: 1, memory_mb: 512, disk_mb: 0, suites: {linpack: {n: [200, 500], core: Nehalem}}}
  - {target: lab, label: lab-xen-pv, inner: xen-pv, vcpus: 1, memory_mb: 512, disk_mb: 0, suites: {linpack: {n: [200, 500], core: Nehalem}}}
suites:
  linpack: {n: [500], reps: ${reps}}
repetitions: {min: 1, max: 1}
step_timeout_s: 600
`
    );
    const db = join(dir, "peak.duckdb");
    await execa("node", [join(ROOT, "bin", "vmmbench.js"), "run", "--plan", join(dir, "plan.yaml"), "--db", db], {cwd: ROOT, env: {...process.env, VMMBENCH_QUIET: "1"}});
    const store = await Store.open(db);
    const rows = await store.query(`SELECT environment, params, value FROM results WHERE source = 'run' AND metric = 'linpack_gflops' AND status = 'ok'`);
    store.close();
    const sweeps = new Map<string, Map<number, number[]>>();
    for (const r of rows) {
      const params = JSON.parse(String(r.params)) as {core: string; n: number};
      const key = `${r.environment}\0${params.core}`;
      if (!sweeps.has(key)) sweeps.set(key, new Map());
      const byN = sweeps.get(key)!;
      byN.set(params.n, [...(byN.get(params.n) ?? []), Number(r.value)]);
    }
    const peakOf = (environment: string, core: string, orders?: number[]) => {
      const byN = sweeps.get(`${environment}\0${core}`);
      if (!byN) return undefined;
      const points: SweepPoint[] = [...byN].filter(([n]) => !orders || orders.includes(n)).map(([n, gflops]) => ({n, gflops}));
      return linpackPeak(points);
    };
    const nativeCore = [...sweeps.keys()].map((k) => k.split("\0")).find(([env, core]) => env === "native" && core !== "Nehalem" && core !== "Haswell")?.[1] ?? "?";
    console.log(`\n# Guests against native (P_max as a fraction of native's)`);
    console.log("| guest | its kernel set | guest P_max | before: native's own set | after: native on the guest's set, same orders |");
    console.log("|---|---|---|---|---|");
    for (const [environment, core] of [...sweeps.keys()].map((k) => k.split("\0") as [string, string]).filter(([env]) => env !== "native")) {
      const guest = peakOf(environment, core)!;
      const before = peakOf("native", nativeCore)!;
      const like = peakOf("native", core, guest.orders);
      console.log(
        `| ${environment} | ${core} | ${guest.pMax.toFixed(3)} | ${((guest.pMax / before.pMax) * 100).toFixed(2)}% (vs ${nativeCore} ${before.pMax.toFixed(2)}) | ${like ? `${((guest.pMax / like.pMax) * 100).toFixed(2)}% (vs ${core} ${like.pMax.toFixed(2)})` : "–"} |`
      );
    }
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}
