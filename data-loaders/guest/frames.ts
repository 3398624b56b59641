/**
 * Frames (guest/channel.ts, format in guest/init-script.ts) → StepOutputs, for every target that
 * boots the guest image: the QEMU target's second serial port (targets/qemu.ts), a Xen domU's
 * console (targets/xen.ts) and each inner environment of a nested lab boot (lab/session.ts).
 */

import {constants as osConstants} from "node:os";
import {performance} from "node:perf_hooks";
import type {Frame} from "./channel.ts";
import type {Step, StepOutput} from "../targets/target.ts";

export interface GuestFacts {
  kernel: string;
  cpu: string;
  nproc: number | null;
  memtotalKb: number | null;
  cmdline: string;
  /** Guest uptime (s) when it said HELLO: its boot time from kernel start. */
  uptimeS: number | null;
  cpuinfo: string;
  /** The scratch disk the steps wrote to (DISK frame: dev, block, disk_driver, pci, pci_driver, pci_id…), when one was mounted. */
  disk?: Record<string, string>;
}

const CONSOLE_TAIL = 4000;

export class StepAssembler {
  readonly #steps: Step[];
  readonly #outputs = new Map<number, {stdout: Buffer; stderr: Buffer}>();
  readonly #done = new Set<number>();
  #inFlight: number | undefined;
  #inFlightSince = 0;
  sawHello = false;
  sawBye = false;
  /** performance.now() when HELLO arrived. */
  helloAt: number | undefined;
  facts: GuestFacts | undefined;
  readonly notes: string[] = [];

  constructor(steps: Step[]) {
    this.#steps = steps;
  }

  get inFlightId(): string | undefined {
    return this.#inFlight === undefined ? undefined : this.#steps[this.#inFlight]?.id;
  }

  /** performance.now() past which the step in flight counts as hung, or undefined when none is. */
  inFlightDeadline(slackS: number): number | undefined {
    if (this.#inFlight === undefined) return undefined;
    const step = this.#steps[this.#inFlight];
    return step ? this.#inFlightSince + (step.timeoutS + slackS) * 1000 : undefined;
  }

  get finished(): number {
    return this.#done.size;
  }

  /** Feeds one frame; returns the steps it completed (at most one). */
  frame(frame: Frame): StepOutput[] {
    const index = Number(frame.fields[0]);
    switch (frame.kind) {
      case "HELLO":
        this.sawHello = true;
        this.helloAt = performance.now();
        this.facts = {...parseHello(frame.payload.toString("utf8")), cpuinfo: this.facts?.cpuinfo ?? "", ...(this.facts?.disk ? {disk: this.facts.disk} : {})};
        return [];
      case "CPUINFO":
        if (this.facts) this.facts.cpuinfo = frame.payload.toString("utf8");
        return [];
      case "DISK":
        if (this.facts) this.facts.disk = parseKeyValues(frame.payload.toString("utf8"));
        return [];
      case "NOTE":
        this.notes.push(frame.payload.toString("utf8").trim());
        return [];
      case "BEGIN":
        if (this.#steps[index]) {
          this.#inFlight = index;
          this.#inFlightSince = performance.now();
        }
        return [];
      case "OUT":
      case "ERR": {
        const entry = this.#outputs.get(index) ?? {stdout: Buffer.alloc(0), stderr: Buffer.alloc(0)};
        if (frame.kind === "OUT") entry.stdout = Buffer.concat([entry.stdout, frame.payload]);
        else entry.stderr = Buffer.concat([entry.stderr, frame.payload]);
        this.#outputs.set(index, entry);
        return [];
      }
      case "END": {
        const step = this.#steps[index];
        if (!step || this.#done.has(index)) return [];
        this.#done.add(index);
        if (this.#inFlight === index) this.#inFlight = undefined;
        const [rc, timedOut, start, end] = frame.fields.slice(1);
        const entry = this.#outputs.get(index);
        this.#outputs.delete(index);
        return [stepOutput(step, Number(rc), timedOut === "1", Number(start), Number(end), entry)];
      }
      case "BYE":
        this.sawBye = true;
        return [];
      default:
        return [];
    }
  }

  /** The steps that never finished, as failed outputs carrying `reason` and the console's tail. */
  unfinished(reason: string, consolePath: string, console: string, killed: boolean): StepOutput[] {
    const tail = `${reason}\n--- console tail (${consolePath}) ---\n${console.length > CONSOLE_TAIL ? `…${console.slice(-CONSOLE_TAIL)}` : console}`;
    return this.#steps
      .map((step, index) => ({step, index}))
      .filter(({index}) => !this.#done.has(index))
      .map(({step, index}) => {
        const partial = this.#outputs.get(index);
        return {
          id: step.id,
          stdout: partial?.stdout.toString("utf8") ?? "",
          stderr: `${partial?.stderr.toString("utf8") ?? ""}${tail}`,
          exitCode: null,
          signal: killed && index === this.#inFlight ? "SIGKILL" : null,
          timedOut: killed,
          durationMs: 0
        };
      });
  }
}

export function stepOutput(step: Step, rc: number, timedOut: boolean, start: number, end: number, entry?: {stdout: Buffer; stderr: Buffer}): StepOutput {
  let exitCode: number | null = Number.isFinite(rc) ? rc : null;
  let signal: string | null = null;
  if (timedOut) {
    exitCode = null;
    signal = "SIGKILL";
  } else if (exitCode !== null && exitCode > 128 && exitCode <= 128 + 64) {
    // The guest shell reports death by signal N as 128+N.
    const number = exitCode - 128;
    signal = Object.entries(osConstants.signals).find(([, value]) => value === number)?.[0] ?? `SIG${number}`;
    exitCode = null;
  }
  const durationMs = Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, Math.round((end - start) * 1000)) : 0;
  return {
    id: step.id,
    stdout: entry?.stdout.toString("utf8") ?? "",
    stderr: entry?.stderr.toString("utf8") ?? "",
    exitCode,
    signal,
    timedOut,
    durationMs
  };
}

/** HELLO's payload: key=value lines (kernel, cpu, nproc, memtotal_kb, uptime, cmdline). */
export function parseHello(text: string): Omit<GuestFacts, "cpuinfo"> {
  const facts = parseKeyValues(text);
  const number = (key: string) => {
    const value = Number(facts[key]);
    return key in facts && facts[key] !== "" && Number.isFinite(value) ? value : null;
  };
  return {
    kernel: facts.kernel ?? "",
    cpu: facts.cpu ?? "",
    nproc: number("nproc"),
    memtotalKb: number("memtotal_kb"),
    cmdline: facts.cmdline ?? "",
    uptimeS: number("uptime")
  };
}

export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

/**
 * Hands step outputs to a target's `onOutput` one at a time, in arrival order, while frames keep
 * streaming in. The first callback that throws stops further delivery and calls `onError` (the
 * target kills its guest); `idle()` waits for the chain, `rethrow()` raises that error.
 */
export class OrderedDelivery {
  #chain: Promise<void> = Promise.resolve();
  #error: unknown;
  #failed = false;

  constructor(
    private readonly onOutput: (output: StepOutput) => Promise<void> | void,
    private readonly onError: () => void
  ) {}

  deliver(output: StepOutput): void {
    this.#chain = this.#chain.then(async () => {
      if (this.#failed) return;
      try {
        await this.onOutput(output);
      } catch (error) {
        this.#failed = true;
        this.#error = error;
        this.onError();
      }
    });
  }

  /** Waits for every delivery so far (never throws: clean-up may still follow). */
  async idle(): Promise<void> {
    await this.#chain;
  }

  /** Raises the callback's error, if one threw. */
  rethrow(): void {
    if (this.#failed) throw this.#error;
  }
}
