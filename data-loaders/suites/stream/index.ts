/** STREAM (McCalpin): sustainable memory bandwidth — Copy, Scale, Add, Triad. Ingest reads its output (formats/). */
import {defineSuite} from "../suite.ts";
import {STREAM_TABLE_HEADER, parseStream} from "./formats/stream.ts";

const mbs = (label: string) => ({unit: "MB/s", label});

export const stream = defineSuite({
  name: "stream",
  metrics: {stream_copy: mbs("Copy"), stream_scale: mbs("Scale"), stream_add: mbs("Add"), stream_triad: mbs("Triad")},
  presets: {},
  probes: [],
  formats: [{id: "stream", tool: "stream", description: "McCalpin STREAM (Copy/Scale/Add/Triad rate table)", parse: parseStream}],
  detection: {
    signatures: [
      {pattern: STREAM_TABLE_HEADER, format: "stream", first: "F"},
      {pattern: /^STREAM version \$Revision/, format: "stream", first: "S"}
    ],
    choose: () => "stream",
    expected: "STREAM output"
  }
});
