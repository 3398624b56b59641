import {dirname} from "node:path";

/**
 * What an operating system or database error means, in words with its path: a full disk, a
 * read-only file, a path under a file. Node's fs errors carry a code and (usually) the path;
 * DuckDB's carry the system's words inside an "IO Error".
 */
const MEANINGS: Record<string, (path: string) => string> = {
  ENOSPC: (path) => `no space left on the device that holds ${path}`,
  EDQUOT: (path) => `disk quota exceeded writing ${path}`,
  EACCES: (path) => `permission denied: ${path}`,
  EPERM: (path) => `operation not permitted: ${path}`,
  EROFS: (path) => `${path} is on a read-only file system`,
  ENOTDIR: (path) => `a part of ${path} is a file, not a folder`,
  EISDIR: (path) => `${path} is a folder, expected a file`,
  ENOENT: (path) => `${path} does not exist`,
  ENAMETOOLONG: (path) => `a name in ${path} is too long for the file system`,
  EMFILE: () => "too many open files (raise ulimit -n)",
  EIO: (path) => `input/output error on ${path}: the disk may be failing`
};

const FULL = new Set(["ENOSPC", "EDQUOT"]);
const STORAGE_CODES = new Set(["ENOSPC", "EDQUOT", "EROFS", "EIO"]);

export interface SystemProblem {
  /** What happened, with the path. */
  what: string;
  /** What to do before trying again, when there is something to do. */
  advice?: string;
}

/**
 * The problem an OS or DuckDB error reports; undefined for other errors. `where` stands in for
 * the path when the error has none (a failed write(2) names no file).
 */
export function systemProblem(error: unknown, where?: string): SystemProblem | undefined {
  if (!(error instanceof Error)) return undefined;
  const {code, path} = error as NodeJS.ErrnoException;
  const meaning = code ? MEANINGS[code] : undefined;
  if (meaning) {
    const at = path ?? where ?? "a file";
    return {what: meaning(at), ...(FULL.has(code!) ? {advice: `free some space (df -h ${path ? dirname(path) : at})`} : {})};
  }
  const io = duckdbIo(error);
  if (!io) return undefined;
  const file = /(?:file|database) "([^"]+)"/.exec(io)?.[1];
  if (/No space left on device|Disk quota exceeded/i.test(io)) {
    return {what: `no space left for the database: ${io}`, advice: `free some space (df -h ${file ? dirname(file) : (where ?? ".")})`};
  }
  return {what: `the database could not be read or written: ${io}`};
}

/** The problem as one sentence that ends with what to do. */
export function systemError(error: unknown, where?: string): string | undefined {
  const problem = systemProblem(error, where);
  return problem && (problem.advice ? `${problem.what}: ${problem.advice}, then run the command again` : problem.what);
}

/** Whether `error` means nothing more can be stored (full disk, read-only or failing device, a database DuckDB gave up on). */
export function isStorageFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (code !== undefined && STORAGE_CODES.has(code)) || duckdbIo(error) !== undefined;
}

/**
 * The text of a DuckDB error about its files: an IO or FATAL error, or any other kind whose text
 * says a write failed ("TransactionContext Error: Failed to commit: Could not write file …: No
 * space left on device"). A failed write invalidates the database until it is reopened.
 */
function duckdbIo(error: Error): string | undefined {
  const match = /^(\w+) Error: (.*)/.exec(error.message);
  if (!match) return undefined;
  const text = match[2]!.split("\n")[0]!;
  return match[1] === "IO" || match[1] === "FATAL" || /No space left on device|Could not write file|Disk quota exceeded|Read-only file system|has been invalidated/i.test(text) ? text : undefined;
}
