import {readFileSync} from "node:fs";

/** Whether a process runs (a zombie, killed and waiting for its parent to reap it, does not). */
export function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Polls `check` every 50 ms until it holds or `ms` pass; returns whether it held. */
export async function eventually(check: () => boolean, ms = 3000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (check()) return true;
  return check();
}

/** Resolves once a running `vmmbench run` has printed its `[n/…]` progress line (or has ended); returns its stderr so far. */
export function afterStep(child: {stderr: NodeJS.ReadableStream | null; then: PromiseLike<unknown>["then"]}, n: number): Promise<string> {
  return new Promise((resolve) => {
    let log = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      log += chunk.toString();
      if (new RegExp(`^\\[${n}/\\d+\\]`, "m").test(log)) resolve(log);
    });
    void child.then(() => resolve(log));
  });
}
