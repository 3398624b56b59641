/**
 * The one boot / watchdog / frame-delivery loop of every target that boots the guest image: QEMU
 * (frames on a second serial port, a file here), a Xen domU (frames on its console, `xl create -c`'s
 * stdout) and the nested lab (frames of every inner environment on the lab's serial port).
 *
 * A GuestBoot owns the child process of one boot: it feeds the frames it reads to the caller, kills
 * the child once, with the first reason a deadline check gives (by PID: a killed harness must not
 * leave QEMU spinning), and on exit stops its readers. `runBatch` is the whole loop for a target
 * whose boot runs one batch of steps: HELLO within the boot allowance, each step within its timeout
 * plus slack, the batch within its own deadline; steps that never finished come back failed with
 * the reason and the console's tail.
 */
import {createWriteStream, type WriteStream} from "node:fs";
import {readFile} from "node:fs/promises";
import {performance} from "node:perf_hooks";
import type {ResultPromise} from "execa";
import {ChannelParser, tailFile, type Frame} from "../guest/channel.ts";
import {OrderedDelivery, StepAssembler} from "../guest/frames.ts";
import type {Step, StepOutput} from "./target.ts";

/** Where a boot's frames arrive: a file the guest's serial port writes, or the child's stdout (kept in a console log). */
export type FrameSource = {file: string} | {stdout: string};

export interface GuestBootOptions {
  child: ResultPromise;
  frames: FrameSource;
  onFrame: (frame: Frame) => void;
  /** How to stop the guest (default: SIGKILL the child); `why` is the first reason given. */
  stop?: (why: string) => void;
  log?: (line: string) => void;
  /** Who is stopped, for the log line: "QEMU", "the lab machine", "domain vmmb-…". */
  what: string;
}

export interface BootResult {
  exitCode: number | undefined;
  signal: string | undefined;
  /** Why the host stopped it, if it did. */
  killedBecause: string | undefined;
  /** Seconds from launch to exit. */
  seconds: number;
  /** stdout and stderr of the child, interleaved. */
  all: string;
}

export class GuestBoot {
  readonly started = performance.now();
  #killedBecause: string | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  readonly #child: ResultPromise;
  readonly #options: GuestBootOptions;
  readonly #stopReading: () => Promise<void>;

  constructor(options: GuestBootOptions) {
    this.#options = options;
    this.#child = options.child;
    const parser = new ChannelParser();
    const feed = (chunk: Buffer) => parser.push(chunk).forEach(options.onFrame);
    if ("file" in options.frames) {
      const tail = tailFile(options.frames.file, feed, 100);
      this.#stopReading = () => tail.stop();
    } else {
      const copy: WriteStream = createWriteStream(options.frames.stdout);
      this.#child.stdout!.on("data", (chunk: Buffer) => {
        copy.write(chunk);
        feed(chunk);
      });
      this.#child.stderr!.on("data", (chunk: Buffer) => copy.write(chunk));
      this.#stopReading = () => new Promise<void>((resolve) => copy.end(resolve));
    }
  }

  /** Seconds since launch. */
  get elapsedS(): number {
    return (performance.now() - this.started) / 1000;
  }

  get killedBecause(): string | undefined {
    return this.#killedBecause;
  }

  /** Stops the guest once; later reasons are ignored. */
  kill(why: string): void {
    if (this.#killedBecause) return;
    this.#killedBecause = why;
    this.#options.log?.(`killing ${this.#options.what} (pid ${this.#child.pid}): ${why}`);
    if (this.#options.stop) this.#options.stop(why);
    else this.#child.kill("SIGKILL");
  }

  /** Checks `deadline` every `everyMs`; a reason it returns kills the guest. */
  watch(deadline: () => string | undefined, everyMs = 200): void {
    this.#watchdog = setInterval(() => {
      const why = deadline();
      if (why) this.kill(why);
    }, everyMs);
  }

  /** Waits for the child to exit and stops the watchdog and the frame readers. */
  async finished(): Promise<BootResult> {
    const result = await this.#child;
    clearInterval(this.#watchdog);
    await this.#stopReading();
    return {
      exitCode: result.exitCode,
      signal: result.signal ?? undefined,
      killedBecause: this.#killedBecause,
      seconds: this.elapsedS,
      all: String(result.all ?? "")
    };
  }
}

export interface BatchOptions extends Omit<GuestBootOptions, "onFrame"> {
  steps: Step[];
  onOutput: (output: StepOutput) => Promise<void> | void;
  /** Seconds from launch to the guest's HELLO. */
  bootS: number;
  /** Seconds a step may run beyond its own timeout before the guest counts as hung. */
  stepSlackS: number;
  /** Seconds the whole batch may take. */
  batchS: number;
  /** The console's text (a file) for the tail that failed steps carry. */
  console: string;
  /** How the guest is named in reasons: "guest", "domU"; and what the host does to a hung one. */
  noun: string;
  stopped?: "killed" | "destroyed";
  /** Clean-up and bookkeeping right after the child exits, before any failure is reported. */
  afterExit?: (result: BootResult, assembler: StepAssembler) => Promise<void>;
  /** Why the child's exit says the guest did not start at all (QEMU refused an argument): throw it then. */
  notStarted?: (result: BootResult, console: string) => Error | undefined;
  /** Frames the batch does not handle (NOTE lines are logged here). */
  onOtherFrame?: (frame: Frame, assembler: StepAssembler) => void;
}

/**
 * Boots for one batch of steps: HELLO, then each step's frames into StepOutputs delivered in
 * order to `onOutput`. Returns what the guest said about itself (HELLO) and how the boot ended.
 */
export async function runBatch(options: BatchOptions): Promise<{assembler: StepAssembler; result: BootResult}> {
  const {steps, bootS, stepSlackS, batchS, noun} = options;
  const assembler = new StepAssembler(steps);
  let boot: GuestBoot;
  const delivery = new OrderedDelivery(options.onOutput, () => boot.kill("onOutput threw"));
  boot = new GuestBoot({
    ...options,
    onFrame: (frame) => {
      for (const output of assembler.frame(frame)) delivery.deliver(output);
      options.onOtherFrame?.(frame, assembler);
    }
  });
  boot.watch(() => {
    const now = performance.now();
    const stepDeadline = assembler.inFlightDeadline(stepSlackS);
    if (!assembler.sawHello && boot.elapsedS > bootS) return `no frame from the ${noun} within ${bootS} s of launch`;
    if (boot.elapsedS > batchS) return `batch timeout (${batchS} s)`;
    if (stepDeadline !== undefined && now > stepDeadline) {
      const step = steps.find((s) => s.id === assembler.inFlightId)!;
      return `step ${step.id} did not finish within its timeout (${step.timeoutS} s) + ${stepSlackS} s: the ${noun} is hung`;
    }
    return undefined;
  }, 100);
  const result = await boot.finished();
  await delivery.idle();
  await options.afterExit?.(result, assembler);
  delivery.rethrow();
  const console = await readFile(options.console, "utf8").catch(() => "");
  if (!assembler.sawHello && !result.killedBecause) {
    const error = options.notStarted?.(result, console);
    if (error) throw error;
  }
  if (assembler.finished < steps.length) {
    const reason = result.killedBecause
      ? `vmmbench: the ${noun} was ${options.stopped ?? "killed"} by the host: ${result.killedBecause}`
      : assembler.sawBye
        ? `vmmbench: the ${noun} finished without reporting this step`
        : `vmmbench: the ${noun} stopped before this step finished (exit ${result.exitCode ?? result.signal}; a kernel panic or a crash)`;
    for (const output of assembler.unfinished(reason, options.console, console, Boolean(result.killedBecause))) delivery.deliver(output);
    await delivery.idle();
    delivery.rethrow();
  }
  return {assembler, result};
}
