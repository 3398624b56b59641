import {ConfigError} from "../errors.ts";
import {compare, resolveSelector, verdictLine, type CompareRow} from "../report/compare.ts";
import type {CompareOptions, Correction} from "../report/compare-stats.ts";
import {Store} from "../store/store.ts";
import {formatRows, type OutputFormat} from "./format.ts";

/** The exit status when a series regressed beyond the threshold with significance (CI gates fail on it). */
export const REGRESSED_EXIT = 3;

export interface CompareCommandOptions {
  db: string;
  a: string;
  b: string;
  threshold: number;
  alpha: number;
  correction: Correction;
  suites: string[];
  metrics: string[];
  environments: string[];
  format: OutputFormat;
  /** Every series, not only those that changed. */
  all: boolean;
  out: NodeJS.WritableStream;
  log: (line: string) => void;
}

/** `vmmbench compare A B`: the table of series (regressions first) and an exit status a pipeline can gate on. */
export async function compareCommand(opts: CompareCommandOptions): Promise<number> {
  const store = await Store.open(opts.db);
  try {
    const options: CompareOptions = {threshold: opts.threshold, alpha: opts.alpha, correction: opts.correction};
    const a = await resolveSelector(store, opts.a);
    const b = await resolveSelector(store, opts.b);
    const comparison = await compare(store, a, b, options, {suites: opts.suites, metrics: opts.metrics, environments: opts.environments});
    if (comparison.rows.length === 0) {
      throw new ConfigError(`compare: ${a.label} and ${b.label} share no series${comparison.onlyA + comparison.onlyB ? ` (${comparison.onlyA} only in A, ${comparison.onlyB} only in B)` : ""}`);
    }
    opts.log(`A: ${a.label}\nB: ${b.label}\npaired ${comparison.design}`);
    const shown = opts.all || opts.format !== "table" ? comparison.rows : comparison.rows.filter((row) => row.verdict !== "unchanged" && row.verdict !== "too few");
    if (opts.format === "table" && shown.length === 0) {
      opts.out.write("no series changed beyond its noise (--all lists every series)\n");
    } else if (opts.format === "table") {
      const columns = ["verdict", "suite", "metric", "params", "pair", "n", "median A", "median B", "slowdown [95% CI]", "p", "p adjusted"];
      opts.out.write(formatRows(columns, shown.map(tableRow), "table"));
    } else {
      const columns = Object.keys(comparison.rows[0]!).filter((c) => c !== "key");
      opts.out.write(formatRows(columns, shown as unknown as Record<string, unknown>[], opts.format));
    }
    opts.log(verdictLine(comparison, options));
    return comparison.rows.some((row) => row.verdict === "regressed") ? REGRESSED_EXIT : 0;
  } finally {
    store.close();
  }
}

function tableRow(row: CompareRow): Record<string, unknown> {
  const number = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(4)).toString() : "–");
  return {
    verdict: row.verdict,
    suite: row.suite,
    metric: row.metric,
    params: row.params === "{}" ? "" : row.params,
    pair: row.pair,
    n: `${row.n_a}/${row.n_b}`,
    "median A": `${number(row.median_a)} ${row.unit}`,
    "median B": `${number(row.median_b)} ${row.unit}`,
    "slowdown [95% CI]": `${row.slowdown.toFixed(3)}× [${row.slowdown_low.toFixed(3)}, ${row.slowdown_high.toFixed(3)}]`,
    p: number(row.p),
    "p adjusted": number(row.p_adjusted)
  };
}
