import {openForReading} from "../store/reader.ts";
import {databasePath} from "./summary.ts";

/**
 * Every environment of every run with its fingerprint, for the report's provenance tables and
 * filters, with whether it ran: an environment that never started (or could not say what it is)
 * is listed with that status and the reason, and its failed steps are counted.
 */
export async function loadEnvironments(dbPath = databasePath()): Promise<Record<string, unknown>[]> {
  const store = await openForReading(dbPath);
  try {
    const rows = await store.query(`
      WITH counts AS (SELECT run_id, environment, count(*) FILTER (WHERE status = 'ok') AS samples, count(DISTINCT step_id) FILTER (WHERE status = 'failed') AS failed_steps FROM results GROUP BY ALL)
      SELECT r.source, r.run_id, r.started_at, r.status, e.* EXCLUDE (run_id, launch),
             coalesce(c.samples, 0) AS samples, coalesce(c.failed_steps, 0) AS failed_steps
      FROM environments e JOIN runs r USING (run_id)
      LEFT JOIN counts c ON c.run_id = e.run_id AND c.environment = e.environment
      ORDER BY CASE r.source WHEN 'reference' THEN 0 WHEN 'run' THEN 1 ELSE 2 END, r.started_at DESC, e.environment`);
    // Of the fingerprint's free-form extras, the report shows what changes how a ratio reads:
    // measured inside an emulator (the nested lab), and KVM's paging mode (KVM-60 had no EPT).
    return rows.map(({extra, ...row}) => {
      const facts = JSON.parse(String(extra ?? "{}")) as Record<string, string>;
      return {...row, nested_under: facts.nested_under ?? null, paging: facts.paging ?? null, ran: facts.status ?? "ran", problem: facts.error ?? null};
    });
  } finally {
    store.close();
  }
}
