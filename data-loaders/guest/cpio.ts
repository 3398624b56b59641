/**
 * A deterministic `newc` cpio writer (the format the kernel unpacks as an initramfs). Entries are
 * sorted by path, missing parent directories are added, and every header carries fixed inode
 * numbers, mtime 0 and uid/gid 0, so the same entries always give the same bytes.
 * Several archives can be concatenated: the kernel unpacks them in order, later files winning.
 */

export type CpioEntry =
  | {type: "file"; path: string; mode?: number; data: Buffer}
  | {type: "dir"; path: string; mode?: number}
  | {type: "symlink"; path: string; target: string}
  | {type: "char" | "block"; path: string; mode?: number; major: number; minor: number};

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;

export function cpioArchive(input: CpioEntry[], options: {inodeBase?: number} = {}): Buffer {
  const entries = new Map<string, CpioEntry>();
  for (const entry of input) {
    const path = normalize(entry.path);
    if (entries.has(path)) throw new Error(`cpio: duplicate entry ${path}`);
    entries.set(path, {...entry, path});
  }
  for (const path of [...entries.keys()]) {
    for (let parent = parentOf(path); parent; parent = parentOf(parent)) {
      if (!entries.has(parent)) entries.set(parent, {type: "dir", path: parent});
    }
  }
  const sorted = [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const chunks: Buffer[] = [];
  let ino = options.inodeBase ?? 1;
  for (const entry of sorted) {
    chunks.push(...record(entry, ino++));
  }
  chunks.push(...record({type: "file", path: "TRAILER!!!", mode: 0, data: Buffer.alloc(0)}, 0, true));
  return Buffer.concat(chunks);
}

function record(entry: CpioEntry, ino: number, trailer = false): Buffer[] {
  let mode: number;
  let data: Buffer = Buffer.alloc(0);
  let nlink = 1;
  let rdevMajor = 0;
  let rdevMinor = 0;
  switch (entry.type) {
    case "file":
      mode = S_IFREG | (entry.mode ?? 0o644);
      data = entry.data;
      break;
    case "dir":
      mode = S_IFDIR | (entry.mode ?? 0o755);
      nlink = 2;
      break;
    case "symlink":
      mode = S_IFLNK | 0o777;
      data = Buffer.from(entry.target);
      break;
    default:
      mode = (entry.type === "char" ? S_IFCHR : S_IFBLK) | (entry.mode ?? 0o600);
      rdevMajor = entry.major;
      rdevMinor = entry.minor;
  }
  if (trailer) mode = 0;
  const name = Buffer.from(`${entry.path}\0`);
  const fields = [ino, mode, 0, 0, nlink, 0, data.length, 0, 0, rdevMajor, rdevMinor, name.length, 0];
  const header = Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, "0")).join("")}`, "ascii");
  return [header, name, pad(header.length + name.length), data, pad(data.length)];
}

function pad(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

function normalize(path: string): string {
  const clean = path.replace(/^\/+/, "").replace(/\/+$/, "").replace(/\/{2,}/g, "/");
  if (!clean || clean.split("/").some((part) => part === ".." || part === ".")) throw new Error(`cpio: bad path ${JSON.stringify(path)}`);
  return clean;
}

function parentOf(path: string): string | undefined {
  const at = path.lastIndexOf("/");
  return at > 0 ? path.slice(0, at) : undefined;
}

/** Reads a newc archive back (used by tests and `image` diagnostics). */
export function readCpio(archive: Buffer): Array<{path: string; mode: number; data: Buffer; rdevMajor: number; rdevMinor: number}> {
  const out: Array<{path: string; mode: number; data: Buffer; rdevMajor: number; rdevMinor: number}> = [];
  let at = 0;
  while (at + 110 <= archive.length) {
    const magic = archive.toString("ascii", at, at + 6);
    if (magic !== "070701") {
      if (archive[at] === 0) {
        at += 4; // padding between concatenated archives
        continue;
      }
      throw new Error(`cpio: bad magic at ${at}`);
    }
    const start = at;
    const field = (i: number) => parseInt(archive.toString("ascii", start + 6 + i * 8, start + 14 + i * 8), 16);
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const nameStart = at + 110;
    const path = archive.toString("utf8", nameStart, nameStart + nameSize - 1);
    const dataStart = nameStart + nameSize + pad(110 + nameSize).length;
    const data = archive.subarray(dataStart, dataStart + size);
    at = dataStart + size + pad(size).length;
    if (path === "TRAILER!!!") continue;
    out.push({path, mode, data, rdevMajor: field(9), rdevMinor: field(10)});
  }
  return out;
}
