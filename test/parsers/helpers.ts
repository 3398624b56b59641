/** Fixture reading and golden-file comparison shared by the parser tests. */
import {existsSync, mkdirSync, readFileSync, writeFileSync} from "node:fs";
import {basename, extname, join} from "node:path";
import {expect} from "vitest";
import type {ParsedOutput, Sample} from "../../data-loaders/model/sample.ts";
import {ROOT, SHARED_FIXTURES} from "../helpers/shared.ts";

export const OWN_FIXTURES = join(ROOT, "test", "fixtures");
const GOLDEN_DIR = join(ROOT, "test", "parsers", "golden");

export function sharedPath(relative: string): string {
  return join(SHARED_FIXTURES, relative);
}

export function readShared(relative: string): string {
  return readFileSync(sharedPath(relative), "utf8");
}

export function ownPath(relative: string): string {
  return join(OWN_FIXTURES, relative);
}

export function readOwn(relative: string): string {
  return readFileSync(ownPath(relative), "utf8");
}

/** Ten significant digits: stable across platforms, far finer than any tool prints. */
function roundForGolden(value: number): number | null {
  if (!Number.isFinite(value)) return null;
  return value === 0 ? 0 : Number(value.toPrecision(10));
}

function goldenView(parsed: ParsedOutput) {
  return {
    format: parsed.format,
    tool: parsed.tool,
    toolVersion: parsed.toolVersion,
    meta: parsed.meta,
    samples: parsed.samples.map((sample: Sample) => ({...sample, value: roundForGolden(sample.value)}))
  };
}

/** One sample per line keeps golden files small and their diffs readable. */
function serialise(view: ReturnType<typeof goldenView>): string {
  const {samples, ...head} = view;
  const fields = Object.entries(head).map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  const lines = samples.map((sample) => `  ${JSON.stringify(sample)}`);
  return `{\n${fields.map((field) => ` ${field},`).join("\n")}\n "samples": [\n${lines.join(",\n")}\n ]\n}\n`;
}

/**
 * Compares the parse of a fixture with test/parsers/golden/<name>.json; writes the file when it is
 * missing or when UPDATE_GOLDEN=1 (review the diff before committing it).
 */
export function expectGolden(fixturePath: string, parsed: ParsedOutput, prefix = ""): void {
  const name = `${prefix}${basename(fixturePath, extname(fixturePath))}.json`;
  const path = join(GOLDEN_DIR, name);
  const actual = goldenView(parsed);
  if (process.env.UPDATE_GOLDEN === "1" || !existsSync(path)) {
    mkdirSync(GOLDEN_DIR, {recursive: true});
    writeFileSync(path, serialise(actual));
    return;
  }
  expect(actual).toEqual(JSON.parse(readFileSync(path, "utf8")));
}

/** The one sample matching metric and every given param (and host), failing the test when absent or ambiguous. */
export function sampleOf(parsed: ParsedOutput, metric: string, params: Record<string, unknown> = {}, extra: Partial<Sample> = {}): Sample {
  const matches = parsed.samples.filter(
    (sample) =>
      sample.metric === metric &&
      Object.entries(params).every(([key, value]) => sample.params[key] === value) &&
      Object.entries(extra).every(([key, value]) => sample[key as keyof Sample] === value)
  );
  expect(matches.length, `${metric} ${JSON.stringify(params)} ${JSON.stringify(extra)}`).toBe(1);
  return matches[0]!;
}
