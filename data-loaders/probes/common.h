/*
 * common.h - shared helpers for the vmmbench built-in probes.
 *
 * Every probe is a single C file that includes this header and is linked
 * statically, so the same binary runs on the host and inside a minimal
 * busybox guest.  Output contract (one JSON object per line on stdout):
 *
 *   {"type":"info","probe":"vmmbench-lat","version":"0.1.0",...}          (first line, optional)
 *   {"type":"sample","suite":"lmbench","metric":"lat_syscall","unit":"us",
 *    "value":0.0512,"params":{},"repetition":0,"iterations":1234567}      (optional "note")
 *   {"type":"error","suite":"lmbench","metric":"lat_sh","params":{},"message":"..."}
 *
 * Nothing else goes to stdout; diagnostics go to stderr.  Bad arguments:
 * a message on stderr naming the argument and the accepted ones, exit 2.
 */
#ifndef VMMBENCH_COMMON_H
#define VMMBENCH_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Each probe uses a subset of these helpers. */
#pragma GCC diagnostic ignored "-Wunused-function"

#define VMMB_VERSION "0.1.0"

static const char *vmmb_probe = "vmmbench";
static const char *vmmb_usage = "";
static int vmmb_samples_ok = 0;
static int vmmb_errors = 0;
/* --dry-run: validate the arguments, write the info line, measure nothing, exit 0. */
static int vmmb_dry_run = 0;

/* ---------------------------------------------------------------- timing */

static inline double vmmb_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Cost of one clock_gettime call in ns (median of a few batches) and the clock's resolution. */
static void vmmb_clock_info(double *overhead_ns, double *res_ns) {
  struct timespec r;
  clock_getres(CLOCK_MONOTONIC, &r);
  *res_ns = (double)r.tv_sec * 1e9 + (double)r.tv_nsec;
  double best = 1e18;
  for (int b = 0; b < 5; b++) {
    double t0 = vmmb_now_us();
    for (int i = 0; i < 1000; i++) (void)vmmb_now_us();
    double t = (vmmb_now_us() - t0) * 1e3 / 1000.0;
    if (t < best) best = t;
  }
  *overhead_ns = best;
}

/* Linux clocksource (tsc, hpet, xen, kvm-clock...): tells whether clock reads trap in a guest. */
static void vmmb_clocksource(char *buf, size_t len) {
  snprintf(buf, len, "unknown");
  FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
  if (!f) return;
  if (fgets(buf, (int)len, f)) buf[strcspn(buf, "\n")] = 0;
  fclose(f);
}

/* Defeats dead-code elimination of benchmark loops. */
static volatile uint64_t vmmb_sink;
static inline void vmmb_use(uint64_t v) { vmmb_sink += v; }

/* --------------------------------------------------------------- output */

static void vmmb_json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
      case '"': fputs("\\\"", f); break;
      case '\\': fputs("\\\\", f); break;
      case '\n': fputs("\\n", f); break;
      case '\r': fputs("\\r", f); break;
      case '\t': fputs("\\t", f); break;
      default:
        if (*p < 0x20) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);
    }
  }
  fputc('"', f);
}

static void vmmb_json_num(FILE *f, double v) {
  if (!isfinite(v)) fputs("null", f);
  else fprintf(f, "%.6g", v);
}

/* params: a JSON object text, e.g. "{}" or "{\"procs\":2,\"size_kb\":16}". */
static void vmmb_sample(const char *suite, const char *metric, const char *unit, double value,
                        const char *params, int rep, uint64_t iterations, const char *note) {
  if (!isfinite(value)) {
    fprintf(stderr, "%s: %s: non-finite value dropped\n", vmmb_probe, metric);
    return;
  }
  FILE *f = stdout;
  fputs("{\"type\":\"sample\",\"suite\":", f);
  vmmb_json_str(f, suite);
  fputs(",\"metric\":", f);
  vmmb_json_str(f, metric);
  fputs(",\"unit\":", f);
  vmmb_json_str(f, unit);
  fputs(",\"value\":", f);
  vmmb_json_num(f, value);
  fprintf(f, ",\"params\":%s,\"repetition\":%d,\"iterations\":%llu", params, rep,
          (unsigned long long)iterations);
  if (note && *note) {
    fputs(",\"note\":", f);
    vmmb_json_str(f, note);
  }
  fputs("}\n", f);
  fflush(f);
  vmmb_samples_ok++;
}

static void vmmb_error(const char *suite, const char *metric, const char *params, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void vmmb_error(const char *suite, const char *metric, const char *params, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  FILE *f = stdout;
  fputs("{\"type\":\"error\",\"suite\":", f);
  vmmb_json_str(f, suite);
  fputs(",\"metric\":", f);
  vmmb_json_str(f, metric);
  fprintf(f, ",\"params\":%s,\"message\":", params);
  vmmb_json_str(f, msg);
  fputs("}\n", f);
  fflush(f);
  fprintf(stderr, "%s: %s: %s\n", vmmb_probe, metric, msg);
  vmmb_errors++;
}

/* Exit status: 0 if anything was measured, 1 if nothing could be. */
static int vmmb_exit_status(void) { return vmmb_samples_ok > 0 ? 0 : 1; }

/* ------------------------------------------------------------ arguments */

static void vmmb_usage_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void vmmb_usage_fail(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s: ", vmmb_probe);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n%s", vmmb_usage);
  exit(2);
}

/*
 * Matches argv[*i] against --name (value in the next argument) or --name=value.
 * Returns 1 and sets *val on a match, 0 otherwise; a missing value exits 2.
 */
static int vmmb_opt(int argc, char **argv, int *i, const char *name, const char **val) {
  size_t n = strlen(name);
  const char *a = argv[*i];
  if (strncmp(a, name, n) != 0) return 0;
  if (a[n] == '=') {
    *val = a + n + 1;
    return 1;
  }
  if (a[n] != 0) return 0;
  if (*i + 1 >= argc) vmmb_usage_fail("option %s needs a value", name);
  *val = argv[++*i];
  return 1;
}

static int vmmb_flag(const char *arg, const char *name) { return strcmp(arg, name) == 0; }

/* --help/-h (usage on stderr, exit 0) and --dry-run, which every probe takes: 1 when argv[i] was one. */
static int vmmb_common_flag(const char *arg) {
  if (vmmb_flag(arg, "--help") || vmmb_flag(arg, "-h")) {
    fputs(vmmb_usage, stderr);
    exit(0);
  }
  if (vmmb_flag(arg, "--dry-run")) {
    vmmb_dry_run = 1;
    return 1;
  }
  return 0;
}

static long long vmmb_parse_int(const char *opt, const char *s, long long lo, long long hi) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end != 0)
    vmmb_usage_fail("%s: '%s' is not an integer (accepted: %lld..%lld)", opt, s, lo, hi);
  if (v < lo || v > hi) vmmb_usage_fail("%s: %lld is out of range (accepted: %lld..%lld)", opt, v, lo, hi);
  return v;
}

static double vmmb_parse_double(const char *opt, const char *s, double lo, double hi) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end != 0 || !isfinite(v))
    vmmb_usage_fail("%s: '%s' is not a number (accepted: %g..%g)", opt, s, lo, hi);
  if (v < lo || v > hi) vmmb_usage_fail("%s: %g is out of range (accepted: %g..%g)", opt, v, lo, hi);
  return v;
}

/* Splits a comma-separated list in place; returns the count (max `max`). Empty items exit 2. */
static int vmmb_split(const char *opt, char *s, char **items, int max) {
  int n = 0;
  char *save = NULL;
  if (*s == 0) vmmb_usage_fail("%s: empty list", opt);
  size_t len = strlen(s);
  if (s[0] == ',' || s[len - 1] == ',' || strstr(s, ",,")) vmmb_usage_fail("%s: empty item in '%s'", opt, s);
  for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    if (n >= max) vmmb_usage_fail("%s: too many items (at most %d)", opt, max);
    items[n++] = tok;
  }
  return n;
}

/* ------------------------------------------------------------ calibration */

/* A benchmark body: runs `n` operations; returns 0, or -1 with a message in err. */
typedef int (*vmmb_body)(uint64_t n, void *ctx, char *err, size_t errlen);

/* Times one call of body(n). Returns elapsed µs, or -1 on failure. */
static double vmmb_time(vmmb_body body, uint64_t n, void *ctx, char *err, size_t errlen) {
  double t0 = vmmb_now_us();
  if (body(n, ctx, err, errlen) != 0) return -1;
  return vmmb_now_us() - t0;
}

/*
 * LMbench-style calibration: find an iteration count whose run lasts about 1.1 x
 * `budget_us` (LMbench's benchmp_interval grows n by 8x until a run takes over
 * 150 us, then fits it to 1.1 x "enough").  Small runs grow by at most 16x so a
 * timer hiccup cannot inflate n; runs long enough to trust are extrapolated
 * (vmmb_repeat re-fits n if the extrapolation was off).  An operation slower than
 * the budget gets n = 1.  Returns n, or 0 on failure (message in err).
 */
static uint64_t vmmb_calibrate(vmmb_body body, void *ctx, double budget_us, char *err, size_t errlen) {
  uint64_t n = 1;
  for (int round = 0; round < 64; round++) {
    double t = vmmb_time(body, n, ctx, err, errlen);
    if (t < 0) return 0;
    if (t >= 0.95 * budget_us) return n;
    double scale;
    if (t < budget_us / 50.0 || t < 200.0) {
      scale = 16;
    } else {
      scale = 1.1 * budget_us / t;
    }
    double next = ceil((double)n * scale);
    if (next > 1e12) next = 1e12;
    if (next <= (double)n) next = (double)n + 1;
    n = (uint64_t)next;
    /* Extrapolated: accept without another trial run. */
    if (scale < 16) return n;
  }
  return n;
}

/* Runs after which vmmb_repeat stops insisting on full-length ones. */
#define VMMB_MAX_RUNS(reps) (3 * (reps) + 8)

/*
 * The timed repetitions, taken the way LMbench's benchmp_interval (lib_timing.c)
 * takes them: starting from the calibrated n, time runs of n operations; a run
 * counts as a repetition only if it lasted at least 95% of the budget, and after
 * any run shorter than 99% or longer than 120% of it, n is re-fitted to 1.1 x the
 * budget (from that run when it lasted over 150 us, else n x 8).  So every
 * repetition spans the whole budget even when the calibration ran in another
 * regime (a cold first run, a vCPU that had to be woken from idle); the runs left
 * out are warm-up.  LMbench loops until it has them all; after
 * VMMB_MAX_RUNS(reps) runs (an operation whose time keeps jumping, e.g. under
 * TCG) every run counts, so a step cannot run away.
 *
 * Fills t_us[k] (the run's µs) and n_out[k] for k < reps and returns how many it
 * got: reps, or fewer with the message in err when body failed.
 */
static int vmmb_repeat(vmmb_body body, void *ctx, double budget_us, uint64_t n, int reps, double *t_us,
                       uint64_t *n_out, char *err, size_t errlen) {
  int got = 0;
  for (int run = 0; got < reps; run++) {
    double t = vmmb_time(body, n, ctx, err, errlen);
    if (t < 0) return got;
    if (t >= 0.95 * budget_us || run >= VMMB_MAX_RUNS(reps)) {
      t_us[got] = t;
      n_out[got] = n;
      got++;
    }
    if (t < 0.99 * budget_us || t > 1.2 * budget_us) {
      double next = t > 150.0 ? (double)n * 1.1 * budget_us / t + 1 : (double)n * 8;
      if (next > 1e12) next = 1e12;
      if (next < 1) next = 1;
      n = (uint64_t)next;
    }
  }
  return got;
}

#endif
