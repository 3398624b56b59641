/**
 * What the report's Compare page shows: `vmmbench compare`'s table for the comparisons a database
 * suggests, computed at build time with the same code and defaults as the command.
 *
 * Which comparisons: those named for the build (`vmmbench site build --compare A..B`, passed as
 * VMMBENCH_COMPARE), then each tag's values in the order they first appeared (`run --tag
 * kernel=6.6`), each run against the run before it that measured the same environments ("did this
 * upgrade make anything slower?"), and each host of a fleet group against the group's first host
 * ("how do these hosts compare?").
 */
import {ensurePaperData} from "../paper/che2008.ts";
import {Store} from "../store/store.ts";
import {compare, resolveSelector, type CompareRow} from "./compare.ts";
import {DEFAULT_COMPARE, EARLY_STOP} from "./compare-stats.ts";
import {BOOTSTRAP_ITERATIONS} from "./bootstrap.ts";
import {databasePath} from "./summary.ts";

/** At most this many comparisons of each kind, the newest first. */
const MOST = 12;

export const COMPARE_METHOD = {
  ratio: "median of B / median of A, with a 95% percentile-bootstrap interval",
  iterations: BOOTSTRAP_ITERATIONS,
  test: "two-sided permutation test of the difference of medians; labels permuted within rounds where a campaign interleaved A and B",
  early_stop: EARLY_STOP,
  correction: "Holm (family-wise: the chance that any series of two identical builds is flagged stays below α)",
  alpha: DEFAULT_COMPARE.alpha,
  threshold: DEFAULT_COMPARE.threshold
};

export type PageRow = Omit<CompareRow, "key">;

export interface ComparisonData {
  id: string;
  a: string;
  b: string;
  kind: "named" | "runs" | "tags" | "hosts";
  design: string;
  only_a: number;
  only_b: number;
  /** Column-oriented ({column: [values]}), as the other pages' data: no key repeated per row. */
  rows: {[K in keyof PageRow]: PageRow[K][]};
}

export interface ComparePageData {
  method: typeof COMPARE_METHOD;
  comparisons: ComparisonData[];
  /** Pairs that could not be compared, with why (a named pair that matches nothing). */
  skipped: {a: string; b: string; why: string}[];
}

export async function comparePage(dbPath = databasePath()): Promise<ComparePageData> {
  const store = await Store.open(dbPath);
  try {
    await ensurePaperData(store);
    const comparisons: ComparisonData[] = [];
    const skipped: ComparePageData["skipped"] = [];
    // A tag held by one run each side is the same comparison as those two runs: shown once, as the tags.
    const seen = new Set<string>();
    for (const [kind, a, b] of await suggestedPairs(store)) {
      const id = `${a}..${b}`;
      try {
        const [sa, sb] = [await resolveSelector(store, a), await resolveSelector(store, b)];
        if (seen.has(`${sa.where}\u0000${sb.where}`)) continue;
        seen.add(`${sa.where}\u0000${sb.where}`);
        const result = await compare(store, sa, sb, DEFAULT_COMPARE);
        if (result.rows.length === 0) throw new Error("no series measured on both sides");
        comparisons.push({id, a: result.a.label, b: result.b.label, kind, design: result.design, only_a: result.onlyA, only_b: result.onlyB, rows: byColumn(result.rows.map(({key: _key, ...row}) => row))});
      } catch (error) {
        skipped.push({a, b, why: (error as Error).message});
      }
    }
    return {method: COMPARE_METHOD, comparisons, skipped};
  } finally {
    store.close();
  }
}

type Pair = [ComparisonData["kind"], string, string];

async function suggestedPairs(store: Store): Promise<Pair[]> {
  const pairs: Pair[] = namedPairs().map(([a, b]) => ["named", a, b] as Pair);
  const tags = await store.query(
    `SELECT k, v FROM (SELECT k, tags::JSON ->> k AS v, started_at FROM (SELECT tags, started_at, unnest(json_keys(tags::JSON)) AS k FROM runs WHERE source <> 'reference'))
     GROUP BY k, v ORDER BY k, min(started_at), v`
  );
  const tagPairs: Pair[] = [];
  for (let i = 1; i < tags.length; i++) {
    if (tags[i]!.k === tags[i - 1]!.k) tagPairs.push(["tags", `tag:${tags[i]!.k}=${tags[i - 1]!.v}`, `tag:${tags[i]!.k}=${tags[i]!.v}`]);
  }
  pairs.push(...tagPairs.slice(-MOST).reverse());
  const runs = await store.query(
    `SELECT run_id, list(DISTINCT environment ORDER BY environment) AS envs FROM results WHERE source <> 'reference' GROUP BY run_id ORDER BY min(started_at), run_id`
  );
  const consecutive: Pair[] = [];
  for (let i = 1; i < runs.length; i++) {
    const before = new Set(runs[i - 1]!.envs as string[]);
    if ((runs[i]!.envs as string[]).some((env) => before.has(env))) consecutive.push(["runs", `run:${runs[i - 1]!.run_id}`, `run:${runs[i]!.run_id}`]);
  }
  pairs.push(...consecutive.slice(-MOST).reverse());
  const hosts = await store.query(
    `SELECT json_extract_string(extra, '$.fleet_group') AS grp, list(DISTINCT environment ORDER BY environment) AS envs
     FROM environments WHERE json_extract_string(extra, '$.fleet_group') IS NOT NULL AND launch NOT LIKE '%did not start%' GROUP BY grp ORDER BY grp`
  );
  for (const {envs} of hosts) {
    const [first, ...others] = envs as string[];
    for (const other of others.slice(0, MOST)) pairs.push(["hosts", `env:${first}`, `env:${other}`]);
  }
  return pairs;
}

function byColumn(rows: PageRow[]): ComparisonData["rows"] {
  const names = Object.keys(rows[0] ?? {}) as (keyof PageRow)[];
  return Object.fromEntries(names.map((name) => [name, rows.map((row) => row[name])])) as ComparisonData["rows"];
}

/** `site build --compare A..B` (repeatable), handed to the loaders as a JSON list. */
function namedPairs(): [string, string][] {
  const text = process.env.VMMBENCH_COMPARE;
  if (!text) return [];
  return (JSON.parse(text) as string[]).map((pair) => {
    const at = pair.indexOf("..");
    return [pair.slice(0, at), pair.slice(at + 2)];
  });
}
