/** The files of an export: listing them and their sha256, read in chunks so a large Parquet file never sits in memory whole. */
import {createHash} from "node:crypto";
import {closeSync, openSync, readdirSync, readSync} from "node:fs";
import {join, relative, sep} from "node:path";

/** Every regular file under `dir`, as paths relative to it with "/" separators, sorted. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, {withFileTypes: true})) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push(relative(dir, path).split(sep).join("/"));
    }
  };
  walk(dir);
  return out.sort();
}

export function sha256OfFile(path: string): string {
  const hash = createHash("sha256");
  const buffer = Buffer.alloc(1 << 20);
  const fd = openSync(path, "r");
  try {
    for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0; ) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}
