/**
 * What an environment label may be, checked where labels enter: a plan and an ingest's --env or
 * manifest. A label names a folder of raw outputs, starts every step id (`<label>/r0/…`) and is
 * printed in the terminal, so it is short, on one line, free of control characters (ANSI escapes
 * rewrote the terminal) and of path separators (a label `..` wrote outside its run's folder; one
 * of 300 characters passed validation and then failed every resume with ENAMETOOLONG).
 */
export const MAX_LABEL_LENGTH = 64;

export const LABEL_RULE = `a label of 1 to ${MAX_LABEL_LENGTH} characters without control characters, "/" or "\\" and not "." or ".."`;

// C0/C1 controls, DEL, and the Unicode line/paragraph separators and bidirectional overrides that reorder a line.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069/\\]/u;

export function isValidLabel(label: string): boolean {
  return label.trim() !== "" && [...label].length <= MAX_LABEL_LENGTH && !FORBIDDEN.test(label) && label !== "." && label !== "..";
}
