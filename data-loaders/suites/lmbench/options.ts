/** LMbench's plan options (`suites: {lmbench: …}`): Table 1 metrics, Table 2 cells, memory sizes, timing. */
import {z} from "zod";
import {integer, integers, mapping, oneOf} from "../../plan/schema.ts";

/** The paper's Table 1 rows and the other system operations the built-in probe measures. */
export const TABLE1_METRICS = [
  "lat_syscall",
  "lat_read",
  "lat_write",
  "lat_stat",
  "lat_fstat",
  "lat_open_close",
  "lat_fork",
  "lat_exec",
  "lat_sh",
  "lat_sig_install",
  "lat_sig_handler",
  "lat_pipe"
] as const;

/** The paper's Table 2 cells as [procs, size_kb]. */
export const TABLE2_CELLS: ReadonlyArray<readonly [number, number]> = [[2, 0], [2, 16], [2, 64], [8, 16], [8, 64], [16, 16], [16, 64]];

const CELL = 'a context-switch cell like "2p16k" or [2, 16]';
const procs = integer(2, 1024);
const sizeKb = integer(0, 1 << 20);

/** The paper's notation ("2p16k") or [procs, size_kb]. */
const ctxCell = z.union(
  [
    z.string().regex(/^(\d+)p(\d+)k$/, {error: CELL}).transform((cell, ctx) => {
      const [, p, kb] = /^(\d+)p(\d+)k$/.exec(cell)!;
      const pair = z.tuple([procs, sizeKb]).safeParse([Number(p), Number(kb)]);
      if (!pair.success) {
        ctx.addIssue({code: "custom", message: pair.error.issues[0]!.message});
        return z.NEVER;
      }
      return pair.data;
    }),
    z.tuple([procs, sizeKb], {error: "[procs, size_kb]"})
  ],
  {error: CELL}
);

export const lmbenchOptions = mapping({
  table1: z.array(oneOf(TABLE1_METRICS), {error: "a list"}).default([...TABLE1_METRICS]),
  ctx: z.array(ctxCell, {error: "a list"}).default(TABLE2_CELLS.map(([p, kb]) => [p, kb] as [number, number])),
  mem_size_mb: integers(1, 1 << 16, {allowEmpty: true}).default([64]),
  budget_ms: integer(1, 600_000).default(200),
  reps: integer(1, 1000).default(5)
}).transform((o) => ({table1: o.table1 as string[], ctx: o.ctx as Array<[number, number]>, memSizesMb: o.mem_size_mb, budgetMs: o.budget_ms, reps: o.reps}));

export type LmbenchOptions = z.output<typeof lmbenchOptions>;
