/**
 * What an operating system or database error means, in words with its path: a full disk, a
 * read-only file, a path under a file. Node's fs errors carry a code and the path; DuckDB's carry
 * the system's words inside an "IO Error".
 */
const SYSTEM_ERRORS: Record<string, (path: string) => string> = {
  ENOSPC: (path) => `no space left on the device that holds ${path}: free some space (df -h), then run the command again`,
  EDQUOT: (path) => `disk quota exceeded writing ${path}: free some space, then run the command again`,
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

const STORAGE_CODES = new Set(["ENOSPC", "EDQUOT", "EROFS", "EIO"]);

export function systemError(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const {code, path, syscall} = error as NodeJS.ErrnoException;
  const explain = code ? SYSTEM_ERRORS[code] : undefined;
  if (explain) return explain(path ?? `(${syscall ?? "a file"})`);
  const io = duckdbIo(error);
  if (io && /No space left on device|Disk quota exceeded/i.test(io)) {
    return `no space left for the database (${io}): free some space (df -h), then run the command again`;
  }
  if (io) return `the database could not be read or written: ${io}`;
  return undefined;
}

/** Whether `error` means nothing more can be stored (full disk, read-only or failing device, a database DuckDB gave up on). */
export function isStorageFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (code !== undefined && STORAGE_CODES.has(code)) || duckdbIo(error) !== undefined;
}

/** The text of a DuckDB IO or FATAL error (a failed write invalidates the database until it is reopened). */
function duckdbIo(error: Error): string | undefined {
  return /^(?:IO|FATAL) Error: (.*)/.exec(error.message)?.[1] ?? (/database has been invalidated/.test(error.message) ? error.message.split("\n")[0] : undefined);
}
