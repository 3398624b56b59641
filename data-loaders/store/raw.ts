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
 * name first so a crash never leaves a truncated file that looks complete.
 */
export function keepRaw(dataDir: string, runId: string, relative: string, content: string | Uint8Array, format: string): RawOutput {
  const path = join("runs", safeName(runId), relative);
  const full = join(dataDir, path);
  mkdirSync(dirname(full), {recursive: true});
  writeFileSync(`${full}.tmp`, content);
  renameSync(`${full}.tmp`, full);
  return {sha256: sha256(content), path, bytes: typeof content === "string" ? Buffer.byteLength(content) : content.length, format};
}
