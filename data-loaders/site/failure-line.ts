/**
 * The line of Framework's output that says why a build failed, for a one-line message: the
 * error a data loader printed (its own one-line vmmbench error, or a thrown error's message),
 * else Framework's own error line; never its stack traces or its "file an issue" advice.
 */
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m|\x1b\]8;;[^\x07\x1b]*(?:\x07|\x1b\\)/g;

const PATTERNS: RegExp[] = [
  /^vmmbench: (?:error|missing): (.+)$/,
  /^\w*Error: (.+)$/,
  /^Unexpected error: (.+)$/,
  /^error: (.+)$/i
];

export function failureLine(log: string, exitCode: number | null): string {
  const text = log.replace(ANSI, "");
  const lines = text.split("\n").map((line) => line.trim()).filter(Boolean);
  // Framework names the file a loader was producing ("load /data/summary.json → …") just before its output.
  const loader = /exited with code/.test(text) ? [...text.matchAll(/load (\/\S+) →/g)].at(-1)?.[1] : undefined;
  for (const pattern of PATTERNS) {
    const hit = lines.map((line) => pattern.exec(line)?.[1]).find(Boolean);
    if (hit) return loader ? `the data loader of ${loader} failed: ${hit}` : hit;
  }
  return `observable build exited with code ${exitCode}`;
}
