/**
 * The paper's conclusions checked on a database: every claim of data-loaders/report/claims.ts on
 * every study, with its verdict and the evidence per part (estimate and 95% bootstrap interval),
 * as the report's overview shows them.
 *
 * Usage: npx tsx bench/reproduction.ts [--db PATH]   (default data/vmmbench.duckdb)
 *
 * The Store has no read-only mode, so the database is opened as every command opens it (which
 * refreshes the schema's views) and nothing else is written: the paper's numbers are not added
 * when missing (vmmbench run, ingest and sql store them); the paper's rows are then absent.
 */
import {parseArgs} from "node:util";
import {PAPER_RUN_ID} from "../data-loaders/paper/che2008.ts";
import {CLAIMS, evidenceText, type ClaimRow} from "../data-loaders/report/claims.ts";
import {computeReport, loadGroups, type Group} from "../data-loaders/report/summary.ts";
import {DEFAULT_DB, Store} from "../data-loaders/store/store.ts";

const {values} = parseArgs({options: {db: {type: "string", default: DEFAULT_DB}}});

const store = await Store.open(values.db!);
let groups: Group[];
try {
  groups = await loadGroups(store);
} finally {
  store.close();
}
if (!groups.some((g) => g.key.run_id === PAPER_RUN_ID)) console.error(`note: ${values.db} holds no copy of the paper's numbers (run ${PAPER_RUN_ID}); its study is left out.`);

// Through the whole report, so the intervals are the site's to the digit (same seeded replicates).
const rows = computeReport(groups).claims;

const study = (r: ClaimRow) => (r.source === "reference" ? "paper" : r.run_id);
const environments = (r: ClaimRow) => {
  if (r.environments.length === 0) return "–";
  const names = r.environments.map((e) => e.environment);
  return r.baseline ? `${names.join(", ")} vs ${r.baseline}` : names.join(" vs ");
};
const MARK: Record<ClaimRow["verdict"], string> = {"holds": "✓", "does not hold": "✗", "can't tell": "?", "not measured": "–"};
const table = [
  ["claim", "study", "environments", "verdict", "evidence"],
  ...rows.map((r) => [r.claim, study(r), environments(r), `${MARK[r.verdict]} ${r.verdict}`, r.note ?? r.evidence.map(evidenceText).join("; ")])
];
const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
const line = (row: string[]) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ");
console.log(line(table[0]));
console.log(line(widths.map((w) => "-".repeat(w))));
let previous = "";
for (const row of table.slice(1)) {
  if (previous && row[0] !== previous) console.log("");
  console.log(line(row));
  previous = row[0];
}
console.log("\nThe claims:");
for (const c of CLAIMS) console.log(`  ${c.id} (${c.section}): ${c.statement}`);
