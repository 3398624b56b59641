import fc from "fast-check";
import {describe, expect, it} from "vitest";
import {SampleTable, type SeriesByNumber} from "../../data-loaders/model/sample-table.ts";
import type {Params, Sample} from "../../data-loaders/model/sample.ts";
import {canonicalParams} from "../../data-loaders/model/params.ts";

const paramValue = fc.oneof(
  fc.constantFrom<number | string | boolean | undefined>(0, -0, 1, 2, Number.NaN, Infinity, "1", "a", "", true, false, undefined),
  fc.integer({min: 0, max: 3})
);
const params = fc.dictionary(fc.constantFrom("a", "b", "size_kb", "procs"), paramValue, {maxKeys: 3}) as fc.Arbitrary<Params>;
const draft = fc.record({
  metric: fc.constantFrom("m1", "m2"),
  unit: fc.constantFrom("us", "MB/s"),
  host: fc.constantFrom(undefined, "h", ""),
  params,
  value: fc.double(),
  failed: fc.boolean()
});

describe("SampleTable", () => {
  it("numbers repetitions per (host, metric, canonical params JSON), as the store keys series", () => {
    fc.assert(
      fc.property(fc.array(draft, {maxLength: 40}), (drafts) => {
        const table = new SampleTable();
        const seen = new Map<string, number>();
        drafts.forEach((d, i) => {
          const row = table.add("lmbench", d.metric, d.unit, d.params, d.value, d.host);
          expect(row).toBe(i);
          const key = `${d.host ?? ""}\u0000${d.metric}\u0000${canonicalParams(d.params)}`;
          const n = seen.get(key) ?? 0;
          seen.set(key, n + 1);
          expect(table.repetitions[row]).toBe(n);
        });
        expect(table.length).toBe(drafts.length);
      }),
      {numRuns: 1000}
    );
  });

  it("gives back its rows as Sample objects, and a table made from them gives the same objects", () => {
    fc.assert(
      fc.property(fc.array(draft, {maxLength: 40}), (drafts) => {
        const table = new SampleTable();
        for (const d of drafts) {
          const row = table.add("lmbench", d.metric, d.unit, d.params, d.failed ? Number.NaN : d.value, d.host);
          if (d.failed) table.fail(row, `failed ${row}`);
        }
        const samples = table.toSamples();
        expect(samples.map((s) => [s.metric, s.unit, s.host, s.status === "failed", s.note])).toEqual(
          drafts.map((d, i) => [d.metric, d.unit, d.host, d.failed, d.failed ? `failed ${i}` : undefined])
        );
        samples.forEach((s, i) => expect(Object.is(s.value, drafts[i]!.failed ? Number.NaN : drafts[i]!.value)).toBe(true));
        expect(SampleTable.fromSamples(samples).toSamples()).toEqual(samples);
      }),
      {numRuns: 500}
    );
  });

  it("gives a block's rows the series and repetitions that full params give, however its blocks repeat", () => {
    // Blocks printed again, in order, out of order or with new numbers, mixed with rows added by params.
    const row = fc.record({block: fc.constantFrom("x", "y"), restart: fc.boolean(), n: fc.oneof(fc.integer({min: 0, max: 4}), fc.constantFrom(-0, 0.5, Number.NaN)), byParams: fc.boolean()});
    const fixed: Record<string, Params> = {x: {size_kb: 16}, y: {size_kb: 16, random: true}};
    fc.assert(
      fc.property(fc.array(row, {maxLength: 60}), (rows) => {
        const byNumber = new SampleTable();
        const byParams = new SampleTable();
        const blocks = new Map<string, SeriesByNumber>();
        const block = (name: string) => byNumber.seriesByNumber(name, "lmbench", "lat_ctx", "us", fixed[name]!, "procs");
        for (const r of rows) {
          const params = {...fixed[r.block], procs: r.n};
          // A title line seen again gives the block back from its first row.
          if (r.restart || !blocks.has(r.block)) blocks.set(r.block, block(r.block));
          const at = r.byParams ? byNumber.add("lmbench", "lat_ctx", "us", params, 1) : blocks.get(r.block)!.push(r.n, 1);
          byParams.add("lmbench", "lat_ctx", "us", params, 1);
          expect(canonicalParams(byNumber.series[byNumber.seriesOf[at]!]!.params)).toBe(canonicalParams(params));
        }
        expect(byNumber.repetitions).toEqual(byParams.repetitions);
        expect(byNumber.series.length).toBe(byParams.series.length);
      }),
      {numRuns: 1000}
    );
  });

  it("keeps given repetitions and selects rows by series with their marks", () => {
    const samples: Sample[] = Array.from({length: 300}, (_, i) => ({
      suite: "lmbench",
      metric: "lat_ctx",
      params: {procs: 2 + (i % 3), size_kb: 16},
      unit: "us",
      value: i,
      repetition: 100 + i,
      ...(i % 2 ? {host: "b"} : {}),
      ...(i % 7 === 0 ? {status: "failed" as const, note: `failed ${i}`} : {})
    }));
    const table = SampleTable.fromSamples(samples);
    expect(table.length).toBe(300);
    expect(table.series.length).toBe(6);
    expect(table.repetitions.slice(0, 3)).toEqual([100, 101, 102]);
    const b = table.select((series) => series.host === "b");
    expect(b.toSamples()).toEqual(samples.filter((s) => s.host === "b"));
    // Numbering continues after the highest repetition given (row 295 is the last with procs 3 on host b).
    expect(b.repetitions[b.add("lmbench", "lat_ctx", "us", {procs: 3, size_kb: 16}, 1, "b")]).toBe(100 + 295 + 1);
  });
});
