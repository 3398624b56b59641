import {ConfigError} from "../errors.ts";
import {TABLE1_METRICS, TABLE2_CELLS} from "../probes/catalog.ts";
import {isValidLabel, LABEL_RULE} from "./label.ts";
import type {EnvironmentSpec, IozoneOptions, LinpackOptions, LmbenchOptions, Plan, StopRule, ToolPaths} from "./types.ts";

/** Says where a path of keys sits in the source (file:line), so errors point at the text a user wrote. */
export type Locate = (path: readonly (string | number)[]) => string;

const TABLE1: readonly string[] = TABLE1_METRICS;
/** The paper's Table 2 cells as [procs, size_kb]. */
const PAPER_CTX_CELLS = TABLE2_CELLS.map((cell) => cell.split(":").map(Number) as [number, number]);

type Obj = Record<string, unknown>;

/** Validates a plan object (from YAML, JSON or a preset) into strict types; the first problem is thrown with its location. */
export function validatePlan(raw: unknown, locate: Locate = (p) => p.join(".") || "plan"): Plan {
  const v = new Validator(locate);
  const root = v.object(raw, [], ["name", "engine", "tools", "environments", "suites", "repetitions", "step_timeout_s"]);
  const environments = v.array(root.environments, ["environments"]).map((e, i) => v.environment(e, ["environments", i]));
  if (environments.length === 0) v.fail(["environments"], "at least one environment");
  const labels = new Set<string>();
  environments.forEach((e, i) => {
    if (labels.has(e.label)) v.fail(["environments", i, "label"], `a label not used by another environment ("${e.label}" is)`);
    labels.add(e.label);
  });
  const suitesRaw = v.object(root.suites ?? {}, ["suites"], ["lmbench", "linpack", "iozone"]);
  const suites = v.suites(suitesRaw, ["suites"]);
  // An environment may adjust suite options (a TCG guest needs smaller LINPACK sizes); its keys win.
  (root.environments as unknown[]).forEach((raw, i) => {
    const own = (raw as Obj).suites;
    if (own === undefined) return;
    const path = ["environments", i, "suites"];
    const ownRaw = v.object(own, path, ["lmbench", "linpack", "iozone"]);
    const merged: Obj = {};
    for (const name of ["lmbench", "linpack", "iozone"]) {
      if (suitesRaw[name] === undefined) {
        if (ownRaw[name] !== undefined) v.fail([...path, name], `only suites the plan runs (${Object.keys(suitesRaw).join(", ")})`, name);
        continue;
      }
      merged[name] = ownRaw[name] === null ? undefined : {...(suitesRaw[name] as Obj), ...((ownRaw[name] as Obj | undefined) ?? {})};
    }
    environments[i].suites = v.suites(merged, path, true);
  });
  return {
    name: v.string(root.name ?? "plan", ["name"]),
    engine: v.oneOf(root.engine ?? "builtin", ["engine"], ["builtin", "reference"] as const),
    tools: v.tools(root.tools ?? {}, ["tools"]),
    environments,
    suites,
    repetitions: v.stopRule(root.repetitions ?? {}, ["repetitions"]),
    stepTimeoutS: v.number(root.step_timeout_s ?? 600, ["step_timeout_s"], 1, 86_400),
    raw
  };
}

class Validator {
  constructor(private readonly locate: Locate) {}

  fail(path: readonly (string | number)[], expected: string, found?: unknown): never {
    const what = found === undefined ? "" : `, found ${JSON.stringify(found)}`;
    throw new ConfigError(`${this.locate(path)}: ${path.length ? `${path.join(".")}: ` : ""}expected ${expected}${what}`);
  }

  object(x: unknown, path: (string | number)[], allowed: readonly string[]): Obj {
    if (typeof x !== "object" || x === null || Array.isArray(x)) this.fail(path, "a mapping", x);
    for (const key of Object.keys(x)) {
      if (!allowed.includes(key)) this.fail([...path, key], `one of the keys ${allowed.join(", ")}`, key);
    }
    return x as Obj;
  }

  array(x: unknown, path: (string | number)[]): unknown[] {
    if (!Array.isArray(x)) this.fail(path, "a list", x);
    return x;
  }

  string(x: unknown, path: (string | number)[]): string {
    if (typeof x !== "string" || x.trim() === "") this.fail(path, "a non-empty string", x);
    return x;
  }

  number(x: unknown, path: (string | number)[], min: number, max: number, integer = false): number {
    if (typeof x !== "number" || !Number.isFinite(x) || x < min || x > max || (integer && !Number.isInteger(x))) {
      this.fail(path, `${integer ? "an integer" : "a number"} from ${min} to ${max}`, x);
    }
    return x;
  }

  boolean(x: unknown, path: (string | number)[]): boolean {
    if (typeof x !== "boolean") this.fail(path, "true or false", x);
    return x;
  }

  oneOf<T extends string>(x: unknown, path: (string | number)[], options: readonly T[]): T {
    if (!options.includes(x as T)) this.fail(path, `one of ${options.join(", ")}`, x);
    return x as T;
  }

  integers(x: unknown, path: (string | number)[], min: number, max: number, allowEmpty = false): number[] {
    const list = this.array(x, path).map((n, i) => this.number(n, [...path, i], min, max, true));
    if (list.length === 0 && !allowEmpty) this.fail(path, "a non-empty list");
    return list;
  }

  environment(x: unknown, path: (string | number)[]): EnvironmentSpec {
    const spec = this.environmentOfTarget(x, path);
    const note = (x as Obj).note;
    return note === undefined ? spec : {...spec, note: this.string(note, [...path, "note"])};
  }

  environmentOfTarget(x: unknown, path: (string | number)[]): EnvironmentSpec {
    const e = this.object(x, path, [
      "label", "target", "accel", "vcpus", "memory_mb", "disk_cache", "guest_os", "destination", "port", "identity_file",
      "strict_host_key_checking", "hypervisor", "passthrough", "suites", "type", "inner", "paging", "disk_mb", "lab_vcpus", "note"
    ]);
    const target = this.oneOf(e.target, [...path, "target"], ["local", "qemu", "ssh", "xen", "lab"] as const);
    // Keys that belong to one kind of environment only are refused elsewhere, so a typo'd kind is caught.
    const only: Record<string, readonly string[]> = {type: ["xen"], inner: ["lab"], paging: ["lab"], disk_mb: ["xen", "lab"], lab_vcpus: ["lab"]};
    for (const [key, targets] of Object.entries(only)) {
      if (e[key] !== undefined && !targets.includes(target)) this.fail([...path, key], `no ${key} for a ${target} environment (only for ${targets.join(", ")})`, key);
    }
    const label = this.string(e.label ?? (target === "local" ? "native" : undefined), [...path, "label"]);
    if (!isValidLabel(label)) this.fail([...path, "label"], LABEL_RULE, label);
    switch (target) {
      case "local":
        return {target, label};
      case "qemu":
        return {
          target,
          label,
          accel: this.oneOf(e.accel ?? "auto", [...path, "accel"], ["auto", "tcg", "kvm"] as const),
          vcpus: this.number(e.vcpus ?? 1, [...path, "vcpus"], 1, 64, true),
          memoryMb: this.number(e.memory_mb ?? 1024, [...path, "memory_mb"], 128, 1 << 20, true),
          diskCache: this.oneOf(e.disk_cache ?? "none", [...path, "disk_cache"], [
            "none", "writeback", "writethrough", "unsafe", "directsync"
          ] as const),
          guestOs: this.string(e.guest_os ?? "vmmbench busybox guest", [...path, "guest_os"])
        };
      case "ssh":
        return {
          target,
          label,
          destination: this.string(e.destination, [...path, "destination"]),
          port: this.number(e.port ?? 22, [...path, "port"], 1, 65535, true),
          identityFile: e.identity_file === undefined ? null : this.string(e.identity_file, [...path, "identity_file"]),
          strictHostKeyChecking: this.oneOf(e.strict_host_key_checking ?? "accept-new", [...path, "strict_host_key_checking"], ["yes", "accept-new", "no"] as const),
          hypervisor: e.hypervisor === undefined ? null : this.oneOf(e.hypervisor, [...path, "hypervisor"], ["none", "kvm", "xen", "qemu-tcg"] as const),
          passthrough: this.boolean(e.passthrough ?? false, [...path, "passthrough"])
        };
      case "xen":
        return {
          target,
          label,
          type: this.oneOf(e.type ?? "pv", [...path, "type"], ["pv", "pvh", "hvm"] as const),
          vcpus: this.number(e.vcpus ?? 1, [...path, "vcpus"], 1, 128, true),
          memoryMb: this.number(e.memory_mb ?? 1024, [...path, "memory_mb"], 128, 1 << 20, true),
          diskMb: this.number(e.disk_mb ?? 1024, [...path, "disk_mb"], 0, 1 << 20, true)
        };
      case "lab": {
        const inner = this.oneOf(e.inner, [...path, "inner"], ["native", "kvm", "xen-pv", "xen-pvh"] as const);
        if (e.paging !== undefined && inner !== "kvm") this.fail([...path, "paging"], "paging only with inner: kvm", e.paging);
        if (e.lab_vcpus !== undefined && inner === "native") this.fail([...path, "lab_vcpus"], "lab_vcpus only with inner: kvm, xen-pv or xen-pvh (a native lab environment's vcpus are the lab's)", e.lab_vcpus);
        const vcpus = this.number(e.vcpus ?? 1, [...path, "vcpus"], 1, 2, true) as 1 | 2;
        return {
          target,
          label,
          inner,
          paging: this.oneOf(e.paging ?? "nested", [...path, "paging"], ["nested", "shadow"] as const),
          vcpus,
          memoryMb: this.number(e.memory_mb ?? 512, [...path, "memory_mb"], 128, 4096, true),
          diskMb: this.number(e.disk_mb ?? 512, [...path, "disk_mb"], 0, 8192, true),
          labVcpus: e.lab_vcpus === undefined ? null : (this.number(e.lab_vcpus, [...path, "lab_vcpus"], 1, 2, true) as 1 | 2)
        };
      }
    }
  }

  suites(raw: Obj, path: (string | number)[], allowEmpty = false): Plan["suites"] {
    const suites: Plan["suites"] = {};
    if (raw.lmbench !== undefined) suites.lmbench = this.lmbench(raw.lmbench, [...path, "lmbench"]);
    if (raw.linpack !== undefined) suites.linpack = this.linpack(raw.linpack, [...path, "linpack"]);
    if (raw.iozone !== undefined) suites.iozone = this.iozone(raw.iozone, [...path, "iozone"]);
    if (!allowEmpty && Object.keys(suites).length === 0) this.fail(path, "at least one of lmbench, linpack, iozone");
    return suites;
  }

  /** Shape only: whether the files exist is checked when a campaign starts (the plan may be written elsewhere). */
  tools(x: unknown, path: (string | number)[]): ToolPaths {
    const o = this.object(x, path, ["lmbench_bin", "iozone", "xhpl", "linpack", "strict"]);
    const file = (key: string) => {
      if (o[key] === undefined || o[key] === null) return null;
      const value = this.string(o[key], [...path, key]);
      if (!value.startsWith("/")) this.fail([...path, key], "an absolute path", value);
      return value;
    };
    return {
      lmbenchBin: file("lmbench_bin"),
      iozone: file("iozone"),
      xhpl: file("xhpl"),
      linpack: file("linpack"),
      strict: this.boolean(o.strict ?? false, [...path, "strict"])
    };
  }

  lmbench(x: unknown, path: (string | number)[]): LmbenchOptions {
    const o = this.object(x, path, ["table1", "ctx", "mem_size_mb", "budget_ms", "reps"]);
    const table1 = o.table1 === undefined ? [...TABLE1] : this.array(o.table1, [...path, "table1"]).map((m, i) =>
      this.oneOf(m, [...path, "table1", i], TABLE1)
    );
    const ctx = o.ctx === undefined ? PAPER_CTX_CELLS : this.array(o.ctx, [...path, "ctx"]).map((cell, i) => this.ctxCell(cell, [...path, "ctx", i]));
    return {
      table1,
      ctx,
      memSizesMb: o.mem_size_mb === undefined ? [64] : this.integers(o.mem_size_mb, [...path, "mem_size_mb"], 1, 1 << 16, true),
      budgetMs: this.number(o.budget_ms ?? 200, [...path, "budget_ms"], 1, 600_000, true),
      reps: this.number(o.reps ?? 5, [...path, "reps"], 1, 1000, true)
    };
  }

  /** Accepts the paper's notation ("2p16k") or [procs, size_kb]. */
  ctxCell(x: unknown, path: (string | number)[]): [number, number] {
    if (typeof x === "string") {
      const m = /^(\d+)p(\d+)k$/.exec(x);
      if (!m) this.fail(path, 'a context-switch cell like "2p16k" or [2, 16]', x);
      return [this.number(Number(m[1]), path, 2, 1024, true), this.number(Number(m[2]), path, 0, 1 << 20, true)];
    }
    const pair = this.array(x, path);
    if (pair.length !== 2) this.fail(path, "[procs, size_kb]", x);
    return [this.number(pair[0], [...path, 0], 2, 1024, true), this.number(pair[1], [...path, 1], 0, 1 << 20, true)];
  }

  linpack(x: unknown, path: (string | number)[]): LinpackOptions {
    const o = this.object(x, path, ["n", "threads", "reps"]);
    return {
      n: o.n === undefined ? [500, 1000, 2000] : this.integers(o.n, [...path, "n"], 10, 200_000),
      threads: this.number(o.threads ?? 1, [...path, "threads"], 1, 1024, true),
      reps: this.number(o.reps ?? 3, [...path, "reps"], 1, 1000, true)
    };
  }

  iozone(x: unknown, path: (string | number)[]): IozoneOptions {
    const o = this.object(x, path, ["file_kb", "record_kb", "fsync", "direct", "reps"]);
    return {
      fileKb: o.file_kb === undefined ? [65536] : this.integers(o.file_kb, [...path, "file_kb"], 4, 1 << 30),
      recordKb: o.record_kb === undefined ? [4, 64, 1024] : this.integers(o.record_kb, [...path, "record_kb"], 4, 1 << 20),
      fsync: this.boolean(o.fsync ?? true, [...path, "fsync"]),
      direct: this.boolean(o.direct ?? false, [...path, "direct"]),
      reps: this.number(o.reps ?? 3, [...path, "reps"], 1, 1000, true)
    };
  }

  stopRule(x: unknown, path: (string | number)[]): StopRule {
    const o = this.object(x, path, ["min", "max", "rsd", "budget_s"]);
    const min = this.number(o.min ?? 3, [...path, "min"], 1, 1000, true);
    const max = this.number(o.max ?? 15, [...path, "max"], 1, 1000, true);
    if (max < min) this.fail([...path, "max"], `at least min (${min})`, max);
    return {min, max, rsd: this.number(o.rsd ?? 0.025, [...path, "rsd"], 0, 10), budgetS: this.number(o.budget_s ?? 3600, [...path, "budget_s"], 1, 1e7)};
  }
}
