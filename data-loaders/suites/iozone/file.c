/*
 * vmmbench-file - IOzone-like sequential file bandwidth (paper Figs. 3 and 4).
 *
 * For each file size × record size cell, in the order IOzone's tests 0 and 1 run:
 *   file_write    create a new file and write it record by record
 *   file_rewrite  write the existing file again
 *   file_read     read it record by record
 *   file_reread   read it again
 * Timing excludes open and close, like IOzone's defaults; --fsync includes an
 * fsync(2) in the write and rewrite times (IOzone -e); --direct opens with
 * O_DIRECT (IOzone -I).  Bandwidth in decimal MB/s (IOzone prints KiB/s).
 * Params: {"file_kb","record_kb","fsync","direct"}.
 */
#include "common.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>

static const char USAGE[] =
    "usage: vmmbench-file [--dir DIR] [--file-kb LIST] [--record-kb LIST] [--metrics LIST] [--reps N] [--fsync] [--direct]\n"
    "  --dir        directory to write the test file in (default $TMPDIR or /tmp)\n"
    "  --file-kb    file sizes in KiB (default 4096,65536; 4..1073741824)\n"
    "  --record-kb  record sizes in KiB (default 4,64,1024; 1..1048576); records larger than the file are skipped\n"
    "  --metrics    comma-separated, default all: file_write,file_rewrite,file_read,file_reread\n"
    "  --reps       passes over each cell (default 1, as IOzone; 1..100)\n"
    "  --fsync      include fsync in the write/rewrite time (IOzone -e)\n"
    "  --direct     O_DIRECT (IOzone -I); record sizes must be multiples of 4 KiB\n"
    "  --dry-run    check the arguments, write the info line, measure nothing\n";

#define SUITE "iozone"

static char g_path[4096];
static volatile sig_atomic_t g_have_file;

static void on_term(int sig) {
  if (g_have_file) unlink(g_path);
  signal(sig, SIG_DFL);
  raise(sig);
}

static long long mem_total_kb(void) {
  FILE *f = fopen("/proc/meminfo", "r");
  long long kb = -1;
  if (f) {
    char line[256];
    while (fgets(line, sizeof line, f))
      if (sscanf(line, "MemTotal: %lld kB", &kb) == 1) break;
    fclose(f);
  }
  if (kb <= 0) {
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    if (pages > 0 && psz > 0) kb = (long long)pages * psz / 1024;
  }
  return kb;
}

struct opts {
  int fsync_;
  int direct;
  int reps;
  int want[4];
};

static const char *METRICS[4] = {"file_write", "file_rewrite", "file_read", "file_reread"};

/* Returns 0, or -1 with a message; *enospc set when the device filled. */
static int do_write(int rewrite, long long file_kb, long long rec_kb, const struct opts *o, char *buf, double *us,
                    char *e, size_t el, int *enospc) {
  int flags = O_WRONLY | (rewrite ? 0 : O_CREAT | O_TRUNC) | (o->direct ? O_DIRECT : 0);
  if (!rewrite) unlink(g_path);
  int fd = open(g_path, flags, 0644);
  if (fd < 0) {
    if (o->direct && errno == EINVAL)
      snprintf(e, el, "the file system under %s refuses O_DIRECT (open: %s); run without --direct or use another --dir",
               g_path, strerror(errno));
    else
      snprintf(e, el, "open(%s): %s", g_path, strerror(errno));
    return -1;
  }
  g_have_file = 1;
  size_t rec = (size_t)rec_kb * 1024;
  long long nrec = file_kb / rec_kb;
  double t0 = vmmb_now_us();
  for (long long i = 0; i < nrec; i++) {
    size_t done = 0;
    while (done < rec) {
      ssize_t w = write(fd, buf + done, rec - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        int err = w < 0 ? errno : ENOSPC;
        long long written_kb = (i * (long long)rec + (long long)done) / 1024;
        if (err == ENOSPC || err == EDQUOT) {
          *enospc = 1;
          snprintf(e, el,
                   "no space left on the device holding %s after %lld of %lld KiB (%s); use a smaller --file-kb or a "
                   "bigger --dir",
                   g_path, written_kb, file_kb, strerror(err));
        } else if (o->direct && err == EINVAL) {
          snprintf(e, el, "O_DIRECT write refused (%s): the file system or the record size (%lld KiB) does not suit "
                   "direct I/O", strerror(err), rec_kb);
        } else {
          snprintf(e, el, "write(%s) after %lld KiB: %s", g_path, written_kb, strerror(err));
        }
        close(fd);
        return -1;
      }
      done += (size_t)w;
    }
  }
  if (o->fsync_ && fsync(fd) != 0) {
    int err = errno;
    if (err == ENOSPC || err == EDQUOT) *enospc = 1;
    snprintf(e, el, "fsync(%s): %s", g_path, strerror(err));
    close(fd);
    return -1;
  }
  *us = vmmb_now_us() - t0;
  if (close(fd) != 0) {
    int err = errno;
    if (err == ENOSPC || err == EDQUOT) *enospc = 1;
    snprintf(e, el, "close(%s): %s", g_path, strerror(err));
    return -1;
  }
  return 0;
}

static int do_read(long long file_kb, long long rec_kb, const struct opts *o, char *buf, double *us, char *e,
                   size_t el) {
  int fd = open(g_path, O_RDONLY | (o->direct ? O_DIRECT : 0));
  if (fd < 0) {
    snprintf(e, el, "open(%s): %s", g_path, strerror(errno));
    return -1;
  }
  size_t rec = (size_t)rec_kb * 1024;
  long long total = 0, want = file_kb * 1024;
  uint64_t s = 0;
  double t0 = vmmb_now_us();
  while (total < want) {
    ssize_t r = read(fd, buf, rec);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      snprintf(e, el, "read(%s) after %lld of %lld bytes: %s", g_path, total, want, r < 0 ? strerror(errno) : "early end of file");
      close(fd);
      return -1;
    }
    s += (unsigned char)buf[0];
    total += r;
  }
  *us = vmmb_now_us() - t0;
  vmmb_use(s);
  close(fd);
  return 0;
}

static void run_cell(long long file_kb, long long rec_kb, const struct opts *o, long long memkb) {
  char params[192], err[1024] = "";
  snprintf(params, sizeof params, "{\"file_kb\":%lld,\"record_kb\":%lld,\"fsync\":%s,\"direct\":%s}", file_kb, rec_kb,
           o->fsync_ ? "true" : "false", o->direct ? "true" : "false");
  if (o->direct && (rec_kb % 4) != 0) {
    for (int m = 0; m < 4; m++)
      if (o->want[m])
        vmmb_error(SUITE, METRICS[m], params, "--direct needs record sizes that are multiples of 4 KiB, got %lld KiB",
                   rec_kb);
    return;
  }
  size_t rec = (size_t)rec_kb * 1024;
  void *vbuf = NULL;
  if (posix_memalign(&vbuf, 4096, rec) != 0) {
    vmmb_error(SUITE, "file_write", params, "cannot allocate a %lld KiB record buffer", rec_kb);
    return;
  }
  char *buf = vbuf;
  for (size_t i = 0; i < rec; i++) buf[i] = (char)('a' + i % 23); /* not zeros: no compression or dedup shortcuts */

  char note_cache[256] = "", note_read[256] = "";
  if (!o->direct && memkb > 0 && file_kb < memkb) {
    snprintf(note_read, sizeof note_read,
             "file (%lld KiB) smaller than RAM (%lld KiB): reads come from the page cache; IOzone advises files larger "
             "than physical memory",
             file_kb, memkb);
    if (!o->fsync_)
      snprintf(note_cache, sizeof note_cache,
               "file (%lld KiB) smaller than RAM (%lld KiB): writes land in the page cache (no --fsync)", file_kb, memkb);
  }

  for (int rep = 0; rep < o->reps; rep++) {
    double us;
    int enospc = 0;
    /* write (always needed to create the file), rewrite, read, reread */
    for (int m = 0; m < 4; m++) {
      int ok;
      if (m > 0 && !o->want[m]) continue; /* the write is always needed: it creates the file */
      /* One span per test (open and close inside it, outside the timed interval), per MB of the file. */
      vmmb_span_begin();
      if (m < 2)
        ok = do_write(m == 1, file_kb, rec_kb, o, buf, &us, err, sizeof err, &enospc) == 0;
      else
        ok = do_read(file_kb, rec_kb, o, buf, &us, err, sizeof err) == 0;
      vmmb_span_end(ok && o->want[m] ? rep : -1, (double)file_kb * 1024.0 / 1e6);
      vmmb_meter_flush(METRICS[m], params, 1, "MB", 1);
      if (!ok) {
        if (o->want[m] || m == 0) vmmb_error(SUITE, METRICS[m], params, "%s", err);
        break; /* later tests need this one's file */
      }
      if (!o->want[m]) continue;
      double mbs = us > 0 ? (double)file_kb * 1024.0 / us : NAN;
      vmmb_sample(SUITE, METRICS[m], "MB/s", mbs, params, rep, (uint64_t)(file_kb / rec_kb),
                  m < 2 ? note_cache : note_read);
    }
    unlink(g_path);
    g_have_file = 0;
    if (enospc) break;
  }
  free(vbuf);
}

int main(int argc, char **argv) {
  vmmb_probe = "vmmbench-file";
  vmmb_usage = USAGE;
  const char *dir = getenv("TMPDIR");
  if (!dir || !*dir) dir = "/tmp";
  long long files[64] = {4096, 65536}, recs[64] = {4, 64, 1024};
  int nfiles = 2, nrecs = 3;
  struct opts o = {0, 0, 1, {1, 1, 1, 1}};

  for (int i = 1; i < argc; i++) {
    const char *v;
    if (vmmb_common_flag(argv[i])) {
      continue;
    } else if (vmmb_flag(argv[i], "--fsync")) {
      o.fsync_ = 1;
    } else if (vmmb_flag(argv[i], "--direct")) {
      o.direct = 1;
    } else if (vmmb_opt(argc, argv, &i, "--dir", &v)) {
      dir = v;
    } else if (vmmb_opt(argc, argv, &i, "--file-kb", &v)) {
      char *s = strdup(v), *items[64];
      nfiles = vmmb_split("--file-kb", s, items, 64);
      for (int j = 0; j < nfiles; j++) files[j] = vmmb_parse_int("--file-kb", items[j], 4, 1073741824LL);
    } else if (vmmb_opt(argc, argv, &i, "--record-kb", &v)) {
      char *s = strdup(v), *items[64];
      nrecs = vmmb_split("--record-kb", s, items, 64);
      for (int j = 0; j < nrecs; j++) recs[j] = vmmb_parse_int("--record-kb", items[j], 1, 1048576);
    } else if (vmmb_opt(argc, argv, &i, "--metrics", &v)) {
      char *s = strdup(v), *items[16];
      int k = vmmb_split("--metrics", s, items, 16);
      memset(o.want, 0, sizeof o.want);
      for (int j = 0; j < k; j++) {
        int m;
        for (m = 0; m < 4; m++)
          if (!strcmp(items[j], METRICS[m])) break;
        if (m == 4)
          vmmb_usage_fail("--metrics: unknown metric '%s' (accepted: file_write, file_rewrite, file_read, file_reread)",
                          items[j]);
        o.want[m] = 1;
      }
    } else if (vmmb_opt(argc, argv, &i, "--reps", &v)) {
      o.reps = (int)vmmb_parse_int("--reps", v, 1, 100);
    } else {
      vmmb_usage_fail("unknown argument '%s' (accepted: --dry-run, --dir, --file-kb, --record-kb, --metrics, --reps, --fsync, "
                      "--direct, --meters=rep|cell|off, --help)",
                      argv[i]);
    }
  }

  signal(SIGTERM, on_term);
  signal(SIGINT, on_term);
  signal(SIGHUP, on_term);
  long long memkb = mem_total_kb();
  snprintf(g_path, sizeof g_path, "%s/vmmbench-file.%d.tmp", dir, (int)getpid());

  printf("{\"type\":\"info\",\"probe\":\"vmmbench-file\",\"version\":\"" VMMB_VERSION "\",\"dir\":");
  vmmb_json_str(stdout, dir);
  printf(",\"mem_total_kb\":%lld,\"fsync\":%s,\"direct\":%s,\"reps\":%d,\"mb\":\"1e6 bytes\"", memkb,
         o.fsync_ ? "true" : "false", o.direct ? "true" : "false", o.reps);
  vmmb_meter_info(stdout);
  printf("}\n");
  fflush(stdout);
  if (vmmb_dry_run) return 0;

  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK) != 0) {
    vmmb_error(SUITE, "file_write", "{}", "--dir %s is not a writable directory: %s", dir,
               errno ? strerror(errno) : "not a directory");
    return 1;
  }

  for (int f = 0; f < nfiles; f++)
    for (int r = 0; r < nrecs; r++) {
      if (recs[r] > files[f]) continue; /* as IOzone: no record larger than the file */
      if (files[f] % recs[r]) {
        fprintf(stderr, "vmmbench-file: skipping %lld KiB file with %lld KiB records (not a multiple)\n", files[f], recs[r]);
        continue;
      }
      run_cell(files[f], recs[r], &o, memkb);
    }
  return vmmb_exit_status();
}
