/**
 * KVM's counters from the side of the host that runs the guest: /sys/kernel/debug/kvm, one file
 * per counter (the global files sum every VM; a `<pid>-<fd>/` directory holds one VM's). The host
 * snapshots them when the guest's probe marks a span on its meter port (probes/common.h): the lab's
 * responder (lab/meters-script.ts) and the QEMU target (meters/kvm-port.ts) write the same text,
 *
 *     @ B <step> <seq> <uptime>        a mark, then one line per counter file
 *     /sys/kernel/debug/kvm/exits:1234
 *     @! <why>                         the counters cannot be read here
 *
 * and this module turns it into counts per span (E minus B) for each step.
 */
import {readFileSync, readdirSync, statSync} from "node:fs";
import {basename, join} from "node:path";
import {ParseError} from "../errors.ts";
import {METERS, type MeterName} from "../suites/meters/catalog.ts";
import type {HostMeters, HostSpan} from "./host.ts";

export const KVM_DEBUGFS = "/sys/kernel/debug/kvm";

const KVM_METERS = (Object.keys(METERS) as MeterName[]).filter((name) => METERS[name].side === "kvm");

interface Snapshot {
  kind: "B" | "E";
  step: string;
  seq: number;
  counters: Map<string, number>;
}

export interface KvmSnapshots {
  snapshots: Snapshot[];
  /** Why the counters could not be read (`@!` lines). */
  notes: string[];
}

/** Parses the snapshot text; a malformed line is a ParseError with its line number. */
export function parseKvmSnapshots(text: string, file = "<kvm snapshots>"): KvmSnapshots {
  const out: KvmSnapshots = {snapshots: [], notes: []};
  let current: Snapshot | undefined;
  text.split("\n").forEach((raw, i) => {
    const line = raw.trimEnd();
    if (line === "") return;
    if (line.startsWith("@!")) {
      const note = line.slice(2).trim();
      if (!out.notes.includes(note)) out.notes.push(note);
      return;
    }
    if (line.startsWith("@ ")) {
      const [kind, step, seq] = line.slice(2).trim().split(/\s+/);
      if ((kind !== "B" && kind !== "E") || !step || !/^\d+$/.test(seq ?? "")) throw new ParseError(file, i + 1, '"@ B|E <step> <seq> <uptime>"', line);
      current = {kind, step, seq: Number(seq), counters: new Map()};
      out.snapshots.push(current);
      return;
    }
    const at = line.lastIndexOf(":");
    const value = Number(line.slice(at + 1));
    if (at <= 0 || !current || !Number.isFinite(value)) throw new ParseError(file, i + 1, '"<counter file>:<number>" after an "@ B|E" mark', line);
    current.counters.set(basename(line.slice(0, at)), value);
  });
  return out;
}

/** The counts of every span of step `step` (its index in the batch), in the order its marks came. */
export function kvmSpans(parsed: KvmSnapshots, step: string, raw?: string): HostMeters {
  const begins = new Map<number, Snapshot>();
  const spans: HostSpan[] = [];
  for (const snapshot of parsed.snapshots) {
    if (snapshot.step !== step) continue;
    if (snapshot.kind === "B") {
      begins.set(snapshot.seq, snapshot);
      continue;
    }
    const begin = begins.get(snapshot.seq);
    if (!begin) continue;
    const span: HostSpan = {seq: snapshot.seq, counts: []};
    for (const meter of KVM_METERS) {
      const file = METERS[meter].source;
      const a = begin.counters.get(file);
      const b = snapshot.counters.get(file);
      if (a === undefined || b === undefined) (span.unreadable ??= {})[meter] = parsed.notes.length ? parsed.notes.join("; ") : `${KVM_DEBUGFS}/${file} is not offered by this kernel`;
      else span.counts.push({meter, value: b - a});
    }
    spans.push(span);
  }
  const missing = parsed.notes.length ? parsed.notes.join("; ") : spans.length === 0 ? "the host took no KVM snapshot for this step" : undefined;
  return {side: "kvm", spans, ...(missing ? {missing} : {}), ...(raw ? {raw: [{name: "kvm-debugfs.txt", content: raw, format: "vmmbench-kvm-debugfs"}]} : {})};
}

/** One snapshot of `dir` (a VM's own directory, or the global one) in the text above; `@!` when it cannot be read. */
export function snapshotKvm(dir: string, kind: "B" | "E", step: string, seq: number, uptime: number): string {
  const lines = [`@ ${kind} ${step} ${seq} ${uptime.toFixed(2)}`];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    return `@! cannot read ${dir}: ${(error as NodeJS.ErrnoException).code === "EACCES" ? "permission denied (KVM's counters need root)" : (error as Error).message}\n${lines[0]}\n`;
  }
  for (const name of names.sort()) {
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
      lines.push(`${file}:${readFileSync(file, "utf8").trim()}`);
    } catch {
      // A counter that vanished or cannot be read is absent from this snapshot; the span says so.
    }
  }
  return `${lines.join("\n")}\n`;
}
