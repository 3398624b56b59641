/**
 * Whatever text arrives, parseAny returns a ParsedOutput or throws a ParseError naming the file and
 * a line >= 1 — never another exception — and it does so quickly.
 */
import {readdirSync, readFileSync} from "node:fs";
import {join} from "node:path";
import fc from "fast-check";
import {describe, expect, it} from "vitest";
import {parseAny} from "../../data-loaders/parsers/detect.ts";
import {ParseError} from "../../data-loaders/errors.ts";
import type {ParsedOutput} from "../../data-loaders/model/sample.ts";
import {HAVE_SHARED, SHARED_FIXTURES} from "../helpers/shared.ts";
import {OWN_FIXTURES} from "./helpers.ts";

const FILE = "input.txt";
/** Generous for a loaded 2-core machine; a parser that backtracks badly takes far longer. */
const MAX_MS_PER_CALL = 2000;

function fixtureTexts(root: string): string[] {
  return readdirSync(root, {withFileTypes: true})
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) => readdirSync(join(root, dir.name)).map((file) => readFileSync(join(root, dir.name, file), "utf8")));
}

const TEXTS = [...fixtureTexts(OWN_FIXTURES), ...(HAVE_SHARED ? fixtureTexts(SHARED_FIXTURES) : [])];

/** Runs parseAny and checks the contract; returns the output when it parsed. */
function checkContract(text: string): ParsedOutput | undefined {
  const started = performance.now();
  try {
    const parsed = parseAny(text, FILE);
    for (const sample of parsed.samples) {
      expect(typeof sample.metric).toBe("string");
      expect(Number.isFinite(sample.value) || sample.status === "failed").toBe(true);
    }
    return parsed;
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    expect(error.file).toBe(FILE);
    expect(Number.isInteger(error.line) && error.line >= 1).toBe(true);
    expect(error.message.startsWith(`${FILE}:${error.line}: expected `)).toBe(true);
    return undefined;
  } finally {
    expect(performance.now() - started).toBeLessThan(MAX_MS_PER_CALL);
  }
}

type Mutation = {kind: "delete" | "duplicate"; line: number} | {kind: "truncate"; at: number} | {kind: "flip"; at: number; char: string};

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({kind: fc.constant("delete" as const), line: fc.nat()}),
  fc.record({kind: fc.constant("duplicate" as const), line: fc.nat()}),
  fc.record({kind: fc.constant("truncate" as const), at: fc.nat()}),
  fc.record({kind: fc.constant("flip" as const), at: fc.nat(), char: fc.constantFrom("\u0000", "x", "9", "-", ".", " ", "\n", "\r", '"', "{", "K", "é")})
);

function mutate(text: string, mutations: Mutation[]): string {
  let result = text;
  for (const change of mutations) {
    if (change.kind === "truncate") {
      result = result.slice(0, change.at % (result.length + 1));
    } else if (change.kind === "flip") {
      if (result.length === 0) continue;
      const at = change.at % result.length;
      result = result.slice(0, at) + change.char + result.slice(at + 1);
    } else {
      const lines = result.split("\n");
      const index = change.line % Math.max(lines.length, 1);
      if (change.kind === "delete") lines.splice(index, 1);
      else lines.splice(index, 0, lines[index] ?? "");
      result = lines.join("\n");
    }
  }
  return result;
}

describe("parseAny robustness", () => {
  it("accepts or rejects random strings with a ParseError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({maxLength: 400}), fc.string({unit: "binary", maxLength: 400}), fc.array(fc.string({maxLength: 40}), {maxLength: 30}).map((lines) => lines.join("\n"))), (text) => {
        checkContract(text);
      }),
      {numRuns: 300}
    );
  });

  it("survives mutated fixtures (deleted, duplicated lines, truncation, byte flips)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...TEXTS), fc.array(mutation, {minLength: 1, maxLength: 6}), (text, mutations) => {
        checkContract(mutate(text, mutations));
      }),
      {numRuns: 400}
    );
  });

  it("survives every fixture truncated at every line", () => {
    for (const text of TEXTS.slice(0, 40)) {
      const lines = text.split("\n");
      const step = Math.max(1, Math.floor(lines.length / 60));
      for (let end = 0; end < lines.length; end += step) checkContract(lines.slice(0, end).join("\n"));
    }
  });

  it("stays fast on 1 MB inputs built to make regexes backtrack", () => {
    const megabyte = 1_000_000;
    const adversarial = [
      " ".repeat(megabyte),
      `Children see throughput for 2 ${" ".repeat(megabyte)}x`,
      `Pagefaults on ${": a".repeat(megabyte / 3)}`,
      `WR11C2R4 ${"1 ".repeat(megabyte / 2)}`,
      `[lmbench3.0 results for x]\n${"0.5 ".repeat(megabyte / 4)}`,
      `               L M B E N C H  3 . 0   S U M M A R Y\nContext switching - times in microseconds\n--- ---\n${"--------- ".repeat(megabyte / 10)}\n${"9".repeat(megabyte)}`,
      `{\n"fio version" : "fio-3.1", "jobs": [${"{},".repeat(megabyte / 3)}{}]\n}`,
      `3;fio-3.28;${";1".repeat(megabyte / 2)}`,
      `seq: (groupid=0, jobs=1): err= 0\n  read: IOPS=${"9".repeat(megabyte)}`,
      `\t\tKB  reclen   write rewrite\n${"1 ".repeat(megabyte / 2)}`,
      "x\n".repeat(megabyte / 2)
    ];
    for (const text of adversarial) checkContract(text);
  });

  it("stays fast on a real fixture repeated to about 1 MB", () => {
    for (const text of TEXTS.filter((candidate) => candidate.length > 2000).slice(0, 6)) {
      checkContract(text.repeat(Math.ceil(1_000_000 / text.length)));
    }
  });
});
