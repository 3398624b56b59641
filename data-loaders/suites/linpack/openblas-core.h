/*
 * openblas-core.h - which OpenBLAS kernel set a CPU should run, and how fast it could at best.
 *
 * OpenBLAS built with DYNAMIC_ARCH picks its kernels from CPUID when it loads, and falls back to its
 * slowest set (Prescott, SSE3) for a CPU model it does not know — a recent Xeon in a cloud VM, or an
 * emulated CPU — so a LINPACK figure may measure a fifth of the machine. The CPU's flags as the
 * kernel reports them (/proc/cpuinfo: what the CPU has and the OS enabled) say which kernels would
 * run; OPENBLAS_CORETYPE, read when the library loads, makes OpenBLAS use them.
 *
 * Peak: double-precision FLOPs per cycle per core for the kernel set's ISA on the CPU that runs it,
 * assuming two vector units of the ISA's width (FMA where the ISA has it), times the clock: AVX-512
 * FMA 32, AVX2 FMA 16, AVX 8 (256-bit add + multiply), SSE 4 (128-bit add + multiply — whatever the
 * set's name, an SSE kernel on today's core issues two 2-wide operations a cycle). CPUs with one
 * AVX-512 unit reach half; the clock is what the system reports (cpu_facts_read), so turbo and AVX
 * frequency offsets are not in it.
 */
#ifndef VMMBENCH_OPENBLAS_CORE_H
#define VMMBENCH_OPENBLAS_CORE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct core_info {
  const char *name;
  int rank;             /* higher runs wider vectors */
  int flops_per_cycle;  /* double precision, per core */
};

/* OpenBLAS x86_64 kernel sets by ISA; names as OPENBLAS_CORETYPE and openblas_get_corename() spell them. */
static const struct core_info CORES[] = {
    {"Prescott", 1, 4},    {"Katmai", 1, 4},     {"Coppermine", 1, 4},  {"Northwood", 1, 4},   {"Banias", 1, 4},
    {"Opteron", 1, 4},     {"Core2", 2, 4},      {"Penryn", 2, 4},      {"Dunnington", 2, 4},  {"Atom", 2, 4},
    {"Barcelona", 2, 4},   {"Nano", 2, 4},       {"Nehalem", 3, 4},     {"Bobcat", 3, 4},      {"SandyBridge", 4, 8},
    {"Bulldozer", 4, 8},   {"Piledriver", 4, 8}, {"Steamroller", 4, 8}, {"Excavator", 4, 8},   {"Haswell", 5, 16},
    {"Zen", 5, 16},        {"SkylakeX", 6, 32},  {"Cooperlake", 7, 32}, {"SapphireRapids", 8, 32},
};

static const struct core_info *core_named(const char *name) {
  for (size_t i = 0; i < sizeof CORES / sizeof CORES[0]; i++)
    if (name && strcasecmp(CORES[i].name, name) == 0) return &CORES[i];
  return NULL;
}

/* Is `flag` one of the space-separated words of `flags`? */
static int has_flag(const char *flags, const char *flag) {
  size_t len = strlen(flag);
  for (const char *p = flags; (p = strstr(p, flag)) != NULL; p += len) {
    int starts = p == flags || p[-1] == ' ' || p[-1] == '\t';
    int ends = p[len] == 0 || p[len] == ' ' || p[len] == '\n' || p[len] == '\t';
    if (starts && ends) return 1;
  }
  return 0;
}

/* The widest kernel set the flags support, or NULL when not even SSE3 is there. */
static const struct core_info *best_core_for(const char *flags) {
  if (has_flag(flags, "avx512f") && has_flag(flags, "avx512dq") && has_flag(flags, "avx512bw") && has_flag(flags, "avx512vl"))
    return core_named(has_flag(flags, "avx512_bf16") ? "Cooperlake" : "SkylakeX");
  if (has_flag(flags, "avx2") && has_flag(flags, "fma")) return core_named("Haswell");
  if (has_flag(flags, "avx")) return core_named("SandyBridge");
  if (has_flag(flags, "sse4_2")) return core_named("Nehalem");
  if (has_flag(flags, "ssse3")) return core_named("Core2");
  if (has_flag(flags, "pni")) return core_named("Prescott");
  return NULL;
}

/* The first "flags" line and the clock of a /proc/cpuinfo text; MHz 0 when it says none. */
struct cpu_facts {
  char flags[4096];
  double mhz;
  char mhz_source[64];
};

static void cpu_facts_read(const char *path, struct cpu_facts *out) {
  out->flags[0] = 0;
  out->mhz = 0;
  snprintf(out->mhz_source, sizeof out->mhz_source, "none");
  double model_ghz = 0, cpu_mhz = 0;
  FILE *f = fopen(path, "r");
  if (f) {
    char line[4096];
    while (fgets(line, sizeof line, f)) {
      char *colon = strchr(line, ':');
      if (!colon) continue;
      if (!out->flags[0] && strncmp(line, "flags", 5) == 0) snprintf(out->flags, sizeof out->flags, "%s", colon + 1);
      else if (cpu_mhz == 0 && strncmp(line, "cpu MHz", 7) == 0) cpu_mhz = atof(colon + 1);
      else if (model_ghz == 0 && strncmp(line, "model name", 10) == 0) {
        char *at = strstr(colon, "@ ");
        if (at) model_ghz = atof(at + 2);
      }
    }
    fclose(f);
  }
  /* The nominal clock first (the model name's "@ 2.30GHz"), then what the kernel reports. */
  if (model_ghz > 0) {
    out->mhz = model_ghz * 1000;
    snprintf(out->mhz_source, sizeof out->mhz_source, "model name");
  } else if (cpu_mhz > 0) {
    out->mhz = cpu_mhz;
    snprintf(out->mhz_source, sizeof out->mhz_source, "cpu MHz");
  }
}

#endif
