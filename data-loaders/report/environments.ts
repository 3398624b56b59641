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
    // measured inside an emulator (the nested lab), KVM's paging mode (KVM-60 had no EPT), the disk
    // and driver the file suite went through and, for a pass-through, the device and IOMMU; and why
    // an environment could not run.
    return rows.map(({extra, ...row}) => {
      const facts = JSON.parse(String(extra ?? "{}")) as Record<string, string>;
      const pick = (key: string) => facts[key] ?? null;
      return {
        ...row,
        nested_under: pick("nested_under"),
        paging: pick("paging"),
        ran: facts.status ?? "ran",
        problem: pick("error"),
        disk_driver: pick("disk_pci_driver") ?? pick("disk_driver"),
        pt_device: pick("pt_device"),
        pt_iommu: pick("pt_iommu"),
        pt_host_driver: pick("pt_host_driver")
      };
    });
  } finally {
    store.close();
  }
}
