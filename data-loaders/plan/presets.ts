/**
 * Built-in plans, written as a user would write them in YAML so they pass the same validation.
 * `quick` is the README's first command: every built-in probe natively and in a QEMU guest (KVM
 * where /dev/kvm works, TCG otherwise), short budgets. Under TCG, LINPACK runs 100–200× slower,
 * so the guest stops its N sweep early.
 */
export const PRESETS: Record<string, unknown> = {
  quick: {
    name: "quick",
    environments: [
      {target: "local", label: "native"},
      {target: "qemu", label: "qemu", accel: "auto", vcpus: 1, memory_mb: 1024, disk_cache: "none", suites: {linpack: {n: [200, 500]}}}
    ],
    suites: {
      lmbench: {budget_ms: 50, reps: 5, mem_size_mb: [32]},
      linpack: {n: [200, 500, 1000, 2000], threads: 1, reps: 2},
      iozone: {file_kb: [16384], record_kb: [4, 64, 1024], fsync: true, reps: 2}
    },
    repetitions: {min: 1, max: 3, rsd: 0.05, budget_s: 100},
    step_timeout_s: 120
  },
  full: {
    name: "full",
    environments: [{target: "local", label: "native"}],
    suites: {
      lmbench: {budget_ms: 500, reps: 11, mem_size_mb: [8, 64, 256]},
      linpack: {n: [500, 1000, 2000, 4000, 6000, 8000], threads: 1, reps: 3},
      iozone: {file_kb: [65536, 262144, 1048576], record_kb: [4, 16, 64, 256, 1024, 4096, 16384], fsync: true, reps: 3}
    },
    repetitions: {min: 3, max: 15, rsd: 0.025, budget_s: 7200},
    step_timeout_s: 1800
  }
};
