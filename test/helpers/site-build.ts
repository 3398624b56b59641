import {execa} from "execa";
import {join} from "node:path";
import {ROOT} from "./shared.ts";

/**
 * Builds the report of `db` into `<dir>/dist` with the CLI, as a user would, with its report
 * cache under `<dir>/cache`: a test never writes the project's dist/ or caches.
 */
export async function buildReportInto(dir: string, db: string): Promise<string> {
  const out = join(dir, "dist");
  await execa("node", [join(ROOT, "bin", "vmmbench.js"), "site", "build", "--db", db, "--out", out], {cwd: ROOT, env: {VMMBENCH_CACHE: join(dir, "cache")}});
  return out;
}
