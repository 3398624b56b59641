/**
 * The one shape every measurement takes on its way to the store, whatever produced it:
 * a built-in probe, a real tool's output, an ingested file or the paper's reference tables.
 * Metric names and units are the vocabulary of docs/metrics.md.
 */
import type {SampleTable} from "./sample-table.ts";

/** A suite's name, one of suites/registry.ts (a string: the registry's own types build on samples). */
export type Suite = string;

export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

export interface Sample {
  suite: Suite;
  metric: string;
  /** Dimensions of the measurement, e.g. {procs: 2, size_kb: 16}. Keys are snake_case. */
  params: Params;
  unit: string;
  value: number;
  /** 0-based repetition index within one run step or one input file. */
  repetition: number;
  /** 'failed' samples carry NaN as value and the reason in note. */
  status?: "ok" | "failed";
  /** A warning or failure reason that travels with the sample (e.g. "file smaller than page cache"). */
  note?: string;
  /** For inputs that hold several machines (LMbench summaries): the host the row belongs to. */
  host?: string;
}

/** What a parser returns for one input text. */
export class ParsedOutput {
  private materialized: Sample[] | undefined;

  constructor(
    /** Format id, e.g. "lmbench-results", "iozone-auto", "hpl", "fio-json". */
    readonly format: string,
    /** Tool that wrote the text, e.g. "lmbench", "iozone", "hpl", "hpcc", "intel-linpack", "fio", "stream". */
    readonly tool: string,
    readonly toolVersion: string | null,
    /** The samples, column by column: what the store reads. */
    readonly table: SampleTable,
    /** Facts the text states about where it ran (os, kernel, cpu, host...), kept as provenance. */
    readonly meta: Record<string, string>
  ) {}

  /** The samples as objects, made on first use (the store never needs them). */
  get samples(): Sample[] {
    this.materialized ??= this.table.toSamples();
    return this.materialized;
  }
}

/** Metrics where a smaller value is better (latencies); all others are bandwidths or rates. */
export const LOWER_IS_BETTER_UNITS = new Set(["us", "ms", "s", "ns"]);
