/**
 * Rebuilds a captured sysfs/procfs tree (test/targets/fixtures/sysfs/*.txt, written by capture.sh in a
 * real kernel) under a temporary directory, so the pass-through checks read it as they read /sys.
 *
 *   D path          a directory (relative to /sys)
 *   L path target   a symlink, its target as readlink printed it
 *   F path text     a file holding `text`
 *   P name          a /proc file (relative to /proc); its lines follow, indented by two spaces
 */
import {mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {dirname, join} from "node:path";
import {ROOT} from "./shared.ts";

export const SYSFS_FIXTURES = join(ROOT, "test", "targets", "fixtures", "sysfs");

export function sysfsCapture(name: string): {sys: string; proc: string} {
  const dir = mkdtempSync(join(tmpdir(), `vmmb-sysfs-${name}-`));
  const sys = join(dir, "sys");
  const proc = join(dir, "proc");
  let procFile: {path: string; lines: string[]} | undefined;
  const flush = () => {
    if (procFile) writeFileSync(procFile.path, procFile.lines.map((line) => `${line}\n`).join(""));
    procFile = undefined;
  };
  for (const line of readFileSync(join(SYSFS_FIXTURES, `${name}.txt`), "utf8").split("\n")) {
    if (procFile && line.startsWith("  ")) {
      procFile.lines.push(line.slice(2));
      continue;
    }
    flush();
    const [kind, path, ...rest] = line.split(" ");
    if (!kind || kind === "#") continue;
    const at = join(kind === "P" ? proc : sys, path!);
    mkdirSync(kind === "D" ? at : dirname(at), {recursive: true});
    if (kind === "L") symlinkSync(rest.join(" "), at);
    else if (kind === "F") writeFileSync(at, `${rest.join(" ")}\n`);
    else if (kind === "P") procFile = {path: at, lines: []};
  }
  flush();
  return {sys, proc};
}
