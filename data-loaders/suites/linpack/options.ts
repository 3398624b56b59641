/**
 * LINPACK's plan options (`suites: {linpack: …}`): the N sweep (a list, or HPL's search for N_max),
 * threads, repetitions, and the OpenBLAS kernel set — auto (the best the CPU supports) or pinned,
 * plus pinned runs whose only job is a like-for-like ratio with a guest that runs another set.
 */
import {z} from "zod";
import {integer, integers, mapping, number, text} from "../../plan/schema.ts";

/** An OpenBLAS kernel set name (SkylakeX, Haswell, Nehalem…; the probe refuses one it does not know). */
const core = text();

export const linpackOptions = mapping({
  // A list of orders, or "sweep": grow N until GFLOPS stop rising, memory runs out or a solve would outlast max_seconds.
  n: z.union([integers(10, 200_000), z.literal("sweep")], {error: 'a non-empty list of integers from 10 to 200000, or "sweep"'}).default([500, 1000, 2000]),
  max_seconds: number(0.01, 86_400).default(60),
  threads: z.union([integer(1, 1024), z.literal("vcpus")], {error: 'an integer from 1 to 1024, or "vcpus" (one per CPU the environment has)'}).default(1),
  reps: integer(1, 1000).default(3),
  core: core.default("auto"),
  pinned: z.array(mapping({core, n: integers(10, 200_000)}), {error: "a list"}).default([])
});

export type LinpackOptions = z.output<typeof linpackOptions>;
