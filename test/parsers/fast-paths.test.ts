/**
 * The hand-written fast paths behind the parsers (issue 4: ingest speed) against the plain
 * definitions they replace: every answer must be the same, bit for bit.
 */
import fc from "fast-check";
import {describe, expect, it} from "vitest";
import {paramsHash} from "../../data-loaders/model/measurement-index.ts";
import {SeriesIndex} from "../../data-loaders/store/series-index.ts";
import {integerRow} from "../../data-loaders/suites/iozone/formats/common.ts";
import {fields, firstNonBlank, kibPerSecToMBps, pairFirst, pairSecond, readNumber, readNumberPair, roundSignificant, roundedPairSecond, splitLines} from "../../data-loaders/parsers/text.ts";
import type {Params} from "../../data-loaders/model/sample.ts";
import {canonicalParams} from "../../data-loaders/model/params.ts";

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
function referenceReadNumber(token: string | undefined): number | undefined {
  if (token === undefined) return undefined;
  const trimmed = token.trim();
  if (!NUMBER.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/** Strings that look like numbers more often than not. */
const numberish = fc.oneof(
  fc.stringMatching(/^[ \t]?[+-]?\d{0,20}(\.\d{0,20})?([eE][+-]?\d{1,4})?[ \t]?$/),
  fc.double().map(String),
  fc.double().map((x) => x.toExponential()),
  fc.string({unit: fc.constantFrom("0", "1", "9", ".", "e", "E", "+", "-", " ", "x", "\u00a0", "\u0661")})
);

const blanky = fc.string({unit: fc.constantFrom("a", "1", " ", "\t", "\n", "\r", "\u000b", "\u00a0", "\u2028", "\ufeff", "\u3000", "é", "\u0000", '"')});

describe("text fast paths", () => {
  it("readNumber is the regex check plus Number()", () => {
    fc.assert(fc.property(numberish, (token) => {
        expect(Object.is(readNumber(token), referenceReadNumber(token))).toBe(true);
      }), {numRuns: 5000});
  });

  it("roundSignificant is Number(value.toPrecision(digits))", () => {
    const reference = (value: number, digits: number) => (!Number.isFinite(value) || value === 0 ? value : Number(value.toPrecision(digits)));
    const values = fc.oneof(fc.double(), numberish.map((t) => readNumber(t) ?? 0).chain((v) => fc.constantFrom(v, (v * 1024) / 1e6, 1e6 / v, v * 1000, v / 3)));
    fc.assert(
      fc.property(values, fc.constantFrom(3, 10, 12, 15, 17), (value, digits) => {
        expect(Object.is(roundSignificant(value, digits), reference(value, digits))).toBe(true);
      }),
      {numRuns: 5000}
    );
  });

  it("readNumberPair reads two fields like fields() + readNumber, and roundedPairSecond is roundSignificant of the second", () => {
    fc.assert(
      fc.property(numberish, numberish, fc.constantFrom(" ", "\t", "  "), (a, b, gap) => {
        const line = `${a}${gap}${b}`;
        const parts = fields(line);
        const expected = parts.length === 2 ? [readNumber(parts[0]), readNumber(parts[1])] : [undefined];
        const ok = expected.length === 2 && expected.every((v) => v !== undefined);
        expect(readNumberPair(line)).toBe(ok);
        if (!ok) return;
        expect([pairFirst, pairSecond]).toEqual(expected);
        expect(Object.is(roundedPairSecond(), roundSignificant(expected[1]!))).toBe(true);
      }),
      {numRuns: 5000}
    );
  });

  it("kibPerSecToMBps is kib * 1024 / 1e6 rounded to 12 significant digits", () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.constantFrom(0, -0, 976562499, 976562500, 2 ** 53)), (kib) => {
        const bytes = (kib * 1024) / 1e6;
        expect(Object.is(kibPerSecToMBps(kib), !Number.isFinite(bytes) || bytes === 0 ? bytes : Number(bytes.toPrecision(12)))).toBe(true);
      }),
      {numRuns: 3000}
    );
  });

  it("fields, splitLines and firstNonBlank agree with trim and the regex splits", () => {
    fc.assert(
      fc.property(blanky, (text) => {
        expect(fields(text)).toEqual(text.trim() === "" ? [] : text.trim().split(/\s+/));
        expect(splitLines(text)).toEqual(text.split(/\r\n|\r|\n/));
        const trimmed = text.trimStart();
        expect(firstNonBlank(text)).toBe(trimmed === "" ? -1 : text.length - trimmed.length);
      }),
      {numRuns: 3000}
    );
  });

  it("integerRow reads a row of unsigned integers like fields() + /^\\d+$/ + Number", () => {
    const reference = (line: string) => {
      const parts = fields(line);
      if (parts.length === 0) return null;
      return parts.every((part) => /^\d+$/.test(part)) ? parts.map(Number) : undefined;
    };
    const rowish = fc.oneof(
      fc.array(fc.oneof(fc.nat().map(String), fc.constant("12345678901234567890"), fc.constant("007")), {maxLength: 14}).map((xs) => `  ${xs.join("   ")}  `),
      fc.string({unit: fc.constantFrom("1", "0", " ", "\t", "x", "-", ".", "\u00a0", "\u2003")})
    );
    fc.assert(fc.property(rowish, (line) => {
        expect(integerRow(line)).toEqual(reference(line));
      }), {numRuns: 3000});
  });
});

const paramValue = fc.oneof(
  fc.constantFrom<number | string | boolean | undefined>(0, -0, 1, 2, Number.NaN, Infinity, -Infinity, "1", "a", "", true, false, undefined),
  fc.integer({min: 0, max: 3})
);
const params = fc.dictionary(fc.constantFrom("a", "b", "size_kb", "procs", "__proto__x"), paramValue, {maxKeys: 3}) as fc.Arbitrary<Params>;

describe("the series index", () => {
  it("SeriesIndex gives one id per (suite, metric, unit, canonical params JSON), with or without the table's params hash and after a JSON round trip", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom("s1", "s2"), fc.constantFrom("m1", "m2"), params, fc.boolean()), {maxLength: 40}), (keys) => {
        const index = new SeriesIndex();
        const byJson = new Map<string, number>();
        for (const [suite, metric, p, hashed] of keys) {
          const key = {suite, metric, unit: "u", params: p, paramsHash: hashed ? paramsHash(p) : undefined};
          let id = index.get(key);
          if (id === 0) index.set(key, (id = index.size + 1));
          const json = `${suite}\u0000${metric}\u0000${canonicalParams(p)}`;
          if (!byJson.has(json)) byJson.set(json, id);
          expect(id).toBe(byJson.get(json));
          // As the store reads its index back: params parsed from the stored JSON find the same id.
          expect(index.get({suite, metric, unit: "u", params: JSON.parse(canonicalParams(p)) as Params})).toBe(id);
        }
        expect(new Set(byJson.values()).size).toBe(byJson.size);
      }),
      {numRuns: 2000}
    );
  });
});
