import {readdirSync, readFileSync, statSync} from "node:fs";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {ParseError} from "../../data-loaders/errors.ts";
import {parseFiles} from "../../data-loaders/ingest/parse-pool.ts";
import {ParsedOutput} from "../../data-loaders/samples.ts";
import {HAVE_SHARED, ROOT, SHARED_FIXTURES} from "../helpers/shared.ts";

const folders = [join(ROOT, "test", "fixtures"), ...(HAVE_SHARED ? [SHARED_FIXTURES] : [])];
const files = folders.flatMap((root) =>
  readdirSync(root)
    .filter((d) => statSync(join(root, d)).isDirectory())
    .flatMap((d) => readdirSync(join(root, d)).map((f) => join(root, d, f)))
);
const jobs = files.map((file) => ({bytes: readFileSync(file), file}));

/** What a caller can observe of a result: the output's fields and samples, or the error's fields. */
function view(result: ParsedOutput | Error) {
  if (result instanceof ParsedOutput) return {format: result.format, tool: result.tool, version: result.toolVersion, meta: result.meta, samples: result.samples};
  return result instanceof ParseError ? {parseError: [result.file, result.line, result.expected, result.found]} : {error: result.message};
}

describe("parseFiles", () => {
  it("gives the same outputs and the same ParseErrors, in input order, on worker threads as inline", async () => {
    const inline = await parseFiles(jobs, {workers: 0});
    const pooled = await parseFiles(jobs, {workers: 2});
    expect(pooled.map(view)).toEqual(inline.map(view));
    // The own fixtures include deliberately broken outputs: their errors cross the thread boundary as ParseErrors.
    expect(pooled.filter((r) => r instanceof ParseError).length).toBeGreaterThanOrEqual(3);
    expect(pooled.filter((r) => r instanceof ParsedOutput).length).toBeGreaterThan(10);
    // A table rebuilt from a worker's columns keeps numbering repetitions where the worker stopped.
    const lat = pooled[files.findIndex((f) => f.endsWith("lat_mem_rd.txt"))] as ParsedOutput;
    const first = lat.samples[0]!;
    const row = lat.table.add(first.suite, first.metric, first.unit, first.params, 1);
    const reps = lat.samples.filter((s) => s.metric === first.metric && JSON.stringify(s.params) === JSON.stringify(first.params)).length;
    expect(lat.table.repetitions[row]).toBe(reps);
  });
});
