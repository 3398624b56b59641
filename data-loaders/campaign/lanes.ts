/**
 * A campaign's lanes: the machines its environments measure on. Environments of one machine share
 * its cores, so they run one after another in rotating order (drift spreads over all of them);
 * different machines share nothing, so their lanes run side by side — a fleet of N hosts takes
 * about as long as its slowest host, never two campaign steps at once on one host. Everything that
 * is not an inventory host (local, guests, the nested lab, plain ssh) is the controller's lane,
 * as every environment was before fleets.
 */
import type {EnvironmentSpec} from "../plan/types.ts";
import {targetKind} from "../targets/registry.ts";

export interface Lane {
  /** "controller", or the machine's address:port. */
  machine: string;
  environments: EnvironmentSpec[];
  labels: ReadonlySet<string>;
}

export function lanesOf(environments: readonly EnvironmentSpec[]): Lane[] {
  const lanes = new Map<string, EnvironmentSpec[]>();
  for (const spec of environments) {
    const machine = targetKind(spec.target)?.machine?.(spec) ?? "controller";
    lanes.set(machine, [...(lanes.get(machine) ?? []), spec]);
  }
  return [...lanes].map(([machine, specs]) => ({machine, environments: specs, labels: new Set(specs.map((spec) => spec.label))}));
}

/** A lane as progress lines name it: its environments' labels (a host's name), else its machine. */
export function laneName(lane: Lane): string {
  return lane.environments.length === 1 ? lane.environments[0]!.label : `${lane.machine} (${[...lane.labels].join(", ")})`;
}
