/**
 * Any failure as one line for the terminal and the exit code it gets (cli.ts prints it). Typed
 * errors say what they mean; the operating system's errors (a full disk, a read-only file, a path
 * under a file) are named with the path and what to do; anything else is an internal error whose
 * stack is printed only with VMMBENCH_DEBUG=1. Control characters never reach the terminal.
 */
import {ConfigError, InterruptedError, MissingDependencyError, VmmbenchError} from "../errors.ts";
import {systemError} from "../system-error.ts";
import {terminalText} from "./terminal-text.ts";

export interface Failure {
  line: string;
  exitCode: number;
}

/** Exit status of a campaign stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const INTERRUPTED_EXIT = 130;

export function describeFailure(error: unknown): Failure {
  if (error instanceof InterruptedError) return {line: `vmmbench: interrupted: ${oneLine(error.message)}`, exitCode: INTERRUPTED_EXIT};
  if (error instanceof VmmbenchError) {
    const kind = error instanceof MissingDependencyError ? "missing" : "error";
    return {line: `vmmbench: ${kind}: ${oneLine(error.message)}`, exitCode: error instanceof ConfigError ? 2 : 1};
  }
  const system = systemError(error);
  if (system) return {line: `vmmbench: error: ${oneLine(system)}`, exitCode: 1};
  const message = error instanceof Error ? error.message : String(error);
  return {line: `vmmbench: internal error: ${oneLine(message)} (a bug: please report it; VMMBENCH_DEBUG=1 prints where it happened)`, exitCode: 70};
}

/** The first line of a message, its control characters shown as escapes. */
function oneLine(message: string): string {
  return terminalText(message.split("\n")[0]!.trim() || "unknown error");
}
