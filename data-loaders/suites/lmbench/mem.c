/*
 * vmmbench-mem - LMbench bw_mem-style memory bandwidth (paper Fig. 2).
 *
 *   bw_mem_read   LMbench "rd": sum of one int in every 16 bytes, 128 ints per
 *                 unrolled block (every cache line is loaded).
 *   bw_mem_write  LMbench "wr": store of one int in every 16 bytes, same shape.
 *   bw_mem_copy   method "libc": memcpy (LMbench "bcopy"); method "unrolled": a
 *                 hand-unrolled loop copying every 64-bit word (LMbench "fcp"-like).
 *
 * size_mb is MiB of buffer (LMbench's "8m" = 8·2^20 bytes); bandwidth is in
 * decimal MB/s (10^6 bytes/s), as LMbench prints it.  For copy, the bytes
 * counted are the bytes copied (one buffer's size), as LMbench counts them.
 */
#include "common.h"

#include <stdlib.h>

static const char USAGE[] =
    "usage: vmmbench-mem [--metrics LIST] [--sizes-mb LIST] [--copy-methods LIST] [--budget-ms MS] [--reps N]\n"
    "  --metrics       comma-separated, default all: bw_mem_read,bw_mem_write,bw_mem_copy\n"
    "  --sizes-mb      buffer sizes in MiB, decimals allowed (default 1,8,64; 0.001..65536)\n"
    "  --copy-methods  for bw_mem_copy: libc,unrolled (default both)\n"
    "  --budget-ms     target duration of one timed repetition (default 100; 1..600000)\n"
    "  --reps          timed repetitions per size (default 5; 1..1000)\n"
    "  --dry-run    check the arguments, write the info line, measure nothing\n";

#define SUITE "lmbench"
#define BARRIER(p) __asm__ volatile("" : : "r"(p) : "memory")

struct buf {
  int *a;
  int *b;
  size_t bytes; /* multiple of 512 */
};

static int b_read(uint64_t n, void *vc, char *e, size_t el) {
  struct buf *m = vc;
  const int *last = m->a + m->bytes / sizeof(int) - 128;
  int sum = 0;
  while (n--) {
    const int *p = m->a;
    while (p <= last) {
#define R(i) p[i] +
      sum += R(0) R(4) R(8) R(12) R(16) R(20) R(24) R(28) R(32) R(36) R(40) R(44) R(48) R(52) R(56) R(60) R(64)
          R(68) R(72) R(76) R(80) R(84) R(88) R(92) R(96) R(100) R(104) R(108) R(112) R(116) R(120) p[124];
#undef R
      p += 128;
    }
    BARRIER(p);
  }
  vmmb_use((uint64_t)(unsigned)sum);
  return 0;
}

static int b_write(uint64_t n, void *vc, char *e, size_t el) {
  struct buf *m = vc;
  int *last = m->a + m->bytes / sizeof(int) - 128;
  while (n--) {
    int *p = m->a;
    while (p <= last) {
#define W(i) p[i] = 1;
      W(0) W(4) W(8) W(12) W(16) W(20) W(24) W(28) W(32) W(36) W(40) W(44) W(48) W(52) W(56) W(60) W(64) W(68)
      W(72) W(76) W(80) W(84) W(88) W(92) W(96) W(100) W(104) W(108) W(112) W(116) W(120) W(124)
#undef W
      p += 128;
    }
    BARRIER(m->a);
  }
  return 0;
}

static int b_copy_libc(uint64_t n, void *vc, char *e, size_t el) {
  struct buf *m = vc;
  while (n--) {
    memcpy(m->b, m->a, m->bytes);
    BARRIER(m->b);
  }
  return 0;
}

static int b_copy_unrolled(uint64_t n, void *vc, char *e, size_t el) {
  struct buf *m = vc;
  const size_t words = m->bytes / sizeof(uint64_t);
  while (n--) {
    const uint64_t *src = (const uint64_t *)m->a;
    uint64_t *dst = (uint64_t *)m->b;
    const uint64_t *end = src + words;
    while (src < end) {
#define C(i) dst[i] = src[i];
      C(0) C(1) C(2) C(3) C(4) C(5) C(6) C(7) C(8) C(9) C(10) C(11) C(12) C(13) C(14) C(15)
      C(16) C(17) C(18) C(19) C(20) C(21) C(22) C(23) C(24) C(25) C(26) C(27) C(28) C(29) C(30) C(31)
#undef C
      src += 32;
      dst += 32;
    }
    BARRIER(m->b);
  }
  return 0;
}

static void measure(const char *metric, const char *method, vmmb_body body, struct buf *m, double size_mb,
                    double budget_us, int reps) {
  char params[128], err[256] = "";
  if (method)
    snprintf(params, sizeof params, "{\"size_mb\":%g,\"method\":\"%s\"}", size_mb, method);
  else
    snprintf(params, sizeof params, "{\"size_mb\":%g}", size_mb);
  body(1, m, err, sizeof err); /* warm the cache and TLB, as LMbench does */
  uint64_t n = vmmb_calibrate(body, m, budget_us, err, sizeof err);
  if (n == 0) {
    vmmb_error(SUITE, metric, params, "%s", err);
    return;
  }
  double t[1000];
  uint64_t ns[1000];
  int got = vmmb_repeat(body, m, budget_us, n, reps, t, ns, err, sizeof err);
  for (int r = 0; r < got; r++) {
    if (t[r] <= 0) {
      vmmb_error(SUITE, metric, params, "repetition %d: timing failed", r);
      continue;
    }
    double mbs = (double)m->bytes * (double)ns[r] / t[r]; /* bytes/µs = MB/s */
    vmmb_sample(SUITE, metric, "MB/s", mbs, params, r, ns[r], NULL);
  }
  /* Per MB moved (1e6 bytes, as the bandwidth counts them): one pass is m->bytes. */
  vmmb_meter_flush(metric, params, (double)m->bytes / 1e6, "MB", 1);
  if (got < reps) vmmb_error(SUITE, metric, params, "repetition %d: %s", got, err);
}

int main(int argc, char **argv) {
  vmmb_probe = "vmmbench-mem";
  vmmb_usage = USAGE;
  double budget_ms = 100;
  int reps = 5;
  double sizes[64] = {1, 8, 64};
  int nsizes = 3;
  int want_read = 1, want_write = 1, want_copy = 1, libc = 1, unrolled = 1;

  for (int i = 1; i < argc; i++) {
    const char *v;
    if (vmmb_common_flag(argv[i])) {
      continue;
    } else if (vmmb_opt(argc, argv, &i, "--metrics", &v)) {
      char *s = strdup(v), *items[16];
      int k = vmmb_split("--metrics", s, items, 16);
      want_read = want_write = want_copy = 0;
      for (int j = 0; j < k; j++) {
        if (!strcmp(items[j], "bw_mem_read")) want_read = 1;
        else if (!strcmp(items[j], "bw_mem_write")) want_write = 1;
        else if (!strcmp(items[j], "bw_mem_copy")) want_copy = 1;
        else vmmb_usage_fail("--metrics: unknown metric '%s' (accepted: bw_mem_read, bw_mem_write, bw_mem_copy)", items[j]);
      }
    } else if (vmmb_opt(argc, argv, &i, "--sizes-mb", &v)) {
      char *s = strdup(v), *items[64];
      nsizes = vmmb_split("--sizes-mb", s, items, 64);
      for (int j = 0; j < nsizes; j++) sizes[j] = vmmb_parse_double("--sizes-mb", items[j], 0.001, 65536);
    } else if (vmmb_opt(argc, argv, &i, "--copy-methods", &v)) {
      char *s = strdup(v), *items[8];
      int k = vmmb_split("--copy-methods", s, items, 8);
      libc = unrolled = 0;
      for (int j = 0; j < k; j++) {
        if (!strcmp(items[j], "libc")) libc = 1;
        else if (!strcmp(items[j], "unrolled")) unrolled = 1;
        else vmmb_usage_fail("--copy-methods: unknown method '%s' (accepted: libc, unrolled)", items[j]);
      }
    } else if (vmmb_opt(argc, argv, &i, "--budget-ms", &v)) {
      budget_ms = vmmb_parse_double("--budget-ms", v, 1, 600000);
    } else if (vmmb_opt(argc, argv, &i, "--reps", &v)) {
      reps = (int)vmmb_parse_int("--reps", v, 1, 1000);
    } else {
      vmmb_usage_fail("unknown argument '%s' (accepted: --dry-run, --metrics, --sizes-mb, --copy-methods, --budget-ms, --reps, --meters=rep|cell|off, --help)",
                      argv[i]);
    }
  }

  printf("{\"type\":\"info\",\"probe\":\"vmmbench-mem\",\"version\":\"" VMMB_VERSION
         "\",\"budget_ms\":%g,\"reps\":%d,\"clock\":\"CLOCK_MONOTONIC\",\"mb\":\"1e6 bytes\",\"size_unit\":\"MiB\"",
         budget_ms, reps);
  vmmb_meter_info(stdout);
  printf("}\n");
  fflush(stdout);
  if (vmmb_dry_run) return 0;
  double budget_us = budget_ms * 1000.0;

  for (int s = 0; s < nsizes; s++) {
    struct buf m;
    size_t bytes = (size_t)(sizes[s] * 1048576.0);
    bytes = (bytes + 511) / 512 * 512; /* whole 512-byte blocks */
    m.bytes = bytes;
    void *a = NULL, *b = NULL;
    if (posix_memalign(&a, 4096, bytes) != 0 || (want_copy && posix_memalign(&b, 4096, bytes) != 0)) {
      char params[64];
      snprintf(params, sizeof params, "{\"size_mb\":%g}", sizes[s]);
      const char *metric = want_read ? "bw_mem_read" : want_write ? "bw_mem_write" : "bw_mem_copy";
      vmmb_error(SUITE, metric, params, "cannot allocate %g MiB", sizes[s] * (want_copy ? 2 : 1));
      free(a);
      continue;
    }
    m.a = a;
    m.b = b;
    memset(m.a, 0, bytes); /* fault the pages in before timing */
    if (m.b) memset(m.b, 0, bytes);
    if (want_read) measure("bw_mem_read", NULL, b_read, &m, sizes[s], budget_us, reps);
    if (want_write) measure("bw_mem_write", NULL, b_write, &m, sizes[s], budget_us, reps);
    if (want_copy && libc) measure("bw_mem_copy", "libc", b_copy_libc, &m, sizes[s], budget_us, reps);
    if (want_copy && unrolled) measure("bw_mem_copy", "unrolled", b_copy_unrolled, &m, sizes[s], budget_us, reps);
    free(a);
    free(b);
  }
  return vmmb_exit_status();
}
