import type {EnvironmentSpec} from "../plan/types.ts";
import {targetKind} from "../targets/registry.ts";
import type {Target} from "../targets/target.ts";

/**
 * Opens the target a plan's environment names (targets/registry.ts). `peers` (the plan's
 * environments) lets the nested lab know every lab environment from the start, so that its first
 * boot already serves all of those that share it (data-loaders/lab/session.ts).
 */
export async function openTarget(spec: EnvironmentSpec, probes: Record<string, string>, peers: readonly EnvironmentSpec[] = []): Promise<Target> {
  return targetKind(spec.target)!.open(spec, {probes, peers, log: labLog});
}

/** Lab and Xen boots take minutes: say what they are doing (stderr, beside the progress line). */
export function labLog(line: string): void {
  if (process.env.VMMBENCH_QUIET !== "1") process.stderr.write(`${line}\n`);
}
