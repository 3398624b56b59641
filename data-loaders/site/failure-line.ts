/**
 * The line of Framework's output that says why a build failed, for a one-line message: what a
 * failing data loader printed (a vmmbench error, or a thrown error's message), else Framework's
 * own error line; never a stack trace or Framework's "file an issue" advice.
 *
 * Framework prints a loader's stderr right after "load /data/x.json → [missing] " on the same line,
 * and ends it with "error in 12ms: loader exited with code 1".
 */
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m|\x1b\]8;;[^\x07\x1b]*(?:\x07|\x1b\\)/g;

const PATTERNS: RegExp[] = [/^vmmbench: (?:error|missing): (.+)$/, /^\w*Error: (.+)$/, /^Unexpected error: (.+)$/, /^error: (.+)$/i];

export function failureLine(log: string, exitCode: number | null): string {
  const text = log.replace(ANSI, "");
  const load = /exited with code/.test(text) ? [...text.matchAll(/load (\/\S+) → (?:\[[a-z]+\] )?/g)].at(-1) : undefined;
  if (load) {
    const after = text.slice(load.index! + load[0].length);
    const end = after.search(/^error in \d+ms:/m);
    const own = lines(end >= 0 ? after.slice(0, end) : after);
    const said = firstMatch(own) ?? own.find((line) => !/^at |^\^+$|:\d+$/.test(line));
    if (said) return `the data loader of ${load[1]} failed: ${said}`;
  }
  return firstMatch(lines(text)) ?? `observable build exited with code ${exitCode}`;
}

function lines(text: string): string[] {
  return text.split("\n").map((line) => line.trim()).filter(Boolean);
}

function firstMatch(lines: string[]): string | undefined {
  for (const pattern of PATTERNS) {
    const hit = lines.map((line) => pattern.exec(line)?.[1]).find(Boolean);
    if (hit) return hit;
  }
  return undefined;
}
