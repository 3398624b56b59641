/**
 * STREAM (McCalpin): sustainable memory bandwidth — Copy, Scale, Add, Triad — beside LMbench's
 * bw_mem on the LMbench page's memory section. The built-in probe stream.c follows stream.c 5.10;
 * ingest reads STREAM's own output (formats/), which lands under the same metrics.
 */
import {fileURLToPath} from "node:url";
import {defineSuite} from "../suite.ts";
import {STREAM_TABLE_HEADER, parseStream} from "./formats/stream.ts";
import {streamOptions, type StreamOptions} from "./options.ts";

const mbs = (label: string) => ({unit: "MB/s", label});

export const stream = defineSuite<"stream", StreamOptions>({
  name: "stream",
  options: streamOptions,
  metrics: {stream_copy: mbs("Copy"), stream_scale: mbs("Scale"), stream_add: mbs("Add"), stream_triad: mbs("Triad")},
  presets: {
    full: {array_mb: 64, reps: 10}
  },
  probes: [
    {
      name: "vmmbench-stream",
      source: fileURLToPath(new URL("./stream.c", import.meta.url)),
      cflags: [],
      libs: ["-lm"],
      metrics: ["stream_copy", "stream_scale", "stream_add", "stream_triad"],
      paper: "beside Fig. 2 (memory bandwidth)",
      description:
        "McCalpin STREAM 5.10's Copy, Scale, Add and Triad over three arrays of doubles, each at least 4× the last-level cache (capped by free memory, noted when it is), first iteration discarded, results validated; decimal MB/s, one sample per iteration."
    }
  ],
  steps: (stream) => [
    {
      name: "stream",
      suite: "stream",
      probe: "vmmbench-stream",
      args: ["--array-mb", String(stream.arrayMb), ...(stream.maxArrayMb ? ["--max-array-mb", String(stream.maxArrayMb)] : []), "--reps", String(stream.reps)],
      reps: stream.reps
    }
  ],
  formats: [{id: "stream", tool: "stream", description: "McCalpin STREAM (Copy/Scale/Add/Triad rate table)", parse: parseStream}],
  detection: {
    signatures: [
      {pattern: STREAM_TABLE_HEADER, format: "stream", first: "F"},
      {pattern: /^STREAM version \$Revision/, format: "stream", first: "S"}
    ],
    choose: () => "stream",
    expected: "STREAM output"
  },
  report: {panelOn: "lmbench", section: "memory", title: "STREAM"}
});
