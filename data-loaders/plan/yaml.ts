import {LineCounter, parseDocument, type Document} from "yaml";
import {ConfigError} from "../errors.ts";

/**
 * A YAML (or JSON) file's document with its line counter, or a ConfigError at `file:line`. Its
 * value is read with `yamlValue`, which bounds aliases: a "billion laughs" file of nested aliases
 * expands to billions of nodes and used to end in a stack trace instead of a message.
 */
export function parseYaml(text: string, file: string, what: string): {doc: Document.Parsed; lineCounter: LineCounter} {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {lineCounter, prettyErrors: false});
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    throw new ConfigError(`${file}:${lineCounter.linePos(error.pos[0]).line}: expected ${what}: ${error.message.split("\n")[0]}`);
  }
  return {doc, lineCounter};
}

/** Aliases one document may expand (the yaml package's own default is 100). */
const MAX_ALIASES = 100;

export function yamlValue(doc: Document.Parsed, file: string): unknown {
  try {
    return doc.toJS({maxAliasCount: MAX_ALIASES});
  } catch (error) {
    if (/alias/i.test((error as Error).message)) {
      throw new ConfigError(`${file}: expected at most ${MAX_ALIASES} alias expansions (*name), found more: aliases nested in aliases grow exponentially; write the values out`);
    }
    throw new ConfigError(`${file}: ${(error as Error).message.split("\n")[0]}`);
  }
}
