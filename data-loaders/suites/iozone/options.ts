/** IOzone's plan options (`suites: {iozone: …}`): file and record sizes, fsync, O_DIRECT. */
import type {z} from "zod";
import {flag, integer, integers, mapping} from "../../plan/schema.ts";

export const iozoneOptions = mapping({
  file_kb: integers(4, 1 << 30).default([65536]),
  record_kb: integers(4, 1 << 20).default([4, 64, 1024]),
  fsync: flag().default(true),
  direct: flag().default(false),
  reps: integer(1, 1000).default(3)
}).transform((o) => ({fileKb: o.file_kb, recordKb: o.record_kb, fsync: o.fsync, direct: o.direct, reps: o.reps}));

export type IozoneOptions = z.output<typeof iozoneOptions>;
