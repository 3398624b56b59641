/**
 * The SSH target: runs the static probes on another machine (a lab box, a guest reached by SSH)
 * through the system `ssh` client.
 *
 * - Every call uses BatchMode (no prompts), ConnectTimeout, ServerAliveInterval and one
 *   ControlMaster socket in a private temp dir, so a batch rides one TCP connection.
 * - Probes are copied once per target into a remote directory (over ssh's stdin, to a temp name,
 *   then renamed); sha256 sums are compared first so unchanged binaries are not copied again. A
 *   probe's companions in the probe map (vmmbench-lat-dyn, see probes/build.ts) go with it.
 * - Each step runs as `timeout -k GRACE T ./probe args…` under /bin/sh; a wrapper appends a
 *   per-target marker with the exit status to stderr, because ssh itself reports a remote death
 *   by signal as 255, the same as its own errors. A local watchdog kills the client if the remote
 *   side stops answering.
 * - Connection refused, auth failure, unknown host key → ConfigError carrying ssh's message.
 */
import {randomBytes} from "node:crypto";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {performance} from "node:perf_hooks";
import {execa, type Options as ExecaOptions} from "execa";
import {adopt} from "../campaign/process-group.ts";
import {ConfigError, MissingDependencyError, ProcessFailedError} from "../errors.ts";
import {withCompanions} from "../probes/build.ts";
import {flag, integer, mapping, oneOf, text} from "../plan/schema.ts";
import {defineTarget, type Fingerprint, type Hypervisor, type Step, type StepOutput, type Target, type VirtMode} from "./target.ts";
import {
  HOST_FACTS_SCRIPT,
  hostExtra,
  hypervisorFromFacts,
  parseHostFacts,
  sha256File,
  validateProbeMap,
  validateSteps
} from "./local.ts";
import {remoteStepCommand, remoteStepOutput, shellQuote} from "./remote-step.ts";

export interface SshTargetOptions {
  label: string;
  /** "user@host" or "host" (then ssh's own default user). */
  destination: string;
  port?: number;
  identityFile?: string;
  /** Extra raw arguments for every ssh invocation, before the destination, e.g. ["-o", "Compression=no", "-F", "/dev/null"]. */
  sshOptions?: string[];
  /** Probe name → absolute local path of its static binary. */
  probes: Record<string, string>;
  /**
   * Remote directory for the probes. Default: a fresh `mktemp -d /tmp/vmmbench.XXXXXX`, removed by
   * close(). A directory given here is created if needed and kept by close(), so the checksum
   * check spares later runs the copy.
   */
  remoteDir?: string;
  /** Remove remoteDir on close() even when it was given explicitly. Default false. */
  removeRemoteDir?: boolean;
  /** StrictHostKeyChecking: "yes" (known hosts only), "accept-new" (default), "no". */
  strictHostKeyChecking?: "yes" | "accept-new" | "no";
  /** UserKnownHostsFile (default: ssh's own, ~/.ssh/known_hosts). */
  knownHostsFile?: string;
  /** ConnectTimeout in seconds. Default 10. */
  connectTimeoutS?: number;
  /** ServerAliveInterval in seconds (ServerAliveCountMax 3). Default 15. */
  serverAliveIntervalS?: number;
  /** Seconds between the remote timeout's SIGTERM and its SIGKILL. Default 2. */
  killGraceS?: number;
  /** Fingerprint.environment. Default: the label. */
  environment?: string;
  /** Fingerprint overrides when detection cannot know (e.g. hypervisor "kvm" with passthrough). */
  hypervisor?: Hypervisor;
  mode?: VirtMode;
  hypervisorVersion?: string | null;
  passthrough?: boolean;
}

interface SshResult {
  stdout: string;
  stderr: string;
  exitCode: number | undefined;
  signal: string | undefined;
  timedOut: boolean;
  durationMs: number;
}

const DESTINATION = /^(?:[A-Za-z0-9._][A-Za-z0-9._-]*@)?(?:[A-Za-z0-9._:-]+|\[[0-9A-Fa-f:.%a-z]+\])$/;

export class SshTarget implements Target {
  readonly label: string;
  readonly destination: string;
  readonly port: number | undefined;
  readonly #options: SshTargetOptions;
  readonly #probes: Record<string, string>;
  readonly #marker = `@@vmmbench-exit-${randomBytes(6).toString("hex")}:`;
  #controlDir: string | null = null;
  #masterStarted = false;
  #remoteDir: string | null = null;
  #createdRemoteDir = false;
  /** Probe name → sha256 of the copy verified on the remote side. */
  readonly #remoteSums = new Map<string, string>();
  #closed = false;

  constructor(options: SshTargetOptions) {
    if (!options.label) throw new ConfigError("ssh target: label is required");
    if (typeof options.destination !== "string" || !DESTINATION.test(options.destination)) {
      throw new ConfigError(`ssh target ${options.label}: destination must look like user@host, got ${JSON.stringify(options.destination)}`);
    }
    if (options.port !== undefined && !(Number.isInteger(options.port) && options.port > 0 && options.port < 65536)) {
      throw new ConfigError(`ssh target ${options.label}: port must be 1–65535, got ${options.port}`);
    }
    if (options.remoteDir !== undefined && !/^\/[A-Za-z0-9._\/-]*$/.test(options.remoteDir)) {
      throw new ConfigError(`ssh target ${options.label}: remoteDir must be an absolute path of [A-Za-z0-9._/-], got ${JSON.stringify(options.remoteDir)}`);
    }
    if (options.remoteDir !== undefined && /^\/+$|^\/(?:[^/]+)?\/?$/.test(options.remoteDir) && options.removeRemoteDir) {
      throw new ConfigError(`ssh target ${options.label}: refusing removeRemoteDir for a top-level directory ${options.remoteDir}`);
    }
    const strict = options.strictHostKeyChecking ?? "accept-new";
    if (!["yes", "accept-new", "no"].includes(strict)) {
      throw new ConfigError(`ssh target ${options.label}: strictHostKeyChecking must be yes, accept-new or no`);
    }
    this.label = options.label;
    this.destination = options.destination;
    this.port = options.port;
    this.#options = options;
    this.#probes = validateProbeMap(options.probes);
  }

  /** "ssh user@host:port", as stored in Fingerprint.launch. */
  get launch(): string {
    return `ssh ${this.destination}:${this.port ?? 22}`;
  }

  async fingerprint(): Promise<Fingerprint> {
    const result = await this.#ssh(["exec /bin/sh -s"], {input: HOST_FACTS_SCRIPT, timeoutMs: 60_000});
    if (result.exitCode !== 0 || !result.stdout.includes("@@end")) {
      throw this.#failure("host facts", result);
    }
    const options = this.#options;
    return remoteFingerprint(result.stdout, {...options, environment: options.environment ?? this.label, launch: this.launch, extra: {ssh_destination: `${this.destination}:${this.port ?? 22}`}});
  }

  async run(steps: Step[], onOutput: (output: StepOutput) => Promise<void> | void): Promise<void> {
    if (this.#closed) throw new ConfigError(`ssh target ${this.label} is closed`);
    validateSteps(steps, this.#probes);
    if (steps.length === 0) return;
    await this.#syncProbes(withCompanions([...new Set(steps.map((step) => step.probe))], this.#probes));
    for (const step of steps) {
      await onOutput(await this.#runStep(step));
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      const removeDir = this.#remoteDir && (this.#createdRemoteDir || this.#options.removeRemoteDir);
      if (this.#masterStarted && removeDir) {
        await this.#ssh([`rm -rf -- ${shellQuote(this.#remoteDir!)}`], {timeoutMs: 30_000}).catch(() => undefined);
      }
      if (this.#masterStarted && this.#controlDir) {
        await execa("ssh", [...this.#baseArgs(), "-O", "exit", this.destination], {reject: false, timeout: 10_000, stdin: "ignore"});
      }
    } finally {
      if (this.#controlDir) rmSync(this.#controlDir, {recursive: true, force: true});
      this.#controlDir = null;
      this.#masterStarted = false;
    }
  }

  // -------------------------------------------------------------------------------------------

  #controlPath(): string {
    // A short path: unix socket names are limited to ~100 bytes.
    this.#controlDir ??= mkdtempSync(join(tmpdir(), "vmmbench-ssh-"));
    return join(this.#controlDir, "cm");
  }

  #baseArgs(): string[] {
    const options = this.#options;
    const args = [
      "-o", "BatchMode=yes",
      "-o", `ConnectTimeout=${options.connectTimeoutS ?? 10}`,
      "-o", `ServerAliveInterval=${options.serverAliveIntervalS ?? 15}`,
      "-o", "ServerAliveCountMax=3",
      "-o", `StrictHostKeyChecking=${options.strictHostKeyChecking ?? "accept-new"}`,
      "-o", "ControlMaster=auto",
      "-o", `ControlPath=${this.#controlPath()}`,
      // Idle master exits by itself if close() is never called (a crash).
      "-o", "ControlPersist=120",
      "-o", "LogLevel=ERROR",
      "-o", "PasswordAuthentication=no",
      "-o", "KbdInteractiveAuthentication=no"
    ];
    if (options.knownHostsFile) args.push("-o", `UserKnownHostsFile=${options.knownHostsFile}`);
    if (options.identityFile) args.push("-i", options.identityFile, "-o", "IdentitiesOnly=yes");
    if (options.port !== undefined) args.push("-p", String(options.port));
    args.push(...(options.sshOptions ?? []));
    return args;
  }

  /** One ssh invocation; `command` words are joined into the remote command line (already quoted). */
  async #ssh(command: string[], opts: {input?: string; inputFile?: string; timeoutMs: number}): Promise<SshResult> {
    const started = performance.now();
    const execaOptions = {
      reject: false,
      stripFinalNewline: false,
      maxBuffer: 256 * 1024 * 1024,
      timeout: opts.timeoutMs,
      forceKillAfterDelay: 2000,
      killSignal: "SIGTERM",
      ...(opts.input !== undefined ? {input: opts.input} : opts.inputFile !== undefined ? {inputFile: opts.inputFile} : {stdin: "ignore"})
    } satisfies ExecaOptions;
    let result;
    try {
      const child = execa("ssh", [...this.#baseArgs(), "--", this.destination, command.join(" ")], execaOptions);
      adopt(child, `ssh ${this.destination}`);
      result = await child;
    } finally {
      this.#masterStarted = true;
    }
    if (result.failed && result.exitCode === undefined && result.signal === undefined && !result.timedOut) {
      const code = (result.cause as NodeJS.ErrnoException | undefined)?.code;
      if (code === "ENOENT") throw new MissingDependencyError("ssh (OpenSSH client)", "apt-get install -y openssh-client");
      throw new ProcessFailedError("ssh", undefined, undefined, false, result.shortMessage ?? result.message ?? "could not start ssh");
    }
    return {
      stdout: String(result.stdout ?? ""),
      stderr: String(result.stderr ?? ""),
      exitCode: result.exitCode,
      signal: result.signal,
      timedOut: Boolean(result.timedOut),
      durationMs: performance.now() - started
    };
  }

  /** The error for an ssh call that did not do its job: ConfigError for connection/auth problems. */
  #failure(what: string, result: SshResult): Error {
    const where = `${this.destination}:${this.port ?? 22}`;
    const message = result.stderr.trim();
    if (result.timedOut) {
      return new ProcessFailedError(`ssh ${where} (${what})`, undefined, undefined, true, message);
    }
    if (result.exitCode === 255) {
      const hints: [RegExp, string][] = [
        [/Connection refused/i, "is sshd running and listening on that port?"],
        [/Permission denied|Too many authentication failures|no matching|Authentication failed/i, "check the user and identityFile (key-based login, BatchMode: no password prompts)"],
        [/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i, "the host key is unknown or changed: check known_hosts or strictHostKeyChecking"],
        [/Could not resolve hostname|Name or service not known/i, "check the host name"],
        [/timed out|No route to host|Network is unreachable/i, "the host is unreachable"],
        [/Connection closed|Connection reset|kex_exchange_identification/i, "the server closed the connection"]
      ];
      for (const [pattern, hint] of hints) {
        if (pattern.test(message)) return new ConfigError(`ssh target ${this.label}: cannot reach ${where}: ${message || "ssh exited with 255"} (${hint})`);
      }
    }
    return new ProcessFailedError(`ssh ${where} (${what})`, result.exitCode, result.signal, false, message);
  }

  /** Creates the remote dir if needed and makes sure each probe there matches the local binary. */
  async #syncProbes(names: string[]): Promise<void> {
    const local = new Map(names.map((name) => [name, sha256File(this.#probes[name]!)]));
    const unverified = names.filter((name) => this.#remoteSums.get(name) !== local.get(name));
    if (this.#remoteDir && unverified.length === 0) return;

    const dirExpr = this.#remoteDir
      ? shellQuote(this.#remoteDir)
      : this.#options.remoteDir
        ? shellQuote(this.#options.remoteDir)
        : '"$(mktemp -d /tmp/vmmbench.XXXXXX)"';
    const script = [
      `d=${dirExpr} || exit 90`,
      'mkdir -p -- "$d" || exit 91',
      'cd -- "$d" || exit 92',
      'echo "@@dir $(pwd)"',
      "command -v timeout >/dev/null 2>&1 || echo @@no-timeout",
      "command -v sha256sum >/dev/null 2>&1 || echo @@no-sha256sum",
      ...unverified.map((name) => `[ -f ${shellQuote(name)} ] && sha256sum -- ${shellQuote(name)} 2>/dev/null`),
      "exit 0"
    ].join("\n");
    const result = await this.#ssh(["exec /bin/sh -c", shellQuote(script)], {timeoutMs: 60_000});
    const dir = /^@@dir (\/.*)$/m.exec(result.stdout)?.[1];
    if (result.exitCode !== 0 || !dir) throw this.#failure("prepare remote directory", result);
    if (!this.#remoteDir) {
      this.#remoteDir = dir;
      this.#createdRemoteDir = !this.#options.remoteDir;
    }
    if (/^@@no-timeout$/m.test(result.stdout)) {
      throw new MissingDependencyError(`timeout (coreutils) on ${this.destination}`, "apt-get install -y coreutils (on the remote machine)");
    }
    if (/^@@no-sha256sum$/m.test(result.stdout)) {
      throw new MissingDependencyError(`sha256sum (coreutils) on ${this.destination}`, "apt-get install -y coreutils (on the remote machine)");
    }
    const remote = parseSha256sum(result.stdout);
    for (const name of unverified) {
      const want = local.get(name)!;
      if (remote.get(name) !== want) await this.#copyProbe(name, want);
      this.#remoteSums.set(name, want);
    }
  }

  async #copyProbe(name: string, sha: string): Promise<void> {
    const target = `${this.#remoteDir}/${name}`;
    const temp = `${this.#remoteDir}/.${name}.${randomBytes(4).toString("hex")}.tmp`;
    const script = [
      `cat > ${shellQuote(temp)} || exit 93`,
      `chmod 755 ${shellQuote(temp)} || exit 94`,
      `mv -f -- ${shellQuote(temp)} ${shellQuote(target)} || exit 95`,
      `sha256sum -- ${shellQuote(target)}`
    ].join("\n");
    const result = await this.#ssh(["exec /bin/sh -c", shellQuote(script)], {inputFile: this.#probes[name]!, timeoutMs: 300_000});
    if (result.exitCode !== 0) throw this.#failure(`copy probe ${name}`, result);
    const got = /^([0-9a-f]{64})\s/m.exec(result.stdout)?.[1];
    if (got !== sha) {
      throw new ProcessFailedError(`ssh ${this.destination} (copy probe ${name})`, result.exitCode, undefined, false, `checksum mismatch after copy: local ${sha}, remote ${got ?? "none"}`);
    }
  }

  async #runStep(step: Step): Promise<StepOutput> {
    const grace = this.#options.killGraceS ?? 2;
    // Local watchdog: the remote timeout should always win; this only catches a dead connection.
    const watchdogMs = (step.timeoutS + grace + 30 + (this.#options.connectTimeoutS ?? 10)) * 1000;
    const result = await this.#ssh([remoteStepCommand(this.#remoteDir!, step, this.#marker, grace)], {timeoutMs: watchdogMs});
    const output = remoteStepOutput(step, result, this.#marker);
    if (output) return output;
    if (result.timedOut) {
      return {id: step.id, stdout: result.stdout, stderr: result.stderr, exitCode: null, signal: "SIGKILL", timedOut: true, durationMs: result.durationMs};
    }
    // No status from the remote shell: the connection (or the remote machine) failed mid-step.
    throw this.#failure(`step ${step.id}`, result);
  }
}

export {shellQuote} from "./remote-step.ts";

/**
 * Another machine's fingerprint from its HOST_FACTS_SCRIPT output: what it says of itself, with
 * what the plan states where detection from inside cannot tell (a KVM guest with pass-through).
 */
export function remoteFingerprint(
  factsText: string,
  known: Pick<SshTargetOptions, "hypervisor" | "hypervisorVersion" | "mode" | "passthrough"> & {environment: string; launch: string; extra: Record<string, string>}
): Fingerprint {
  const facts = parseHostFacts(factsText);
  const detected = hypervisorFromFacts(facts);
  return {
    environment: known.environment,
    hypervisor: known.hypervisor ?? detected.hypervisor,
    hypervisorVersion: known.hypervisorVersion !== undefined ? known.hypervisorVersion : detected.version,
    mode: known.mode ?? detected.mode,
    guestOs: facts.guestOs,
    kernel: facts.kernel,
    cpuModel: facts.cpuModel,
    vcpus: facts.vcpus,
    memoryMb: facts.memoryMb,
    passthrough: known.passthrough ?? false,
    host: facts.hostname,
    launch: known.launch,
    extra: {...hostExtra(facts), ...known.extra}
  };
}

function parseSha256sum(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^([0-9a-f]{64})\s+\*?(.+)$/.exec(line.trim());
    if (match) sums.set(match[2]!, match[1]!);
  }
  return sums;
}

/** `target: ssh`: any machine reachable over SSH — a host, or a guest someone else started. */
export const sshKind = defineTarget({
  name: "ssh",
  schema: mapping({
    destination: text(),
    port: integer(1, 65535).default(22),
    identity_file: text().optional(),
    strict_host_key_checking: oneOf(["yes", "accept-new", "no"]).default("accept-new"),
    // What the remote machine is, when detection from inside cannot tell (a KVM guest with VT-d pass-through).
    hypervisor: oneOf(["none", "kvm", "xen", "qemu-tcg"]).optional(),
    passthrough: flag().default(false)
  }).transform((o) => ({
    destination: o.destination,
    port: o.port,
    identityFile: o.identity_file ?? null,
    strictHostKeyChecking: o.strict_host_key_checking,
    hypervisor: o.hypervisor ?? null,
    passthrough: o.passthrough
  })),
  runsTools: true,
  planned: (spec) => ({hypervisor: spec.hypervisor ?? "none", mode: "none", vcpus: null, memoryMb: null, passthrough: spec.passthrough}),
  open: (spec, {probes}) =>
    new SshTarget({
      label: spec.label,
      destination: spec.destination,
      port: spec.port,
      identityFile: spec.identityFile ?? undefined,
      strictHostKeyChecking: spec.strictHostKeyChecking,
      probes,
      ...(spec.hypervisor ? {hypervisor: spec.hypervisor} : {}),
      passthrough: spec.passthrough
    }),
  describe: (spec) => `ssh ${spec.destination}${spec.port !== 22 ? `:${spec.port}` : ""} (${spec.hypervisor ?? "hypervisor detected there"})`
});
