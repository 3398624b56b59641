/**
 * The contract of a suite: everything vmmbench knows about one benchmark family — its metrics, its
 * plan options, its built-in probe and how a step calls it, the real tool the reference engine runs
 * instead, the outputs `vmmbench ingest` recognises, and where the report shows it — lives in
 * suites/<name>/ behind this interface. Plans, campaigns, the probe build, ingest detection and the
 * report iterate suites/registry.ts and name no suite.
 */
import type {z} from "zod";
import type {ParsedOutput, Sample} from "../model/sample.ts";
import type {ChooseFormat} from "../parsers/evidence.ts";
import type {StepProvenance} from "../store/store.ts";

export interface MetricInfo {
  unit: string;
  /** How the report names it. */
  label: string;
  /**
   * false: not part of the suite's slowdown, because it repeats another metric (a time beside a
   * rate) or describes the machine or the run rather than its speed (a limit, the orders run).
   */
  overhead?: false;
}

/** A built-in C probe: compiled static (a companion: dynamic) by probes/build.ts into the guest image too. */
export interface ProbeSpec {
  /** Binary name; a step's `probe`. */
  name: string;
  /** Absolute path of the C source (probes/common.h is on the include path). */
  source: string;
  /** Extra compiler flags placed before the source. */
  cflags: readonly string[];
  /** Libraries placed after the source. */
  libs: readonly string[];
  /** Links OpenBLAS's static archive: without it the probe is reported unavailable, the others still build. */
  openblas?: true;
  /** A second build of another probe's source that travels with it (linked dynamically); no step names it. */
  companionOf?: string;
  /** Metrics it can emit, where the paper shows them, and what it does (docs/probes.md). */
  metrics: readonly string[];
  paper: string;
  description: string;
}

/** One probe invocation of a round, before it is bound to an environment and a round number. */
export interface StepTemplate {
  name: string;
  suite: string;
  probe: string;
  args: string[];
  /** Repetitions the probe takes inside one invocation (to number samples across rounds). */
  reps: number;
  /**
   * Turns this step's stdout into samples, with the version the output states (null: unknown).
   * Absent: a built-in probe, parsed by the campaign's `parseOutput` (probe JSON lines).
   */
  parse?: (stdout: string, file: string) => {samples: Sample[]; toolVersion: string | null};
  /** Who wrote the samples; absent: the built-in probes (`engine: 'builtin'`). */
  provenance?: StepProvenance & {engine: "builtin" | "reference"};
  /** Format recorded with the kept stdout; absent: "vmmbench-probe-jsonl". */
  rawFormat?: string;
}

export type Parser = (text: string, file: string, lines?: readonly string[]) => ParsedOutput;

/** A line only this format's tool prints; `first` lists the characters such a (trimmed) line can start with. */
export interface Signature {
  pattern: RegExp;
  /** The format the line proves (a family-wide signature names the tool, e.g. "iozone"). */
  format: string;
  first?: string;
  /** Tried only on lines holding this literal (signatures that can start with anything). */
  literal?: string;
  /** Suites whose lines this format's output embeds (HPCC prints a STREAM table): not a second tool. */
  embeds?: readonly string[];
}

/** How `vmmbench ingest` tells this suite's outputs apart (parsers/detect.ts). */
export interface Detection {
  /** Lines only this suite's tools print. */
  signatures: readonly Signature[];
  /** Which of its formats a text holds, from the formats its signatures proved. */
  choose: ChooseFormat;
  /** A text no signature matched may still be this suite's (lat_mem_rd prints no banner). */
  unsigned?: (text: string, lines: readonly string[], first: number) => string | undefined;
  /** How the error for an unrecognised text names this suite's formats. */
  expected: string;
}

/** An output format `vmmbench ingest` recognises by its content. */
export interface Format {
  id: string;
  tool: string;
  description: string;
  parse: Parser;
}

/** What the real tools of a suite are and how the reference engine runs them (campaign/tool-engine.ts). */
export interface SuiteTools<Options, Found> {
  /** The plan's `tools:` keys this suite reads: a file (an executable) or a dir (of binaries). */
  paths: Readonly<Record<string, {kind: "file" | "dir"; what: string}>>;
  /**
   * Finds the tools these option sets (the plan's and each environment's) need, given the paths the
   * plan wrote (null: not written) and a PATH lookup. `missing` says what was not found and where it
   * was looked for.
   */
  find(options: readonly Options[], paths: Readonly<Record<string, string | null>>, onPath: (name: string, dir?: string) => string | undefined): {found: Found | undefined; names: string[]; missing: string[]};
  /** The reference steps for `options`, and what is left for the built-in probes (undefined: nothing). */
  steps(options: Options, found: Found): {templates: StepTemplate[]; left: Options | undefined};
}

/**
 * Where the report shows a suite: its own page (src/<page>.md, at `order` among the suites' pages,
 * the paper's order; `omit` metrics it does not show; `peaks`: the page gets LINPACK's peak rows),
 * or a panel in a section of another suite's page, which draws the suite's metrics side by side.
 */
export type ReportPlace =
  | {page: string; title: string; order: number; omit?: readonly string[]; peaks?: true}
  | {panelOn: string; section: string; title: string};

/** The presets a suite takes part in (plan/presets.ts), as a user would write its options in YAML. */
export interface SuitePresets {
  quick?: unknown;
  full?: unknown;
  paper?: unknown;
  /** In the nested lab (an emulated machine: short sizes). */
  lab?: unknown;
  /** Overrides for a guest under full emulation (QEMU TCG), merged over `quick`. */
  emulated?: unknown;
}

export interface Suite<Options = unknown, Found = unknown> {
  name: string;
  /** Plan options as written in YAML → strict options with defaults; absent: a suite only `vmmbench ingest` reads. */
  options?: z.ZodType<Options>;
  metrics: Readonly<Record<string, MetricInfo>>;
  presets: SuitePresets;
  probes: readonly ProbeSpec[];
  /** The built-in steps of one round. */
  steps?(options: Options): StepTemplate[];
  tools?: SuiteTools<Options, Found>;
  /** Outputs of other tools `vmmbench ingest` reads for this suite, and how they are told apart. */
  formats: readonly Format[];
  detection?: Detection;
  report?: ReportPlace;
}

/** A suite with its name kept as a literal type, so that plans can type their options by suite name. */
export function defineSuite<const Name extends string, Options, Found = never>(suite: Suite<Options, Found> & {name: Name}): Suite<Options, Found> & {name: Name} {
  return suite;
}
