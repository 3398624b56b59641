import {resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {ensureReference} from "../reference.ts";
import {bootstrapRatio, looksBimodal, median, quantile, rsd} from "../stats.ts";
import {DEFAULT_DB, Store} from "../store/store.ts";
import {LOWER_IS_BETTER_UNITS} from "../samples.ts";

/** Above this relative standard deviation a value is flagged noisy in the report. */
export const NOISY_RSD = 0.05;

/** One cell of the report: a metric in one environment of one run, with its spread and overhead. */
export interface SummaryRow {
  source: string;
  run_id: string;
  environment: string;
  hypervisor: string;
  mode: string;
  guest_os: string | null;
  vcpus: number | null;
  passthrough: boolean | null;
  suite: string;
  metric: string;
  params: string;
  unit: string;
  lower_is_better: boolean;
  n: number;
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
  rsd: number;
  noisy: boolean;
  bimodal: boolean;
  /** The environment this row is compared with (hypervisor 'none' in the same run), or null. */
  baseline: string | null;
  /** median / baseline median, with a 95% bootstrap interval. */
  ratio: number | null;
  ratio_low: number | null;
  ratio_high: number | null;
  failed: number;
}

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The database the report reads: $VMMBENCH_DB (set by `vmmbench site build --db`) or the project's default. */
export function databasePath(): string {
  return resolve(PROJECT_ROOT, process.env.VMMBENCH_DB ?? DEFAULT_DB);
}

interface Group {
  key: Omit<SummaryRow, "lower_is_better" | "n" | "median" | "min" | "max" | "q1" | "q3" | "rsd" | "noisy" | "bimodal" | "baseline" | "ratio" | "ratio_low" | "ratio_high" | "failed">;
  values: number[];
  failed: number;
}

/** Reads every sample once and summarises it per run × environment × metric × params. */
export async function loadSummary(dbPath = databasePath()): Promise<SummaryRow[]> {
  const store = await Store.open(dbPath);
  try {
    await ensureReference(store);
    const rows = await store.query(`
      SELECT source, run_id, environment, hypervisor, mode, guest_os, vcpus, passthrough, suite, metric, params, unit,
             list(value ORDER BY repetition) FILTER (WHERE status = 'ok' AND value IS NOT NULL) AS vals,
             count(*) FILTER (WHERE status <> 'ok') AS failed
      FROM results
      GROUP BY ALL
      ORDER BY source, run_id, environment, suite, metric, params`);
    const groups: Group[] = rows.map((r) => ({
      key: {
        source: String(r.source),
        run_id: String(r.run_id),
        environment: String(r.environment),
        hypervisor: String(r.hypervisor),
        mode: String(r.mode),
        guest_os: (r.guest_os as string | null) ?? null,
        vcpus: (r.vcpus as number | null) ?? null,
        passthrough: (r.passthrough as boolean | null) ?? null,
        suite: String(r.suite),
        metric: String(r.metric),
        params: String(r.params),
        unit: String(r.unit)
      },
      values: ((r.vals as number[] | null) ?? []).map(Number),
      failed: Number(r.failed)
    }));
    return summarise(groups);
  } finally {
    store.close();
  }
}

/** Pure: statistics per group and the ratio to the same run's native environment. */
export function summarise(groups: Group[]): SummaryRow[] {
  const baselineOf = new Map<string, string>();
  for (const g of groups) if (g.key.hypervisor === "none" && !baselineOf.has(g.key.run_id)) baselineOf.set(g.key.run_id, g.key.environment);
  const index = new Map<string, Group>();
  for (const g of groups) index.set(`${g.key.run_id}\0${g.key.environment}\0${g.key.metric}\0${g.key.params}`, g);
  const out: SummaryRow[] = [];
  for (const g of groups) {
    if (g.values.length === 0 && g.failed === 0) continue;
    const baseline = baselineOf.get(g.key.run_id) ?? null;
    const base = baseline === null ? undefined : index.get(`${g.key.run_id}\0${baseline}\0${g.key.metric}\0${g.key.params}`);
    const ci = base && base.values.length && g.values.length ? bootstrapRatio(g.values, base.values) : null;
    const spread = rsd(g.values);
    out.push({
      ...g.key,
      lower_is_better: LOWER_IS_BETTER_UNITS.has(g.key.unit),
      n: g.values.length,
      median: median(g.values),
      min: Math.min(...g.values),
      max: Math.max(...g.values),
      q1: quantile(g.values, 0.25),
      q3: quantile(g.values, 0.75),
      rsd: spread,
      noisy: spread > NOISY_RSD,
      bimodal: looksBimodal(g.values),
      baseline: base ? baseline : null,
      ratio: ci?.ratio ?? null,
      ratio_low: ci?.low ?? null,
      ratio_high: ci?.high ?? null,
      failed: g.failed
    });
  }
  return out.map(finite);
}

/** JSON has no NaN or Infinity; an empty group's statistics become null. */
function finite(row: SummaryRow): SummaryRow {
  const copy: Record<string, unknown> = {...row};
  for (const [k, v] of Object.entries(copy)) if (typeof v === "number" && !Number.isFinite(v)) copy[k] = null;
  return copy as unknown as SummaryRow;
}
