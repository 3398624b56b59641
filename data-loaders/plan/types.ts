/** A campaign plan after validation: every field present, every value in range. */
import type {SuiteOptions} from "../suites/registry.ts";
import type {AnyEnvironment, MeterMode} from "../targets/registry.ts";

export interface StopRule {
  /** Rounds every environment runs at least. */
  min: number;
  /** Rounds no environment runs more than. */
  max: number;
  /** Stop early when every metric's relative standard deviation over rounds is below this (0.025 = 2.5%). */
  rsd: number;
  /** Stop starting new rounds once the campaign has run this long. */
  budgetS: number;
}

/** Suite options an environment overrides (`null` in YAML drops a suite for it); absent: the plan's. */
export interface EnvironmentSuites {
  suites?: Plan["suites"];
}

/** A plan's environment: its target kind's keys (targets/registry.ts), label, note and suite overrides. */
export type EnvironmentSpec = AnyEnvironment & EnvironmentSuites;

/**
 * Where the real tools are for `engine: reference` (YAML `tools:`; docs/probes.md "Reference engine"):
 * the keys each suite's tools declare (suites/<name>/tools.ts), null to look the tool up on PATH.
 */
export interface ToolPaths {
  paths: Readonly<Record<string, string | null>>;
  /** Fail before running anything when a suite's tool is not found, instead of falling back to the built-in probe. */
  strict: boolean;
}

export interface Plan {
  name: string;
  engine: "builtin" | "reference";
  tools: ToolPaths;
  environments: EnvironmentSpec[];
  /** Each suite's options by name (suites/registry.ts). */
  suites: SuiteOptions;
  repetitions: StopRule;
  /** Longest a single probe invocation may run before it is killed and recorded as failed. */
  stepTimeoutS: number;
  /** Meters of each environment that does not set its own (docs/meters.md). */
  meters: MeterMode;
  /** The plan as written (YAML/JSON/preset object): stored with the run and validated again on resume. */
  raw: unknown;
}
