/**
 * A fleet for the fleet tests and bench/fleet.ts: real sshd instances on 127.0.0.2, 127.0.0.3 … (each
 * with its own host key and client key) and an Ansible INI inventory that names them in one group.
 */
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {startSshd, type Sshd} from "./sshd.ts";

export interface Fleet {
  hosts: {name: string; sshd: Sshd}[];
  dir: string;
  inventory: string;
  /** Empty at first: the plan's known_hosts_file, filled as each host key is accepted. */
  knownHosts: string;
  stop(): Promise<void>;
}

export async function startFleet(size = 3, group = "hypervisors"): Promise<Fleet> {
  const dir = mkdtempSync(join(tmpdir(), "vmmbench-fleet-"));
  const servers: Sshd[] = [];
  try {
    for (let i = 0; i < size; i++) servers.push(await startSshd({address: `127.0.0.${i + 2}`}));
  } catch (error) {
    for (const server of servers) await server.stop();
    rmSync(dir, {recursive: true, force: true});
    throw error;
  }
  const hosts = servers.map((sshd, i) => ({name: `hv${i + 1}`, sshd}));
  const inventory = join(dir, "fleet.ini");
  writeFileSync(
    inventory,
    [
      `[${group}]`,
      ...hosts.map(({name, sshd}) => `${name} ansible_host=${sshd.host} ansible_port=${sshd.port} ansible_user=${sshd.user} ansible_ssh_private_key_file=${sshd.identityFile}`),
      ""
    ].join("\n")
  );
  const knownHosts = join(dir, "known_hosts");
  writeFileSync(knownHosts, "");
  return {
    hosts,
    dir,
    inventory,
    knownHosts,
    async stop() {
      for (const {sshd} of hosts) await sshd.stop();
      rmSync(dir, {recursive: true, force: true});
    }
  };
}
