/**
 * Parses what a built-in probe writes on stdout: one JSON object per line.
 *
 * Real output of `vmmbench-lat --metrics lat_syscall,lat_fork --budget-ms 20 --reps 2` on the
 * development VM (2 vCPUs, Debian 12):
 *
 * ```text
 * {"type":"info","probe":"vmmbench-lat","version":"0.1.0","budget_ms":20,"reps":2,"clock":"CLOCK_MONOTONIC","clock_res_ns":1,"clock_read_ns":22.2,"clocksource":"tsc","pid":9845}
 * {"type":"sample","suite":"lmbench","metric":"lat_syscall","unit":"us","value":0.164977,"params":{},"repetition":0,"iterations":122124}
 * {"type":"sample","suite":"lmbench","metric":"lat_syscall","unit":"us","value":0.165199,"params":{},"repetition":1,"iterations":122124}
 * {"type":"sample","suite":"lmbench","metric":"lat_fork","unit":"us","value":162.412,"params":{},"repetition":0,"iterations":111}
 * {"type":"sample","suite":"lmbench","metric":"lat_fork","unit":"us","value":221.912,"params":{},"repetition":1,"iterations":111}
 * ```
 *
 * and a failure line, e.g. from `vmmbench-file` on a full file system:
 *
 * ```text
 * {"type":"error","suite":"iozone","metric":"file_write","params":{"file_kb":4096,"record_kb":64,"fsync":false,"direct":false},"message":"no space left on device ..."}
 * ```
 *
 * Lines of type "info" (normally the first) describe the run; "sample" lines become Samples;
 * "error" lines become failures (see failureToSample for storing them as failed samples); "meter"
 * lines are the spans of meters/samples.ts.
 * Blank lines and a trailing CR (guest consoles) are tolerated; anything else that is not a
 * well-formed line throws ParseError with the 1-based line number.
 */
import {ParseError} from "../errors.ts";
import {metricUnit} from "../suites/registry.ts";
import type {Params, Sample, Suite} from "../model/sample.ts";

const SUITES: ReadonlySet<string> = new Set<Suite>(["lmbench", "linpack", "iozone", "fio", "stream"]);

export interface ProbeInfo {
  probe: string;
  version: string;
  [key: string]: unknown;
}

export interface ProbeFailure {
  suite: Suite;
  metric: string;
  params: Params;
  message: string;
  /** 1-based line of the error in the probe's output. */
  line: number;
}

/**
 * A meter span the probe took around one timed run (probes/common.h, docs/meters.md): what the
 * guest kernel counted, per span; meters/samples.ts turns it into samples per operation.
 */
export interface MeterLine {
  /** The metric and params of the cell the span belongs to. */
  metric: string;
  params: Params;
  /** The repetition it timed; null: a run that is no repetition (warm-up, a cell's overhead). */
  repetition: number | null;
  seq: number;
  /** Operations in the span, in `per` ("op": operations of the metric; "MB"). */
  ops: number;
  per: string;
  /** One span over all runs of the cell (--meters=cell). */
  cell: boolean;
  /** The guest's counts over the span, by the probe's field names. */
  guest: Record<string, number>;
  /** Why parts could not be read: `stat` (/proc/stat), `host` (the host's marks). */
  missing: Record<string, string>;
}

export interface ProbeOutput {
  /** The first info line, or null. */
  info: ProbeInfo | null;
  /** Every info line, in order. */
  infos: ProbeInfo[];
  samples: Sample[];
  /** Calibrated iteration count of each sample (same index as samples); null where absent. */
  iterations: (number | null)[];
  failures: ProbeFailure[];
  meters: MeterLine[];
}


/**
 * @param text the probe's whole stdout
 * @param file a name for error messages (e.g. the step id or a saved file's path)
 */
export function parseProbeOutput(text: string, file = "<probe output>"): ProbeOutput {
  const out: ProbeOutput = {info: null, infos: [], samples: [], iterations: [], failures: [], meters: []};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
    if (raw.trim() === "") continue;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch {
      throw new ParseError(file, lineNo, "a JSON object", raw);
    }
    if (!isObject(obj)) throw new ParseError(file, lineNo, "a JSON object", raw);
    const fail = (expected: string): never => {
      throw new ParseError(file, lineNo, expected, raw);
    };
    switch (obj.type) {
      case "info": {
        if (typeof obj.probe !== "string" || obj.probe === "") fail('"probe" as a non-empty string in an info line');
        if (typeof obj.version !== "string") fail('"version" as a string in an info line');
        const info = obj as unknown as ProbeInfo;
        out.infos.push(info);
        out.info ??= info;
        break;
      }
      case "sample": {
        const suite = checkSuite(obj.suite, fail);
        const metric = checkMetric(obj.metric, fail);
        if (typeof obj.unit !== "string" || obj.unit === "") fail('"unit" as a non-empty string');
        if (typeof obj.value !== "number" || !Number.isFinite(obj.value)) fail('"value" as a finite number');
        const params = checkParams(obj.params, fail);
        if (!Number.isInteger(obj.repetition) || (obj.repetition as number) < 0) fail('"repetition" as an integer >= 0');
        let iterations: number | null = null;
        if (obj.iterations !== undefined) {
          if (!Number.isInteger(obj.iterations) || (obj.iterations as number) < 0) fail('"iterations" as an integer >= 0');
          iterations = obj.iterations as number;
        }
        if (obj.note !== undefined && typeof obj.note !== "string") fail('"note" as a string');
        const sample: Sample = {
          suite,
          metric,
          params,
          unit: obj.unit as string,
          value: obj.value as number,
          repetition: obj.repetition as number,
          status: "ok"
        };
        if (typeof obj.note === "string" && obj.note !== "") sample.note = obj.note;
        out.samples.push(sample);
        out.iterations.push(iterations);
        break;
      }
      case "error": {
        const suite = checkSuite(obj.suite, fail);
        const metric = checkMetric(obj.metric, fail);
        const params = checkParams(obj.params, fail);
        if (typeof obj.message !== "string") fail('"message" as a string in an error line');
        out.failures.push({suite, metric, params, message: obj.message as string, line: lineNo});
        break;
      }
      case "meter":
        out.meters.push(meterLine(obj, fail));
        break;
      default:
        fail('"type" to be "info", "sample", "error" or "meter"');
    }
  }
  return out;
}

/** A failure as a Sample with status 'failed', NaN value and the message as note. */
export function failureToSample(failure: ProbeFailure, repetition = 0): Sample {
  return {
    suite: failure.suite,
    metric: failure.metric,
    params: failure.params,
    unit: metricUnit(failure.metric) ?? "",
    value: Number.NaN,
    repetition,
    status: "failed",
    note: failure.message
  };
}

function meterLine(obj: Record<string, unknown>, fail: (e: string) => never): MeterLine {
  const metric = checkMetric(obj.metric, fail);
  const params = checkParams(obj.params, fail);
  const repetition = obj.repetition === null ? null : Number.isInteger(obj.repetition) && (obj.repetition as number) >= 0 ? (obj.repetition as number) : fail('"repetition" as an integer >= 0 or null');
  if (!Number.isInteger(obj.seq) || (obj.seq as number) < 0) fail('"seq" as an integer >= 0');
  if (typeof obj.ops !== "number" || !Number.isFinite(obj.ops) || obj.ops < 0) fail('"ops" as a number >= 0');
  if (typeof obj.per !== "string" || obj.per === "") fail('"per" as a non-empty string');
  const numbers = (v: unknown, what: string) => {
    if (!isObject(v) || Object.values(v).some((x) => typeof x !== "number" || !Number.isFinite(x))) fail(`"${what}" as an object of numbers`);
    return v as Record<string, number>;
  };
  const missing = obj.missing === undefined ? {} : obj.missing;
  if (!isObject(missing) || Object.values(missing).some((x) => typeof x !== "string")) fail('"missing" as an object of strings');
  return {metric, params, repetition, seq: obj.seq as number, ops: obj.ops as number, per: obj.per as string, cell: obj.cell === true, guest: numbers(obj.guest, "guest"), missing: missing as Record<string, string>};
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkSuite(v: unknown, fail: (e: string) => never): Suite {
  if (typeof v !== "string" || !SUITES.has(v)) fail(`"suite" as one of ${[...SUITES].join(", ")}`);
  return v as Suite;
}

function checkMetric(v: unknown, fail: (e: string) => never): string {
  if (typeof v !== "string" || !/^[a-z][a-z0-9_]*$/.test(v)) fail('"metric" as a snake_case name');
  return v as string;
}

function checkParams(v: unknown, fail: (e: string) => never): Params {
  if (!isObject(v)) fail('"params" as a JSON object');
  const params: Params = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (typeof val === "number" ? !Number.isFinite(val) : typeof val !== "string" && typeof val !== "boolean") {
      fail(`param "${k}" as a number, string or boolean`);
    }
    params[k] = val as number | string | boolean;
  }
  return params;
}
