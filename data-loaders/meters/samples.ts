/**
 * A step's meters as samples of suite `meters`: the probe's meter lines (one per span, the guest's
 * counts) joined with the host's spans (the hypervisor's counts, meters/host.ts), each count divided
 * by the operations its span timed. A sample's params are its cell's (the metric it rides along as
 * `of`, plus that metric's params, plus a breakdown key), its repetition the one the span timed, its
 * unit "<count>/op" or "<count>/MB". A meter that could not be read is a failed sample carrying the
 * reason, recorded once per cell, never a zero.
 */
import type {Params, Sample} from "../model/sample.ts";
import {parseProbeOutput, type MeterLine} from "../probes/parse-output.ts";
import {GUEST_METERS, METERS, meterUnit, type MeterName} from "../suites/meters/catalog.ts";
import type {HostMeters, HostSpan} from "./host.ts";

const CELL_NOTE = "one span over all runs of the cell (--meters=cell), warm-up runs included";

export function meterSamples(stdout: string, file: string, host: HostMeters | undefined): Sample[] {
  const lines = parseProbeOutput(stdout, file).meters;
  const spanOf = pairSpans(lines, host);
  const samples: Sample[] = [];
  const reported = new Set<string>();
  for (const [i, line] of lines.entries()) {
    if (line.repetition === null || !(line.ops > 0)) continue;
    const repetition = line.repetition;
    const base = {...line.params, of: line.metric};
    const note = line.cell ? CELL_NOTE : undefined;
    const cell = `${line.metric}\0${JSON.stringify(line.params)}`;
    const ok = (meter: MeterName, value: number, params: Params = base): Sample => ({suite: "meters", metric: meter, params, unit: meterUnit(meter, line.per), value: value / line.ops, repetition, status: "ok", ...(note ? {note} : {})});
    // Failed samples say why once per cell and meter: the cell's first repetition carries them.
    const failed = (meter: MeterName, why: string) => {
      const key = `${cell}\0${meter}`;
      if (reported.has(key)) return;
      reported.add(key);
      samples.push({suite: "meters", metric: meter, params: base, unit: meterUnit(meter, line.per), value: Number.NaN, repetition, status: "failed", note: why});
    };
    for (const meter of GUEST_METERS) {
      const value = line.guest[METERS[meter].source];
      if (value !== undefined) samples.push(ok(meter, value));
      else failed(meter, line.missing.stat ?? `the probe did not report ${METERS[meter].source}`);
    }
    if (!host) continue;
    const span = spanOf(i);
    if (!span) {
      const why = host.missing ?? line.missing.host ?? `the host has no ${host.side} span for span ${line.seq} of this step`;
      for (const meter of headlines(host.side)) failed(meter, why);
      continue;
    }
    for (const count of span.counts) samples.push(ok(count.meter, count.value, count.params ? {...base, ...count.params} : base));
    for (const [meter, why] of Object.entries(span.unreadable ?? {})) failed(meter as MeterName, why!);
  }
  return samples;
}

function headlines(side: HostMeters["side"]): MeterName[] {
  return (Object.keys(METERS) as MeterName[]).filter((name) => METERS[name].side === side && "headline" in METERS[name]);
}

/**
 * Which host span belongs to the i-th meter line: by the span number the host saw (KVM marks, PVH
 * leaves), else by order (PV marks carry no number; every span, counted or not, has its line).
 */
function pairSpans(lines: readonly MeterLine[], host: HostMeters | undefined): (i: number) => HostSpan | undefined {
  if (!host) return () => undefined;
  if (host.spans.length > 0 && host.spans.every((span) => span.seq !== null)) {
    const bySeq = new Map(host.spans.map((span) => [span.seq, span]));
    return (i) => bySeq.get(lines[i]!.seq);
  }
  return (i) => host.spans[i];
}
