/**
 * Fan-out overhead per host per step: what a campaign step costs beyond the probe itself when it
 * goes through ansible-playbook (the generated playbook, raw loop items streamed back by the
 * callback plugin) against vmmbench's own single-host SSH target (one ControlMaster connection).
 *
 * Real sshd on 127.0.0.2–4 (test/helpers/fleet.ts), a static probe that prints one line and exits
 * (so a step's wall time is all transport), batches of S steps per host as a round hands them out.
 * Variants run interleaved, repetition after repetition, so drift of this shared machine spreads
 * over all of them; each prints the median and range of its batch's wall time and the cost per
 * step per host, and the ratio of medians against the single-host SSH target with a 95% bootstrap
 * interval. The Ansible run's cost splits into a fixed part per playbook run and a part per step,
 * from batches of 1 and of S steps.
 *
 * Usage: npx tsx bench/fleet.ts [--reps 5] [--steps 10] [--hosts 3]
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {parseArgs} from "node:util";
import {AnsibleFanout} from "../data-loaders/fleet/ansible/fanout.ts";
import {findAnsiblePlaybook} from "../data-loaders/fleet/transport.ts";
import {bootstrapRatio, median} from "../data-loaders/stats.ts";
import {SshTarget} from "../data-loaders/targets/ssh.ts";
import type {Step} from "../data-loaders/targets/target.ts";
import {startFleet} from "../test/helpers/fleet.ts";
import {buildFakeProbe} from "../test/helpers/sshd.ts";

const {values} = parseArgs({options: {reps: {type: "string", default: "5"}, steps: {type: "string", default: "10"}, hosts: {type: "string", default: "3"}}});
const REPS = Number(values.reps);
const STEPS = Number(values.steps);
const HOSTS = Number(values.hosts);

const ansible = await findAnsiblePlaybook();
const dir = mkdtempSync(join(tmpdir(), "vmmbench-bench-fleet-"));
const fleet = await startFleet(HOSTS);
const probes = {"fake-probe": await buildFakeProbe(dir)};
const steps = (host: string, n: number, rep: number): Step[] =>
  Array.from({length: n}, (_, i) => ({id: `${host}/r${rep}/s${i}`, probe: "fake-probe", args: ["json", "bench", String(i)], timeoutS: 30}));

/** One batch: resolves with its wall time in ms. */
type Variant = {name: string; hosts: number; steps: number; batch: (rep: number) => Promise<number>; close: () => Promise<void>};

async function sshVariant(hosts: number, n: number): Promise<Variant> {
  const targets = fleet.hosts.slice(0, hosts).map(({name, sshd}) =>
    new SshTarget({label: name, destination: sshd.destination, port: sshd.port, identityFile: sshd.identityFile, knownHostsFile: fleet.knownHosts, probes})
  );
  // Warm: the ControlMaster is up and the probe copied, as after a campaign's first step.
  await Promise.all(targets.map((t) => t.run(steps(t.label, 1, -1), () => undefined)));
  return {
    name: "vmmbench ssh",
    hosts,
    steps: n,
    async batch(rep) {
      const started = performance.now();
      await Promise.all(targets.map((t) => t.run(steps(t.label, n, rep), () => undefined)));
      return performance.now() - started;
    },
    close: async () => void (await Promise.all(targets.map((t) => t.close())))
  };
}

async function ansibleVariant(hosts: number, n: number): Promise<Variant> {
  const fanout = new AnsibleFanout({inventory: fleet.inventory, strictHostKeyChecking: "accept-new", knownHostsFile: fleet.knownHosts, retries: 0, connectTimeoutS: 10, become: false}, probes, () => undefined);
  const names = fleet.hosts.slice(0, hosts).map((h) => h.name);
  for (const name of names) fanout.register(name);
  await Promise.all(names.map((name) => fanout.prepare(name)));
  await Promise.all(names.map((name) => fanout.run(name, steps(name, 1, -1), () => undefined)));
  return {
    name: "ansible-playbook",
    hosts,
    steps: n,
    async batch(rep) {
      const started = performance.now();
      let outputs = 0;
      await Promise.all(names.map((name) => fanout.run(name, steps(name, n, rep), () => void outputs++)));
      if (outputs !== hosts * n) throw new Error(`expected ${hosts * n} outputs, got ${outputs}`);
      return performance.now() - started;
    },
    close: async () => void (await Promise.all(names.map((name) => fanout.close(name))))
  };
}

const variants: Variant[] = [await sshVariant(1, STEPS), await sshVariant(HOSTS, STEPS)];
if (ansible) variants.push(await ansibleVariant(1, 1), await ansibleVariant(1, STEPS), await ansibleVariant(HOSTS, STEPS));
else console.log("ansible-playbook is not installed (apt-get install -y ansible-core): only the SSH target is measured");

const walls = variants.map(() => [] as number[]);
for (let rep = 0; rep < REPS; rep++) {
  // Rotated order per repetition, as a campaign's rounds: drift spreads over every variant.
  for (let k = 0; k < variants.length; k++) {
    const i = (k + rep) % variants.length;
    walls[i]!.push(await variants[i]!.batch(rep));
  }
}
for (const variant of variants) await variant.close();

const perStep = (i: number) => walls[i]!.map((ms) => ms / variants[i]!.steps);
const baseline = perStep(0);
console.log(`fan-out overhead per host per step (${REPS} repetitions each, interleaved; a one-line static probe; ${HOSTS} sshd on 127.0.0.2–${1 + HOSTS}; ${ansible?.version ?? "no ansible"})`);
console.log("transport          hosts  steps/batch  batch wall: median [min–max] ms   per step per host: median ms   vs ssh, 1 host: ratio of medians [95% CI]");
variants.forEach((v, i) => {
  const w = walls[i]!;
  const ratio = bootstrapRatio(perStep(i), baseline);
  console.log(
    `${v.name.padEnd(18)} ${String(v.hosts).padStart(5)}  ${String(v.steps).padStart(11)}  ${median(w).toFixed(0).padStart(10)} [${Math.min(...w).toFixed(0)}–${Math.max(...w).toFixed(0)}]`.padEnd(73) +
      `${median(perStep(i)).toFixed(1).padStart(8)}                    ${ratio.ratio.toFixed(1)}× [${ratio.low.toFixed(1)}, ${ratio.high.toFixed(1)}]`
  );
});
if (ansible) {
  // T(S) = fixed + S · marginal, from the one-host batches of 1 and of S steps.
  const one = walls[2]!;
  const many = walls[3]!;
  const marginal = (median(many) - median(one)) / (STEPS - 1);
  console.log(`ansible-playbook, one host: ${(median(one) - marginal).toFixed(0)} ms per playbook run (start, inventory, connection) + ${marginal.toFixed(0)} ms per step; vmmbench ssh: ${median(baseline).toFixed(1)} ms per step`);
}
await fleet.stop();
rmSync(dir, {recursive: true, force: true});
