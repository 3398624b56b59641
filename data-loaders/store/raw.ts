import {createHash} from "node:crypto";
import {mkdirSync, renameSync, writeFileSync} from "node:fs";
import {dirname, join} from "node:path";
import type {RawOutput} from "./store.ts";

/** File-name-safe form of a label ("paper F8 on Xen 3.1" → "paper-F8-on-Xen-3.1"). */
export function safeName(label: string): string {
  return label.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "x";
}

export function sha256(content: string | Uint8Array): string {
  return createHash("sha256").update(content).digest("hex");
}

/**
 * Keeps an output verbatim under `<dataDir>/runs/<run-id>/<relative>`; written to a temporary
 * name first so a crash never leaves a truncated file that looks complete. A caller that already
 * hashed the bytes (ingest does, to skip known files) passes the digest instead of hashing twice.
 */
export function keepRaw(dataDir: string, runId: string, relative: string, content: string | Uint8Array, format: string, digest?: string): RawOutput {
  return keepRawFiles(dataDir, runId, [{relative, content, format, sha256: digest}])[0]!;
}

/** keepRaw for many files of one run: each folder is made once, then every file is written as keepRaw does. */
export function keepRawFiles(
  dataDir: string,
  runId: string,
  files: ReadonlyArray<{relative: string; content: string | Uint8Array; format: string; sha256?: string}>
): RawOutput[] {
  const made = new Set<string>();
  return files.map(({relative, content, format, sha256: digest}) => {
    const path = join("runs", safeName(runId), relative);
    const full = join(dataDir, path);
    const folder = dirname(full);
    if (!made.has(folder)) {
      mkdirSync(folder, {recursive: true});
      made.add(folder);
    }
    writeFileSync(`${full}.tmp`, content);
    renameSync(`${full}.tmp`, full);
    return {sha256: digest ?? sha256(content), path, bytes: typeof content === "string" ? Buffer.byteLength(content) : content.length, format};
  });
}
