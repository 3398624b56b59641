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
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <termios.h>
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
/* --meters=rep|cell|off: a meter span around each timed run, around each cell's runs, or none. */
enum { VMMB_METERS_OFF, VMMB_METERS_REP, VMMB_METERS_CELL };
static int vmmb_meter_mode = VMMB_METERS_REP;

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
  if (!strncmp(arg, "--meters=", 9)) {
    const char *m = arg + 9;
    if (!strcmp(m, "rep")) vmmb_meter_mode = VMMB_METERS_REP;
    else if (!strcmp(m, "cell")) vmmb_meter_mode = VMMB_METERS_CELL;
    else if (!strcmp(m, "off")) vmmb_meter_mode = VMMB_METERS_OFF;
    else vmmb_usage_fail("--meters: '%s' is not a mode (accepted: rep, cell, off)", m);
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

/* ---------------------------------------------------------------- meters */
/*
 * Meters: what the guest kernel and the hypervisor counted while one timed run ran (docs/meters.md).
 * A span wraps each timed run of vmmb_repeat (--meters=rep, the default), all runs of one cell
 * (--meters=cell) or nothing (--meters=off).  Inside the host's marks and outside the timed
 * interval, so the probe's own timing is untouched, a span reads this process's getrusage (itself
 * and the children it waited for) and /proc/stat (steal time; context switches of the whole
 * system, which counts the children a cell does not wait for, like lat_ctx's ring).
 *
 * Host marks, where the target asks for them:
 *   VMMB_METER_PORT=DEV  a KVM host snapshots its counters when "B|E <step> <seq>\n" arrives on
 *                        this serial port and answers one line; the span waits for the answer
 *   VMMB_XEN_MARKS=1     a Xen domU marks the span in dom0's trace: a CPUID exit whose leaf holds
 *                        the kind and seq (PVH), or a forced-emulation CPUID whose trace record
 *                        holds only its address, one call site per kind (PV)
 * VMMB_STEP names the step (the guest's run_step sets it); VMMB_PROC_STAT another file to read as
 * /proc/stat (tests).  Every span, counted or not, prints one
 * "meter" line after its cell, in the order the spans ran, so the host can pair its marks with them.
 */
#define VMMB_MAX_SPANS 3200
#define VMMB_LEAF(kind, v) (0x56000000u | ((unsigned)(kind) << 20) | ((unsigned)(v)&0xfffffu))
enum { VMMB_MARK_STEP = 1, VMMB_MARK_BEGIN = 2, VMMB_MARK_END = 3 };

struct vmmb_counts {
  double minflt, majflt, vcsw, ivcsw, utime_us, stime_us, ctxt, steal_us;
};
struct vmmb_span {
  unsigned seq;
  int rep; /* -1: a run that is not a repetition (warm-up) */
  double ops;
  struct vmmb_counts d;
  int stat_ok;
};

static struct vmmb_span vmmb_spans[VMMB_MAX_SPANS];
static int vmmb_nspans;
static struct vmmb_counts vmmb_span_start;
static int vmmb_span_stat_ok;
/* The dynamic companion numbers its spans apart from the probe that runs it. */
#ifdef VMMB_DYNAMIC
static unsigned vmmb_seq = 500000;
#else
static unsigned vmmb_seq = 0;
#endif
static int vmmb_meter_ready;
static const char *vmmb_step_id = "-";
static int vmmb_port = -1;
static const char *vmmb_port_path;
static int vmmb_xen; /* 0 none, 1 PV, 2 PVH/HVM */
static char vmmb_host_why[256]; /* why host marks stopped (or never started) */
static char vmmb_stat_why[160];
/* VMMB_PROC_STAT names another file in /proc/stat's format (the reader's tests use captured ones). */
static const char *vmmb_stat_path = "/proc/stat";

static int vmmb_read_stat(const char *path, double *steal_us, double *ctxt, char *why, size_t len) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    snprintf(why, len, "cannot open %s: %s", path, strerror(errno));
    return 0;
  }
  char buf[8192];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) {
    snprintf(why, len, "cannot read %s", path);
    return 0;
  }
  buf[n] = 0;
  unsigned long long v[8] = {0};
  int have_cpu = sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                        &v[6], &v[7]) == 8;
  const char *c = strstr(buf, "\nctxt ");
  if (!have_cpu || !c) {
    snprintf(why, len, "%s has no %s line", path, have_cpu ? "ctxt" : "8-field cpu");
    return 0;
  }
  long hz = sysconf(_SC_CLK_TCK);
  *steal_us = (double)v[7] * 1e6 / (double)(hz > 0 ? hz : 100);
  *ctxt = strtod(c + 6, NULL);
  return 1;
}

static int vmmb_guest_now(struct vmmb_counts *c) {
  struct rusage s, k;
  getrusage(RUSAGE_SELF, &s);
  getrusage(RUSAGE_CHILDREN, &k);
  c->minflt = (double)(s.ru_minflt + k.ru_minflt);
  c->majflt = (double)(s.ru_majflt + k.ru_majflt);
  c->vcsw = (double)(s.ru_nvcsw + k.ru_nvcsw);
  c->ivcsw = (double)(s.ru_nivcsw + k.ru_nivcsw);
  c->utime_us = (double)(s.ru_utime.tv_sec + k.ru_utime.tv_sec) * 1e6 + (double)(s.ru_utime.tv_usec + k.ru_utime.tv_usec);
  c->stime_us = (double)(s.ru_stime.tv_sec + k.ru_stime.tv_sec) * 1e6 + (double)(s.ru_stime.tv_usec + k.ru_stime.tv_usec);
  c->ctxt = c->steal_us = 0;
  return vmmb_read_stat(vmmb_stat_path, &c->steal_us, &c->ctxt, vmmb_stat_why, sizeof vmmb_stat_why);
}

static void vmmb_port_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void vmmb_port_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(vmmb_host_why, sizeof vmmb_host_why, fmt, ap);
  va_end(ap);
  fprintf(stderr, "%s: meters: %s\n", vmmb_probe, vmmb_host_why);
  if (vmmb_port >= 0) close(vmmb_port);
  vmmb_port = -1;
}

/* Asks the host for a snapshot and waits for its answer (a line), at most 20 s. */
static void vmmb_port_mark(char kind, unsigned seq) {
  if (vmmb_port < 0) return;
  char line[96];
  int n = snprintf(line, sizeof line, "%c %s %u\n", kind, vmmb_step_id, seq);
  if (write(vmmb_port, line, (size_t)n) != n) {
    vmmb_port_fail("writing to the host meter port %s: %s", vmmb_port_path, strerror(errno));
    return;
  }
  for (;;) {
    struct pollfd p = {vmmb_port, POLLIN, 0};
    int k = poll(&p, 1, 20000);
    char ch;
    if (k == 0) {
      vmmb_port_fail("the host meter port %s did not answer mark %c %u within 20 s", vmmb_port_path, kind, seq);
      return;
    }
    if (k < 0 && errno == EINTR) continue;
    ssize_t r = k > 0 ? read(vmmb_port, &ch, 1) : -1;
    if (r < 0 && errno == EINTR) continue;
    if (r != 1) {
      vmmb_port_fail("reading the host meter port %s: %s", vmmb_port_path, r < 0 ? strerror(errno) : "end of file");
      return;
    }
    if (ch == '\n') return;
  }
}

#if defined(__x86_64__)
static inline void vmmb_cpuid_mark(unsigned leaf) {
  unsigned a = leaf, b, c = 0, d;
  __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
}
/* One call site per kind: a PV trace record of the forced-emulation CPUID holds only its address. */
#define VMMB_PV_MARK(name, tag)                                                                                     \
  static __attribute__((noinline, noipa)) void name(unsigned leaf) {                                                \
    unsigned a = leaf, b, c = 0, d;                                                                                 \
    __asm__ volatile("ud2a\n\t.ascii \"xen\"\n\tcpuid # " tag : "+a"(a), "=b"(b), "+c"(c), "=d"(d));                \
  }
VMMB_PV_MARK(vmmb_pv_mark_step, "step")
VMMB_PV_MARK(vmmb_pv_mark_begin, "begin")
VMMB_PV_MARK(vmmb_pv_mark_end, "end")
#endif

static void vmmb_xen_mark(int kind, unsigned value) {
#if defined(__x86_64__)
  if (vmmb_xen == 2) vmmb_cpuid_mark(VMMB_LEAF(kind, value));
  if (vmmb_xen == 1) (kind == VMMB_MARK_STEP ? vmmb_pv_mark_step : kind == VMMB_MARK_BEGIN ? vmmb_pv_mark_begin : vmmb_pv_mark_end)(VMMB_LEAF(kind, value));
#else
  (void)kind;
  (void)value;
#endif
}

/* Reads the target's wishes once (VMMB_STEP, VMMB_METER_PORT, VMMB_XEN_MARKS). */
static void vmmb_meter_init(void) {
  if (vmmb_meter_ready) return;
  vmmb_meter_ready = 1;
  if (vmmb_meter_mode == VMMB_METERS_OFF) return;
  const char *stat = getenv("VMMB_PROC_STAT");
  if (stat && *stat) vmmb_stat_path = stat;
  const char *step = getenv("VMMB_STEP");
  if (step && *step && !strpbrk(step, " \n")) vmmb_step_id = step;
  const char *port = getenv("VMMB_METER_PORT");
  if (port && *port) {
    vmmb_port_path = port;
    vmmb_port = open(port, O_RDWR | O_NOCTTY);
    struct termios t;
    if (vmmb_port < 0) {
      vmmb_port_fail("cannot open the host meter port %s: %s", port, strerror(errno));
    } else if (tcgetattr(vmmb_port, &t) == 0) {
      cfmakeraw(&t);
      tcsetattr(vmmb_port, TCSANOW, &t);
      tcflush(vmmb_port, TCIOFLUSH);
    }
  }
  const char *xen = getenv("VMMB_XEN_MARKS");
  if (xen && !strcmp(xen, "1")) {
    char type[32] = "";
    int fd = open("/sys/hypervisor/guest_type", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, type, sizeof type - 1) : -1;
    if (fd >= 0) close(fd);
    if (n > 0) type[strcspn(type, "\n")] = 0;
#if defined(__x86_64__)
    if (n > 0 && !strcmp(type, "PV")) vmmb_xen = 1;
    else if (n > 0 && (!strcmp(type, "PVH") || !strcmp(type, "HVM"))) vmmb_xen = 2;
#endif
    if (!vmmb_xen)
      snprintf(vmmb_host_why, sizeof vmmb_host_why, "no Xen marks: /sys/hypervisor/guest_type %s%s%s",
               n > 0 ? "says '" : "unreadable", n > 0 ? type : "", n > 0 ? "'" : "");
  }
}

/* The info line's meter fields: the mode, the host's marks and, in a PV domU, the mark addresses. */
static void vmmb_meter_info(FILE *f) {
  vmmb_meter_init();
  static const char *modes[] = {"off", "rep", "cell"};
  fprintf(f, ",\"meters\":\"%s\",\"meter_host\":\"%s\"", modes[vmmb_meter_mode],
          vmmb_port >= 0 ? "port" : vmmb_xen == 1 ? "xen-pv" : vmmb_xen == 2 ? "xen-pvh" : "none");
#if defined(__x86_64__)
  if (vmmb_xen == 1)
    fprintf(f, ",\"xen_marks\":{\"step\":\"%p\",\"begin\":\"%p\",\"end\":\"%p\"}", (void *)vmmb_pv_mark_step,
            (void *)vmmb_pv_mark_begin, (void *)vmmb_pv_mark_end);
#endif
#ifndef VMMB_DYNAMIC
  /* The step's first mark (the dynamic companion's spans belong to the step that runs it). */
  if (vmmb_meter_mode != VMMB_METERS_OFF) vmmb_xen_mark(VMMB_MARK_STEP, (unsigned)atoi(vmmb_step_id));
#endif
}

static void vmmb_span_begin(void) {
  if (vmmb_meter_mode == VMMB_METERS_OFF) return;
  vmmb_meter_init();
  vmmb_seq++;
  vmmb_port_mark('B', vmmb_seq);
  vmmb_xen_mark(VMMB_MARK_BEGIN, vmmb_seq);
  vmmb_span_stat_ok = vmmb_guest_now(&vmmb_span_start);
}

/* Closes the span opened last: `rep` is the repetition it timed (-1: none), `ops` its operations. */
static void vmmb_span_end(int rep, double ops) {
  if (vmmb_meter_mode == VMMB_METERS_OFF) return;
  struct vmmb_counts now;
  int ok = vmmb_guest_now(&now) && vmmb_span_stat_ok;
  vmmb_xen_mark(VMMB_MARK_END, vmmb_seq);
  vmmb_port_mark('E', vmmb_seq);
  if (vmmb_nspans >= VMMB_MAX_SPANS) return;
  struct vmmb_span *s = &vmmb_spans[vmmb_nspans++];
  const struct vmmb_counts *a = &vmmb_span_start;
  s->seq = vmmb_seq;
  s->rep = rep;
  s->ops = ops;
  s->stat_ok = ok;
  s->d = (struct vmmb_counts){now.minflt - a->minflt, now.majflt - a->majflt, now.vcsw - a->vcsw,
                              now.ivcsw - a->ivcsw,   now.utime_us - a->utime_us, now.stime_us - a->stime_us,
                              now.ctxt - a->ctxt,     now.steal_us - a->steal_us};
}

/*
 * Prints the spans since the last flush as meter lines of `metric` with `params`: ops are the
 * span's units times `scale`, in `per` ("op": one operation of the metric; "MB").  With counted 0
 * they only keep the host's marks paired (a cell's overhead runs).
 */
static void vmmb_meter_flush(const char *metric, const char *params, double scale, const char *per, int counted) {
  FILE *f = stdout;
  for (int i = 0; i < vmmb_nspans; i++) {
    const struct vmmb_span *s = &vmmb_spans[i];
    fputs("{\"type\":\"meter\",\"metric\":", f);
    vmmb_json_str(f, metric);
    fprintf(f, ",\"params\":%s,\"repetition\":", params);
    if (counted && s->rep >= 0) fprintf(f, "%d", s->rep);
    else fputs("null", f);
    fprintf(f, ",\"seq\":%u,\"ops\":%.17g,\"per\":\"%s\"%s,\"guest\":{", s->seq, s->ops * scale, per,
            vmmb_meter_mode == VMMB_METERS_CELL ? ",\"cell\":true" : "");
    fprintf(f, "\"minflt\":%.0f,\"majflt\":%.0f,\"vcsw\":%.0f,\"ivcsw\":%.0f,\"utime_us\":%.0f,\"stime_us\":%.0f",
            s->d.minflt, s->d.majflt, s->d.vcsw, s->d.ivcsw, s->d.utime_us, s->d.stime_us);
    if (s->stat_ok) fprintf(f, ",\"ctxt\":%.0f,\"steal_us\":%.0f", s->d.ctxt, s->d.steal_us);
    fputs("}", f);
    if (!s->stat_ok || *vmmb_host_why) {
      fputs(",\"missing\":{", f);
      if (!s->stat_ok) {
        fputs("\"stat\":", f);
        vmmb_json_str(f, vmmb_stat_why);
      }
      if (*vmmb_host_why) {
        fputs(s->stat_ok ? "\"host\":" : ",\"host\":", f);
        vmmb_json_str(f, vmmb_host_why);
      }
      fputs("}", f);
    }
    fputs("}\n", f);
  }
  fflush(f);
  vmmb_nspans = 0;
}

/* The --meters argument that hands this probe's mode on to another build of it. */
static const char *vmmb_meter_arg(void) {
  return vmmb_meter_mode == VMMB_METERS_OFF ? "--meters=off" : vmmb_meter_mode == VMMB_METERS_CELL ? "--meters=cell" : "--meters=rep";
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
 * got: reps, or fewer with the message in err when body failed.  Each run is a
 * meter span (vmmb_meter_flush prints them), or the whole loop is one with
 * --meters=cell.
 */
static int vmmb_repeat(vmmb_body body, void *ctx, double budget_us, uint64_t n, int reps, double *t_us,
                       uint64_t *n_out, char *err, size_t errlen) {
  int got = 0, cell = vmmb_meter_mode == VMMB_METERS_CELL;
  double cell_ops = 0;
  if (cell) vmmb_span_begin();
  for (int run = 0; got < reps; run++) {
    if (!cell) vmmb_span_begin();
    double t = vmmb_time(body, n, ctx, err, errlen);
    int counts = t >= 0 && (t >= 0.95 * budget_us || run >= VMMB_MAX_RUNS(reps));
    if (!cell) vmmb_span_end(counts ? got : -1, (double)n);
    cell_ops += (double)n;
    if (t < 0) break;
    if (counts) {
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
  if (cell) vmmb_span_end(got > 0 ? 0 : -1, cell_ops);
  return got;
}

#endif
