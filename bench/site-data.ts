/**
 * SYNTHETIC data for the report's benches and tests: fills a database with plausible-looking but
 * invented samples (native, kvm, xen-pv, qemu-tcg; 1/2 vCPUs; pass-through on/off) through the
 * Store API. Every run it writes is tagged {synthetic: "true", generator: "bench/site-data.ts"} and
 * its run id starts with "synthetic-": these numbers are never results and must never be shipped.
 *
 * Usage: npx tsx bench/site-data.ts --db /tmp/site-1m.duckdb [--samples 1000000] [--runs 2] [--xss]
 */
import {existsSync, rmSync} from "node:fs";
import {pathToFileURL} from "node:url";
import {ensurePaperData} from "../data-loaders/paper/che2008.ts";
import type {Params, Sample, Suite} from "../data-loaders/model/sample.ts";
import {seededRandom} from "../data-loaders/stats.ts";
import {Store} from "../data-loaders/store/store.ts";
import type {Fingerprint, Hypervisor, VirtMode} from "../data-loaders/targets/target.ts";
import {VERSION} from "../data-loaders/version.ts";

/** An environment label a hostile ingest could carry: must show as text, never run. */
export const XSS_LABEL = `<img src=x onerror=alert(1)>`;

interface EnvSpec {
  environment: string;
  hypervisor: Hypervisor;
  mode: VirtMode;
  vcpus: number;
  passthrough: boolean;
  guestOs: string;
}

const GUEST = "Debian GNU/Linux 12 (bookworm)";

export const SYNTHETIC_ENVIRONMENTS: EnvSpec[] = [
  {environment: "native", hypervisor: "none", mode: "none", vcpus: 2, passthrough: false, guestOs: GUEST},
  {environment: "kvm-1cpu", hypervisor: "kvm", mode: "kvm", vcpus: 1, passthrough: false, guestOs: GUEST},
  {environment: "kvm-2cpu", hypervisor: "kvm", mode: "kvm", vcpus: 2, passthrough: false, guestOs: GUEST},
  {environment: "kvm-1cpu-vtd", hypervisor: "kvm", mode: "kvm", vcpus: 1, passthrough: true, guestOs: GUEST},
  {environment: "kvm-2cpu-vtd", hypervisor: "kvm", mode: "kvm", vcpus: 2, passthrough: true, guestOs: GUEST},
  {environment: "kvm-1cpu-alpine", hypervisor: "kvm", mode: "kvm", vcpus: 1, passthrough: false, guestOs: "Alpine Linux 3.20"},
  {environment: "xen-pv-1cpu", hypervisor: "xen", mode: "pv", vcpus: 1, passthrough: false, guestOs: GUEST},
  {environment: "xen-pv-2cpu", hypervisor: "xen", mode: "pv", vcpus: 2, passthrough: false, guestOs: GUEST},
  {environment: "xen-pv-1cpu-vtd", hypervisor: "xen", mode: "pv", vcpus: 1, passthrough: true, guestOs: GUEST},
  {environment: "xen-pv-2cpu-vtd", hypervisor: "xen", mode: "pv", vcpus: 2, passthrough: true, guestOs: GUEST},
  {environment: "qemu-tcg-1cpu", hypervisor: "qemu-tcg", mode: "tcg", vcpus: 1, passthrough: false, guestOs: GUEST}
];

/** A measurement family: its samples' shape and how much each hypervisor slows it down (factor on time). */
interface Family {
  suite: Suite;
  metric: string;
  unit: string;
  params: Params[];
  /** native value for params */
  base: (p: Params) => number;
  /** slowdown factor (>1 slower) per hypervisor */
  slow: Partial<Record<Hypervisor, number>>;
}

const TABLE1: [string, number, number, number, number][] = [
  // metric, native µs, kvm, xen-pv, tcg slowdown
  ["lat_syscall", 0.36, 1.04, 1.35, 9],
  ["lat_read", 0.37, 1.05, 1.3, 9],
  ["lat_write", 0.3, 1.05, 1.3, 9],
  ["lat_stat", 1.9, 1.08, 1.25, 7],
  ["lat_fstat", 0.64, 1.05, 1.3, 8],
  ["lat_open_close", 3.8, 1.1, 1.3, 7],
  ["lat_fork", 177, 1.6, 3.4, 18],
  ["lat_exec", 1400, 1.5, 3.1, 16],
  ["lat_sh", 2600, 1.5, 3, 15],
  ["lat_sig_install", 0.3, 1.03, 1.3, 8],
  ["lat_sig_handler", 2.7, 1.1, 1.4, 8],
  ["lat_pipe", 10, 1.7, 2.6, 12]
];

const CTX: [number, number][] = [
  [2, 0], [2, 16], [2, 64], [8, 16], [8, 64], [16, 16], [16, 64]
];

export function families(): Family[] {
  const out: Family[] = TABLE1.map(([metric, base, kvm, xen, tcg]) => ({
    suite: "lmbench",
    metric,
    unit: "us",
    params: [{}],
    base: () => base,
    slow: {kvm, xen, "qemu-tcg": tcg}
  }));
  out.push({
    suite: "lmbench",
    metric: "lat_ctx",
    unit: "us",
    params: CTX.map(([procs, size_kb]) => ({procs, size_kb})),
    base: (p) => 3 + Number(p.size_kb) / 20 + Number(p.procs) / 6,
    slow: {kvm: 1.9, xen: 2.6, "qemu-tcg": 11}
  });
  for (const [metric, base, kvm, xen, tcg] of [
    ["bw_mem_read", 11500, 1.02, 1.01, 4],
    ["bw_mem_write", 12000, 1.12, 1.03, 5],
    ["bw_mem_copy", 4700, 1.06, 1.03, 5]
  ] as const) {
    out.push({suite: "lmbench", metric, unit: "MB/s", params: [8, 64, 256].map((size_mb) => ({size_mb})), base: (p) => base * (p.size_mb === 8 ? 1.6 : 1), slow: {kvm, xen, "qemu-tcg": tcg}});
  }
  for (const [metric, base] of [["stream_copy", 9800], ["stream_scale", 9500], ["stream_add", 10600], ["stream_triad", 10500]] as const) {
    out.push({suite: "stream", metric, unit: "MB/s", params: [{array_mb: 64, threads: 1}], base: () => base, slow: {kvm: 1.03, xen: 1.02, "qemu-tcg": 6}});
  }
  const ns = [500, 1000, 2000, 4000, 6000, 8000];
  out.push({
    suite: "linpack",
    metric: "linpack_gflops",
    unit: "GFLOPS",
    params: ns.map((n) => ({n, threads: 1})),
    base: (p) => 16 * (Number(p.n) / (Number(p.n) + 600)),
    slow: {kvm: 1.03, xen: 1.02, "qemu-tcg": 14}
  });
  out.push({
    suite: "linpack",
    metric: "linpack_time",
    unit: "s",
    params: ns.map((n) => ({n, threads: 1})),
    base: (p) => ((2 / 3) * Number(p.n) ** 3) / (16e9 * (Number(p.n) / (Number(p.n) + 600))),
    slow: {kvm: 1.03, xen: 1.02, "qemu-tcg": 14}
  });
  const io: Params[] = [];
  for (const file_kb of [65536, 262144, 1048576]) for (const record_kb of [4, 16, 64, 256, 1024, 4096, 16384]) io.push({file_kb, record_kb, fsync: true, direct: false});
  for (const [metric, base] of [
    ["file_write", 900],
    ["file_rewrite", 1300],
    ["file_read", 9000],
    ["file_reread", 10000]
  ] as const) {
    const read = metric.includes("read");
    out.push({
      suite: "iozone",
      metric,
      unit: "MB/s",
      params: io,
      base: (p) => base * Math.min(1, 0.35 + Math.log2(Number(p.record_kb)) / 12) * (p.file_kb === 1048576 ? 0.8 : 1),
      slow: {kvm: read ? 4.5 : 3.2, xen: read ? 3.8 : 2.8, "qemu-tcg": 20}
    });
  }
  return out;
}

/** Slowdown of one environment on one family: pass-through helps I/O, a 2nd vCPU costs writes a little. */
function slowdown(env: EnvSpec, f: Family, runShift: number): number {
  if (env.hypervisor === "none") return 1;
  let s = f.slow[env.hypervisor] ?? 1;
  if (f.suite === "iozone") {
    if (env.passthrough && env.hypervisor === "xen") s = 0.95; // the paper: Xen with VT-d beats native reads
    else if (env.passthrough) s = s * 0.85;
    if (env.vcpus === 2 && f.metric.includes("write")) s *= 1.08;
  }
  if (env.guestOs.startsWith("Alpine")) s *= 0.98;
  return s * runShift;
}

export interface GenerateOptions {
  /** target number of samples (approximate) */
  samples: number;
  /** number of synthetic runs; the last one is stored as source 'ingest' when runs > 1 */
  runs?: number;
  /** add an environment whose label, host and tags carry HTML */
  xss?: boolean;
  seed?: number;
  log?: (line: string) => void;
}

export interface GenerateResult {
  samples: number;
  groups: number;
  runIds: string[];
}

/** Fills `store` with synthetic runs. Pure function of its options (seeded). */
export async function generateSiteData(store: Store, options: GenerateOptions): Promise<GenerateResult> {
  // The report shows the paper's columns beside these, as on any database a campaign or an ingest wrote.
  await ensurePaperData(store);
  const runs = options.runs ?? 2;
  const random = seededRandom(options.seed ?? 42);
  const normal = () => {
    const u = 1 - random();
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const fams = families();
  const groupsPerEnv = fams.reduce((s, f) => s + f.params.length, 0);
  const envs = (i: number): EnvSpec[] => {
    const list = i === runs - 1 && runs > 1 ? SYNTHETIC_ENVIRONMENTS.filter((e) => ["native", "kvm-2cpu", "xen-pv-2cpu"].includes(e.environment)) : [...SYNTHETIC_ENVIRONMENTS];
    if (options.xss && i === 0) list.push({environment: XSS_LABEL, hypervisor: "kvm", mode: "kvm", vcpus: 1, passthrough: false, guestOs: `<script>alert("guest")</script>`});
    return list;
  };
  let totalGroups = 0;
  for (let i = 0; i < runs; i++) totalGroups += envs(i).length * groupsPerEnv;
  const reps = Math.max(1, Math.round(options.samples / totalGroups));
  const runIds: string[] = [];
  let written = 0;
  for (let i = 0; i < runs; i++) {
    const source = i === runs - 1 && runs > 1 ? "ingest" : "run";
    const runId = `synthetic-${String(i + 1).padStart(2, "0")}-${source}`;
    runIds.push(runId);
    const tags: Record<string, string> = {synthetic: "true", generator: "bench/site-data.ts", note: "invented numbers for benches and tests; not results"};
    if (options.xss && i === 0) tags.label = XSS_LABEL;
    await store.deleteRun(runId);
    await store.transaction(async () => {
      await store.beginRun({runId, source, plan: {synthetic: true, samples: options.samples}, tags, vmmbenchVersion: VERSION});
      const runShift = 1 + 0.03 * i;
      for (const env of envs(i)) {
        const fp: Fingerprint = {
          environment: env.environment,
          hypervisor: env.hypervisor,
          hypervisorVersion: env.hypervisor === "none" ? null : env.hypervisor === "xen" ? "4.17 (synthetic)" : env.hypervisor === "kvm" ? "QEMU 7.2 (synthetic)" : "QEMU 7.2 TCG (synthetic)",
          mode: env.mode,
          guestOs: env.guestOs,
          kernel: "6.1.0 (synthetic)",
          cpuModel: "Synthetic CPU 2.4GHz",
          vcpus: env.vcpus,
          memoryMb: env.hypervisor === "none" ? 16384 : 1536,
          passthrough: env.passthrough,
          host: env.environment === XSS_LABEL ? `<b onmouseover=alert(2)>host</b>` : "synthetic-host",
          launch: "synthetic",
          extra: {synthetic: "true"}
        };
        await store.recordEnvironment(runId, fp);
        const samples: Sample[] = [];
        let g = 0;
        for (const f of fams) {
          for (const p of f.params) {
            g++;
            const lower = f.unit === "us" || f.unit === "s";
            const s = slowdown(env, f, runShift);
            const center = lower ? f.base(p) * s : f.base(p) / s;
            // Most groups are tight (2–4% RSD); every 17th is noisy, every 23rd bimodal.
            const sd = g % 17 === 0 ? 0.09 : 0.015 + 0.02 * random();
            const bimodal = g % 23 === 0;
            for (let r = 0; r < reps; r++) {
              const failed = f.metric === "lat_ctx" && p.procs === 16 && p.size_kb === 64 && r % 50 === 7;
              const mode = bimodal && random() < 0.35 ? 1.3 : 1;
              const value = center * mode * Math.exp(sd * normal());
              samples.push({suite: f.suite, metric: f.metric, params: p, unit: f.unit, value: failed ? NaN : value, repetition: r, status: failed ? "failed" : "ok", note: failed ? "synthetic failure" : undefined});
            }
          }
        }
        await store.writeStep({
          runId,
          stepId: `${env.environment}/synthetic`,
          environment: env.environment,
          status: "done",
          startedAt: new Date(0),
          durationMs: 0,
          raw: [],
          samples,
          provenance: {tool: "vmmbench-synthetic", toolVersion: VERSION, engine: source === "ingest" ? "ingest" : "builtin"}
        });
        written += samples.length;
      }
      await store.finishRun(runId, "complete");
    });
    options.log?.(`${runId}: ${envs(i).length} environments × ${groupsPerEnv} groups × ${reps} repetitions`);
  }
  return {samples: written, groups: totalGroups, runIds};
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const db = opt("db") ?? "/tmp/vmmbench-site-1m.duckdb";
  const samples = Number(opt("samples") ?? 1_000_000);
  const runs = Number(opt("runs") ?? 2);
  if (args.includes("--fresh") && existsSync(db)) rmSync(db);
  const start = performance.now();
  const store = await Store.open(db);
  try {
    const result = await generateSiteData(store, {samples, runs, xss: args.includes("--xss"), log: console.log});
    console.log(`SYNTHETIC data: ${result.samples} samples in ${result.groups} groups, runs ${result.runIds.join(", ")} → ${db} (${((performance.now() - start) / 1000).toFixed(1)} s)`);
  } finally {
    store.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
