import {createHash} from "node:crypto";
import {existsSync, mkdirSync, promises as fsp, renameSync, rmSync, writeFileSync} from "node:fs";
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

/** Files written at once by keepRawRun: libuv's default thread pool has four threads. */
const PARALLEL_WRITES = 4;

/**
 * keepRawFiles for the outputs of a run that has no folder yet (an ingest): the files go into
 * `runs/<run-id>.partial/`, renamed to `runs/<run-id>/` once all are written, so a crash leaves
 * a folder named partial, never a truncated file that looks complete, and it takes one rename
 * instead of one per file. The records come back at once; the writes go on in the thread pool
 * while the caller stores samples, and `done` settles when the folder is in place (after a
 * failure, with the partial folder removed). Callers await `done` before they commit.
 */
export function keepRawRun(
  dataDir: string,
  runId: string,
  files: ReadonlyArray<{relative: string; content: string | Uint8Array; format: string; sha256?: string}>
): {outputs: RawOutput[]; done: Promise<void>} {
  const folder = join(dataDir, "runs", safeName(runId));
  if (existsSync(folder)) return {outputs: keepRawFiles(dataDir, runId, files), done: Promise.resolve()};
  const partial = `${folder}.partial`;
  rmSync(partial, {recursive: true, force: true});
  mkdirSync(partial, {recursive: true});
  const made = new Set<string>([partial]);
  const outputs = files.map(({relative, content, format, sha256: digest}) => {
    const inside = dirname(join(partial, relative));
    if (!made.has(inside)) {
      mkdirSync(inside, {recursive: true});
      made.add(inside);
    }
    return {sha256: digest ?? sha256(content), path: join("runs", safeName(runId), relative), bytes: typeof content === "string" ? Buffer.byteLength(content) : content.length, format};
  });
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < files.length && !failed) {
      const file = files[next++]!;
      try {
        await fsp.writeFile(join(partial, file.relative), file.content);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const workers = Array.from({length: Math.min(PARALLEL_WRITES, files.length)}, worker);
  // allSettled: nothing is removed or renamed while a write is still in flight.
  const done = Promise.allSettled(workers).then((results) => {
    const rejected = results.find((result) => result.status === "rejected");
    if (rejected) {
      rmSync(partial, {recursive: true, force: true});
      throw rejected.reason;
    }
    renameSync(partial, folder);
  });
  done.catch(() => undefined); // awaited by the caller; never an unhandled rejection meanwhile
  return {outputs, done};
}
