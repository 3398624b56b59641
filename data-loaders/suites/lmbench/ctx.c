/*
 * vmmbench-ctx - LMbench lat_ctx-style context switch time (paper Table 2).
 *
 * For each cell (procs, size_kb): `procs` processes form a ring of pipes and
 * pass a 4-byte token around; on each turn a process sums its own working set
 * of size_kb KiB (LMbench's bread()).  One trip around the ring is `procs`
 * context switches.  The cost of the token passing itself (a write and a read on
 * a pipe plus the sum of the working set, done within one process) is measured
 * once per working-set size, with as many pipes as that size's largest ring, and
 * subtracted, as lat_ctx does:
 *
 *   lat_ctx = time_per_trip / procs - overhead_per_hop
 *
 * Samples: metric lat_ctx, unit us, params {"procs":P,"size_kb":S}.
 */
#include "common.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

static const char USAGE[] =
    "usage: vmmbench-ctx [--cells P:KB,...] [--budget-ms MS] [--reps N]\n"
    "  --cells      procs:size_kb list (default the paper's 2:0,2:16,2:64,8:16,8:64,16:16,16:64;\n"
    "               procs 2..1024, size_kb 0..65536)\n"
    "  --budget-ms  target duration of one timed repetition (default 100; 1..600000)\n"
    "  --reps       timed repetitions per cell (default 5; 1..1000)\n"
    "  --dry-run    check the arguments, write the info line, measure nothing\n";

#define SUITE "lmbench"
#define METRIC "lat_ctx"
#define MAXCELLS 64

struct cell {
  int procs;
  int size_kb;
};

struct ring {
  int procs;
  size_t bytes;
  int (*p)[2];    /* p[i]: pipe from process i to process i+1 (mod procs) */
  pid_t *pids;
  long *data;     /* the parent's working set */
};

/* p[o] + ... + p[o + 15], deliberately unparenthesised: see sumit(). */
#define SUM16(p, o)                                                                                                 \
  p[o] + p[o + 1] + p[o + 2] + p[o + 3] + p[o + 4] + p[o + 5] + p[o + 6] + p[o + 7] + p[o + 8] + p[o + 9] +        \
      p[o + 10] + p[o + 11] + p[o + 12] + p[o + 13] + p[o + 14] + p[o + 15]

/*
 * Sums the working set exactly as LMbench's bread() (lib_timing.c): every long, in blocks of 128,
 * then of 16, then one by one.  Each block is one flat sum, as bread() writes it, so gcc emits the
 * same single chain of dependent adds as LMbench's build: summed in parenthesised groups, the
 * chain split in two and ran 1.2x (64 KiB) to 1.5x (16 KiB) as fast, taking 0.3 us (12 %) off
 * the 64 KiB overhead and changing how much of each hop is summing rather than switching.  A
 * function call per hop, as bread() lives in another file there.
 */
static __attribute__((noinline)) long sumit(const long *p, size_t bytes) {
  const char *end = (const char *)p + bytes;
  long sum = 0;
  for (; (const char *)(p + 128) <= end; p += 128)
    sum += SUM16(p, 0) + SUM16(p, 16) + SUM16(p, 32) + SUM16(p, 48) + SUM16(p, 64) + SUM16(p, 80) + SUM16(p, 96) +
           SUM16(p, 112);
  for (; (const char *)(p + 16) <= end; p += 16) sum += SUM16(p, 0);
  for (; (const char *)(p + 1) <= end; p++) sum += *p;
  return sum;
}

static long *alloc_ws(size_t bytes) {
  if (bytes == 0) return NULL;
  long *d = malloc(bytes);
  if (d) memset(d, 0, bytes);
  return d;
}

/* Overhead: one process writes to a pipe, reads it back, sums its working set. */
static int b_overhead(uint64_t n, void *vc, char *e, size_t el) {
  struct ring *r = vc;
  int msg = 1, i = 0;
  uint64_t s = 0;
  while (n--) {
    if (write(r->p[i][1], &msg, sizeof msg) != sizeof msg || read(r->p[i][0], &msg, sizeof msg) != sizeof msg) {
      snprintf(e, el, "pipe write/read: %s", strerror(errno));
      return -1;
    }
    if (++i == r->procs) i = 0;
    if (r->data) s += (uint64_t)sumit(r->data, r->bytes);
  }
  vmmb_use(s);
  return 0;
}

/* One iteration: the token goes once around the ring (procs switches). */
static int b_ring(uint64_t n, void *vc, char *e, size_t el) {
  struct ring *r = vc;
  int msg = 1;
  uint64_t s = 0;
  errno = 0;
  while (n--) {
    if (write(r->p[0][1], &msg, sizeof msg) != sizeof msg ||
        read(r->p[r->procs - 1][0], &msg, sizeof msg) != sizeof msg) {
      snprintf(e, el, "token lost in the ring: %s", errno ? strerror(errno) : "a ring process exited");
      return -1;
    }
    if (r->data) s += (uint64_t)sumit(r->data, r->bytes);
  }
  vmmb_use(s);
  return 0;
}

static void child_loop(struct ring *r, int idx) {
  long *data = alloc_ws(r->bytes); /* its own pages, touched after fork */
  int msg;
  uint64_t s = 0;
  for (;;) {
    if (read(r->p[idx - 1][0], &msg, sizeof msg) != sizeof msg) break;
    if (data) s += (uint64_t)sumit(data, r->bytes);
    if (write(r->p[idx][1], &msg, sizeof msg) != sizeof msg) break;
  }
  vmmb_use(s);
  _exit(0);
}

static int ring_pipes(struct ring *r, char *e, size_t el) {
  r->p = calloc((size_t)r->procs, sizeof *r->p);
  if (!r->p) {
    snprintf(e, el, "out of memory");
    return -1;
  }
  for (int i = 0; i < r->procs; i++) r->p[i][0] = r->p[i][1] = -1;
  for (int i = 0; i < r->procs; i++)
    if (pipe(r->p[i]) != 0) {
      snprintf(e, el, "pipe #%d: %s (raise the open-file limit for more processes)", i, strerror(errno));
      return -1;
    }
  return 0;
}

static void ring_close(struct ring *r) {
  if (r->pids) {
    for (int i = 1; i < r->procs; i++)
      if (r->pids[i] > 0) kill(r->pids[i], SIGKILL);
    for (int i = 1; i < r->procs; i++)
      if (r->pids[i] > 0) waitpid(r->pids[i], NULL, 0);
    free(r->pids);
    r->pids = NULL;
  }
  if (r->p) {
    for (int i = 0; i < r->procs; i++) {
      if (r->p[i][0] >= 0) close(r->p[i][0]);
      if (r->p[i][1] >= 0) close(r->p[i][1]);
    }
    free(r->p);
    r->p = NULL;
  }
}

static int ring_start(struct ring *r, char *e, size_t el) {
  r->pids = calloc((size_t)r->procs, sizeof *r->pids);
  if (!r->pids) {
    snprintf(e, el, "out of memory");
    return -1;
  }
  fflush(stdout);
  for (int i = 1; i < r->procs; i++) {
    pid_t pid = fork();
    if (pid < 0) {
      snprintf(e, el, "fork of ring process %d of %d: %s", i + 1, r->procs, strerror(errno));
      return -1;
    }
    if (pid == 0) child_loop(r, i);
    r->pids[i] = pid;
  }
  /* Once around so everyone is running and the token is in the pipeline. */
  char err[256];
  if (b_ring(1, r, err, sizeof err) != 0) {
    snprintf(e, el, "%s", err);
    return -1;
  }
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/*
 * Token-passing overhead per hop for a `bytes` working set: one process writes a token into each
 * of `procs` pipes in turn and reads it back, summing its working set each time (LMbench's
 * benchmark_overhead; median of `reps` runs at the full budget).  Returns 0, or -1 with err set.
 */
static int measure_overhead(int procs, size_t bytes, double budget_us, int reps, double *overhead, char *err,
                            size_t errlen) {
  struct ring r;
  memset(&r, 0, sizeof r);
  r.procs = procs;
  r.bytes = bytes;
  int rc = -1;
  if (bytes && !(r.data = alloc_ws(bytes))) {
    snprintf(err, errlen, "cannot allocate %zu KiB working set", bytes / 1024);
    return -1;
  }
  if (ring_pipes(&r, err, errlen) == 0) {
    double t[1000], ovh[1000];
    uint64_t ns[1000];
    uint64_t n = vmmb_calibrate(b_overhead, &r, budget_us, err, errlen);
    if (n && vmmb_repeat(b_overhead, &r, budget_us, n, reps, t, ns, err, errlen) == reps) {
      char params[64];
      snprintf(params, sizeof params, "{\"size_kb\":%zu,\"part\":\"overhead\"}", bytes / 1024);
      vmmb_meter_flush(METRIC, params, 1, "op", 0);
      for (int i = 0; i < reps; i++) ovh[i] = t[i] / (double)ns[i];
      qsort(ovh, (size_t)reps, sizeof ovh[0], cmp_double);
      *overhead = reps % 2 ? ovh[reps / 2] : (ovh[reps / 2 - 1] + ovh[reps / 2]) / 2;
      rc = 0;
    }
  }
  ring_close(&r);
  free(r.data);
  return rc;
}

/* One cell: a fresh ring of c.procs processes, each with its own working set; `overhead` is subtracted. */
static void measure_cell(struct cell c, double overhead, double budget_us, int reps) {
  char params[96], err[512] = "";
  snprintf(params, sizeof params, "{\"procs\":%d,\"size_kb\":%d}", c.procs, c.size_kb);
  struct ring r;
  memset(&r, 0, sizeof r);
  r.procs = c.procs;
  r.bytes = (size_t)c.size_kb * 1024;
  if (r.bytes) {
    r.data = alloc_ws(r.bytes);
    if (!r.data) {
      vmmb_error(SUITE, METRIC, params, "cannot allocate %d KiB working set", c.size_kb);
      return;
    }
  }
  if (ring_pipes(&r, err, sizeof err) != 0 || ring_start(&r, err, sizeof err) != 0) {
    vmmb_error(SUITE, METRIC, params, "%s", err);
    goto out;
  }
  uint64_t n = vmmb_calibrate(b_ring, &r, budget_us, err, sizeof err);
  if (n == 0) {
    vmmb_error(SUITE, METRIC, params, "%s", err);
    goto out;
  }
  double t[1000];
  uint64_t ns[1000];
  int got = vmmb_repeat(b_ring, &r, budget_us, n, reps, t, ns, err, sizeof err);
  for (int i = 0; i < got; i++) {
    double per_switch = t[i] / (double)ns[i] / c.procs;
    double v = per_switch - overhead;
    if (v <= 0) {
      vmmb_error(SUITE, METRIC, params,
                 "repetition %d: %.3f us per switch is not above the token-passing overhead %.3f us", i, per_switch,
                 overhead);
      continue;
    }
    vmmb_sample(SUITE, METRIC, "us", v, params, i, ns[i], NULL);
  }
  /* One trip round the ring is `procs` switches. */
  vmmb_meter_flush(METRIC, params, c.procs, "op", 1);
  if (got < reps) vmmb_error(SUITE, METRIC, params, "repetition %d: %s", got, err);
out:
  ring_close(&r);
  free(r.data);
}

/*
 * The cells in order; the overhead is measured once per working-set size, with as many pipes as
 * the largest ring of that size, when the first cell of that size comes up: what one
 * `lat_ctx -s SIZE P1 P2 …` call does (it measures the overhead for the largest P, then each ring).
 */
static void measure_cells(const struct cell *cells, int ncells, double budget_us, int reps) {
  for (int k = 0; k < ncells; k++) {
    int first = 1, maxprocs = cells[k].procs;
    for (int j = 0; j < ncells; j++) {
      if (cells[j].size_kb != cells[k].size_kb) continue;
      if (j < k) first = 0;
      if (cells[j].procs > maxprocs) maxprocs = cells[j].procs;
    }
    if (!first) continue;
    double overhead = 0;
    char err[512] = "";
    int ok = measure_overhead(maxprocs, (size_t)cells[k].size_kb * 1024, budget_us, reps, &overhead, err, sizeof err) == 0;
    if (ok) fprintf(stderr, "vmmbench-ctx: %dk: overhead %.3f us per hop (%d pipes)\n", cells[k].size_kb, overhead, maxprocs);
    for (int j = k; j < ncells; j++) {
      if (cells[j].size_kb != cells[k].size_kb) continue;
      if (ok) {
        measure_cell(cells[j], overhead, budget_us, reps);
      } else {
        char params[96];
        snprintf(params, sizeof params, "{\"procs\":%d,\"size_kb\":%d}", cells[j].procs, cells[j].size_kb);
        vmmb_error(SUITE, METRIC, params, "overhead run: %s", err);
      }
    }
  }
}

int main(int argc, char **argv) {
  vmmb_probe = "vmmbench-ctx";
  vmmb_usage = USAGE;
  double budget_ms = 100;
  int reps = 5;
  struct cell cells[MAXCELLS] = {{2, 0}, {2, 16}, {2, 64}, {8, 16}, {8, 64}, {16, 16}, {16, 64}};
  int ncells = 7;

  for (int i = 1; i < argc; i++) {
    const char *v;
    if (vmmb_common_flag(argv[i])) {
      continue;
    } else if (vmmb_opt(argc, argv, &i, "--cells", &v)) {
      char *s = strdup(v), *items[MAXCELLS];
      ncells = vmmb_split("--cells", s, items, MAXCELLS);
      for (int k = 0; k < ncells; k++) {
        char *colon = strchr(items[k], ':');
        if (!colon) vmmb_usage_fail("--cells: '%s' is not procs:size_kb (e.g. 2:16)", items[k]);
        *colon = 0;
        cells[k].procs = (int)vmmb_parse_int("--cells procs", items[k], 2, 1024);
        cells[k].size_kb = (int)vmmb_parse_int("--cells size_kb", colon + 1, 0, 65536);
      }
    } else if (vmmb_opt(argc, argv, &i, "--budget-ms", &v)) {
      budget_ms = vmmb_parse_double("--budget-ms", v, 1, 600000);
    } else if (vmmb_opt(argc, argv, &i, "--reps", &v)) {
      reps = (int)vmmb_parse_int("--reps", v, 1, 1000);
    } else {
      vmmb_usage_fail("unknown argument '%s' (accepted: --dry-run, --cells, --budget-ms, --reps, --meters=rep|cell|off, --help)", argv[i]);
    }
  }
  signal(SIGPIPE, SIG_IGN);
  /* Two descriptors per ring process: raise the soft limit to the hard one, as LMbench's morefds(). */
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }

  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  printf("{\"type\":\"info\",\"probe\":\"vmmbench-ctx\",\"version\":\"" VMMB_VERSION
         "\",\"budget_ms\":%g,\"reps\":%d,\"clock\":\"CLOCK_MONOTONIC\",\"online_cpus\":%ld,"
         "\"overhead\":\"pipe write+read and working-set sum in one process, subtracted\"",
         budget_ms, reps, ncpu);
  vmmb_meter_info(stdout);
  printf("}\n");
  fflush(stdout);
  if (vmmb_dry_run) return 0;
  measure_cells(cells, ncells, budget_ms * 1000.0, reps);
  return vmmb_exit_status();
}
