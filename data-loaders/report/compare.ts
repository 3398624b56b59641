/**
 * What `vmmbench compare A B` and the Compare page compare: two runs, two environments or two tags,
 * each a set of samples, paired series by series (compare-stats.ts does the statistics).
 *
 * - run vs run, tag vs tag (`kernel=6.1` vs `kernel=6.6`, the runs tagged so): a series is an
 *   environment's suite × metric × parameters, present on both sides; B is the candidate.
 * - environment vs environment: within the runs that measured both (one campaign, interleaved by
 *   its rotation: the test then permutes within rounds), else across every run of each.
 *
 * A selector is written `run:ID` (or a unique prefix), `env:LABEL`, `tag:KEY=VALUE`, or bare, which
 * is tried as a run id, then KEY=VALUE as a tag, then an environment label.
 */
import {ConfigError} from "../errors.ts";
import {LOWER_IS_BETTER_UNITS} from "../model/sample.ts";
import {sqlList, sqlString} from "../store/sql-text.ts";
import type {Store} from "../store/store.ts";
import {compareSeries, type CompareOptions, type SeriesComparison, type SeriesInput} from "./compare-stats.ts";

export type SelectorKind = "run" | "env" | "tag";

export interface Selector {
  kind: SelectorKind;
  /** As written. */
  text: string;
  /** What it stands for, in words ("run 2025…-1a2b3c", "environment kvm", "tag kernel=6.6 (3 runs)"). */
  label: string;
  /** The SQL condition on `results` rows that picks its samples. */
  where: string;
}

export interface CompareFilters {
  suites?: readonly string[];
  metrics?: readonly string[];
  environments?: readonly string[];
}

/** One compared series, as the CLI prints it and the page shows it. */
export interface CompareRow extends SeriesComparison {
  suite: string;
  metric: string;
  params: string;
  unit: string;
  lower_is_better: boolean;
  /** What the series is paired on besides suite × metric × params: the environment, or the run. */
  pair: string;
}

export interface Comparison {
  a: Selector;
  b: Selector;
  /** How the two sides were paired, in words. */
  design: string;
  rows: CompareRow[];
  /** Series measured on one side only (not compared). */
  onlyA: number;
  onlyB: number;
}

export async function resolveSelector(store: Store, text: string): Promise<Selector> {
  const colon = /^(run|env|tag):(.*)$/s.exec(text);
  const kind = colon?.[1] as SelectorKind | undefined;
  const value = colon ? colon[2]! : text;
  if (value === "") throw new ConfigError(`${text}: expected a run id, an environment label or a tag KEY=VALUE after the colon`);
  if (kind === "run" || kind === undefined) {
    const runs = (await store.query(`SELECT run_id FROM runs WHERE source <> 'reference' AND starts_with(run_id, $1) ORDER BY run_id`, [value])).map((r) => String(r.run_id));
    const exact = runs.includes(value) ? [value] : runs;
    if (exact.length === 1) return {kind: "run", text, label: `run ${exact[0]}`, where: `run_id IN (${sqlList(exact)})`};
    if (exact.length > 1) throw new ConfigError(`${text}: more than one run starts so (${exact.slice(0, 4).join(", ")}${exact.length > 4 ? ", …" : ""}); give more of the id`);
    if (kind === "run") throw new ConfigError(`${text}: no run with that id${await choices(store, "SELECT DISTINCT run_id AS v FROM runs WHERE source <> 'reference' ORDER BY 1 DESC")}`);
  }
  if (kind === "tag" || (kind === undefined && value.includes("="))) {
    const eq = value.indexOf("=");
    if (eq <= 0) throw new ConfigError(`${text}: expected a tag as KEY=VALUE`);
    const [key, wanted] = [value.slice(0, eq), value.slice(eq + 1)];
    const runs = (await store.query(`SELECT run_id FROM runs WHERE source <> 'reference' AND json_extract_string(tags, '$.' || to_json($1)::VARCHAR) = $2`, [key, wanted])).map((r) => String(r.run_id));
    if (runs.length === 0) {
      throw new ConfigError(`${text}: no run is tagged ${key}=${wanted}${await choices(store, "SELECT DISTINCT k || '=' || (tags::JSON ->> k) AS v FROM (SELECT tags, unnest(json_keys(tags::JSON)) AS k FROM runs) ORDER BY 1")}`);
    }
    return {kind: "tag", text, label: `tag ${key}=${wanted} (${runs.length} run${runs.length > 1 ? "s" : ""})`, where: `run_id IN (${sqlList(runs)})`};
  }
  const known = await store.query(`SELECT 1 FROM results WHERE source <> 'reference' AND environment = $1 LIMIT 1`, [value]);
  if (known.length === 0) {
    const what = kind === "env" ? "no environment with that label" : "neither a run id, a tag KEY=VALUE nor an environment label";
    throw new ConfigError(`${text}: ${what}${await choices(store, "SELECT DISTINCT environment AS v FROM results WHERE source <> 'reference' ORDER BY 1")}`);
  }
  return {kind: "env", text, label: `environment ${value}`, where: `environment = ${sqlString(value)}`};
}

async function choices(store: Store, sql: string): Promise<string> {
  const values = (await store.query(`${sql} LIMIT 9`)).map((r) => String(r.v));
  return values.length ? ` (there are: ${values.slice(0, 8).join(", ")}${values.length > 8 ? ", …" : ""})` : " (the database holds none)";
}

/** Loads both sides' samples, pairs them into series and compares them. */
export async function compare(store: Store, a: Selector, b: Selector, options: CompareOptions, filters: CompareFilters = {}): Promise<Comparison> {
  if (a.kind !== b.kind) throw new ConfigError(`compare: A is a ${a.kind} and B a ${b.kind}; compare two runs, two environments or two tags`);
  if (a.where === b.where) throw new ConfigError(`compare: A and B are the same ${a.label}`);
  const conditions = [`status = 'ok'`, `isfinite(value)`, `source <> 'reference'`];
  if (filters.suites?.length) conditions.push(`suite IN (${sqlList(filters.suites)})`);
  if (filters.metrics?.length) conditions.push(`metric IN (${sqlList(filters.metrics)})`);
  if (filters.environments?.length) conditions.push(`environment IN (${sqlList(filters.environments)})`);
  const filter = conditions.join(" AND ");
  let pair = "environment";
  let design = "each environment's series in A against the same environment's in B";
  if (a.kind === "env") {
    const shared = await store.query(`SELECT run_id FROM results WHERE ${filter} AND (${a.where}) INTERSECT SELECT run_id FROM results WHERE ${filter} AND (${b.where})`);
    if (shared.length > 0) {
      pair = "run_id";
      conditions.push(`run_id IN (${sqlList(shared.map((r) => String(r.run_id)))})`);
      design = "within each run that measured both; where they were interleaved in rounds, labels are permuted within a round";
    } else {
      pair = "''";
      design = "every run of each environment pooled (they never ran in the same campaign)";
    }
  }
  const rows = await store.query(
    `SELECT side, ${pair}::VARCHAR AS pair, suite, metric, params, unit, list(value) AS vals, list(round) AS rounds
     FROM (SELECT CASE WHEN ${a.where} THEN 'a' ELSE 'b' END AS side, *, TRY_CAST(regexp_extract(step_id, '/r(\\d+)/', 1) AS INTEGER) AS round
           FROM results WHERE ${conditions.join(" AND ")} AND ((${a.where}) OR (${b.where})))
     GROUP BY ALL ORDER BY suite, metric, params, pair`
  );
  const series = new Map<string, {a?: Record<string, unknown>; b?: Record<string, unknown>}>();
  for (const row of rows) {
    const key = [row.pair, row.suite, row.metric, row.params, row.unit].join("\u0000");
    series.set(key, {...series.get(key), [String(row.side)]: row});
  }
  const both = [...series].filter(([, s]) => s.a && s.b);
  const inputs: SeriesInput[] = both.map(([key, s]) => {
    const roundsA = (s.a!.rounds as (number | null)[]) ?? [];
    const roundsB = (s.b!.rounds as (number | null)[]) ?? [];
    const interleaved = a.kind === "env" && pair === "run_id" && ![...roundsA, ...roundsB].some((r) => r === null);
    return {
      key,
      a: s.a!.vals as number[],
      b: s.b!.vals as number[],
      lowerIsBetter: LOWER_IS_BETTER_UNITS.has(String(s.a!.unit)),
      ...(interleaved ? {rounds: {a: roundsA as number[], b: roundsB as number[]}} : {})
    };
  });
  const compared = compareSeries(inputs, options);
  return {
    a,
    b,
    design,
    onlyA: [...series.values()].filter((s) => s.a && !s.b).length,
    onlyB: [...series.values()].filter((s) => s.b && !s.a).length,
    rows: sortRows(
      compared.map((result, i) => {
        const s = both[i]![1].a!;
        return {...result, suite: String(s.suite), metric: String(s.metric), params: String(s.params), unit: String(s.unit), lower_is_better: inputs[i]!.lowerIsBetter, pair: String(s.pair)};
      })
    )
  };
}

const VERDICT_ORDER = {regressed: 0, improved: 1, changed: 2, unchanged: 3, "too few": 4} as const;

/** Regressions first, worst first; then improvements, changes within the threshold, the rest. */
export function sortRows(rows: CompareRow[]): CompareRow[] {
  return rows.sort((x, y) => VERDICT_ORDER[x.verdict] - VERDICT_ORDER[y.verdict] || (y.slowdown - x.slowdown) * (x.verdict === "improved" ? -1 : 1) || x.key.localeCompare(y.key));
}

/** One line: how many series went which way, under which rule. */
export function verdictLine(comparison: Comparison, options: CompareOptions): string {
  const count = (v: CompareRow["verdict"]) => comparison.rows.filter((r) => r.verdict === v).length;
  const rule = `${options.correction === "holm" ? "Holm-corrected" : "Benjamini–Hochberg-corrected"} at α = ${options.alpha}, threshold ${(options.threshold * 100).toFixed(1)}%`;
  const unpaired = comparison.onlyA + comparison.onlyB ? `; ${comparison.onlyA} series only in A, ${comparison.onlyB} only in B (not compared)` : "";
  return `${comparison.rows.length} series (${rule}): ${count("regressed")} regressed, ${count("improved")} improved, ${count("changed")} changed within the threshold, ${count("unchanged")} unchanged, ${count("too few")} with too few values${unpaired}`;
}
