import {existsSync} from "node:fs";
import {fileURLToPath} from "node:url";
import {join} from "node:path";

/** Repository root, resolved from this file so tests run from any cwd. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Real outputs written by others, kept outside the project (see ../shared/fixtures/real/SOURCES.tsv). */
export const SHARED_FIXTURES = join(ROOT, "..", "shared", "fixtures", "real");

export const HAVE_SHARED = existsSync(join(SHARED_FIXTURES, "SOURCES.tsv"));

if (!HAVE_SHARED) {
  console.warn(`[vmmbench tests] ${SHARED_FIXTURES} is absent: tests over real shared fixtures are skipped.`);
}
