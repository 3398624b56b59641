/** STREAM's plan options (`suites: {stream: …}`): the smallest array size and the iterations. */
import type {z} from "zod";
import {integer, mapping} from "../../plan/schema.ts";

export const streamOptions = mapping({
  // Each of the three arrays, MiB; the probe raises it to 4× the machine's last-level cache.
  array_mb: integer(1, 65536).default(64),
  // A cap for machines whose cache would ask for more than the guests can hold (noted on each sample).
  max_array_mb: integer(1, 65536).optional(),
  reps: integer(1, 1000).default(10)
}).transform((o) => ({arrayMb: o.array_mb, maxArrayMb: o.max_array_mb ?? null, reps: o.reps}));

export type StreamOptions = z.output<typeof streamOptions>;
