/**
 * The verbatim copies of one ingest, kept as one POSIX tar archive (`runs/<run-id>.tar`) instead
 * of one file per input: creating thousands of small files cost more than parsing them did
 * (bench/ingest.ts, small files), while one archive is a single sequential write. The archive is
 * POSIX (ustar, with a pax header for a name longer than ustar's 100 bytes, so two long names never
 * collide on their first 100), so `tar -xf` gives every input back byte for byte under its member
 * name; each raw_outputs row also records where its bytes start inside the archive.
 */
import {closeSync, createWriteStream, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, type WriteStream} from "node:fs";
import {once} from "node:events";
import {finished} from "node:stream/promises";
import {dirname, join} from "node:path";
import {safeName, sha256} from "./raw.ts";
import type {RawOutput} from "./store.ts";
import {StoreError} from "./store-error.ts";

const BLOCK = 512;
/** ustar's size field: 11 octal digits. */
const MAX_MEMBER_BYTES = 8 ** 11 - 1;
const MAX_NAME = 100;
const ZEROS = Buffer.alloc(2 * BLOCK);
/**
 * Bytes that may wait for the disk before `drained` waits. Above one ingest batch (16 MiB), so
 * that a batch's writes go on while the next batch is parsed: on the small-file bench, waiting
 * for each batch's own writes took 30–37 ms a run, against 0–4 ms now and 10–20 ms more in finish().
 */
export const PENDING_BYTES = 64 * 1024 * 1024;

export interface ArchiveMember {
  /** Member name inside the archive; made file-name safe, and kept whole in a pax header when longer than 100 bytes. */
  name: string;
  content: Uint8Array;
  format: string;
  sha256?: string;
}

/**
 * Writes members into `<dataDir>/runs/<run-id>.tar` as they are added. Until `finish` settles the
 * archive is `<run-id>.tar.partial`, so a crash never leaves a truncated archive that looks
 * complete; `abort` (or a failed write) removes it. Callers await `finish` before they commit the
 * records `add` returned, and `drained` between batches so that at most PENDING_BYTES wait in
 * memory for the disk.
 */
export class RawArchive {
  readonly path: string;
  private readonly full: string;
  private readonly partial: string;
  private readonly stream: WriteStream;
  private readonly closed: Promise<void>;
  private readonly mtime = Math.floor(Date.now() / 1000);
  private offset = 0;
  private ended = false;

  constructor(dataDir: string, runId: string) {
    this.path = join("runs", `${safeName(runId)}.tar`);
    this.full = join(dataDir, this.path);
    if (existsSync(this.full)) throw new StoreError(`raw archive ${this.full} already exists; a run id is never reused`);
    mkdirSync(dirname(this.full), {recursive: true});
    this.partial = `${this.full}.partial`;
    this.stream = createWriteStream(this.partial);
    this.closed = finished(this.stream);
    this.closed.catch(() => undefined); // reported by finish() or drained(); never an unhandled rejection meanwhile
  }

  /** Queues one member and returns its record (where its bytes will start inside the archive). */
  add(member: ArchiveMember): RawOutput {
    const size = member.content.length;
    if (size > MAX_MEMBER_BYTES) throw new StoreError(`${member.name}: ${size} bytes is more than a tar member holds`);
    const name = safeName(member.name);
    if (name.length > MAX_NAME) this.writePadded(paxHeader(name, this.mtime));
    this.stream.write(header(name.slice(0, MAX_NAME), size, this.mtime, "0"));
    this.offset += BLOCK;
    const output = {sha256: member.sha256 ?? sha256(member.content), path: this.path, bytes: size, format: member.format, offset: this.offset};
    this.stream.write(member.content);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) this.stream.write(ZEROS.subarray(0, pad));
    this.offset += size + pad;
    return output;
  }

  private writePadded(bytes: Buffer): void {
    const pad = (BLOCK - (bytes.length % BLOCK)) % BLOCK;
    this.stream.write(pad ? Buffer.concat([bytes, ZEROS.subarray(0, pad)]) : bytes);
    this.offset += bytes.length + pad;
  }

  /** Settles once at most PENDING_BYTES wait for the disk; rejects if a write failed. */
  async drained(): Promise<void> {
    if (this.stream.errored) throw this.stream.errored;
    if (this.stream.writableLength <= PENDING_BYTES) return;
    await Promise.race([once(this.stream, "drain"), this.closed]);
  }

  /** Ends the archive (two zero blocks) and gives it its final name. */
  async finish(): Promise<void> {
    this.ended = true;
    this.stream.end(ZEROS);
    try {
      await this.closed;
    } catch (error) {
      rmSync(this.partial, {force: true});
      throw error;
    }
    renameSync(this.partial, this.full);
  }

  /** Removes the archive, finished or not, once no write is in flight. */
  async abort(): Promise<void> {
    if (!this.ended) this.stream.destroy();
    this.ended = true;
    await this.closed.catch(() => undefined);
    rmSync(this.partial, {force: true});
    rmSync(this.full, {force: true});
  }
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

/**
 * A pax extended header (typeflag x) carrying the member's whole name, followed by its records.
 * A record is "<length> path=<name>\n", its length counting its own digits.
 */
function paxHeader(name: string, mtime: number): Buffer {
  const body = ` path=${name}\n`;
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length = String(length).length + body.length;
  const records = Buffer.from(`${length}${body}`, "ascii");
  return Buffer.concat([header(`PaxHeaders/${name.slice(0, MAX_NAME - 11)}`, records.length, mtime, "x"), records]);
}

/** A ustar header block: fields are NUL-padded ASCII, numbers octal, checksum over the block with its own field as spaces. */
function header(name: string, size: number, mtime: number, type: "0" | "x"): Buffer {
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
  field(156, type);
  field(257, "ustar\u000000");
  let sum = 0;
  for (const byte of block) sum += byte;
  field(148, `${octal(sum, 7)}\u0000`);
  return block;
}
