/**
 * `target: ansible`: a host of an Ansible inventory. A plan names a group (`inventory: fleet.ini`,
 * `group: hypervisors`), which becomes one environment per host at plan load (fleet/expand.ts); each
 * is reached through ansible-playbook where it is installed, else through vmmbench's SSH target
 * (fleet/transport.ts). Hosts run side by side; one host's environments rotate as on one machine.
 */
import {z} from "zod";
import {absolutePath, flag, integer, mapping, oneOf, text} from "../plan/schema.ts";
import {defineTarget, type Target} from "./target.ts";

const resolved = mapping({
  address: text(),
  port: integer(1, 65535),
  user: text().optional(),
  identity_file: text().optional(),
  ssh_args: z.array(z.string(), {error: "a list of ssh arguments"}).default([]),
  connection: text().default("ssh"),
  become: flag().default(false),
  unresolved: z.array(z.string(), {error: "a list"}).default([])
});

export const ansibleKind = defineTarget({
  name: "ansible",
  schema: mapping({
    inventory: absolutePath(),
    group: text().optional(),
    host: text(),
    resolved,
    transport: oneOf(["auto", "ansible", "ssh"]).default("auto"),
    // What the host is, when detection from inside cannot tell (a KVM guest with VT-d pass-through).
    hypervisor: oneOf(["none", "kvm", "xen", "qemu-tcg"]).optional(),
    passthrough: flag().default(false),
    strict_host_key_checking: oneOf(["yes", "accept-new", "no"]).default("accept-new"),
    known_hosts_file: absolutePath().optional(),
    // Run the probes as root (sudo, as Ansible's become); the inventory's ansible_become otherwise.
    become: flag().optional(),
    retries: integer(0, 10).default(0),
    forks: integer(1, 1000).optional()
  }).transform((o) => ({
    inventory: o.inventory,
    group: o.group ?? null,
    host: o.host,
    resolved: o.resolved,
    transport: o.transport,
    hypervisor: o.hypervisor ?? null,
    passthrough: o.passthrough,
    strictHostKeyChecking: o.strict_host_key_checking,
    knownHostsFile: o.known_hosts_file ?? null,
    become: o.become ?? o.resolved.become,
    retries: o.retries,
    forks: o.forks ?? null
  })),
  runsTools: true,
  planned: (spec) => ({
    hypervisor: spec.hypervisor ?? "none",
    mode: "none",
    vcpus: null,
    memoryMb: null,
    passthrough: spec.passthrough,
    extra: {fleet_inventory: spec.inventory, ...(spec.group ? {fleet_group: spec.group} : {}), fleet_host: spec.host}
  }),
  async open(spec, context): Promise<Target> {
    const {openFleetHost} = await import("../fleet/open.ts");
    return openFleetHost(spec, context);
  },
  describe: (spec) =>
    `inventory host ${spec.host}${spec.group ? ` (group ${spec.group})` : ""}: ${spec.resolved.user ? `${spec.resolved.user}@` : ""}${spec.resolved.address}:${spec.resolved.port}, through ${spec.transport === "auto" ? "ansible-playbook where installed, else ssh" : spec.transport}`,
  // ansible_connection=local is the controller itself; an address only Ansible can evaluate, the host's name.
  machine: (spec) => (spec.resolved.connection === "local" ? "controller" : `${spec.resolved.unresolved.length ? spec.host : spec.resolved.address}:${spec.resolved.port}`)
});
