/**
 * The verbatim copies of one ingest, kept as one POSIX tar archive (`runs/<run-id>.tar`) instead
 * of one file per input: creating thousands of small files cost more than parsing them did
 * (bench/ingest.ts, small files), while one archive is a single sequential write. The archive is
 * plain ustar, so `tar -xf` gives every input back byte for byte under its member name; each
 * raw_outputs row also records where its bytes start inside the archive.
 */
import {createWriteStream, existsSync, mkdirSync, openSync, readSync, closeSync, renameSync, rmSync} from "node:fs";
import {finished} from "node:stream/promises";
import {dirname, join} from "node:path";
import {safeName, sha256} from "./raw.ts";
import {StoreError, type RawOutput} from "./store.ts";

const BLOCK = 512;
/** ustar's size field: 11 octal digits. */
const MAX_MEMBER_BYTES = 8 ** 11 - 1;
const MAX_NAME = 100;
const ZEROS = Buffer.alloc(2 * BLOCK);

export interface ArchiveMember {
  /** Member name inside the archive; made file-name safe and cut to ustar's 100 bytes. */
  name: string;
  content: Uint8Array;
  format: string;
  sha256?: string;
}

/**
 * Writes the members into `<dataDir>/runs/<run-id>.tar` in the background. The records come back
 * at once; `done` settles once the archive is complete under its final name. Until then it is
 * `<run-id>.tar.partial`, so a crash never leaves a truncated archive that looks complete, and a
 * failed write removes it. Callers await `done` before they commit the records.
 */
export function keepRawArchive(dataDir: string, runId: string, members: readonly ArchiveMember[]): {outputs: RawOutput[]; done: Promise<void>} {
  const path = join("runs", `${safeName(runId)}.tar`);
  const full = join(dataDir, path);
  if (existsSync(full)) throw new StoreError(`raw archive ${full} already exists; a run id is never reused`);
  mkdirSync(dirname(full), {recursive: true});
  const partial = `${full}.partial`;
  const stream = createWriteStream(partial);
  const mtime = Math.floor(Date.now() / 1000);
  const outputs: RawOutput[] = [];
  let offset = 0;
  for (const member of members) {
    const size = member.content.length;
    if (size > MAX_MEMBER_BYTES) throw new StoreError(`${member.name}: ${size} bytes is more than a tar member holds`);
    stream.write(header(memberName(member.name), size, mtime));
    offset += BLOCK;
    outputs.push({sha256: member.sha256 ?? sha256(member.content), path, bytes: size, format: member.format, offset});
    stream.write(member.content);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) stream.write(ZEROS.subarray(0, pad));
    offset += size + pad;
  }
  // Two zero blocks end a tar archive.
  stream.end(ZEROS);
  const done = finished(stream).then(
    () => renameSync(partial, full),
    (error: unknown) => {
      rmSync(partial, {force: true});
      throw error;
    }
  );
  done.catch(() => undefined); // awaited by the caller; never an unhandled rejection meanwhile
  return {outputs, done};
}

/** The verbatim bytes of one raw output, whether kept alone or inside an ingest's archive. */
export function readRawOutput(dataDir: string, raw: {path: string; bytes: number; offset?: number | null}): Buffer {
  const fd = openSync(join(dataDir, raw.path), "r");
  try {
    const out = Buffer.alloc(raw.bytes);
    let read = 0;
    while (read < raw.bytes) {
      const n = readSync(fd, out, read, raw.bytes - read, (raw.offset ?? 0) + read);
      if (n === 0) throw new StoreError(`${raw.path}: ends before the ${raw.bytes} bytes recorded for this output`);
      read += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** A safe member name of at most 100 bytes that keeps its ending (the extension and the most specific part). */
function memberName(name: string): string {
  const safe = safeName(name);
  return safe.length <= MAX_NAME ? safe : safe.slice(safe.length - MAX_NAME);
}

/** A ustar header block: fields are NUL-padded ASCII, numbers octal, checksum over the block with its own field as spaces. */
function header(name: string, size: number, mtime: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  const field = (at: number, text: string) => block.write(text, at, "ascii");
  const octal = (value: number, width: number) => value.toString(8).padStart(width - 1, "0");
  field(0, name);
  field(100, octal(0o644, 8));
  field(108, octal(0, 8));
  field(116, octal(0, 8));
  field(124, octal(size, 12));
  field(136, octal(mtime, 12));
  field(148, " ".repeat(8));
  field(156, "0");
  field(257, "ustar\u000000");
  let sum = 0;
  for (const byte of block) sum += byte;
  field(148, `${octal(sum, 7)}\u0000`);
  return block;
}
