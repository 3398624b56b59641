/**
 * The fan-out through Ansible: every inventory host of a campaign is a Target whose work goes to
 * one shared AnsibleFanout, which runs it as ansible-playbook runs of the generated playbook
 * (playbook.ts) over many hosts at once. Ansible's forks, become, retries and connection handling
 * carry it; vmmbench keeps the rounds, the rotation, the stop rule and the store.
 *
 * Hosts run side by side (the campaign's lanes, campaign/lanes.ts), so their requests — prepare,
 * a round's steps, close — arrive together; the fan-out gathers the requests that arrive within
 * BATCH_WINDOW_MS (or at once, when every idle host has asked) into one run with one job per host.
 * A host asks again only after its request settled, so one host never has two runs at once.
 *
 * Results stream back through vmmbench's callback plugin (vmmbench_events.py) as one JSON line
 * per task or loop item on a pipe: each step is handed to the campaign as it ends, in order per
 * host, while the others go on. A host that becomes unreachable, or whose setup fails, fails its
 * request with FleetHostError; the campaign records it as failed and the others continue.
 */
import {randomBytes} from "node:crypto";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {dirname, join} from "node:path";
import {createInterface} from "node:readline";
import {fileURLToPath} from "node:url";
import {execa} from "execa";
import {withCompanions} from "../../probes/build.ts";
import {HOST_FACTS_SCRIPT} from "../../targets/local.ts";
import {remoteStepCommand, remoteStepOutput, shellQuote} from "../../targets/remote-step.ts";
import type {Step, StepOutput} from "../../targets/target.ts";
import {FleetHostError} from "../errors.ts";
import {emptyJob, jobsFile, PLAYBOOK, type HostJob} from "./playbook.ts";

/** How long the first request of a run waits for the other hosts' before the run starts. */
export const BATCH_WINDOW_MS = 250;
const KILL_GRACE_S = 2;
/** Forks when the plan names none: every host of a run at once, up to this many. */
const DEFAULT_MAX_FORKS = 50;
const CALLBACK_DIR = dirname(fileURLToPath(import.meta.url));

export interface FanoutSettings {
  /** Absolute path of the inventory ansible-playbook reads (`-i`). */
  inventory: string;
  strictHostKeyChecking: "yes" | "accept-new" | "no";
  knownHostsFile?: string;
  /** ansible_ssh_retries: connection attempts Ansible repeats before it calls a host unreachable. */
  retries: number;
  connectTimeoutS: number;
  become: boolean;
  /** Ansible's --forks: hosts worked on at once (default: every host of the run). */
  forks?: number;
}

interface Request {
  host: string;
  job: HostJob;
  steps: Map<string, Step>;
  onOutput?: (output: StepOutput) => Promise<void> | void;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface HostState {
  dir: string | null;
  facts: string | null;
  /** Probes already copied there. */
  copied: Set<string>;
  busy: boolean;
  closed: boolean;
  failed: boolean;
}

/** What one run learnt about one host. */
interface HostResult {
  dir?: string;
  facts?: string;
  failure?: string;
  delivered: number;
  /** Outputs handed to the campaign one after another. */
  chain: Promise<void>;
  /** When the host's previous result arrived: a step's duration where the remote clock gave none. */
  lastAt: number;
}

interface AnsibleEvent {
  event: "ok" | "failed" | "unreachable" | "item_ok" | "item_failed";
  host: string;
  task: string;
  at: number;
  item: string | null;
  rc?: number;
  stdout?: string;
  stderr?: string;
  msg?: string;
  loop?: boolean;
}

export class AnsibleFanout {
  readonly #hosts = new Map<string, HostState>();
  readonly #queue: Request[] = [];
  /** Process ids of the runs in flight. */
  readonly #running = new Set<number>();
  readonly #marker = `@@vmmbench-exit-${randomBytes(6).toString("hex")}:`;
  readonly #workDir = mkdtempSync(join(tmpdir(), "vmmbench-ansible-"));
  #timer: NodeJS.Timeout | undefined;
  #runs = 0;
  #cleanup: Promise<void> | undefined;

  constructor(
    readonly settings: FanoutSettings,
    readonly probes: Record<string, string>,
    readonly log: (line: string) => void
  ) {
    writeFileSync(join(this.#workDir, "playbook.yml"), PLAYBOOK);
  }

  /** Runs of ansible-playbook so far (the bench divides by them). */
  get runs(): number {
    return this.#runs;
  }

  register(host: string): void {
    if (!this.#hosts.has(host)) this.#hosts.set(host, {dir: null, facts: null, copied: new Set(), busy: false, closed: false, failed: false});
  }

  /** Makes the host's probe directory and reads its facts (HOST_FACTS_SCRIPT's output). */
  async prepare(host: string): Promise<string> {
    const state = this.#state(host);
    if (state.facts === null) {
      await this.#submit(host, {...this.#job(), mkdir: state.dir === null, facts: `exec /bin/sh -c ${shellQuote(HOST_FACTS_SCRIPT)}`}, []);
    }
    return state.facts!;
  }

  /** Runs steps on the host, copying the probes they need first; each output is handed over as it ends. */
  async run(host: string, steps: Step[], onOutput: (output: StepOutput) => Promise<void> | void): Promise<void> {
    const state = this.#state(host);
    if (state.dir === null) await this.prepare(host);
    const needed = withCompanions([...new Set(steps.map((step) => step.probe))], this.probes).filter((name) => !state.copied.has(name));
    const timeoutS = Math.max(...steps.map((step) => step.timeoutS)) + KILL_GRACE_S + 60;
    await this.#submit(
      host,
      {
        ...this.#job(),
        dir: state.dir!,
        probes: needed.map((name) => ({name, src: this.probes[name]!})),
        steps: steps.map((step) => ({id: step.id, command: remoteStepCommand(state.dir!, step, this.#marker, KILL_GRACE_S)})),
        timeout_s: timeoutS
      },
      steps,
      onOutput
    );
    for (const name of needed) state.copied.add(name);
  }

  /**
   * The host is done with. Its directory is removed in one run for every host once the last of
   * them closes, so that closing N hosts costs one run, not N.
   */
  async close(host: string): Promise<void> {
    this.#state(host).closed = true;
    if ([...this.#hosts.values()].some((state) => !state.closed)) return;
    this.#cleanup ??= this.#removeDirectories();
    await this.#cleanup;
  }

  async #removeDirectories(): Promise<void> {
    const hosts = [...this.#hosts].filter(([, state]) => state.dir !== null && !state.failed);
    try {
      if (hosts.length > 0) {
        await this.#play(hosts.map(([host, state]) => ({host, job: {...this.#job(), dir: state.dir!, cleanup: true}, steps: new Map(), resolve: () => undefined, reject: () => undefined})));
      }
    } finally {
      for (const pid of this.#running) killGroup(pid);
      rmSync(this.#workDir, {recursive: true, force: true});
    }
  }

  #state(host: string): HostState {
    const state = this.#hosts.get(host);
    if (!state) throw new FleetHostError(host, "is not a host of this fan-out");
    return state;
  }

  #job(): HostJob {
    return emptyJob(this.settings.become);
  }

  #submit(host: string, job: HostJob, steps: Step[], onOutput?: Request["onOutput"]): Promise<void> {
    const state = this.#state(host);
    if (state.busy) throw new FleetHostError(host, "has a request in flight already (one campaign step at a time per host)");
    state.busy = true;
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({host, job, steps: new Map(steps.map((step) => [step.id, step])), onOutput, resolve, reject});
      this.#schedule();
    }).finally(() => {
      state.busy = false;
    });
  }

  /**
   * Starts a run at once when no other host may still ask (every open host has asked, waits on a
   * run already, or failed), else when the window ends.
   */
  #schedule(): void {
    const asked = new Set(this.#queue.map((request) => request.host));
    const mayAsk = [...this.#hosts].some(([host, state]) => !asked.has(host) && !state.busy && !state.closed && !state.failed);
    if (mayAsk) {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.#flush();
      }, BATCH_WINDOW_MS);
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    // After this tick's other requests (hosts opened together ask in the same tick).
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    const batch = this.#queue.splice(0);
    if (batch.length === 0) return;
    this.#play(batch).catch((error) => {
      for (const request of batch) request.reject(error);
    });
  }

  /** One run of ansible-playbook for `batch`; settles each request as its host's part ends. */
  async #play(batch: Request[]): Promise<void> {
    const run = ++this.#runs;
    const jobs = Object.fromEntries(batch.map((request) => [request.host, request.job]));
    const jobsPath = join(this.#workDir, `jobs-${run}.yml`);
    const limitPath = join(this.#workDir, `limit-${run}`);
    writeFileSync(jobsPath, jobsFile(jobs));
    writeFileSync(limitPath, `${batch.map((request) => request.host).join("\n")}\n`);
    const started = Date.now() / 1000;
    const results = new Map<string, HostResult>(batch.map((request) => [request.host, {delivered: 0, chain: Promise.resolve(), lastAt: started}]));
    const byHost = new Map(batch.map((request) => [request.host, request]));
    const child = execa(
      "ansible-playbook",
      ["-i", this.settings.inventory, join(this.#workDir, "playbook.yml"), "--limit", `@${limitPath}`, "-e", `@${jobsPath}`, "--forks", String(this.settings.forks ?? Math.min(DEFAULT_MAX_FORKS, batch.length))],
      {reject: false, detached: true, cleanup: true, stdio: ["ignore", "pipe", "pipe", "pipe"], env: this.#environment()}
    );
    if (child.pid !== undefined) this.#running.add(child.pid);
    const events = createInterface({input: child.stdio[3] as NodeJS.ReadableStream});
    events.on("line", (line) => {
      let event: AnsibleEvent;
      try {
        event = JSON.parse(line) as AnsibleEvent;
      } catch {
        return;
      }
      const result = results.get(event.host);
      const request = byHost.get(event.host);
      if (result && request) this.#handle(event, request, result);
    });
    const finished = await child;
    if (child.pid !== undefined) this.#running.delete(child.pid);
    events.close();
    const stderr = String(finished.stderr ?? "").trim();
    const stdout = String(finished.stdout ?? "").trim();
    for (const request of batch) {
      const result = results.get(request.host)!;
      const state = this.#hosts.get(request.host)!;
      try {
        await result.chain;
      } catch (error) {
        request.reject(error);
        continue;
      }
      if (result.dir !== undefined) state.dir = result.dir;
      if (result.facts !== undefined) state.facts = result.facts;
      const missing =
        result.failure ??
        (request.job.mkdir && result.dir === undefined ? "made no probe directory" : undefined) ??
        (request.job.facts && result.facts === undefined ? "gave no host facts" : undefined) ??
        (result.delivered < request.job.steps.length ? `ran ${result.delivered} of ${request.job.steps.length} step(s)` : undefined);
      if (missing === undefined) {
        request.resolve();
        continue;
      }
      if (!request.job.cleanup) state.failed = true;
      const why = result.failure ?? `ansible-playbook ${finished.exitCode === undefined ? "could not start" : `exited with ${finished.exitCode}`} and ${missing}${tail(stderr || stdout)}`;
      request.reject(new FleetHostError(request.host, why));
    }
  }

  #handle(event: AnsibleEvent, request: Request, result: HostResult): void {
    const failure = event.msg ? oneLine(event.msg) : `rc ${event.rc ?? "?"}${tail(event.stderr ?? "")}`;
    if (event.event === "unreachable") {
      result.failure ??= `unreachable: ${failure}`;
      return;
    }
    switch (event.task) {
      case "directory":
        if (event.event === "ok") result.dir = (event.stdout ?? "").trim();
        else result.failure ??= `could not make its probe directory: ${failure}`;
        break;
      case "facts":
        if (event.event === "ok") result.facts = event.stdout ?? "";
        else result.failure ??= `could not read its facts: ${failure}`;
        break;
      case "probes":
        if (event.event === "item_failed" || (event.event === "failed" && !event.loop)) result.failure ??= `could not copy the probes: ${failure}`;
        break;
      case "step": {
        if (event.loop || event.item === null) break;
        const step = request.steps.get(event.item);
        if (!step || !request.onOutput) break;
        const raw = {stdout: event.stdout ?? "", stderr: event.stderr ?? "", durationMs: Math.max(0, (event.at - result.lastAt) * 1000)};
        result.lastAt = event.at;
        const output = remoteStepOutput(step, raw, this.#marker);
        if (!output) {
          // No status from the remote shell: the connection died mid-step (ssh's 255), or the shell could not start.
          const lost = event.rc === 255 || /Failed to connect|Connection (closed|reset|refused|timed out)|closed by remote host|Broken pipe/i.test(`${event.msg ?? ""} ${event.stderr ?? ""}`);
          result.failure ??= lost ? `unreachable during step ${step.id}: ${failure}${tail(event.stderr ?? "")}` : `step ${step.id} gave no exit status: ${failure}${tail(event.stderr ?? "")}`;
          break;
        }
        result.delivered++;
        const onOutput = request.onOutput;
        result.chain = result.chain.then(() => onOutput(output));
        break;
      }
    }
  }

  #environment(): NodeJS.ProcessEnv {
    const s = this.settings;
    const ssh = [
      "-C", "-o", "ControlMaster=auto", "-o", "ControlPersist=60s",
      // A host that vanishes without closing its connections is noticed within 45 s.
      "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
      "-o", `StrictHostKeyChecking=${s.strictHostKeyChecking}`,
      ...(s.knownHostsFile ? ["-o", `UserKnownHostsFile=${s.knownHostsFile}`] : [])
    ];
    return {
      ...process.env,
      ANSIBLE_CALLBACK_PLUGINS: CALLBACK_DIR,
      ANSIBLE_STDOUT_CALLBACK: "vmmbench_events",
      VMMBENCH_EVENTS_FD: "3",
      ANSIBLE_SSH_ARGS: ssh.join(" "),
      ANSIBLE_HOST_KEY_CHECKING: s.strictHostKeyChecking === "no" ? "False" : "True",
      ANSIBLE_SSH_RETRIES: String(s.retries),
      ANSIBLE_TIMEOUT: String(s.connectTimeoutS),
      ANSIBLE_SSH_CONTROL_PATH_DIR: join(this.#workDir, "cp"),
      ANSIBLE_LOCAL_TEMP: join(this.#workDir, "tmp"),
      ANSIBLE_PIPELINING: "True",
      ANSIBLE_PYTHON_INTERPRETER: "auto_silent",
      ANSIBLE_RETRY_FILES_ENABLED: "False",
      ANSIBLE_NOCOLOR: "1",
      ANSIBLE_DEPRECATION_WARNINGS: "False",
      ANSIBLE_LOCALHOST_WARNING: "False",
      ANSIBLE_GATHERING: "explicit"
    };
  }
}

/** Ends a run and every worker it forked (ansible-playbook leads its own process group). */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    // Already gone.
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim().slice(0, 400);
}

function tail(text: string): string {
  const last = text.trim().split("\n").filter(Boolean).slice(-3).join(" | ");
  return last ? `: ${oneLine(last)}` : "";
}
