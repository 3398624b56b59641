/*
 * vmmbench-stream - sustainable memory bandwidth after McCalpin's STREAM (stream.c 5.10).
 *
 *   stream_copy   c[j] = a[j]                 2 arrays × 8 bytes per element
 *   stream_scale  b[j] = scalar * c[j]        2 × 8
 *   stream_add    c[j] = a[j] + b[j]          3 × 8
 *   stream_triad  a[j] = b[j] + scalar * c[j] 3 × 8
 *
 * As STREAM: three arrays of doubles, initialised (and faulted in) before timing, every kernel timed
 * once per iteration, the first iteration discarded, the arrays checked against the values the
 * kernels must produce, rates in decimal MB/s (10^6 bytes/s) counted as STREAM counts them. Unlike
 * STREAM, which prints the best rate, each iteration is one sample, so the spread is kept.
 *
 * STREAM's rule is that each array be at least 4× the size of the last-level cache, so that no
 * kernel runs from cache: the array is the larger of --array-mb and 4× the LLC this machine reports
 * (sysfs), and no more than a share of the memory available (or --max-array-mb); where a cap leaves it below 4× LLC,
 * every sample says so in its note. The array size is in the info line and the notes, not in
 * params, so that environments with different caches measure the same series.
 */
#include "common.h"

#include <dirent.h>
#include <stdlib.h>

static const char USAGE[] =
    "usage: vmmbench-stream [--array-mb MB] [--max-array-mb MB] [--reps N]\n"
    "  --array-mb      smallest size of each of the three arrays in MiB (default 64; 1..65536);\n"
    "                  raised to 4x the last-level cache, capped at a third of 60% of MemAvailable\n"
    "  --max-array-mb  largest size of each array in MiB (default none; 1..65536)\n"
    "  --reps      timed iterations after the first, discarded one (default 10; 1..1000)\n"
    "  --dry-run   check the arguments, write the info line, measure nothing\n";

#define SUITE "stream"
#define SCALAR 3.0

/* The largest cache size (bytes) among cpu0's caches in sysfs, or 0 when none is reported. */
static double last_level_cache(void) {
  double best = 0;
  DIR *d = opendir("/sys/devices/system/cpu/cpu0/cache");
  if (!d) return 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strncmp(e->d_name, "index", 5) != 0) continue;
    char path[300], text[64];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/%s/size", e->d_name);
    FILE *f = fopen(path, "r");
    if (!f) continue;
    if (fgets(text, sizeof text, f)) {
      char *end;
      double v = strtod(text, &end);
      if (*end == 'K') v *= 1024;
      else if (*end == 'M') v *= 1048576;
      else if (*end == 'G') v *= 1073741824.0;
      if (v > best) best = v;
    }
    fclose(f);
  }
  closedir(d);
  return best;
}

/* MemAvailable in bytes, or 0 when /proc/meminfo does not say. */
static double memory_available(void) {
  FILE *f = fopen("/proc/meminfo", "r");
  if (!f) return 0;
  char line[256];
  double kb = 0;
  while (fgets(line, sizeof line, f)) {
    if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1) break;
  }
  fclose(f);
  return kb * 1024;
}

/* STREAM's checkSTREAMresults: replays the kernels on scalars and compares the array averages. */
static int check(const double *a, const double *b, const double *c, size_t n, int iterations, char *why, size_t len) {
  double aj = 1.0, bj = 2.0, cj = 0.0;
  aj = 2.0 * aj;
  for (int k = 0; k < iterations; k++) {
    cj = aj;
    bj = SCALAR * cj;
    cj = aj + bj;
    aj = bj + SCALAR * cj;
  }
  double ea = 0, eb = 0, ec = 0;
  for (size_t j = 0; j < n; j++) {
    ea += fabs(a[j] - aj);
    eb += fabs(b[j] - bj);
    ec += fabs(c[j] - cj);
  }
  ea /= n;
  eb /= n;
  ec /= n;
  const double epsilon = 1.e-13;
  if (ea / fabs(aj) > epsilon || eb / fabs(bj) > epsilon || ec / fabs(cj) > epsilon) {
    snprintf(why, len, "failed validation: average relative errors a %.3g, b %.3g, c %.3g (epsilon %g)", ea / fabs(aj), eb / fabs(bj), ec / fabs(cj), epsilon);
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  vmmb_probe = "vmmbench-stream";
  vmmb_usage = USAGE;
  double array_mb = 64, max_array_mb = 0;
  int reps = 10;
  for (int i = 1; i < argc; i++) {
    const char *v;
    if (vmmb_common_flag(argv[i])) continue;
    if (vmmb_opt(argc, argv, &i, "--array-mb", &v)) array_mb = vmmb_parse_double("--array-mb", v, 1, 65536);
    else if (vmmb_opt(argc, argv, &i, "--max-array-mb", &v)) max_array_mb = vmmb_parse_double("--max-array-mb", v, 1, 65536);
    else if (vmmb_opt(argc, argv, &i, "--reps", &v)) reps = (int)vmmb_parse_int("--reps", v, 1, 1000);
    else vmmb_usage_fail("unknown argument '%s' (accepted: --dry-run, --array-mb, --max-array-mb, --reps, --help)", argv[i]);
  }

  const double llc = last_level_cache();
  const double available = memory_available();
  double bytes = array_mb * 1048576.0;
  if (bytes < 4 * llc) bytes = 4 * llc;
  const char *capped = "";
  if (max_array_mb > 0 && bytes > max_array_mb * 1048576.0) {
    bytes = max_array_mb * 1048576.0;
    capped = " (--max-array-mb)";
  }
  if (available > 0 && 3 * bytes > 0.6 * available) {
    bytes = 0.6 * available / 3;
    capped = " because memory is short";
  }
  size_t n = (size_t)(bytes / sizeof(double));
  n -= n % 8;
  char note[256] = "";
  if (llc > 0 && (double)n * sizeof(double) < 4 * llc) {
    snprintf(note, sizeof note, "array of %.0f MiB is below 4x the last-level cache (%.0f MiB)%s: part of each kernel may run from cache",
             (double)n * sizeof(double) / 1048576.0, llc / 1048576.0, capped);
  }
  printf("{\"type\":\"info\",\"probe\":\"vmmbench-stream\",\"version\":\"" VMMB_VERSION
         "\",\"array_elements\":%zu,\"array_mb\":%.1f,\"llc_mb\":%.1f,\"mem_available_mb\":%.0f,\"reps\":%d,\"threads\":1,\"mb\":\"1e6 bytes\"}\n",
         n, (double)n * sizeof(double) / 1048576.0, llc / 1048576.0, available / 1048576.0, reps);
  fflush(stdout);
  if (vmmb_dry_run) return 0;

  const char *params = "{\"threads\":1}";
  double *a = NULL, *b = NULL, *c = NULL;
  if (posix_memalign((void **)&a, 4096, n * sizeof(double)) != 0 || posix_memalign((void **)&b, 4096, n * sizeof(double)) != 0 ||
      posix_memalign((void **)&c, 4096, n * sizeof(double)) != 0) {
    vmmb_error(SUITE, "stream_copy", params, "cannot allocate 3 arrays of %zu doubles", n);
    return vmmb_exit_status();
  }
  for (size_t j = 0; j < n; j++) {
    a[j] = 1.0;
    b[j] = 2.0;
    c[j] = 0.0;
  }
  for (size_t j = 0; j < n; j++) a[j] = 2.0 * a[j];

  static const char *metrics[4] = {"stream_copy", "stream_scale", "stream_add", "stream_triad"};
  const double moved[4] = {2.0 * sizeof(double) * n, 2.0 * sizeof(double) * n, 3.0 * sizeof(double) * n, 3.0 * sizeof(double) * n};
  const int iterations = reps + 1;
  double *times = calloc((size_t)iterations * 4, sizeof(double));
  for (int k = 0; k < iterations; k++) {
    double t0 = vmmb_now_us();
    for (size_t j = 0; j < n; j++) c[j] = a[j];
    double t1 = vmmb_now_us();
    for (size_t j = 0; j < n; j++) b[j] = SCALAR * c[j];
    double t2 = vmmb_now_us();
    for (size_t j = 0; j < n; j++) c[j] = a[j] + b[j];
    double t3 = vmmb_now_us();
    for (size_t j = 0; j < n; j++) a[j] = b[j] + SCALAR * c[j];
    double t4 = vmmb_now_us();
    times[k * 4 + 0] = t1 - t0;
    times[k * 4 + 1] = t2 - t1;
    times[k * 4 + 2] = t3 - t2;
    times[k * 4 + 3] = t4 - t3;
  }
  char why[256];
  if (check(a, b, c, n, iterations, why, sizeof why) != 0) {
    for (int m = 0; m < 4; m++) vmmb_error(SUITE, metrics[m], params, "%s", why);
  } else {
    /* The first iteration is discarded, as STREAM does: it pays for caches and TLBs warming up. */
    for (int k = 1; k < iterations; k++)
      for (int m = 0; m < 4; m++) vmmb_sample(SUITE, metrics[m], "MB/s", moved[m] / times[k * 4 + m], params, k - 1, n, note);
  }
  free(times);
  free(a);
  free(b);
  free(c);
  return vmmb_exit_status();
}
