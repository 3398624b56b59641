import {ensureReference} from "../reference.ts";
import {Store} from "../store/store.ts";
import {databasePath} from "./summary.ts";

/** Every environment of every run with its fingerprint, for the report's provenance tables. */
export async function loadEnvironments(dbPath = databasePath()): Promise<Record<string, unknown>[]> {
  const store = await Store.open(dbPath);
  try {
    await ensureReference(store);
    return await store.query(`
      SELECT r.source, r.run_id, r.started_at, r.status, e.*
        EXCLUDE (run_id),
        (SELECT count(*) FROM samples s WHERE s.run_id = e.run_id AND s.environment = e.environment) AS samples
      FROM environments e JOIN runs r USING (run_id)
      ORDER BY r.source, r.started_at DESC, e.environment`);
  } finally {
    store.close();
  }
}
