/**
 * The reference engine (`vmmbench run --engine reference`, or `engine: reference` in a plan): where
 * LMbench, IOzone, HPL or Intel's LINPACK are installed, a campaign runs them instead of the
 * built-in probes for the suites they cover and parses their output with the same parsers as
 * `vmmbench ingest`, filling the same metrics and params. The rule (docs/probes.md "Reference engine"):
 *
 * - each part of a plan (every Table 1 metric, the Table 2 cells, memory bandwidth, IOzone, LINPACK)
 *   looks for its tool: the plan's `tools:` path first, else PATH;
 * - a part whose tool is not found runs the built-in probe, with a warning, and its samples say
 *   engine 'builtin'; with `tools: {strict: true}` the campaign refuses to start instead;
 * - a path written in `tools:` that is not an executable file is always an error (a typo must not
 *   fall back silently);
 * - only environments on real machines (local, ssh) run reference tools; guests (qemu) have no
 *   shared libraries or tools and keep the built-in probes.
 *
 * Every reference step runs through one small runner script (campaign/tool-runner.ts).
 */
import {accessSync, constants, existsSync, statSync} from "node:fs";
import {delimiter, isAbsolute, join} from "node:path";
import {ConfigError} from "../errors.ts";
import type {EnvironmentSpec, Plan} from "../plan/types.ts";
import {RUNNABLE_SUITES} from "../suites/registry.ts";
import {targetKind} from "../targets/registry.ts";


/** The tools found for one campaign: per suite, what its `find` returned (suites/<name>/tools.ts). */
export type ReferenceTools = Readonly<Record<string, unknown>>;

export interface ReferenceResolution {
  tools: ReferenceTools;
  /** Lines to log: what runs which engine, what fell back and why. */
  notes: string[];
}

/** Is this an executable regular file? */
function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** An executable `name` in `dir`, or on the PATH. */
function lookup(pathEnv: string) {
  return (name: string, dir?: string): string | undefined => {
    for (const d of dir ? [dir] : pathEnv.split(delimiter)) {
      if (!d || !isAbsolute(d)) continue;
      const candidate = join(d, name);
      if (executable(candidate)) return candidate;
    }
    return undefined;
  };
}

/**
 * Finds the reference tools the plan's suites (and every environment's own suites) need.
 * Throws ConfigError for a `tools:` path that is not what it must be, and — with `strict` — for
 * any suite part whose tool is missing.
 */
export function resolveReferenceTools(plan: Pick<Plan, "tools" | "suites" | "environments">, pathEnv = process.env.PATH ?? ""): ReferenceResolution {
  const onPath = lookup(pathEnv);
  const tools: Record<string, unknown> = {};
  const found: string[] = [];
  const missing: string[] = [];
  const suiteSets = [plan.suites, ...plan.environments.map((e) => e.suites ?? {})] as Array<Record<string, unknown>>;
  for (const suite of RUNNABLE_SUITES) {
    if (!suite.tools) continue;
    const paths: Record<string, string | null> = {};
    for (const [key, {kind, what}] of Object.entries(suite.tools.paths)) {
      const path = plan.tools.paths[key] ?? null;
      if (path !== null && !(kind === "dir" ? existsSync(path) && statSync(path).isDirectory() : executable(path))) {
        throw new ConfigError(`plan: tools.${key}: expected ${what}, found ${JSON.stringify(path)} (${existsSync(path) ? "not executable" : "no such file"})`);
      }
      paths[key] = path;
    }
    const options = suiteSets.map((set) => set[suite.name]).filter((o) => o !== undefined);
    const result = suite.tools.find(options, paths, onPath);
    if (result.found !== undefined) tools[suite.name] = result.found;
    found.push(...result.names);
    missing.push(...result.missing);
  }
  if (missing.length && plan.tools.strict) {
    throw new ConfigError(`plan: engine reference with tools.strict: not found: ${missing.join("; ")}`);
  }
  const notes: string[] = [];
  if (found.length) notes.push(`reference engine: ${found.join(", ")}`);
  for (const what of missing) notes.push(`warning: reference engine: ${what}; those measurements use the built-in probe (engine 'builtin')`);
  return {tools, notes};
}

export interface CampaignReference {
  notes: string[];
  /** The tools an environment's steps use; undefined: built-in probes only. */
  forEnvironment(spec: EnvironmentSpec): ReferenceTools | undefined;
}

/**
 * The reference engine's decision for a whole plan: nothing for `engine: builtin`; otherwise the
 * tools found (resolveReferenceTools) for environments on real machines (a target kind's
 * `runsTools`), the built-in probes for guests (a warning, or a ConfigError under tools.strict).
 */
export function referenceFor(plan: Pick<Plan, "engine" | "tools" | "suites" | "environments">, pathEnv?: string): CampaignReference {
  if (plan.engine !== "reference") return {notes: [], forEnvironment: () => undefined};
  const guests = plan.environments.filter((e) => !targetKind(e.target)!.runsTools).map((e) => e.label);
  if (guests.length && plan.tools.strict) {
    throw new ConfigError(`plan: engine reference with tools.strict: environment(s) ${guests.join(", ")} are guests, which run only the built-in probes`);
  }
  const {tools, notes} = resolveReferenceTools(plan, pathEnv);
  if (guests.length) notes.push(`warning: reference engine: environment(s) ${guests.join(", ")} are guests and run the built-in probes (engine 'builtin')`);
  return {notes, forEnvironment: (spec) => (targetKind(spec.target)!.runsTools ? tools : undefined)};
}
