/*
 * vmmbench-lat - LMbench-style system-operation latencies (paper Table 1).
 *
 * Metrics (all in µs per operation, suite "lmbench", no params):
 *   lat_syscall     syscall(SYS_getppid)                         (lat_syscall null)
 *   lat_read        read(2) of 1 byte from /dev/zero             (lat_syscall read)
 *   lat_write       write(2) of 1 byte to /dev/null              (lat_syscall write)
 *   lat_stat        stat(2) of a file in --tmpdir                (lat_syscall stat)
 *   lat_fstat       fstat(2) of that file, open                  (lat_syscall fstat)
 *   lat_open_close  open(2) + close(2) of that file              (lat_syscall open)
 *   lat_fork        fork, child exit(1), parent waits            (lat_proc fork)
 *   lat_exec        fork + execve of this binary with --noop     (lat_proc exec)
 *   lat_sh          fork + /bin/sh -c "<this binary> --noop"     (lat_proc shell)
 *   lat_sig_install sigaction(SIGUSR1)                           (lat_sig install)
 *   lat_sig_handler kill(getpid(), SIGUSR1) caught, minus kill(getpid(), 0) (lat_sig catch)
 *   lat_pipe        1-byte round trip between two processes      (lat_pipe)
 *
 * Method: per metric, calibrate the iteration count so one timed run lasts
 * about --budget-ms, then time --reps runs (LMbench's benchmp rules, see
 * vmmb_repeat); each run is one sample.  lat_pipe runs last at least 1 s.
 *
 * Linkage of the process metrics (lat_fork, lat_exec, lat_sh).  LMbench's
 * lat_proc and the hello it execs are dynamically linked, and a dynamic process
 * costs more to fork, exec and exit than a static one (ld.so maps and relocates
 * libc; more mappings to copy at fork and to tear down at exit).  So this file
 * is built twice: statically as vmmbench-lat (runs anywhere, even in a guest
 * with no shared libraries) and dynamically as vmmbench-lat-dyn (-DVMMB_DYNAMIC).
 * With --linkage auto (the default) vmmbench-lat hands the process metrics to
 * the vmmbench-lat-dyn beside it when that runs here (a dynamic loader and libc
 * are present), else measures them itself.  Each process sample's note says
 * which: "dynamic process", or "static process: <why>".
 */
#include "common.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

static const char USAGE[] =
    "usage: vmmbench-lat [--metrics LIST] [--budget-ms MS] [--reps N] [--tmpdir DIR] [--sh PATH] [--linkage L]\n"
    "  --metrics    comma-separated, default all: lat_syscall,lat_read,lat_write,lat_stat,lat_fstat,\n"
    "               lat_open_close,lat_fork,lat_exec,lat_sh,lat_sig_install,lat_sig_handler,lat_pipe\n"
    "  --budget-ms  target duration of one timed repetition (default 100; 1..600000)\n"
    "  --reps       timed repetitions per metric (default 5; 1..1000)\n"
    "  --tmpdir     directory for the stat/open test file (default $TMPDIR or /tmp)\n"
    "  --sh         shell for lat_sh (default /bin/sh)\n"
    "  --linkage    process metrics from: auto (vmmbench-lat-dyn beside this binary when it runs\n"
    "               here, else this binary; default), static (this binary), dynamic (vmmbench-lat-dyn)\n"
    "  --noop       exit 0 at once (the program lat_exec and lat_sh run)\n"
    "  --dry-run    check the arguments, write the info line, measure nothing\n";

#define SUITE "lmbench"
/* Shortest timed run of lat_pipe: LMbench's SHORT (bench.h), see main. */
#define PIPE_MIN_US 1e6
#define DYN_NAME "vmmbench-lat-dyn"
#ifdef VMMB_DYNAMIC
#define LINKAGE "dynamic"
#else
#define LINKAGE "static"
#endif

static const char *ALL_METRICS[] = {"lat_syscall", "lat_read",        "lat_write",       "lat_stat",
                                    "lat_fstat",   "lat_open_close",  "lat_fork",        "lat_exec",
                                    "lat_sh",      "lat_sig_install", "lat_sig_handler", "lat_pipe"};
#define N_METRICS (sizeof ALL_METRICS / sizeof ALL_METRICS[0])

struct ctx {
  int fd;
  const char *path;
  char self[4096];
  const char *sh;
  char shcmd[4200];
  int p2c[2], c2p[2];
  pid_t child;
};

static volatile sig_atomic_t caught;
static void on_usr1(int sig) {
  (void)sig;
  caught++;
}

/* lat_proc keeps the child's pid in a global; the parent's write after fork is part of its loop. */
static volatile pid_t child_pid;

static int b_syscall(uint64_t n, void *c, char *e, size_t el) {
  (void)c, (void)e, (void)el;
  uint64_t s = 0;
  while (n--) s += (uint64_t)syscall(SYS_getppid);
  vmmb_use(s);
  return 0;
}

static int b_read(uint64_t n, void *vc, char *e, size_t el) {
  struct ctx *c = vc;
  char ch;
  while (n--)
    if (read(c->fd, &ch, 1) != 1) {
      snprintf(e, el, "read(/dev/zero): %s", strerror(errno));
      return -1;
    }
  return 0;
}

static int b_write(uint64_t n, void *vc, char *e, size_t el) {
  struct ctx *c = vc;
  char ch = 0;
  while (n--)
    if (write(c->fd, &ch, 1) != 1) {
      snprintf(e, el, "write(/dev/null): %s", strerror(errno));
      return -1;
    }
  return 0;
}

static int b_stat(uint64_t n, void *vc, char *e, size_t el) {
  struct ctx *c = vc;
  struct stat st;
  while (n--)
    if (stat(c->path, &st) != 0) {
      snprintf(e, el, "stat(%s): %s", c->path, strerror(errno));
      return -1;
    }
  return 0;
}

static int b_fstat(uint64_t n, void *vc, char *e, size_t el) {
  struct ctx *c = vc;
  struct stat st;
  while (n--)
    if (fstat(c->fd, &st) != 0) {
      snprintf(e, el, "fstat: %s", strerror(errno));
      return -1;
    }
  return 0;
}

static int b_open_close(uint64_t n, void *vc, char *e, size_t el) {
  struct ctx *c = vc;
  while (n--) {
    int fd = open(c->path, O_RDONLY);
    if (fd < 0) {
      snprintf(e, el, "open(%s): %s", c->path, strerror(errno));
      return -1;
    }
    close(fd);
  }
  return 0;
}

/* Waits for pid; returns 0 if it exited with `want`, else -1 with a message. */
static int reap(pid_t pid, int want, const char *what, char *e, size_t el) {
  int st;
  pid_t r;
  while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {
  }
  if (r != pid) {
    snprintf(e, el, "waitpid(%s): %s", what, strerror(errno));
    return -1;
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) == want) return 0;
  if (WIFEXITED(st))
    snprintf(e, el, "%s exited with status %d (expected %d)%s", what, WEXITSTATUS(st), want,
             WEXITSTATUS(st) == 127 ? ": exec failed (program not found or not executable)" : "");
  else
    snprintf(e, el, "%s killed by signal %d", what, WTERMSIG(st));
  return -1;
}

/*
 * As lat_proc's do_fork: the child leaves with exit(1), not _exit: LMbench's "fork+exit" includes
 * libc's exit path (stdio cleanup, and in a dynamic process ld.so's destructors), and its writes
 * to copy-on-write pages.  stdout is flushed before every timed run (measure), so exit() in the
 * child writes nothing.
 */
static int b_fork(uint64_t n, void *c, char *e, size_t el) {
  (void)c;
  while (n--) {
    child_pid = fork();
    if (child_pid < 0) {
      snprintf(e, el, "fork: %s", strerror(errno));
      return -1;
    }
    if (child_pid == 0) exit(1);
    if (reap(child_pid, 1, "forked child", e, el)) return -1;
    child_pid = 0;
  }
  return 0;
}

static int b_exec(uint64_t n, void *vc, char *e, size_t el) {
  struct ctx *c = vc;
  char *av[] = {c->self, "--noop", NULL};
  char *envp[] = {NULL};
  while (n--) {
    child_pid = fork();
    if (child_pid < 0) {
      snprintf(e, el, "fork: %s", strerror(errno));
      return -1;
    }
    if (child_pid == 0) {
      close(1);
      execve(c->self, av, envp);
      _exit(127);
    }
    if (reap(child_pid, 0, c->self, e, el)) return -1;
    child_pid = 0;
  }
  return 0;
}

static int b_sh(uint64_t n, void *vc, char *e, size_t el) {
  struct ctx *c = vc;
  while (n--) {
    child_pid = fork();
    if (child_pid < 0) {
      snprintf(e, el, "fork: %s", strerror(errno));
      return -1;
    }
    if (child_pid == 0) {
      close(1);
      execl(c->sh, "sh", "-c", c->shcmd, (char *)NULL);
      _exit(126);
    }
    if (reap(child_pid, 0, c->sh, e, el)) {
      size_t l = strlen(e);
      snprintf(e + l, el - l, " (running: %s -c %s)", c->sh, c->shcmd);
      return -1;
    }
    child_pid = 0;
  }
  return 0;
}

static int b_sig_install(uint64_t n, void *c, char *e, size_t el) {
  (void)c;
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  while (n--)
    if (sigaction(SIGUSR1, &sa, &old) != 0) {
      snprintf(e, el, "sigaction: %s", strerror(errno));
      return -1;
    }
  return 0;
}

static int b_kill0(uint64_t n, void *c, char *e, size_t el) {
  (void)c;
  pid_t me = getpid();
  while (n--)
    if (kill(me, 0) != 0) {
      snprintf(e, el, "kill(self, 0): %s", strerror(errno));
      return -1;
    }
  return 0;
}

static int b_sig_catch(uint64_t n, void *c, char *e, size_t el) {
  (void)c;
  pid_t me = getpid();
  sig_atomic_t before = caught;
  uint64_t k = n;
  while (k--)
    if (kill(me, SIGUSR1) != 0) {
      snprintf(e, el, "kill(self, SIGUSR1): %s", strerror(errno));
      return -1;
    }
  if ((uint64_t)(sig_atomic_t)(caught - before) != (uint64_t)(sig_atomic_t)n) {
    snprintf(e, el, "signal handler ran %ld times for %llu signals", (long)(caught - before),
             (unsigned long long)n);
    return -1;
  }
  return 0;
}

static int b_pipe(uint64_t n, void *vc, char *e, size_t el) {
  struct ctx *c = vc;
  char ch = 'x';
  errno = 0;
  while (n--) {
    if (write(c->p2c[1], &ch, 1) != 1 || read(c->c2p[0], &ch, 1) != 1) {
      snprintf(e, el, "pipe round trip: %s", errno ? strerror(errno) : "child went away");
      return -1;
    }
  }
  return 0;
}

static int start_pipe_child(struct ctx *c, char *e, size_t el) {
  if (pipe(c->p2c) || pipe(c->c2p)) {
    snprintf(e, el, "pipe: %s", strerror(errno));
    return -1;
  }
  c->child = fork();
  if (c->child < 0) {
    snprintf(e, el, "fork: %s", strerror(errno));
    return -1;
  }
  if (c->child == 0) {
    char ch;
    close(c->p2c[1]);
    close(c->c2p[0]);
    while (read(c->p2c[0], &ch, 1) == 1)
      if (write(c->c2p[1], &ch, 1) != 1) break;
    _exit(0);
  }
  close(c->p2c[0]);
  close(c->c2p[1]);
  return 0;
}

static void stop_pipe_child(struct ctx *c) {
  close(c->p2c[1]);
  close(c->c2p[0]);
  if (c->child > 0) {
    int st;
    waitpid(c->child, &st, 0);
  }
  c->child = 0;
}

/* Calibrates and times `reps` runs of body; emits one sample per run, with `note` (may be NULL). */
static void measure(const char *metric, vmmb_body body, void *ctx, double budget_us, int reps, const char *note) {
  char err[1200] = "";
  fflush(stdout); /* a forked child that calls exit() must not write our buffered output again */
  uint64_t n = vmmb_calibrate(body, ctx, budget_us, err, sizeof err);
  if (n == 0) {
    vmmb_error(SUITE, metric, "{}", "%s", err);
    return;
  }
  double t[1000];
  uint64_t ns[1000];
  int got = vmmb_repeat(body, ctx, budget_us, n, reps, t, ns, err, sizeof err);
  for (int r = 0; r < got; r++) vmmb_sample(SUITE, metric, "us", t[r] / (double)ns[r], "{}", r, ns[r], note);
  vmmb_meter_flush(metric, "{}", 1, "op", 1);
  if (got < reps) vmmb_error(SUITE, metric, "{}", "repetition %d: %s", got, err);
}

/* lat_sig_handler: like LMbench's "catch", the cost of kill(self, 0) is subtracted. */
static void measure_sig_handler(double budget_us, int reps) {
  const char *metric = "lat_sig_handler";
  char err[1200] = "";
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGUSR1, &sa, NULL) != 0) {
    vmmb_error(SUITE, metric, "{}", "sigaction: %s", strerror(errno));
    return;
  }
  uint64_t n = vmmb_calibrate(b_sig_catch, NULL, budget_us, err, sizeof err);
  uint64_t n0 = n ? vmmb_calibrate(b_kill0, NULL, budget_us / 4, err, sizeof err) : 0;
  if (n == 0 || n0 == 0) {
    vmmb_error(SUITE, metric, "{}", "%s", err);
    return;
  }
  /* The kill(self, 0) overhead: median of several runs, so one preempted run cannot skew it. */
  int no = reps < 5 ? 5 : reps > 11 ? 11 : reps;
  double ovh[11];
  for (int i = 0; i < no; i++) {
    double t0 = vmmb_time(b_kill0, n0, NULL, err, sizeof err);
    if (t0 < 0) {
      vmmb_error(SUITE, metric, "{}", "overhead run: %s", err);
      return;
    }
    ovh[i] = t0 / (double)n0;
  }
  for (int i = 1; i < no; i++) /* insertion sort */
    for (int j = i; j > 0 && ovh[j] < ovh[j - 1]; j--) {
      double x = ovh[j];
      ovh[j] = ovh[j - 1];
      ovh[j - 1] = x;
    }
  double overhead = ovh[no / 2];
  fprintf(stderr, "vmmbench-lat: lat_sig_handler: kill(self, 0) overhead %.4f us subtracted\n", overhead);
  double t[1000];
  uint64_t ns[1000];
  int got = vmmb_repeat(b_sig_catch, NULL, budget_us, n, reps, t, ns, err, sizeof err);
  for (int r = 0; r < got; r++) {
    double v = t[r] / (double)ns[r] - overhead;
    if (v <= 0) {
      vmmb_error(SUITE, metric, "{}",
                 "repetition %d: caught-signal time %.4f us is not above the kill(self,0) overhead %.4f us", r,
                 t[r] / (double)ns[r], overhead);
      continue;
    }
    vmmb_sample(SUITE, metric, "us", v, "{}", r, ns[r], NULL);
  }
  vmmb_meter_flush(metric, "{}", 1, "op", 1);
  if (got < reps) vmmb_error(SUITE, metric, "{}", "repetition %d: %s", got, err);
  signal(SIGUSR1, SIG_DFL);
}

static int find_self(struct ctx *c, const char *argv0) {
  ssize_t l = readlink("/proc/self/exe", c->self, sizeof c->self - 1);
  if (l > 0) {
    c->self[l] = 0;
    return 0;
  }
  if (strchr(argv0, '/') && realpath(argv0, c->self)) return 0;
  c->self[0] = 0;
  return -1;
}

static int is_process_metric(const char *m) {
  return !strcmp(m, "lat_fork") || !strcmp(m, "lat_exec") || !strcmp(m, "lat_sh");
}

#ifndef VMMB_DYNAMIC
/*
 * Whether the dynamic build at `dyn` runs here: `dyn --noop` must exit 0.  An execve that fails
 * with ENOENT on a file that exists means its ELF interpreter, the dynamic loader, is missing (a
 * busybox guest); a loader that cannot find libc says so on stderr and exits 127.  On failure,
 * `why` gets the reason for the samples' note.
 */
static int dyn_runs(const char *dyn, char *why, size_t len) {
  if (access(dyn, X_OK) != 0) {
    snprintf(why, len, "no " DYN_NAME " beside this probe");
    return 0;
  }
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    snprintf(why, len, "pipe: %s", strerror(errno));
    return 0;
  }
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    char *av[] = {(char *)dyn, "--noop", NULL};
    close(p[0]);
    execv(dyn, av);
    int e = errno; /* execve's reason, through the pipe that a successful exec closes */
    ssize_t w = write(p[1], &e, sizeof e);
    (void)w;
    _exit(127);
  }
  close(p[1]);
  if (pid < 0) {
    close(p[0]);
    snprintf(why, len, "fork: %s", strerror(errno));
    return 0;
  }
  int e = 0, st = 0;
  ssize_t got = read(p[0], &e, sizeof e);
  close(p[0]);
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (got == (ssize_t)sizeof e) {
    if (e == ENOENT)
      snprintf(why, len, "no dynamic loader");
    else
      snprintf(why, len, DYN_NAME " cannot be executed: %s", strerror(e));
    return 0;
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return 1;
  if (WIFEXITED(st))
    snprintf(why, len, DYN_NAME " --noop exits %d (a missing shared library?)", WEXITSTATUS(st));
  else
    snprintf(why, len, DYN_NAME " --noop killed by signal %d", WTERMSIG(st));
  return 0;
}

/*
 * Runs the wanted process metrics in the dynamic build; its info line, samples and error lines go
 * straight to our stdout, in the place the metrics have in ALL_METRICS.  Returns 1 when it
 * measured something (it exits 0), 0 otherwise (error lines written, by it or here).
 */
static int run_dyn(const char *dyn, const int *want, double budget_ms, int reps, const char *sh) {
  char list[64] = "", budget[32], nreps[16];
  for (size_t m = 0; m < N_METRICS; m++) {
    if (!want[m] || !is_process_metric(ALL_METRICS[m])) continue;
    if (*list) strcat(list, ",");
    strcat(list, ALL_METRICS[m]);
  }
  snprintf(budget, sizeof budget, "%.17g", budget_ms);
  snprintf(nreps, sizeof nreps, "%d", reps);
  char *av[] = {(char *)dyn, "--metrics", list, "--budget-ms", budget, "--reps", nreps, "--sh", (char *)sh, (char *)vmmb_meter_arg(), NULL};
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    execv(dyn, av);
    fprintf(stderr, "vmmbench-lat: exec %s: %s\n", dyn, strerror(errno));
    _exit(127);
  }
  int st = 0;
  if (pid > 0)
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
  if (pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) return 1;
  if (pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 1) return 0; /* nothing measured: its error lines say why */
  for (size_t m = 0; m < N_METRICS; m++) {
    if (!want[m] || !is_process_metric(ALL_METRICS[m])) continue;
    if (pid < 0)
      vmmb_error(SUITE, ALL_METRICS[m], "{}", "fork for %s: %s", DYN_NAME, strerror(errno));
    else if (WIFEXITED(st))
      vmmb_error(SUITE, ALL_METRICS[m], "{}", "%s exited with status %d", DYN_NAME, WEXITSTATUS(st));
    else
      vmmb_error(SUITE, ALL_METRICS[m], "{}", "%s killed by signal %d", DYN_NAME, WTERMSIG(st));
  }
  return 0;
}
#endif

int main(int argc, char **argv) {
  /* Fast path first: this is what lat_exec and lat_sh execute. */
  if (argc == 2 && strcmp(argv[1], "--noop") == 0) return 0;

  vmmb_probe = "vmmbench-lat";
  vmmb_usage = USAGE;
  double budget_ms = 100;
  int reps = 5;
  const char *tmpdir = getenv("TMPDIR");
  if (!tmpdir || !*tmpdir) tmpdir = "/tmp";
  const char *sh = "/bin/sh";
  const char *linkage = "auto";
  char *metric_list = NULL;

  for (int i = 1; i < argc; i++) {
    const char *v;
    if (vmmb_common_flag(argv[i])) {
      continue;
    } else if (vmmb_flag(argv[i], "--noop")) {
      return 0;
    } else if (vmmb_opt(argc, argv, &i, "--metrics", &v)) {
      metric_list = strdup(v);
    } else if (vmmb_opt(argc, argv, &i, "--budget-ms", &v)) {
      budget_ms = vmmb_parse_double("--budget-ms", v, 1, 600000);
    } else if (vmmb_opt(argc, argv, &i, "--reps", &v)) {
      reps = (int)vmmb_parse_int("--reps", v, 1, 1000);
    } else if (vmmb_opt(argc, argv, &i, "--tmpdir", &v)) {
      tmpdir = v;
    } else if (vmmb_opt(argc, argv, &i, "--sh", &v)) {
      sh = v;
    } else if (vmmb_opt(argc, argv, &i, "--linkage", &v)) {
      if (strcmp(v, "auto") && strcmp(v, "static") && strcmp(v, "dynamic"))
        vmmb_usage_fail("--linkage: '%s' is not a linkage (accepted: auto, static, dynamic)", v);
      linkage = v;
    } else {
      vmmb_usage_fail("unknown argument '%s' (accepted: --dry-run, --metrics, --budget-ms, --reps, --tmpdir, --sh, "
                      "--linkage, --meters=rep|cell|off, --noop, --help)",
                      argv[i]);
    }
  }
#ifdef VMMB_DYNAMIC
  if (!strcmp(linkage, "static"))
    vmmb_usage_fail("--linkage static: this is the dynamic build (" DYN_NAME "); run vmmbench-lat for static processes");
#endif

  int want[N_METRICS];
  memset(want, 0, sizeof want);
  if (metric_list) {
    char *items[64];
    int k = vmmb_split("--metrics", metric_list, items, 64);
    for (int j = 0; j < k; j++) {
      size_t m;
      for (m = 0; m < N_METRICS; m++)
        if (strcmp(items[j], ALL_METRICS[m]) == 0) break;
      if (m == N_METRICS)
        vmmb_usage_fail("--metrics: unknown metric '%s' (accepted: lat_syscall, lat_read, lat_write, lat_stat, "
                        "lat_fstat, lat_open_close, lat_fork, lat_exec, lat_sh, lat_sig_install, "
                        "lat_sig_handler, lat_pipe)",
                        items[j]);
      want[m] = 1;
    }
  } else {
    for (size_t m = 0; m < N_METRICS; m++) want[m] = 1;
  }

  signal(SIGPIPE, SIG_IGN);
  struct ctx c;
  memset(&c, 0, sizeof c);
  c.sh = sh;
  int have_self = find_self(&c, argv[0]) == 0;
  if (have_self) {
    /* Single-quote the path for the shell. */
    char *o = c.shcmd;
    size_t left = sizeof c.shcmd - 16;
    *o++ = '\'';
    for (const char *p = c.self; *p && left > 4; p++) {
      if (*p == '\'') {
        memcpy(o, "'\\''", 4);
        o += 4;
        left -= 4;
      } else {
        *o++ = *p;
        left--;
      }
    }
    strcpy(o, "' --noop");
  }

  double clk_ns, res_ns;
  char clksrc[64];
  vmmb_clock_info(&clk_ns, &res_ns);
  vmmb_clocksource(clksrc, sizeof clksrc);
  printf("{\"type\":\"info\",\"probe\":\"vmmbench-lat\",\"version\":\"" VMMB_VERSION
         "\",\"budget_ms\":%g,\"reps\":%d,\"clock\":\"CLOCK_MONOTONIC\",\"clock_res_ns\":%g,"
         "\"clock_read_ns\":%.1f,\"linkage\":\"" LINKAGE "\",\"clocksource\":",
         budget_ms, reps, res_ns, clk_ns);
  vmmb_json_str(stdout, clksrc);
  printf(",\"pid\":%d", (int)getpid());
  vmmb_meter_info(stdout);
  printf("}\n");
  fflush(stdout);
  if (vmmb_dry_run) return 0;

  /* Where the process metrics run, and the note their samples carry. */
  char proc_note[192] = "dynamic process";
#ifndef VMMB_DYNAMIC
  char dyn[sizeof c.self + sizeof DYN_NAME];
  int delegate = 0, delegated = 0, want_proc = 0;
  for (size_t m = 0; m < N_METRICS; m++) want_proc |= want[m] && is_process_metric(ALL_METRICS[m]);
  if (want_proc) {
    char why[160] = "";
    char *slash = have_self ? strrchr(c.self, '/') : NULL;
    if (!strcmp(linkage, "static")) {
      snprintf(why, sizeof why, "asked for (--linkage static)");
    } else if (!slash) {
      snprintf(why, sizeof why, "cannot locate " DYN_NAME " (this program's path is unknown)");
    } else {
      snprintf(dyn, sizeof dyn, "%.*s/" DYN_NAME, (int)(slash - c.self), c.self);
      delegate = dyn_runs(dyn, why, sizeof why);
    }
    if (!delegate) {
      snprintf(proc_note, sizeof proc_note, "static process: %s", why);
      fprintf(stderr, "vmmbench-lat: process metrics from the static build: %s\n", why);
    }
    if (!delegate && !strcmp(linkage, "dynamic")) {
      for (size_t m = 0; m < N_METRICS; m++) {
        if (!want[m] || !is_process_metric(ALL_METRICS[m])) continue;
        vmmb_error(SUITE, ALL_METRICS[m], "{}", "--linkage dynamic: %s", why);
        want[m] = 0;
      }
    }
  }
#endif

  double budget_us = budget_ms * 1000.0;
  char path[4096];
  snprintf(path, sizeof path, "%s/vmmbench-lat.%d", tmpdir, (int)getpid());
  c.path = path;

  for (size_t m = 0; m < N_METRICS; m++) {
    if (!want[m]) continue;
    const char *metric = ALL_METRICS[m];
#ifndef VMMB_DYNAMIC
    if (delegate && is_process_metric(metric)) {
      /* All of them at once, in the dynamic build; its exit status 0 counts as measured here. */
      if (!delegated && run_dyn(dyn, want, budget_ms, reps, sh)) vmmb_samples_ok++;
      delegated = 1;
      continue;
    }
#endif
    if (!strcmp(metric, "lat_syscall")) {
      measure(metric, b_syscall, &c, budget_us, reps, NULL);
    } else if (!strcmp(metric, "lat_read") || !strcmp(metric, "lat_write")) {
      int rd = !strcmp(metric, "lat_read");
      const char *dev = rd ? "/dev/zero" : "/dev/null";
      c.fd = open(dev, rd ? O_RDONLY : O_WRONLY);
      if (c.fd < 0) {
        vmmb_error(SUITE, metric, "{}", "open(%s): %s", dev, strerror(errno));
        continue;
      }
      measure(metric, rd ? b_read : b_write, &c, budget_us, reps, NULL);
      close(c.fd);
    } else if (!strcmp(metric, "lat_stat") || !strcmp(metric, "lat_fstat") || !strcmp(metric, "lat_open_close")) {
      c.fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
      if (c.fd < 0) {
        vmmb_error(SUITE, metric, "{}", "cannot create test file %s: %s (set --tmpdir to a writable directory)",
                   path, strerror(errno));
        continue;
      }
      if (write(c.fd, "vmmbench\n", 9) != 9) { /* a non-empty regular file, like LMbench's */
      }
      vmmb_body b = !strcmp(metric, "lat_stat") ? b_stat : !strcmp(metric, "lat_fstat") ? b_fstat : b_open_close;
      measure(metric, b, &c, budget_us, reps, NULL);
      close(c.fd);
      unlink(path);
    } else if (!strcmp(metric, "lat_fork")) {
      measure(metric, b_fork, &c, budget_us, reps, proc_note);
    } else if (!strcmp(metric, "lat_exec") || !strcmp(metric, "lat_sh")) {
      int is_sh = !strcmp(metric, "lat_sh");
      if (!have_self) {
        vmmb_error(SUITE, metric, "{}", "cannot find this program's path (/proc/self/exe unreadable and argv[0] '%s' "
                   "has no '/'); mount /proc or call the probe by path", argv[0]);
        continue;
      }
      if (is_sh && access(sh, X_OK) != 0) {
        vmmb_error(SUITE, metric, "{}", "shell %s is not executable: %s", sh, strerror(errno));
        continue;
      }
      measure(metric, is_sh ? b_sh : b_exec, &c, budget_us, reps, proc_note);
    } else if (!strcmp(metric, "lat_sig_install")) {
      measure(metric, b_sig_install, &c, budget_us, reps, NULL);
      signal(SIGUSR1, SIG_DFL);
    } else if (!strcmp(metric, "lat_sig_handler")) {
      measure_sig_handler(budget_us, reps);
    } else if (!strcmp(metric, "lat_pipe")) {
      char err[512];
      if (start_pipe_child(&c, err, sizeof err)) {
        vmmb_error(SUITE, metric, "{}", "%s", err);
        continue;
      }
      /* lat_pipe asks benchmp for SHORT (1 s) runs, whatever ENOUGH says: one run averages over
         the moments the other process's CPU sleeps and wakes. */
      measure(metric, b_pipe, &c, budget_us > PIPE_MIN_US ? budget_us : PIPE_MIN_US, reps, NULL);
      stop_pipe_child(&c);
    }
  }
  return vmmb_exit_status();
}
