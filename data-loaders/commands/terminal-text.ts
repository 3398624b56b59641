/**
 * Text from outside (a label, a file name, a database cell) on its way to a terminal: control
 * characters are shown as escapes, so a label cannot move the cursor, recolour the screen or hide
 * a line with ESC sequences, nor break a line of output in two.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;

export function terminalText(text: string): string {
  return text.replace(CONTROL, (c) => (c === "\t" ? " " : c === "\n" ? "\\n" : c === "\r" ? "\\r" : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`));
}
