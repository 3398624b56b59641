/**
 * The building blocks of plan schemas (zod), each carrying the words its error states, so that a
 * mistake in a plan reads `plan.yaml:5: suites.lmbench.reps: expected an integer from 1 to 1000,
 * found -1` whatever schema it sits in. Suites and targets declare their plan keys with these;
 * plan/validate.ts assembles them and turns the first issue into a ConfigError with file:line.
 */
import {z} from "zod";
import {ConfigError} from "../errors.ts";

/** Says where a path of keys sits in the source (file:line), so errors point at the text a user wrote. */
export type Locate = (path: readonly (string | number)[]) => string;

export const integer = (min: number, max: number) => {
  const error = `an integer from ${min} to ${max}`;
  return z.number({error}).int({error}).min(min, {error}).max(max, {error});
};

export const number = (min: number, max: number) => {
  const error = `a number from ${min} to ${max}`;
  return z.number({error}).min(min, {error}).max(max, {error}).refine(Number.isFinite, {error});
};

export const integers = (min: number, max: number, {allowEmpty = false} = {}) => {
  const list = z.array(integer(min, max), {error: "a list"});
  return allowEmpty ? list : list.min(1, {error: "a non-empty list"});
};

export const text = () => z.string({error: "a non-empty string"}).refine((s) => s.trim() !== "", {error: "a non-empty string"});

export const flag = () => z.boolean({error: "true or false"});

export const oneOf = <const T extends readonly [string, ...string[]]>(options: T) => z.enum(options, {error: `one of ${options.join(", ")}`});

/** An absolute path (whether it exists is checked when it is used: a plan may be written elsewhere). */
export const absolutePath = () => text().refine((s) => s.startsWith("/"), {error: "an absolute path"});

/**
 * A mapping with these keys only. Keys written as null (YAML `key:` with nothing after it) take
 * their default, as if absent.
 */
export const mapping = <S extends z.ZodRawShape>(shape: S) =>
  z.preprocess(
    (x) => (x !== null && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).filter(([, v]) => v !== null)) : x),
    z.strictObject(shape, {error: (issue) => (issue.code === "unrecognized_keys" ? `one of the keys ${Object.keys(shape).join(", ")}` : "a mapping")})
  );

/**
 * Parses `raw` with `schema`, or throws the first problem as a ConfigError located in the source:
 * `<file:line>: <path>: expected <what>, found <the value written>`.
 */
export function parseWith<T extends z.ZodType>(schema: T, raw: unknown, locate: Locate, at: readonly (string | number)[] = []): z.output<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  let path = [...at, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))];
  let found: unknown = valueAt(raw, issue.path);
  if (issue.code === "unrecognized_keys") {
    path = [...path, issue.keys[0]!];
    found = issue.keys[0];
  }
  fail(locate, path, issue.message, found);
}

export function fail(locate: Locate, path: readonly (string | number)[], expected: string, found?: unknown): never {
  const what = found === undefined ? "" : `, found ${JSON.stringify(found)}`;
  throw new ConfigError(`${locate(path)}: ${path.length ? `${path.join(".")}: ` : ""}expected ${expected}${what}`);
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
