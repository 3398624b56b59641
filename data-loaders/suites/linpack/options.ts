/** LINPACK's plan options (`suites: {linpack: …}`): the N sweep, threads, repetitions. */
import type {z} from "zod";
import {integer, integers, mapping} from "../../plan/schema.ts";

export const linpackOptions = mapping({
  n: integers(10, 200_000).default([500, 1000, 2000]),
  threads: integer(1, 1024).default(1),
  reps: integer(1, 1000).default(3)
});

export type LinpackOptions = z.output<typeof linpackOptions>;
