import {createHash} from "node:crypto";
import {mkdirSync, renameSync, writeFileSync} from "node:fs";
import {dirname, join, normalize, sep} from "node:path";
import type {RawOutput} from "./store.ts";
import {StoreError} from "./store-error.ts";

/** File-name-safe form of a label ("paper F8 on Xen 3.1" → "paper-F8-on-Xen-3.1"). */
export function safeName(label: string): string {
  return label.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "x";
}

/**
 * The folder an environment's raw outputs go to: the label itself where it is a safe file name,
 * else its safe form plus a digest of the label, so two labels never share a folder ("x y" and
 * "x-y" overwrote each other's files, and a stored sha256 lost its bytes) and none leaves the run.
 */
export function labelFolder(label: string): string {
  const safe = safeName(label);
  if (safe === label && !label.startsWith(".") && label.length <= 64) return label;
  return `${safe.replace(/^\.+/, "").slice(0, 48) || "x"}-${sha256(label).slice(0, 12)}`;
}

export function sha256(content: string | Uint8Array): string {
  return createHash("sha256").update(content).digest("hex");
}

/**
 * Keeps an output verbatim under `<dataDir>/runs/<run-id>/<relative>`; written to a temporary
 * name first so a crash never leaves a truncated file that looks complete.
 */
export function keepRaw(dataDir: string, runId: string, relative: string, content: string | Uint8Array, format: string): RawOutput {
  const runDir = join("runs", safeName(runId));
  const path = normalize(join(runDir, relative));
  if (!path.startsWith(runDir + sep)) throw new StoreError(`raw output name ${JSON.stringify(relative)} leaves its run's folder ${runDir}`);
  const full = join(dataDir, path);
  mkdirSync(dirname(full), {recursive: true});
  writeFileSync(`${full}.tmp`, content);
  renameSync(`${full}.tmp`, full);
  return {sha256: sha256(content), path, bytes: typeof content === "string" ? Buffer.byteLength(content) : content.length, format};
}
