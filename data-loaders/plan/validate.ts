/**
 * A plan (YAML, JSON or a preset object) validated once, at the edge, into strict types. Suites
 * declare their options (suites/<name>/options.ts) and targets their environment keys
 * (targets/<name>.ts); this file assembles them from the registries and reports the first problem
 * with the file:line the user wrote it at.
 */
import {z} from "zod";
import {expandInventoryGroups} from "../fleet/expand.ts";
import {RUNNABLE_SUITES, suiteNamed} from "../suites/registry.ts";
import {TARGETS, targetKind} from "../targets/registry.ts";
import {isValidLabel, LABEL_RULE} from "./label.ts";
import {absolutePath, fail, flag, integer, mapping, number, oneOf, parseWith, text, type Locate} from "./schema.ts";
import type {EnvironmentSpec, Plan, ToolPaths} from "./types.ts";

export type {Locate} from "./schema.ts";

type Obj = Record<string, unknown>;
type Path = (string | number)[];

const SUITE_NAMES = RUNNABLE_SUITES.map((suite) => suite.name);
const TARGET_NAMES = TARGETS.map((kind) => kind.name) as unknown as [string, ...string[]];
const COMMON_ENVIRONMENT_KEYS = ["label", "target", "suites", "note", "meters"];
/** Meters around each timed repetition, around each cell's repetitions, or none (docs/meters.md). */
const meterMode = oneOf(["rep", "cell", "off"]);

/** Every key any target takes, and which targets take it (a key of another kind is named as such). */
const TARGETS_OF_KEY = new Map<string, string[]>();
for (const kind of TARGETS) {
  for (const key of shapeKeys(kind.schema)) TARGETS_OF_KEY.set(key, [...(TARGETS_OF_KEY.get(key) ?? []), kind.name]);
}

const stopRule = mapping({
  min: integer(1, 1000).default(3),
  max: integer(1, 1000).default(15),
  rsd: number(0, 10).default(0.025),
  budget_s: number(1, 1e7).default(3600)
})
  .refine((o) => o.max >= o.min, {error: (issue) => `at least min (${(issue.input as {min: number}).min})`, path: ["max"]})
  .transform((o) => ({min: o.min, max: o.max, rsd: o.rsd, budgetS: o.budget_s}));

/** `tools:` takes the paths every suite's reference tools declare, and `strict`. */
const TOOL_KEYS = RUNNABLE_SUITES.flatMap((suite) => Object.keys(suite.tools?.paths ?? {}));
const tools = mapping({...Object.fromEntries(TOOL_KEYS.map((key) => [key, absolutePath().optional()])), strict: flag().default(false)}).transform(
  (o): ToolPaths => ({paths: Object.fromEntries(TOOL_KEYS.map((key) => [key, ((o as Record<string, unknown>)[key] as string | undefined) ?? null])), strict: o.strict as boolean})
);

const root = mapping({
  name: text().default("plan"),
  engine: oneOf(["builtin", "reference"]).default("builtin"),
  tools: z.unknown().optional(),
  environments: z.array(z.unknown(), {error: "a list"}),
  suites: z.unknown().optional(),
  repetitions: z.unknown().optional(),
  step_timeout_s: number(1, 86_400).default(600),
  meters: meterMode.default("rep")
});

/**
 * Validates a plan object into strict types; the first problem is thrown with its location.
 * `baseDir` is where paths the plan names (an Ansible inventory) are relative to.
 */
export function validatePlan(raw: unknown, locate: Locate = (p) => p.join(".") || "plan", baseDir = process.cwd()): Plan {
  const written = parseWith(root, raw, locate);
  // An environment that names an inventory group is one environment per host from here on.
  const fleet = expandInventoryGroups(written.environments, locate, baseDir);
  const plan = {...written, environments: fleet.environments};
  locate = fleet.locate;
  const environments = plan.environments.map((e, i) => ({meters: plan.meters, ...environment(e, ["environments", i], locate)}));
  if (environments.length === 0) fail(locate, ["environments"], "at least one environment");
  const labels = new Set<string>();
  environments.forEach((e, i) => {
    if (labels.has(e.label)) fail(locate, ["environments", i, "label"], `a label not used by another environment ("${e.label}" is)`);
    labels.add(e.label);
  });
  const suitesRaw = parseWith(mapping(Object.fromEntries(SUITE_NAMES.map((name) => [name, z.unknown().optional()]))), plan.suites ?? {}, locate, ["suites"]) as Obj;
  const suites = suiteOptions(suitesRaw, ["suites"], locate);
  if (Object.keys(suites).length === 0) fail(locate, ["suites"], `at least one of ${SUITE_NAMES.join(", ")}`);
  // An environment may adjust suite options (a TCG guest needs smaller LINPACK sizes); its keys win.
  plan.environments.forEach((rawEnv, i) => {
    const own = (rawEnv as Obj).suites;
    if (own === undefined) return;
    const path = ["environments", i, "suites"];
    const ownRaw = parseWith(mapping(Object.fromEntries(SUITE_NAMES.map((name) => [name, z.unknown().optional()]))), own, locate, path) as Obj;
    // A suite written as null is dropped for this environment (mapping() reads null as absent, so look at the text).
    const dropped = new Set(Object.entries(own as Obj).filter(([, v]) => v === null).map(([k]) => k));
    const merged: Obj = {};
    for (const name of SUITE_NAMES) {
      if (suitesRaw[name] === undefined) {
        if (ownRaw[name] !== undefined || dropped.has(name)) fail(locate, [...path, name], `only suites the plan runs (${Object.keys(suitesRaw).join(", ")})`, name);
        continue;
      }
      if (!dropped.has(name)) merged[name] = {...(suitesRaw[name] as Obj), ...((ownRaw[name] as Obj | undefined) ?? {})};
    }
    environments[i]!.suites = suiteOptions(merged, path, locate);
  });
  return {
    name: plan.name,
    engine: plan.engine,
    tools: parseWith(tools, plan.tools ?? {}, locate, ["tools"]),
    environments,
    suites,
    repetitions: parseWith(stopRule, plan.repetitions ?? {}, locate, ["repetitions"]),
    stepTimeoutS: plan.step_timeout_s,
    meters: plan.meters,
    raw: fleet.expanded ? {...(raw as Obj), environments: fleet.environments} : raw
  };
}

function suiteOptions(raw: Obj, path: Path, locate: Locate): Plan["suites"] {
  const out: Obj = {};
  for (const [name, options] of Object.entries(raw)) {
    if (options === undefined) continue;
    out[name] = parseWith(suiteNamed(name)!.options!, options, locate, [...path, name]);
  }
  return out as Plan["suites"];
}

function environment(x: unknown, path: Path, locate: Locate): EnvironmentSpec {
  const e = parseWith(mapping(Object.fromEntries([...COMMON_ENVIRONMENT_KEYS, ...TARGETS_OF_KEY.keys()].map((key) => [key, z.unknown().optional()]))), x, locate, path) as Obj;
  const target = parseWith(oneOf(TARGET_NAMES), e.target, locate, [...path, "target"]);
  const kind = targetKind(target)!;
  // Keys of another kind are refused by name, so that a typo'd target is caught.
  for (const [key, kinds] of TARGETS_OF_KEY) {
    if (e[key] !== undefined && !kinds.includes(target)) fail(locate, [...path, key], `no ${key} for a ${target} environment (only for ${kinds.join(", ")})`, key);
  }
  const label = parseWith(text(), e.label ?? kind.defaultLabel, locate, [...path, "label"]);
  if (!isValidLabel(label)) fail(locate, [...path, "label"], LABEL_RULE, label);
  const own = Object.fromEntries(Object.entries(e).filter(([key]) => !COMMON_ENVIRONMENT_KEYS.includes(key)));
  const spec = parseWith(kind.schema, own, locate, path) as object;
  const note = e.note === undefined || e.note === null ? undefined : parseWith(text(), e.note, locate, [...path, "note"]);
  const meters = e.meters === undefined ? undefined : parseWith(meterMode, e.meters, locate, [...path, "meters"]);
  return {target, label, ...spec, ...(note === undefined ? {} : {note}), ...(meters === undefined ? {} : {meters})} as EnvironmentSpec;
}

/** The keys of a target's schema (a mapping, perhaps refined and transformed). */
function shapeKeys(schema: z.ZodType): string[] {
  let node: unknown = schema;
  for (let depth = 0; depth < 10 && node; depth++) {
    const def = (node as {def?: {shape?: object; in?: unknown; out?: unknown; schema?: unknown; innerType?: unknown; type?: string}}).def;
    if (!def) break;
    if (def.shape) return Object.keys(def.shape);
    node = def.type === "pipe" ? (def.in as {def?: {type?: string}})?.def?.type === "transform" ? def.out : def.in : (def.innerType ?? def.schema);
  }
  throw new TypeError("a target schema must be a mapping()");
}
