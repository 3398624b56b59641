/**
 * An environment's meter mode on its built-in steps: `rep`, the probes' own default, adds nothing
 * (so steps and their ids read as before meters existed); `cell` and `off` add `--meters=…`.
 * The reference engine's real tools take no such flag.
 */
import type {StepTemplate} from "../suites/suite.ts";
import type {MeterMode} from "../targets/registry.ts";

export function meterArgs(args: readonly string[], mode: MeterMode | undefined): string[] {
  const rest = args.filter((arg) => !arg.startsWith("--meters="));
  return !mode || mode === "rep" ? rest : [...rest, `--meters=${mode}`];
}

export function withMeterMode(templates: StepTemplate[], mode: MeterMode | undefined): StepTemplate[] {
  return templates.map((t) => (t.provenance?.engine === "reference" ? t : {...t, args: meterArgs(t.args, mode)}));
}
