/**
 * How closely the built-in probes reproduce the real tools on this machine: runs each built-in
 * probe and the matching reference tool **interleaved** (alternating which goes first, round after
 * round) and prints, per metric, the median of each, their ratio and both relative standard
 * deviations over rounds, with the ratio of those RSDs and its 95% interval from resampling whole
 * rounds (stats.ts pairedRsdRatio). Targets: Table 1/2 within 0.9–1.1 of LMbench with an RSD no worse;
 * LINPACK ≥ 0.95 of HPL at the same N, threads and OpenBLAS.
 *
 * The tools are not part of vmmbench: point at an installation with environment variables.
 *   LMBENCH_BIN  directory of LMbench 3 binaries (lat_syscall, lat_proc, hello, lat_sig, lat_pipe, lat_ctx, bw_mem)
 *   IOZONE       the iozone binary
 *   XHPL         HPL's xhpl (one MPI process; link it to the OpenBLAS the built-in probe uses)
 *   HPL_DAT      optional HPL.dat to use instead of the generated one (its Ns must include FIDELITY_N)
 *   FIDELITY_ROUNDS (default 7), FIDELITY_N (default 2000), FIDELITY_BUDGET_MS (default 50)
 * A tool that is not given is skipped (its metrics are not compared).
 *
 * vmmbench-lat runs lat_fork/lat_exec/lat_sh in its dynamic companion where it can (as LMbench's
 * dynamic lat_proc); the notes the built-in samples carried are printed under the table, so a
 * comparison against a static fallback cannot pass unnoticed.
 *
 * It also times one full built-in pass of the `quick` plan (Table 1, Table 2, memory, a small
 * IOzone sweep, LINPACK up to N=2000): target under 2 minutes on 2 cores.
 *
 * Usage: LMBENCH_BIN=… IOZONE=… XHPL=… npx tsx bench/probe-fidelity.ts [--skip-pass]
 */
import {spawnSync} from "node:child_process";
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {REFERENCE_RUNNER, writeReferenceRunner} from "../data-loaders/campaign/tool-runner.ts";
import {stepTemplates, type StepTemplate} from "../data-loaders/campaign/steps.ts";
import {loadPlan} from "../data-loaders/plan/load.ts";
import {validatePlan} from "../data-loaders/plan/validate.ts";
import {buildProbesDetailed} from "../data-loaders/probes/build.ts";
import {parseProbeOutput} from "../data-loaders/probes/parse-output.ts";
import type {Sample} from "../data-loaders/model/sample.ts";
import {median, pairedRsdRatio, rsd} from "../data-loaders/stats.ts";

const ROUNDS = Number(process.env.FIDELITY_ROUNDS ?? 7);
const N = Number(process.env.FIDELITY_N ?? 2000);
const BUDGET_MS = Number(process.env.FIDELITY_BUDGET_MS ?? 50);

const TABLE1 = ["lat_syscall", "lat_stat", "lat_fstat", "lat_open_close", "lat_fork", "lat_exec", "lat_sh", "lat_sig_handler", "lat_pipe"];

/** One reference step and the built-in step narrowed to the same measurements. */
interface Pair {
  builtin: StepTemplate;
  reference: StepTemplate;
}

function key(sample: Sample): string {
  const params = Object.keys(sample.params).sort().map((k) => `${k}=${sample.params[k]}`).join(",");
  return `${sample.metric}${params ? `{${params}}` : ""}`;
}

/** Distinct notes of the built-in samples, per metric key. */
const builtinNotes = new Map<string, Set<string>>();

/** Per invocation: the median of its repetitions per metric (what LMbench itself would print for them). */
function perInvocation(samples: Sample[], notes?: Map<string, Set<string>>): Map<string, number> {
  const groups = new Map<string, number[]>();
  for (const s of samples) {
    if (s.status === "failed" || !Number.isFinite(s.value)) continue;
    if (notes && s.note) notes.set(key(s), (notes.get(key(s)) ?? new Set()).add(s.note));
    if (!groups.has(key(s))) groups.set(key(s), []);
    groups.get(key(s))!.push(s.value);
  }
  return new Map([...groups].map(([k, v]) => [k, median(v)]));
}

function run(template: StepTemplate, binaries: Record<string, string>): {samples: Sample[]; ms: number; problem?: string} {
  const bin = binaries[template.probe]!;
  const started = performance.now();
  const r = spawnSync(bin, template.args, {encoding: "utf8", timeout: 600_000, maxBuffer: 256 << 20});
  const ms = performance.now() - started;
  try {
    const samples = template.parse ? template.parse(r.stdout ?? "", template.name).samples : parseProbeOutput(r.stdout ?? "", template.name).samples;
    return {samples, ms, problem: r.status === 0 ? undefined : `exit ${r.status ?? r.signal}: ${(r.stderr ?? "").trim().split("\n").slice(-2).join(" | ")}`};
  } catch (error) {
    return {samples: [], ms, problem: `${(error as Error).message} (exit ${r.status ?? r.signal}; ${(r.stderr ?? "").trim().split("\n").slice(-2).join(" | ")})`};
  }
}

/** HPL_DAT replaces the generated HPL.dat in the runner's arguments. */
function withHplDat(template: StepTemplate, text: string): StepTemplate {
  const args = [...template.args];
  const at = args.findIndex((a, i) => a === "--file" && args[i + 1] === "HPL.dat");
  if (at >= 0) args[at + 2] = text;
  return {...template, args};
}

async function main(): Promise<void> {
  const build = await buildProbesDetailed({log: (m) => console.error(m)});
  const binaries: Record<string, string> = {...(build.binaries as Record<string, string>), [REFERENCE_RUNNER]: writeReferenceRunner()};
  const blas = spawnSync(binaries["vmmbench-linpack"] ?? "/bin/false", ["--n", "100"], {encoding: "utf8"}).stdout?.split("\n")[0] ?? "";
  console.log(`# probe fidelity: ${ROUNDS} interleaved rounds, budget ${BUDGET_MS} ms, LINPACK N=${N} (built-in BLAS: ${/"blas":"([^"]*)"/.exec(blas)?.[1] ?? "?"})`);

  const lmDir = process.env.LMBENCH_BIN;
  const tools: Record<string, unknown> = {lmbench: {}};
  if (lmDir) for (const b of ["lat_syscall", "lat_proc", "hello", "lat_sig", "lat_pipe", "lat_ctx", "bw_mem"]) (tools.lmbench as Record<string, string>)[b] = join(lmDir, b);
  if (process.env.IOZONE) tools.iozone = process.env.IOZONE;
  if (process.env.XHPL) tools.linpack = {kind: "hpl", path: process.env.XHPL};

  const plan = validatePlan({
    name: "fidelity",
    environments: [{target: "local"}],
    suites: {
      lmbench: {table1: TABLE1, budget_ms: BUDGET_MS, reps: 5, mem_size_mb: [64]},
      iozone: {file_kb: [65536], record_kb: [64], fsync: true, reps: 1},
      linpack: {n: [N], threads: 1, reps: 1}
    }
  });
  const builtin = stepTemplates(plan.suites);
  const reference = stepTemplates(plan.suites, tools).filter((t) => t.provenance?.engine === "reference");
  const named = (name: string) => builtin.find((t) => t.name === name);
  /** A built-in step narrowed to what one reference step measures, so the two run back to back. */
  const narrow = (template: StepTemplate | undefined, option: string, value: string): StepTemplate | undefined => {
    if (!template) return undefined;
    const args = [...template.args];
    const at = args.indexOf(option);
    if (at >= 0) args[at + 1] = value;
    else args.unshift(option, value);
    return {...template, args};
  };
  const pairs: Pair[] = [];
  const hplDat = process.env.HPL_DAT ? readFileSync(process.env.HPL_DAT, "utf8") : undefined;
  for (const ref of reference) {
    const lat = /^lmbench-(lat_\w+)$/.exec(ref.name);
    const ctx = /^lmbench-ctx-(\d+)k$/.exec(ref.name);
    const mem = /^lmbench-bw_mem-(rd|wr)-/.exec(ref.name);
    let b: StepTemplate | undefined;
    if (lat) b = narrow(named("lmbench-table1"), "--metrics", lat[1]!);
    else if (ctx) b = narrow(named("lmbench-ctx"), "--cells", plan.suites.lmbench!.ctx.filter(([, kb]) => kb === Number(ctx[1])).map(([p, kb]) => `${p}:${kb}`).join(","));
    else if (mem) b = narrow(named("lmbench-mem"), "--metrics", mem[1] === "rd" ? "bw_mem_read" : "bw_mem_write");
    else if (ref.name.startsWith("iozone-")) b = named("iozone");
    else if (ref.name.startsWith("linpack-")) b = named("linpack");
    if (b) pairs.push({builtin: b, reference: hplDat && ref.name.startsWith("linpack-") ? withHplDat(ref, hplDat) : ref});
  }
  if (pairs.length === 0) console.log("no reference tool given (LMBENCH_BIN, IOZONE, XHPL): nothing to compare");

  // Each pair runs back to back, the order alternating by round, so both see the same load; the
  // ratio is taken per round (paired) as well as between the two medians.
  const series = new Map<string, {builtin: number[]; reference: number[]; paired: number[]}>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const pair of pairs) {
      const got: Record<string, Map<string, number>> = {};
      for (const side of round % 2 === 0 ? (["builtin", "reference"] as const) : (["reference", "builtin"] as const)) {
        const result = run(pair[side], binaries);
        if (result.problem) console.error(`round ${round} ${side} ${pair[side].name}: ${result.problem}`);
        got[side] = perInvocation(result.samples, side === "builtin" ? builtinNotes : undefined);
      }
      // Only rounds with both values count, so that value i of each side is from round i.
      for (const [k, r] of got.reference!) {
        const b = got.builtin!.get(k);
        if (b === undefined) continue;
        if (!series.has(k)) series.set(k, {builtin: [], reference: [], paired: []});
        const entry = series.get(k)!;
        entry.reference.push(r);
        entry.builtin.push(b);
        entry.paired.push(b / r);
      }
    }
    console.error(`round ${round + 1}/${ROUNDS} done`);
  }

  const rows = [...series].filter(([k, s]) => s.builtin.length && s.reference.length && !/^linpack_(time|residual)/.test(k));
  const fmt = (x: number) => (Math.abs(x) >= 1000 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(2) : x.toPrecision(4));
  const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : "-");
  console.log(`| metric | built-in median | reference median | ratio of medians | paired ratio (median) | RSD built-in | RSD reference | RSD ratio [95% CI] | target |`);
  console.log(`|---|---:|---:|---:|---:|---:|---:|---:|---|`);
  for (const [k, s] of rows) {
    const b = median(s.builtin);
    const r = median(s.reference);
    const paired = median(s.paired);
    const linpack = k.startsWith("linpack_gflops");
    const inRange = linpack ? paired >= 0.95 : paired >= 0.9 && paired <= 1.1;
    const rsdOk = linpack || rsd(s.builtin) <= rsd(s.reference) * 1.1 + 0.01;
    const target = linpack ? "≥ 0.95" : "0.9–1.1, RSD ≤ ref";
    // The point comparison of two RSDs from ~10 rounds is a coin toss when both are equally
    // precise; the interval tells a noisier probe from that chance (worse: lower bound above 1).
    const spread = pairedRsdRatio(s.builtin, s.reference);
    const interval = `${spread.ratio.toFixed(2)} [${spread.low.toFixed(2)}, ${spread.high.toFixed(2)}]${spread.low > 1 ? " worse" : ""}`;
    console.log(`| ${k} | ${fmt(b)} | ${fmt(r)} | ${(b / r).toFixed(3)} | ${paired.toFixed(3)} | ${pct(rsd(s.builtin))} | ${pct(rsd(s.reference))} | ${interval} | ${target} ${inRange && rsdOk ? "ok" : "MISS"} |`);
  }
  const noted = rows.filter(([k]) => builtinNotes.has(k) && !/^file_/.test(k));
  if (noted.length) console.log(`\nbuilt-in notes: ${noted.map(([k]) => `${k}: ${[...builtinNotes.get(k)!].join(" / ")}`).join("; ")}`);

  if (!process.argv.includes("--skip-pass")) {
    // One full built-in pass of the quick plan, every step in sequence, as `vmmbench run` would.
    const quick = loadPlan("quick"); // native suites only: the host does not matter
    const started = performance.now();
    const times: string[] = [];
    for (const template of stepTemplates(quick.suites)) {
      if (!binaries[template.probe]) continue;
      const result = run(template, binaries);
      times.push(`${template.name} ${(result.ms / 1000).toFixed(1)} s${result.problem ? ` (${result.problem})` : ""}`);
    }
    console.log(`\nfull built-in quick pass: ${((performance.now() - started) / 1000).toFixed(1)} s (target < 120 s): ${times.join(", ")}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
