/**
 * How to reach an inventory host, from its resolved variables, in the words Ansible uses:
 * `ansible_host`, `ansible_port`, `ansible_user`, `ansible_ssh_private_key_file` (and their older
 * `ansible_ssh_*` spellings), `ansible_ssh_common_args` / `ansible_ssh_extra_args`,
 * `ansible_connection` and `ansible_become`. What only Ansible can evaluate (a Jinja2 expression,
 * a vault-encrypted file) is named in `unresolved`: ansible-playbook reaches such a host, vmmbench's
 * own SSH transport refuses it with that reason.
 */
import {shellWords} from "./inventory-ini.ts";
import {isTemplated, type Vars} from "./inventory.ts";

/** As stored in the plan (snake_case, JSON), so that a resumed campaign reaches the same hosts. */
export interface ResolvedConnection {
  address: string;
  port: number;
  user?: string;
  identity_file?: string;
  ssh_args: string[];
  connection: string;
  become: boolean;
  unresolved: string[];
}

const BOOLEAN_TRUE = new Set(["true", "yes", "on", "1", "y", "t"]);

export function resolveConnection(host: string, vars: Vars, vaulted: readonly string[]): ResolvedConnection {
  const unresolved: string[] = [];
  const pick = (...names: string[]): unknown => {
    for (const name of names) {
      if (vars[name] === undefined || vars[name] === null) continue;
      if (isTemplated(vars[name])) unresolved.push(`${name} is a Jinja2 expression (${String(vars[name])})`);
      return vars[name];
    }
    return undefined;
  };
  const text = (value: unknown) => (value === undefined ? undefined : String(value));
  const address = text(pick("ansible_host", "ansible_ssh_host")) ?? host;
  const portValue = pick("ansible_port", "ansible_ssh_port");
  const port = portValue === undefined || isTemplated(portValue) ? 22 : Number(portValue);
  if (!Number.isInteger(port) || port < 1 || port > 65535) unresolved.push(`ansible_port is not a port (${String(portValue)})`);
  const user = text(pick("ansible_user", "ansible_ssh_user"));
  const identity = text(pick("ansible_ssh_private_key_file", "ansible_private_key_file"));
  const args = [pick("ansible_ssh_common_args"), pick("ansible_ssh_extra_args")].filter((v) => v !== undefined).map(String);
  const sshArgs = args.flatMap((line) => {
    try {
      return shellWords(line, (why) => {
        throw new Error(why);
      });
    } catch (error) {
      unresolved.push(`ansible_ssh_common_args/extra_args cannot be split (${(error as Error).message})`);
      return [];
    }
  });
  const become = pick("ansible_become");
  if (vars.ansible_password !== undefined || vars.ansible_ssh_pass !== undefined) unresolved.push("a password login (ansible_password) is only for ansible-playbook (sshpass)");
  for (const file of vaulted) unresolved.push(`${file} is vault-encrypted`);
  return {
    address,
    port: Number.isInteger(port) ? port : 22,
    ...(user === undefined ? {} : {user}),
    ...(identity === undefined ? {} : {identity_file: identity}),
    ssh_args: sshArgs,
    connection: text(pick("ansible_connection")) ?? "ssh",
    become: become === true || BOOLEAN_TRUE.has(String(become ?? "").toLowerCase()),
    unresolved
  };
}
