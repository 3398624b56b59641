/**
 * The probe invocations one round makes in an environment: each suite of the plan, in the
 * registry's order, gives its steps (suites/<name>/). With `reference` (the tools the reference
 * engine found, campaign/tool-engine.ts), the parts those tools cover run them instead and the
 * rest keep the built-in probes.
 */
import type {Plan} from "../plan/types.ts";
import {RUNNABLE_SUITES} from "../suites/registry.ts";
import type {StepTemplate} from "../suites/suite.ts";
import type {ReferenceTools} from "./tool-engine.ts";

export type {StepTemplate} from "../suites/suite.ts";

export function stepTemplates(suites: Plan["suites"], reference?: ReferenceTools): StepTemplate[] {
  const steps: StepTemplate[] = [];
  for (const suite of RUNNABLE_SUITES) {
    const options = (suites as Record<string, unknown>)[suite.name];
    if (options === undefined) continue;
    const found = reference?.[suite.name];
    if (suite.tools && found !== undefined) {
      const {templates, left} = suite.tools.steps(options, found);
      steps.push(...templates, ...(left !== undefined ? suite.steps!(left) : []));
    } else {
      steps.push(...suite.steps!(options));
    }
  }
  return steps;
}
