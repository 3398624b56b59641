/**
 * Which environment each environment is compared with. A ratio only means something against a
 * bare machine that shares everything but the hypervisor, so the baseline is the hypervisor-'none'
 * environment of the same run *at the same nesting*: a campaign that holds both a real `native`
 * and the nested lab's `lab-native` (itself running under an emulator) compares lab-kvm with
 * lab-native, and a guest on the real host (KVM, a TCG QEMU) with native. Comparing a nested
 * guest with the real host would charge it the emulator's cost, which is not the hypervisor's.
 */
import type {EnvironmentKey} from "./summary.ts";

type Keyed = Pick<EnvironmentKey, "run_id" | "environment" | "hypervisor" | "nested_under">;

/** The id of an environment of a run, as the baseline map's keys. */
export const environmentId = (k: Pick<EnvironmentKey, "run_id" | "environment">) => `${k.run_id}\0${k.environment}`;

/**
 * Pure: environment id → the environment (name) it is compared with, for every environment that
 * has a baseline. Several bare environments at one nesting (not a layout campaigns write) resolve
 * to the first by name, so the choice does not depend on the order rows arrive in.
 */
export function baselineEnvironments(keys: Iterable<Keyed>): Map<string, string> {
  const bare = new Map<string, string>();
  const nesting = (k: Keyed) => `${k.run_id}\0${k.nested_under ?? ""}`;
  const all: Keyed[] = [];
  for (const k of keys) {
    all.push(k);
    if (k.hypervisor !== "none") continue;
    const current = bare.get(nesting(k));
    if (current === undefined || k.environment < current) bare.set(nesting(k), k.environment);
  }
  const out = new Map<string, string>();
  for (const k of all) {
    const base = bare.get(nesting(k));
    if (base !== undefined) out.set(environmentId(k), base);
  }
  return out;
}
