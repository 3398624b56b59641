/**
 * Campaign progress: a redrawn bar with ETA on a terminal, one plain line per step otherwise
 * (CI logs and pipes keep every line).
 */
export interface Progress {
  start(total: number): void;
  /** A step began: its environment and name. */
  step(label: string): void;
  /** A step ended. */
  done(label: string, ok: boolean, durationMs: number, detail?: string): void;
  /** More steps were planned (another round). */
  grow(extra: number): void;
  note(message: string): void;
  finish(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  return stream.isTTY ? new BarProgress(stream) : new LineProgress(stream);
}

abstract class BaseProgress implements Progress {
  protected total = 0;
  protected finished = 0;
  protected spentMs = 0;
  constructor(protected readonly out: NodeJS.WritableStream) {}
  start(total: number): void {
    this.total = total;
  }
  grow(extra: number): void {
    this.total += extra;
  }
  protected eta(): string {
    if (this.finished === 0) return "ETA --";
    const left = ((this.spentMs / this.finished) * (this.total - this.finished)) / 1000;
    return `ETA ${formatDuration(left)}`;
  }
  abstract step(label: string): void;
  abstract done(label: string, ok: boolean, durationMs: number, detail?: string): void;
  abstract note(message: string): void;
  abstract finish(): void;
}

class LineProgress extends BaseProgress {
  step(): void {}
  done(label: string, ok: boolean, durationMs: number, detail?: string): void {
    this.finished++;
    this.spentMs += durationMs;
    this.out.write(
      `[${this.finished}/${this.total}] ${ok ? "ok  " : "FAIL"} ${label} (${(durationMs / 1000).toFixed(1)} s)${detail ? ` ${detail}` : ""} ${this.eta()}\n`
    );
  }
  note(message: string): void {
    this.out.write(`${message}\n`);
  }
  finish(): void {}
}

class BarProgress extends BaseProgress {
  /** The step in flight per environment: a fleet's hosts run side by side, and each shows its own. */
  private readonly current = new Map<string, string>();
  constructor(private readonly tty: NodeJS.WriteStream) {
    super(tty);
  }
  step(label: string): void {
    this.current.set(environmentOf(label), label);
    this.draw();
  }
  done(label: string, ok: boolean, durationMs: number, detail?: string): void {
    if (this.current.get(environmentOf(label)) === label) this.current.delete(environmentOf(label));
    this.finished++;
    this.spentMs += durationMs;
    if (!ok) this.note(`FAIL ${label}${detail ? `: ${detail}` : ""}`);
    this.draw();
  }
  note(message: string): void {
    this.tty.write(`\r\x1b[K${message}\n`);
    this.draw();
  }
  finish(): void {
    this.tty.write("\r\x1b[K");
  }
  private draw(): void {
    const width = 24;
    const filled = this.total ? Math.round((this.finished / this.total) * width) : 0;
    const bar = "#".repeat(filled) + "-".repeat(width - filled);
    const line = `[${bar}] ${this.finished}/${this.total} ${this.eta()} ${[...this.current.values()].join(" · ")}`;
    this.tty.write(`\r\x1b[K${line.slice(0, (this.tty.columns || 100) - 1)}`);
  }
}

/** "native@web01/r2/lat" → "native@web01". */
function environmentOf(stepId: string): string {
  return stepId.split("/")[0]!;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--";
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}
