/**
 * One step on another machine, as the SSH target and the Ansible fan-out run it: a POSIX sh script
 * that runs the probe under `timeout -k GRACE T` and then appends a per-target marker with the exit
 * status and the remote clock's nanoseconds before and after to stderr. The script itself always
 * exits 0, because ssh reports a remote death by signal as 255 — the same as its own errors — and
 * Ansible reads 255 as an unreachable host.
 */
import {signalName} from "./local.ts";
import type {Step, StepOutput} from "./target.ts";

/** Quotes one word for a POSIX shell. */
export function shellQuote(word: string): string {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,.\/-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

function formatSeconds(seconds: number): string {
  return `${Number(seconds.toFixed(3))}s`;
}

/** The remote command line (`exec /bin/sh -c '…'`) that runs `step` from the probes in `dir`. */
export function remoteStepCommand(dir: string, step: Step, marker: string, graceS: number): string {
  const probe = `${dir}/${step.probe}`;
  const command = ["timeout", "-k", formatSeconds(graceS), formatSeconds(step.timeoutS), probe, ...step.args].map(shellQuote).join(" ");
  // The marker goes to stderr after the probe ends; stdin is /dev/null so the probe cannot eat it.
  const script = [
    `cd ${shellQuote(dir)} || exit 96`,
    "t0=$(date +%s%N 2>/dev/null)",
    `${command} </dev/null`,
    "rc=$?",
    "t1=$(date +%s%N 2>/dev/null)",
    `printf '%s%s %s %s\\n' ${shellQuote(marker)} "$rc" "$t0" "$t1" >&2`,
    "exit 0"
  ].join("\n");
  return `exec /bin/sh -c ${shellQuote(script)}`;
}

/**
 * The step's output from what the remote shell printed, or null when the marker is missing (the
 * connection or the machine died mid-step). `durationMs` is the caller's clock; the remote clock's
 * is used instead where it printed nanoseconds (GNU date), since a fan-out's clock also counts
 * its queueing.
 */
export function remoteStepOutput(step: Step, result: {stdout: string; stderr: string; durationMs: number}, marker: string): StepOutput | null {
  const markerAt = result.stderr.lastIndexOf(marker);
  if (markerAt < 0) return null;
  const afterMarker = result.stderr.slice(markerAt + marker.length);
  const match = /^(\d+)(?: (\d*) (\d*))?(?:\n|$)/.exec(afterMarker);
  if (!match) return null;
  // Anything ssh itself printed after the marker is kept.
  const stderr = result.stderr.slice(0, markerAt) + afterMarker.slice(match[0].length);
  const remoteNs = match[2] && match[3] ? Number(BigInt(match[3]) - BigInt(match[2])) : NaN;
  const durationMs = Number.isFinite(remoteNs) && remoteNs >= 0 ? remoteNs / 1e6 : result.durationMs;
  const status = Number(match[1]);
  let exitCode: number | null = status;
  let signal: string | null = null;
  let timedOut = false;
  // timeout(1): 124 after its SIGTERM, 128+9 when it had to SIGKILL. A probe that exits 124 by
  // itself before its deadline is told apart by the elapsed time.
  const lateEnough = durationMs >= step.timeoutS * 1000 * 0.98;
  if (status === 124 && lateEnough) {
    timedOut = true;
    exitCode = null;
    signal = "SIGTERM";
  } else if (status === 137 && lateEnough) {
    timedOut = true;
    exitCode = null;
    signal = "SIGKILL";
  } else if (status === 125 || status === 126 || status === 127) {
    // timeout's own failure, or the probe could not be executed: keep the code.
  } else if (status > 128 && status < 128 + 65) {
    const name = signalName(status - 128);
    if (name) {
      exitCode = null;
      signal = name;
    }
  }
  return {id: step.id, stdout: result.stdout, stderr, exitCode, signal, timedOut, durationMs};
}
