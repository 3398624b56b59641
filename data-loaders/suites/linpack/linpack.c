/*
 * vmmbench-linpack - LINPACK-style dense solve (paper Fig. 1).
 *
 * For each order N: a random matrix A (uniform in [-0.5, 0.5), as HPL) and
 * right-hand side b; solve Ax = b by LU factorisation with partial pivoting
 * through OpenBLAS's LAPACK dgesv_ (linked statically).  Only dgesv_ is timed.
 *
 *   linpack_gflops   (2/3·N³ + 2·N²) / time / 1e9
 *   linpack_time     seconds of the solve
 *   linpack_residual HPL's scaled residual ‖Ax−b‖∞ / (ε·(‖A‖∞·‖x‖∞ + ‖b‖∞)·N),
 *                    ε = 2^-53 (LAPACK dlamch('E')); it must be < 16, else the
 *                    three metrics of that solve are error lines.
 * Params: {"n":N,"threads":T,"core":C}, C the OpenBLAS kernel set that ran (see openblas-core.h:
 * with --core auto the best one the CPU supports where OpenBLAS would pick a weaker one).
 */
#include "common.h"

#include <float.h>

#include "openblas-core.h"

extern void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv, double *b, const int *ldb,
                   int *info);
extern void openblas_set_num_threads(int);
extern int openblas_get_num_threads(void);
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);

static const char USAGE[] =
    "usage: vmmbench-linpack [--n LIST | --sweep] [--threads T|all] [--reps R] [--core auto|NAME] [--max-n N] [--max-seconds S] [--seed X]\n"
    "  --n            matrix orders (default 500,1000,2000; 2..100000)\n"
    "  --sweep        grow N (500, 1000, 1500, 2000, 3000, 4000, 5000, 6000, 8000, ...) until GFLOPS stop rising,\n"
    "                 --max-n or --max-seconds is reached (HPL's search for N_max)\n"
    "  --threads      OpenBLAS threads (default 1, the paper's setting; 1..1024, or all: one per online CPU)\n"
    "  --core         OpenBLAS kernel set: auto (default: OpenBLAS's choice, or the best the CPU's flags\n"
    "                 support where OpenBLAS picked a weaker one) or a name (SkylakeX, Haswell, Nehalem...)\n"
    "  --cpuinfo      read the CPU's flags and frequency from this file instead of /proc/cpuinfo (tests)\n"
    "  --explain-core write what --core would choose and the CPU's peak, measure nothing\n"
    "  --reps         solves per N (default 1; 1..100)\n"
    "  --max-n        largest N for --sweep (default: what fits in a quarter of available memory)\n"
    "  --max-seconds  --sweep stops before a solve predicted to take longer (default 60)\n"
    "  --seed         random seed (default 42)\n"
    "  --dry-run    check the arguments, write the info line, measure nothing\n";

#define SUITE "linpack"

static uint64_t rng_state;
static inline double rnd(void) {
  /* xorshift64*: uniform in [-0.5, 0.5) */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  uint64_t r = rng_state * 2685821657736338717ULL;
  return (double)(r >> 11) * (1.0 / 9007199254740992.0) - 0.5;
}

static long long mem_available_kb(void) {
  FILE *f = fopen("/proc/meminfo", "r");
  long long kb = -1, total = -1;
  if (f) {
    char line[256];
    while (fgets(line, sizeof line, f)) {
      sscanf(line, "MemAvailable: %lld kB", &kb);
      sscanf(line, "MemTotal: %lld kB", &total);
    }
    fclose(f);
  }
  if (kb <= 0) kb = total;
  if (kb <= 0) {
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    if (pages > 0 && psz > 0) kb = (long long)pages * psz / 1024;
  }
  return kb;
}

/* An untimed dgesv of order n on its own random system (the main generator's sequence is untouched). */
static void warm_up(int n) {
  if (n < 1) return;
  size_t nn = (size_t)n * (size_t)n;
  double *lu = malloc(nn * sizeof(double));
  double *x = malloc((size_t)n * sizeof(double));
  int *ipiv = malloc((size_t)n * sizeof(int));
  if (lu && x && ipiv) {
    uint64_t s = 0x2545F4914F6CDD1DULL;
    for (size_t i = 0; i < nn; i++) {
      s ^= s >> 12, s ^= s << 25, s ^= s >> 27;
      lu[i] = (double)((s * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0 - 0.5;
    }
    for (int i = 0; i < n; i++) x[i] = 1.0;
    int nrhs = 1, info = 0;
    dgesv_(&n, &nrhs, lu, &n, ipiv, x, &n, &info);
  }
  free(lu), free(x), free(ipiv);
}

/* Solves one system of order n; returns GFLOPS (or -1 when it failed; an error line was written). */
static const char *core_used = "";

static double solve(int n, int threads, int rep, int *ok_out) {
  char params[160];
  snprintf(params, sizeof params, "{\"core\":\"%s\",\"n\":%d,\"threads\":%d}", core_used, n, threads);
  *ok_out = 0;
  size_t nn = (size_t)n * (size_t)n;
  double *a = malloc(nn * sizeof(double));
  double *lu = malloc(nn * sizeof(double));
  double *b = malloc((size_t)n * sizeof(double));
  double *x = malloc((size_t)n * sizeof(double));
  int *ipiv = malloc((size_t)n * sizeof(int));
  if (!a || !lu || !b || !x || !ipiv) {
    vmmb_error(SUITE, "linpack_gflops", params, "cannot allocate %.1f MiB for N=%d", 2.0 * nn * 8 / 1048576.0, n);
    free(a), free(lu), free(b), free(x), free(ipiv);
    return -1;
  }
  for (size_t i = 0; i < nn; i++) a[i] = rnd();
  for (int i = 0; i < n; i++) b[i] = rnd();
  memcpy(lu, a, nn * sizeof(double));
  memcpy(x, b, (size_t)n * sizeof(double));

  int nrhs = 1, info = 0;
  double t0 = vmmb_now_us();
  dgesv_(&n, &nrhs, lu, &n, ipiv, x, &n, &info);
  double secs = (vmmb_now_us() - t0) / 1e6;

  double gflops = -1;
  if (info != 0) {
    const char *m[3] = {"linpack_gflops", "linpack_time", "linpack_residual"};
    for (int k = 0; k < 3; k++)
      vmmb_error(SUITE, m[k], params, "dgesv failed for N=%d: info=%d (%s)", n, info,
                 info < 0 ? "illegal argument" : "singular matrix");
  } else {
    /* r = A x - b (A column-major), norms in the infinity norm. */
    double *r = calloc((size_t)n, sizeof(double));
    double *rowsum = calloc((size_t)n, sizeof(double));
    double xnorm = 0, bnorm = 0, anorm = 0, rnorm = 0;
    for (int j = 0; j < n; j++) {
      const double *col = a + (size_t)j * n;
      double xj = x[j];
      for (int i = 0; i < n; i++) {
        r[i] += col[i] * xj;
        rowsum[i] += fabs(col[i]);
      }
    }
    for (int i = 0; i < n; i++) {
      double ri = fabs(r[i] - b[i]);
      if (!(ri <= rnorm)) rnorm = ri; /* NaN propagates */
      if (fabs(x[i]) > xnorm || isnan(x[i])) xnorm = fabs(x[i]);
      if (fabs(b[i]) > bnorm) bnorm = fabs(b[i]);
      if (rowsum[i] > anorm) anorm = rowsum[i];
    }
    free(r);
    free(rowsum);
    const double eps = DBL_EPSILON / 2; /* 2^-53, LAPACK's dlamch('E') */
    double resid = rnorm / (eps * (anorm * xnorm + bnorm) * n);
    double flops = 2.0 / 3.0 * (double)n * n * n + 2.0 * (double)n * n;
    gflops = flops / secs / 1e9;
    if (isfinite(resid) && resid < 16.0) {
      vmmb_sample(SUITE, "linpack_gflops", "GFLOPS", gflops, params, rep, 1, NULL);
      vmmb_sample(SUITE, "linpack_time", "s", secs, params, rep, 1, NULL);
      vmmb_sample(SUITE, "linpack_residual", "1", resid, params, rep, 1, NULL);
      *ok_out = 1;
    } else {
      const char *m[3] = {"linpack_gflops", "linpack_time", "linpack_residual"};
      for (int k = 0; k < 3; k++)
        vmmb_error(SUITE, m[k], params,
                   "residual check failed for N=%d: scaled residual %g is not < 16 (%.3f GFLOPS in %.4f s discarded)", n,
                   resid, gflops, secs);
    }
  }
  free(a), free(lu), free(b), free(x), free(ipiv);
  return gflops;
}

/*
 * --core: the kernel set OpenBLAS picked when it loaded (before main) against the one asked for, or
 * for auto the best the CPU's flags support where OpenBLAS's is of another width. OpenBLAS reads
 * OPENBLAS_CORETYPE only when it loads, so a different set means running this program again with
 * it set; VMMB_LINPACK_DETECTED carries OpenBLAS's own choice across. Returns the set to report.
 */
static const char *choose_core(char **argv, const char *want, const struct cpu_facts *cpu, const char **detected, const char **why) {
  const char *loaded = openblas_get_corename();
  const char *carried = getenv("VMMB_LINPACK_DETECTED");
  *detected = carried ? carried : loaded;
  const struct core_info *best = best_core_for(cpu->flags);
  const struct core_info *have = core_named(*detected);
  const char *target;
  if (strcmp(want, "auto") != 0) {
    target = want;
    *why = "asked for";
  } else if (best && (!have || have->rank < best->rank)) {
    target = best->name;
    *why = "OpenBLAS picked a weaker set than the CPU supports";
  } else if (best && have->rank > best->rank) {
    /* CPUID names a model whose vectors the OS did not enable (a KVM guest of an emulated host): it would die on SIGILL. */
    target = best->name;
    *why = "OpenBLAS picked a wider set than the CPU's flags allow";
  } else {
    target = *detected;
    *why = "OpenBLAS's own choice";
  }
  if (strcasecmp(loaded, target) != 0 && !getenv("VMMB_LINPACK_REEXEC")) {
    setenv("OPENBLAS_CORETYPE", target, 1);
    setenv("VMMB_LINPACK_DETECTED", *detected, 1);
    setenv("VMMB_LINPACK_REEXEC", "1", 1);
    execv("/proc/self/exe", argv);
    /* Not reached unless exec failed: run with what OpenBLAS loaded, and say so. */
    *why = "could not run again with OPENBLAS_CORETYPE set";
  }
  return openblas_get_corename();
}

/* Where the orders ended and why, a sample of its own so the report can say where a guest stopped. */
static void sweep_end(int last_n, int threads, const char *why) {
  if (last_n <= 0) return;
  char params[96];
  snprintf(params, sizeof params, "{\"core\":\"%s\",\"threads\":%d}", core_used, threads);
  vmmb_sample(SUITE, "linpack_sweep_end", "N", last_n, params, 0, 1, why);
}

int main(int argc, char **argv) {
  vmmb_probe = "vmmbench-linpack";
  vmmb_usage = USAGE;
  int ns[64] = {500, 1000, 2000};
  int nn = 3, sweep = 0, threads = 1, reps = 1, have_n = 0, explain = 0;
  long long max_n = 0;
  double max_seconds = 60;
  uint64_t seed = 42;
  const char *want_core = "auto", *cpuinfo = "/proc/cpuinfo";

  for (int i = 1; i < argc; i++) {
    const char *v;
    if (vmmb_common_flag(argv[i])) {
      continue;
    } else if (vmmb_flag(argv[i], "--sweep")) {
      sweep = 1;
    } else if (vmmb_opt(argc, argv, &i, "--n", &v)) {
      char *s = strdup(v), *items[64];
      nn = vmmb_split("--n", s, items, 64);
      for (int j = 0; j < nn; j++) ns[j] = (int)vmmb_parse_int("--n", items[j], 2, 100000);
      have_n = 1;
    } else if (vmmb_opt(argc, argv, &i, "--threads", &v)) {
      long online = sysconf(_SC_NPROCESSORS_ONLN);
      threads = strcmp(v, "all") == 0 ? (int)(online > 0 ? online : 1) : (int)vmmb_parse_int("--threads", v, 1, 1024);
    } else if (vmmb_opt(argc, argv, &i, "--core", &v)) {
      if (strcmp(v, "auto") != 0 && !core_named(v)) vmmb_usage_fail("--core: unknown OpenBLAS kernel set '%s' (accepted: auto, SkylakeX, Haswell, SandyBridge, Nehalem, Core2, Prescott, ...)", v);
      want_core = v;
    } else if (vmmb_opt(argc, argv, &i, "--cpuinfo", &v)) {
      cpuinfo = v;
    } else if (vmmb_flag(argv[i], "--explain-core")) {
      explain = 1;
    } else if (vmmb_opt(argc, argv, &i, "--reps", &v)) {
      reps = (int)vmmb_parse_int("--reps", v, 1, 100);
    } else if (vmmb_opt(argc, argv, &i, "--max-n", &v)) {
      max_n = vmmb_parse_int("--max-n", v, 2, 100000);
    } else if (vmmb_opt(argc, argv, &i, "--max-seconds", &v)) {
      max_seconds = vmmb_parse_double("--max-seconds", v, 0.001, 86400);
    } else if (vmmb_opt(argc, argv, &i, "--seed", &v)) {
      seed = (uint64_t)vmmb_parse_int("--seed", v, 0, 0x7fffffffffffffffLL);
    } else {
      vmmb_usage_fail("unknown argument '%s' (accepted: --dry-run, --n, --sweep, --threads, --reps, --core, --max-n, --max-seconds, "
                      "--seed, --cpuinfo, --explain-core, --help)",
                      argv[i]);
    }
  }
  if (sweep && have_n) vmmb_usage_fail("--sweep and --n exclude each other (accepted: one of them)");
  rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;

  struct cpu_facts cpu;
  cpu_facts_read(cpuinfo, &cpu);
  const struct core_info *widest = best_core_for(cpu.flags);
  if (explain) {
    const char *chosen = strcmp(want_core, "auto") == 0 ? (widest ? widest->name : "") : want_core;
    const struct core_info *c = core_named(chosen);
    printf("{\"type\":\"info\",\"probe\":\"vmmbench-linpack\",\"best_core\":\"%s\",\"chosen_core\":\"%s\",\"flops_per_cycle\":%d,\"mhz\":%g,\"mhz_source\":\"%s\",\"peak_gflops_per_core\":%g}\n",
           widest ? widest->name : "", chosen, c ? c->flops_per_cycle : 0, cpu.mhz, cpu.mhz_source, c ? c->flops_per_cycle * cpu.mhz / 1000 : 0);
    return 0;
  }
  const char *detected = "", *why = "";
  core_used = choose_core(argv, want_core, &cpu, &detected, &why);
  const struct core_info *used = core_named(core_used);
  const double peak = used && cpu.mhz > 0 ? used->flops_per_cycle * cpu.mhz / 1000 * threads : 0;

  openblas_set_num_threads(threads);
  long long avail = mem_available_kb();
  const int max_n_from_memory = max_n == 0;
  if (max_n == 0) {
    /* A and its LU copy: 16·N² bytes within a quarter of available memory. */
    double bytes = avail > 0 ? (double)avail * 1024 / 4 : 1e9;
    max_n = (long long)sqrt(bytes / 16);
    if (max_n > 100000) max_n = 100000;
  }
  printf("{\"type\":\"info\",\"probe\":\"vmmbench-linpack\",\"version\":\"" VMMB_VERSION
         "\",\"threads\":%d,\"blas_threads\":%d,\"reps\":%d,\"sweep\":%s,\"max_n\":%lld,\"mem_available_kb\":%lld,"
         "\"flops\":\"2/3*N^3+2*N^2\",\"blas\":",
         threads, openblas_get_num_threads(), reps, sweep ? "true" : "false", max_n, avail);
  vmmb_json_str(stdout, openblas_get_config());
  printf(",\"blas_core\":");
  vmmb_json_str(stdout, openblas_get_corename());
  const char *ct = getenv("OPENBLAS_CORETYPE");
  printf(",\"openblas_coretype\":");
  vmmb_json_str(stdout, ct ? ct : "");
  printf(",\"core\":");
  vmmb_json_str(stdout, core_used);
  printf(",\"core_detected\":");
  vmmb_json_str(stdout, detected);
  printf(",\"core_best\":");
  vmmb_json_str(stdout, widest ? widest->name : "");
  printf(",\"core_why\":");
  vmmb_json_str(stdout, why);
  printf(",\"mhz\":%g,\"mhz_source\":\"%s\",\"peak_gflops\":%g}\n", cpu.mhz, cpu.mhz_source, peak);
  fflush(stdout);
  if (vmmb_dry_run) return 0;
  /* The machine's limit for this kernel set and these threads, a sample of its own for the report's efficiency. */
  if (peak > 0) {
    char params[96], note[160];
    snprintf(params, sizeof params, "{\"core\":\"%s\",\"threads\":%d}", core_used, threads);
    snprintf(note, sizeof note, "%d FLOPs/cycle x %.0f MHz (%s) x %d thread(s)", used->flops_per_cycle, cpu.mhz, cpu.mhz_source, threads);
    vmmb_sample(SUITE, "linpack_peak_theoretical", "GFLOPS", peak, params, 0, 1, note);
  }

  /* One untimed solve first: OpenBLAS allocates and first-touches its packing buffers on the first
     call, which cost the first timed solve ~5% at N=2000 (HPL hides the same cost in its set-up).
     Up to N=1000 is enough to touch them all; its result is discarded. */
  warm_up(sweep ? 500 : (ns[0] < 1000 ? ns[0] : 1000));

  if (!sweep) {
    int largest = 0;
    for (int k = 0; k < nn; k++) {
      for (int r = 0; r < reps; r++) {
        int ok;
        solve(ns[k], threads, r, &ok);
      }
      if (ns[k] > largest) largest = ns[k];
    }
    sweep_end(largest, threads, "the plan's list of N");
    return vmmb_exit_status();
  }

  static const int steps[] = {500,   1000,  1500,  2000,  3000,  4000,  5000,  6000,  8000,  10000,
                              12000, 14000, 16000, 20000, 24000, 28000, 32000, 40000, 48000, 64000};
  double best = 0, last_secs = 0;
  int last_n = 0, below = 0;
  char stop[160] = "the sweep's largest order";
  for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
    int n = steps[k];
    if (n > max_n) {
      snprintf(stop, sizeof stop, "%s: N=%d exceeds N=%lld", max_n_from_memory ? "memory (a quarter of what is available)" : "--max-n", n, max_n);
      break;
    }
    if (last_n > 0) {
      double predicted = last_secs * pow((double)n / last_n, 3);
      if (predicted > max_seconds) {
        snprintf(stop, sizeof stop, "time budget: N=%d would take ~%.1f s (> --max-seconds %g)", n, predicted, max_seconds);
        break;
      }
    }
    double g_best_n = -1;
    for (int r = 0; r < reps; r++) {
      int ok;
      double t0 = vmmb_now_us();
      double g = solve(n, threads, r, &ok);
      last_secs = (vmmb_now_us() - t0) / 1e6;
      if (ok && g > g_best_n) g_best_n = g;
    }
    last_n = n;
    if (g_best_n > best * 1.01) {
      best = g_best_n;
      below = 0;
    } else if (++below >= 2) {
      snprintf(stop, sizeof stop, "plateau: two orders in a row did not beat %.3f GFLOPS by 1%%", best);
      break;
    }
  }
  fprintf(stderr, "vmmbench-linpack: sweep stops at N=%d: %s\n", last_n, stop);
  sweep_end(last_n, threads, stop);
  return vmmb_exit_status();
}
