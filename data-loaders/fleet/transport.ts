/**
 * Which transport carries a fleet: ansible-playbook where it is installed (Debian's ansible-core),
 * else vmmbench's own SSH target, one connection per host. A plan may insist on either
 * (`transport: ansible | ssh`); `auto` takes ansible-playbook when it is on PATH.
 */
import {execa} from "execa";
import {existsSync} from "node:fs";
import {delimiter, join} from "node:path";
import {MissingDependencyError} from "../errors.ts";

export type TransportChoice = "auto" | "ansible" | "ssh";

export interface AnsibleInstall {
  path: string;
  /** `ansible-playbook --version`'s first line, e.g. "ansible-playbook [core 2.14.18]". */
  version: string;
}

export interface Transport {
  kind: "ansible" | "ssh";
  /** In words, as the run command prints it and each host's fingerprint keeps it. */
  words: string;
}

const found = new Map<string, Promise<AnsibleInstall | null>>();

/** ansible-playbook on `path` (default: this process's PATH) with its version, or null. */
export function findAnsiblePlaybook(path = process.env.PATH ?? ""): Promise<AnsibleInstall | null> {
  let install = found.get(path);
  if (!install) {
    install = (async () => {
      const file = path.split(delimiter).filter(Boolean).map((dir) => join(dir, "ansible-playbook")).find((candidate) => existsSync(candidate));
      if (!file) return null;
      const result = await execa(file, ["--version"], {reject: false, timeout: 60_000, stdin: "ignore"});
      return result.exitCode === 0 ? {path: file, version: String(result.stdout).split("\n")[0]!.trim()} : null;
    })();
    found.set(path, install);
  }
  return install;
}

export async function chooseTransport(choice: TransportChoice, path?: string): Promise<Transport> {
  if (choice === "ssh") return {kind: "ssh", words: "vmmbench's SSH target (the plan asks for transport: ssh)"};
  const ansible = await findAnsiblePlaybook(path);
  if (ansible) return {kind: "ansible", words: `${ansible.version} (${ansible.path})`};
  if (choice === "ansible") throw new MissingDependencyError("ansible-playbook (the plan asks for transport: ansible)", "apt-get install -y ansible-core");
  return {kind: "ssh", words: "vmmbench's SSH target (ansible-playbook is not installed: apt-get install -y ansible-core to fan out through Ansible)"};
}
