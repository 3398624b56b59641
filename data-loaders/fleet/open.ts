/**
 * Opens one inventory host as a Target, through the transport the plan and this controller allow
 * (transport.ts): a host of the shared Ansible fan-out, or vmmbench's SSH target (the local target
 * for `ansible_connection=local`). Either way its fingerprint says which inventory, group and host
 * it is and which transport ran.
 */
import {ConfigError} from "../errors.ts";
import {LocalTarget, validateProbeMap, validateSteps} from "../targets/local.ts";
import {remoteFingerprint, SshTarget} from "../targets/ssh.ts";
import type {EnvironmentOf} from "../targets/registry.ts";
import type {Fingerprint, OpenContext, Step, StepOutput, Target} from "../targets/target.ts";
import type {ansibleKind} from "../targets/ansible.ts";
import {AnsibleFanout, type FanoutSettings} from "./ansible/fanout.ts";
import {chooseTransport} from "./transport.ts";

/** An inventory host as its target kind hands it over: the validated keys and its label. */
export type FleetHostSpec = Omit<EnvironmentOf<typeof ansibleKind>, "target" | "note">;

const CONNECT_TIMEOUT_S = 10;

/** Transports already announced by this process: the run says once which one carries its hosts. */
const announced = new Set<string>();

export async function openFleetHost(spec: FleetHostSpec, context: OpenContext): Promise<Target> {
  const transport = await chooseTransport(spec.transport);
  if (!announced.has(transport.words)) {
    announced.add(transport.words);
    context.log(`inventory hosts go through ${transport.words}`);
  }
  const where = `${spec.resolved.user ? `${spec.resolved.user}@` : ""}${spec.resolved.address}:${spec.resolved.port}`;
  const extra = {
    fleet_inventory: spec.inventory,
    ...(spec.group ? {fleet_group: spec.group} : {}),
    fleet_host: spec.host,
    transport: transport.words
  };
  if (transport.kind === "ansible") {
    const fanout = sharedFanout(
      {
        inventory: spec.inventory,
        strictHostKeyChecking: spec.strictHostKeyChecking,
        ...(spec.knownHostsFile ? {knownHostsFile: spec.knownHostsFile} : {}),
        retries: spec.retries,
        connectTimeoutS: CONNECT_TIMEOUT_S,
        become: spec.become,
        ...(spec.forks ? {forks: spec.forks} : {})
      },
      context
    );
    return new AnsibleHostTarget(spec, fanout, context.probes, {launch: `ansible-playbook → ${spec.host} (${where})`, extra});
  }
  if (spec.resolved.connection === "local") {
    return new FleetFacts(new LocalTarget({label: spec.label, probes: context.probes}), {launch: `local (inventory host ${spec.host}, ansible_connection=local)`, extra});
  }
  const refused = spec.resolved.unresolved[0] ?? (spec.become ? "it asks for become (sudo), which only ansible-playbook does" : undefined) ??
    (!["ssh", "smart", "paramiko", "paramiko_ssh"].includes(spec.resolved.connection) ? `its ansible_connection is ${spec.resolved.connection}` : undefined);
  if (refused) throw new ConfigError(`inventory host ${spec.host}: ${refused}; ${transport.words} cannot reach it (install ansible-core to go through ansible-playbook)`);
  const ssh = new SshTarget({
    label: spec.label,
    destination: `${spec.resolved.user ? `${spec.resolved.user}@` : ""}${spec.resolved.address.includes(":") ? `[${spec.resolved.address}]` : spec.resolved.address}`,
    port: spec.resolved.port,
    ...(spec.resolved.identity_file ? {identityFile: spec.resolved.identity_file} : {}),
    sshOptions: spec.resolved.ssh_args,
    strictHostKeyChecking: spec.strictHostKeyChecking,
    ...(spec.knownHostsFile ? {knownHostsFile: spec.knownHostsFile} : {}),
    connectTimeoutS: CONNECT_TIMEOUT_S,
    probes: context.probes,
    ...(spec.hypervisor ? {hypervisor: spec.hypervisor} : {}),
    passthrough: spec.passthrough
  });
  return new FleetFacts(ssh, {launch: `ssh → ${spec.host} (${where})`, extra});
}

/** One fan-out per inventory and connection settings, shared by every host that names them. */
const fanouts = new Map<string, {fanout: AnsibleFanout; open: number}>();

function sharedFanout(settings: FanoutSettings, context: OpenContext): AnsibleFanout {
  const key = JSON.stringify(settings);
  let entry = fanouts.get(key);
  if (!entry) fanouts.set(key, (entry = {fanout: new AnsibleFanout(settings, context.probes, context.log), open: 0}));
  entry.open++;
  return entry.fanout;
}

/** Forgets a fan-out once every host that opened it closed, so that a later campaign starts a fresh one. */
function releaseFanout(fanout: AnsibleFanout): void {
  for (const [key, entry] of fanouts) {
    if (entry.fanout === fanout && --entry.open === 0) fanouts.delete(key);
  }
}

interface FleetWords {
  launch: string;
  extra: Record<string, string>;
}

/** A host of the Ansible fan-out. */
class AnsibleHostTarget implements Target {
  readonly label: string;
  readonly #probes: Record<string, string>;
  #facts: string | null = null;
  #closed = false;

  constructor(
    readonly spec: FleetHostSpec,
    readonly fanout: AnsibleFanout,
    probes: Record<string, string>,
    readonly words: FleetWords
  ) {
    this.label = spec.label;
    this.#probes = validateProbeMap(probes);
    fanout.register(spec.host);
  }

  async prepare(): Promise<void> {
    this.#facts ??= await this.fanout.prepare(this.spec.host);
  }

  async fingerprint(): Promise<Fingerprint> {
    await this.prepare();
    return remoteFingerprint(this.#facts!, {
      environment: this.label,
      ...(this.spec.hypervisor ? {hypervisor: this.spec.hypervisor} : {}),
      passthrough: this.spec.passthrough,
      launch: this.words.launch,
      extra: this.words.extra
    });
  }

  async run(steps: Step[], onOutput: (output: StepOutput) => Promise<void> | void): Promise<void> {
    validateSteps(steps, this.#probes);
    if (steps.length === 0) return;
    await this.fanout.run(this.spec.host, steps, onOutput);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.fanout.close(this.spec.host);
    } finally {
      releaseFanout(this.fanout);
    }
  }
}

/** A target whose fingerprint also says which inventory host it is and which transport ran. */
class FleetFacts implements Target {
  readonly label: string;

  constructor(
    readonly inner: Target,
    readonly words: FleetWords
  ) {
    this.label = inner.label;
  }

  async prepare(): Promise<void> {
    await this.inner.prepare?.();
  }

  async fingerprint(): Promise<Fingerprint> {
    const fingerprint = await this.inner.fingerprint();
    return {...fingerprint, launch: this.words.launch, extra: {...fingerprint.extra, ...this.words.extra}};
  }

  run(steps: Step[], onOutput: (output: StepOutput) => Promise<void> | void): Promise<void> {
    return this.inner.run(steps, onOutput);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

