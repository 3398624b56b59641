/** Typed errors thrown by library code; only data-loaders/cli.ts turns them into exit codes. */

export class VmmbenchError extends Error {
  constructor(message: string, options?: {cause?: unknown}) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input text that does not match the format it claims or was detected as. Line numbers are 1-based. */
export class ParseError extends VmmbenchError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly expected: string,
    readonly found?: string
  ) {
    super(`${file}:${line}: expected ${expected}${found === undefined ? "" : `, found ${JSON.stringify(truncate(found))}`}`);
  }
}

/** A plan, a flag or a config value that fails validation at the edge. */
export class ConfigError extends VmmbenchError {}

/** Something the machine lacks (a compiler, a library, a Debian package). `install` says how to get it. */
export class MissingDependencyError extends VmmbenchError {
  constructor(readonly what: string, readonly install: string, detail?: string) {
    super(`${what} is missing${detail ? ` (${detail})` : ""}. Install it with: ${install}`);
  }
}

/** A command stopped on purpose (Ctrl-C, SIGTERM); the message says what was kept and how to go on. */
export class InterruptedError extends VmmbenchError {}

/** A guest or lab machine that started but never reported (hung at boot, panicked, killed at its deadline). */
export class GuestFailedError extends VmmbenchError {}

/** A child process (probe, tool, VMM) that failed, kept as data: exit code, signal, timeout, stderr. */
export class ProcessFailedError extends VmmbenchError {
  constructor(
    readonly command: string,
    readonly exitCode: number | undefined,
    readonly signal: string | undefined,
    readonly timedOut: boolean,
    readonly stderr: string
  ) {
    super(
      `${command} ${timedOut ? "timed out" : signal ? `was killed by ${signal}` : exitCode === undefined ? "ended without an exit status" : `exited with code ${exitCode}`}` +
        (stderr.trim() ? `: ${truncate(stderr.trim(), 400)}` : "")
    );
  }
}

function truncate(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
