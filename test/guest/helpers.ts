/** Shared by the guest and QEMU tests: a tiny static test probe, compiled once per test file. */

import {mkdtempSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {execa} from "execa";

/**
 * `guestprobe MODE ARGS…`:
 *   args A B…   prints {"args":[…]} (JSON-escaped) and "stderr-line" on stderr
 *   exit N      exits with N
 *   sleep S     prints "sleeping", then sleeps S seconds (forks a child that sleeps too)
 *   signal N    kills itself with signal N
 *   panic       crashes the guest kernel through /proc/sysrq-trigger
 *   env NAME    prints the variable
 *   disk        prints cwd, then the filesystem type of /scratch from /proc/mounts, writes 1 MiB to ./f
 */
const SOURCE = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <fcntl.h>
static void js(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}
int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "args";
  if (!strcmp(mode, "args")) {
    printf("{\"args\":[");
    for (int i = 2; i < argc; i++) { if (i > 2) putchar(','); js(argv[i]); }
    printf("]}\n");
    fprintf(stderr, "stderr-line\n");
    return 0;
  }
  if (!strcmp(mode, "exit")) return atoi(argv[2]);
  if (!strcmp(mode, "sleep")) {
    printf("sleeping\n"); fflush(stdout);
    if (fork() == 0) { sleep(atoi(argv[2])); return 0; }
    sleep(atoi(argv[2]));
    return 0;
  }
  if (!strcmp(mode, "signal")) { fflush(stdout); kill(getpid(), atoi(argv[2])); return 99; }
  if (!strcmp(mode, "panic")) {
    printf("about to panic\n"); fflush(stdout);
    int fd = open("/proc/sysrq-trigger", O_WRONLY);
    if (fd < 0) { perror("sysrq-trigger"); return 2; }
    write(fd, "c", 1);
    return 3;
  }
  if (!strcmp(mode, "env")) { const char *v = getenv(argv[2]); printf("%s\n", v ? v : "(unset)"); return 0; }
  if (!strcmp(mode, "disk")) {
    char cwd[512]; if (!getcwd(cwd, sizeof cwd)) return 4;
    printf("cwd=%s\n", cwd);
    FILE *m = fopen("/proc/mounts", "r"); char line[512];
    while (m && fgets(line, sizeof line, m)) if (strstr(line, " /scratch ")) printf("mount=%s", line);
    int fd = open("f", O_WRONLY | O_CREAT | O_TRUNC, 0644); static char buf[1 << 20];
    if (fd < 0 || write(fd, buf, sizeof buf) != sizeof buf || fsync(fd) != 0) { perror("write"); return 5; }
    printf("wrote=1048576\n");
    return 0;
  }
  fprintf(stderr, "unknown mode %s\n", mode);
  return 64;
}
`;

export async function buildGuestProbe(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "vmmbench-guestprobe-"));
  writeFileSync(join(dir, "guestprobe.c"), SOURCE);
  const out = join(dir, "guestprobe");
  // Relative names and cwd: no temporary path ends up in the binary, so the image hash is stable.
  await execa("gcc", ["-O1", "-static", "-s", "-o", "guestprobe", "guestprobe.c"], {cwd: dir});
  return out;
}
