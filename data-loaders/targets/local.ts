/**
 * The native target: runs each probe binary directly on this machine.
 *
 * Also home of the host-facts script and its parser, shared with the SSH target so that a local
 * and a remote fingerprint are gathered the same way (one `sh -s` run of HOST_FACTS_SCRIPT).
 */
import {createHash} from "node:crypto";
import {existsSync, readFileSync, statSync} from "node:fs";
import {isAbsolute} from "node:path";
import {performance} from "node:perf_hooks";
import {constants as osConstants} from "node:os";
import {execa} from "execa";
import {adopt} from "../campaign/process-group.ts";
import {ConfigError, ProcessFailedError} from "../errors.ts";
import {mapping} from "../plan/schema.ts";
import {defineTarget, type Fingerprint, type Hypervisor, type Step, type StepOutput, type Target, type VirtMode} from "./target.ts";

export interface LocalTargetOptions {
  /** Target label (shown in plans and logs). Default "native". */
  label?: string;
  /** Fingerprint.environment. Default: the label. */
  environment?: string;
  /** Probe name → absolute path of its (static) binary. */
  probes: Record<string, string>;
  /** Seconds between SIGTERM to a timed-out step's process group and SIGKILL. Default 2. */
  killGraceS?: number;
  /** Extra environment variables for the probes. */
  env?: Record<string, string>;
}

export class LocalTarget implements Target {
  readonly label: string;
  readonly #environment: string;
  readonly #probes: Record<string, string>;
  readonly #killGraceMs: number;
  readonly #env: Record<string, string> | undefined;

  constructor(options: LocalTargetOptions) {
    this.label = options.label ?? "native";
    this.#environment = options.environment ?? this.label;
    this.#probes = validateProbeMap(options.probes);
    this.#killGraceMs = Math.max(0, (options.killGraceS ?? 2) * 1000);
    this.#env = options.env;
  }

  async fingerprint(): Promise<Fingerprint> {
    const result = await execa("/bin/sh", ["-s"], {input: HOST_FACTS_SCRIPT, reject: false, timeout: 30_000});
    if (result.exitCode !== 0 && !result.stdout) {
      throw new ProcessFailedError("sh (host facts)", result.exitCode, result.signal, Boolean(result.timedOut), String(result.stderr ?? ""));
    }
    const facts = parseHostFacts(String(result.stdout));
    return {
      environment: this.#environment,
      hypervisor: "none",
      hypervisorVersion: null,
      mode: "none",
      guestOs: facts.guestOs,
      kernel: facts.kernel,
      cpuModel: facts.cpuModel,
      vcpus: facts.vcpus,
      memoryMb: facts.memoryMb,
      passthrough: false,
      host: facts.hostname,
      launch: "local",
      extra: hostExtra(facts)
    };
  }

  async run(steps: Step[], onOutput: (output: StepOutput) => Promise<void> | void): Promise<void> {
    validateSteps(steps, this.#probes);
    for (const step of steps) {
      await onOutput(await this.#runStep(step));
    }
  }

  async close(): Promise<void> {}

  async #runStep(step: Step): Promise<StepOutput> {
    const started = performance.now();
    // detached: the probe leads its own process group, so a timeout kills everything it forked.
    const child = execa(this.#probes[step.probe]!, step.args, {
      reject: false,
      detached: true,
      stdin: "ignore",
      stripFinalNewline: false,
      maxBuffer: 256 * 1024 * 1024,
      env: this.#env,
      cleanup: true
    });
    adopt(child, step.id, {group: true});
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup("SIGTERM");
      killTimer = setTimeout(() => killGroup("SIGKILL"), this.#killGraceMs);
    }, step.timeoutS * 1000);
    const result = await child;
    clearTimeout(timer);
    clearTimeout(killTimer);
    // Leave no stragglers behind (a probe's forked helper that outlived it).
    if (timedOut) killGroup("SIGKILL");
    const durationMs = performance.now() - started;

    let stderr = String(result.stderr ?? "");
    let exitCode: number | null = result.exitCode ?? null;
    const signal: string | null = result.signal ?? null;
    if (exitCode === null && signal === null && result.failed) {
      // Could not start at all: report it the way a shell would (126 not executable, 127 not found).
      const code = (result.cause as NodeJS.ErrnoException | undefined)?.code;
      exitCode = code === "ENOENT" ? 127 : code === "EACCES" ? 126 : null;
      stderr += (stderr && !stderr.endsWith("\n") ? "\n" : "") + `${result.shortMessage ?? result.message}\n`;
    }
    return {id: step.id, stdout: String(result.stdout ?? ""), stderr, exitCode, signal, timedOut, durationMs};
  }
}

// ---------------------------------------------------------------------------------------------
// Shared by the local and SSH targets.

const PROBE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Checks probe names (used as remote file names) and that each path is an absolute, existing file. */
export function validateProbeMap(probes: Record<string, string>): Record<string, string> {
  if (!probes || typeof probes !== "object") throw new ConfigError("probes must map probe names to binary paths");
  const copy: Record<string, string> = {};
  for (const [name, path] of Object.entries(probes)) {
    if (!PROBE_NAME.test(name)) throw new ConfigError(`probe name ${JSON.stringify(name)} must match ${PROBE_NAME}`);
    if (typeof path !== "string" || !isAbsolute(path)) throw new ConfigError(`probe ${name}: path must be absolute, got ${JSON.stringify(path)}`);
    copy[name] = path;
  }
  return copy;
}

/** Rejects a batch up front (unknown probe, missing binary, bad timeout, duplicate id) before anything runs. */
export function validateSteps(steps: Step[], probes: Record<string, string>): void {
  const ids = new Set<string>();
  for (const step of steps) {
    if (ids.has(step.id)) throw new ConfigError(`step id ${JSON.stringify(step.id)} appears twice in one batch`);
    ids.add(step.id);
    const path = probes[step.probe];
    if (path === undefined) {
      throw new ConfigError(`step ${step.id}: unknown probe ${JSON.stringify(step.probe)} (known: ${Object.keys(probes).join(", ") || "none"})`);
    }
    if (!existsSync(path) || !statSync(path).isFile()) throw new ConfigError(`step ${step.id}: probe binary ${path} does not exist (build the probes first)`);
    if (!(typeof step.timeoutS === "number" && Number.isFinite(step.timeoutS) && step.timeoutS > 0)) {
      throw new ConfigError(`step ${step.id}: timeoutS must be a positive number of seconds, got ${step.timeoutS}`);
    }
    if (!Array.isArray(step.args) || step.args.some((arg) => typeof arg !== "string")) {
      throw new ConfigError(`step ${step.id}: args must be strings`);
    }
  }
}

export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** Signal number → "SIGSEGV"-style name, or null when unknown. */
export function signalName(number: number): string | null {
  for (const [name, value] of Object.entries(osConstants.signals)) if (value === number) return name;
  return null;
}

/**
 * POSIX sh script printing "@@section" headers followed by raw facts. It must run unchanged on
 * a minimal guest (busybox included): every command may fail and is silenced.
 */
export const HOST_FACTS_SCRIPT = `
echo @@kernel; uname -r 2>/dev/null
echo @@arch; uname -m 2>/dev/null
echo @@hostname; hostname 2>/dev/null || cat /proc/sys/kernel/hostname 2>/dev/null
echo @@os_release; cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null
echo @@nproc; nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null
echo @@meminfo; grep -E '^MemTotal:' /proc/meminfo 2>/dev/null
echo @@cpuinfo; grep -E '^(model name|Processor|cpu model|Hardware|uarch|cpu)[[:space:]]*:' /proc/cpuinfo 2>/dev/null | head -n 8
echo @@cpu_hypervisor_flag; grep -qE '^flags.*[[:space:]]hypervisor([[:space:]]|$)' /proc/cpuinfo 2>/dev/null && echo yes || echo no
echo @@detect_virt_vm; if command -v systemd-detect-virt >/dev/null 2>&1; then systemd-detect-virt --vm 2>/dev/null || true; else echo unavailable; fi
echo @@detect_virt_container; if command -v systemd-detect-virt >/dev/null 2>&1; then systemd-detect-virt --container 2>/dev/null || true; else echo unavailable; fi
echo @@dmi_vendor; cat /sys/class/dmi/id/sys_vendor 2>/dev/null
echo @@dmi_product; cat /sys/class/dmi/id/product_name 2>/dev/null
echo @@xen_type; cat /sys/hypervisor/type 2>/dev/null
echo @@xen_guest_type; cat /sys/hypervisor/guest_type 2>/dev/null
echo @@xen_version; v=$(cat /sys/hypervisor/version/major 2>/dev/null).$(cat /sys/hypervisor/version/minor 2>/dev/null)$(cat /sys/hypervisor/version/extra 2>/dev/null); [ "$v" = . ] || echo "$v"
echo @@end
`;

export interface HostFacts {
  kernel: string;
  arch: string;
  hostname: string;
  guestOs: string;
  cpuModel: string;
  vcpus: number;
  memoryMb: number;
  /** What the machine runs on: "none", or systemd-detect-virt's word ("kvm", "xen", "qemu", "vmware"…),
   * or a guess from DMI / the cpuinfo hypervisor flag; "unknown" when nothing can tell. */
  virtualization: string;
  /** How `virtualization` was found. */
  virtualizationSource: "systemd-detect-virt" | "dmi" | "cpuinfo" | "none";
  /** systemd-detect-virt --container's word ("docker", "lxc"…), "none", or null when it is unavailable. */
  container: string | null;
  xenGuestType: string | null;
  xenVersion: string | null;
  dmiVendor: string | null;
  dmiProduct: string | null;
}

/** Parses HOST_FACTS_SCRIPT's output. Missing facts become "unknown" / 0, never a throw. */
export function parseHostFacts(text: string): HostFacts {
  const sections = new Map<string, string>();
  let current: string | null = null;
  let lines: string[] = [];
  for (const line of text.split("\n")) {
    const header = /^@@([a-z_]+)$/.exec(line.trim());
    if (header) {
      if (current) sections.set(current, lines.join("\n").trim());
      current = header[1]!;
      lines = [];
    } else if (current) {
      lines.push(line);
    }
  }
  if (current && current !== "end") sections.set(current, lines.join("\n").trim());
  const get = (name: string) => sections.get(name) ?? "";
  const orNull = (value: string) => (value ? value : null);

  const osRelease = new Map<string, string>();
  for (const line of get("os_release").split("\n")) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) osRelease.set(match[1]!, match[2]!.replace(/^(["'])(.*)\1$/, "$2"));
  }
  const guestOs =
    osRelease.get("PRETTY_NAME") ||
    [osRelease.get("NAME"), osRelease.get("VERSION") ?? osRelease.get("VERSION_ID")].filter(Boolean).join(" ") ||
    "unknown";

  let cpuModel = "unknown";
  const cpuFields = new Map<string, string>();
  for (const line of get("cpuinfo").split("\n")) {
    const match = /^([^:]+?)\s*:\s*(.*)$/.exec(line);
    if (match && match[2] && !cpuFields.has(match[1]!)) cpuFields.set(match[1]!, match[2]!.trim());
  }
  for (const key of ["model name", "cpu model", "Hardware", "Processor", "uarch", "cpu"]) {
    const value = cpuFields.get(key);
    if (value) {
      cpuModel = value.replace(/\s+/g, " ");
      break;
    }
  }

  const memKb = Number(/MemTotal:\s*(\d+)\s*kB/i.exec(get("meminfo"))?.[1] ?? NaN);
  const vcpus = Number.parseInt(get("nproc"), 10);

  const dmiVendor = orNull(get("dmi_vendor"));
  const dmiProduct = orNull(get("dmi_product"));
  const detected = get("detect_virt_vm").split("\n")[0]!.trim();
  let virtualization: string;
  let virtualizationSource: HostFacts["virtualizationSource"];
  if (detected && detected !== "unavailable") {
    virtualization = detected;
    virtualizationSource = "systemd-detect-virt";
  } else {
    const dmiGuess = guessFromDmi(`${dmiVendor ?? ""} ${dmiProduct ?? ""}`);
    const xenType = get("xen_type");
    if (dmiGuess) {
      virtualization = dmiGuess;
      virtualizationSource = "dmi";
    } else if (xenType === "xen") {
      virtualization = "xen";
      virtualizationSource = "dmi";
    } else if (get("cpu_hypervisor_flag") === "yes") {
      virtualization = "unknown";
      virtualizationSource = "cpuinfo";
    } else {
      virtualization = "none";
      virtualizationSource = "none";
    }
  }
  const container = get("detect_virt_container").split("\n")[0]!.trim();

  return {
    kernel: get("kernel") || "unknown",
    arch: get("arch") || "unknown",
    hostname: get("hostname").split("\n")[0]! || "unknown",
    guestOs,
    cpuModel,
    vcpus: Number.isFinite(vcpus) && vcpus > 0 ? vcpus : 0,
    memoryMb: Number.isFinite(memKb) ? Math.round(memKb / 1024) : 0,
    virtualization,
    virtualizationSource,
    container: container && container !== "unavailable" ? container : null,
    xenGuestType: orNull(get("xen_guest_type").toLowerCase()),
    xenVersion: orNull(get("xen_version")),
    dmiVendor,
    dmiProduct
  };
}

function guessFromDmi(text: string): string | null {
  const rules: [RegExp, string][] = [
    [/\bKVM\b/i, "kvm"],
    [/QEMU/i, "qemu"],
    [/VMware/i, "vmware"],
    [/VirtualBox|innotek/i, "oracle"],
    [/\bXen\b/i, "xen"],
    [/Microsoft Corporation.*Virtual Machine/i, "microsoft"],
    [/Amazon EC2/i, "amazon"],
    [/Google Compute Engine/i, "google"],
    [/Parallels/i, "parallels"],
    [/Bochs/i, "bochs"],
    [/BHYVE/i, "bhyve"],
    [/OpenStack/i, "kvm"]
  ];
  for (const [pattern, name] of rules) if (pattern.test(text)) return name;
  return null;
}

/** Fingerprint.extra entries common to both targets. */
export function hostExtra(facts: HostFacts): Record<string, string> {
  const extra: Record<string, string> = {
    arch: facts.arch,
    host_virtualized: facts.virtualization,
    host_virtualized_source: facts.virtualizationSource
  };
  if (facts.container && facts.container !== "none") extra.container = facts.container;
  if (facts.dmiVendor) extra.dmi_vendor = facts.dmiVendor;
  if (facts.dmiProduct) extra.dmi_product = facts.dmiProduct;
  if (facts.xenGuestType) extra.xen_guest_type = facts.xenGuestType;
  if (facts.xenVersion) extra.xen_version = facts.xenVersion;
  return extra;
}

/** Maps detected virtualization to the fingerprint's hypervisor and mode (used for remote machines). */
export function hypervisorFromFacts(facts: HostFacts): {hypervisor: Hypervisor; mode: VirtMode; version: string | null} {
  switch (facts.virtualization) {
    case "kvm":
      return {hypervisor: "kvm", mode: "kvm", version: null};
    case "qemu":
      return {hypervisor: "qemu-tcg", mode: "tcg", version: null};
    case "xen": {
      const type = facts.xenGuestType;
      const mode: VirtMode = type === "pv" ? "pv" : type === "pvh" ? "pvh" : "hvm";
      return {hypervisor: "xen", mode, version: facts.xenVersion};
    }
    default:
      return {hypervisor: "none", mode: "none", version: null};
  }
}

/** `target: local`: this machine, bare — a study's native baseline. */
export const localKind = defineTarget({
  name: "local",
  schema: mapping({}).transform((): {} => ({})),
  defaultLabel: "native",
  runsTools: true,
  planned: () => ({hypervisor: "none", mode: "none", vcpus: null, memoryMb: null, passthrough: null}),
  open: (spec, {probes}) => new LocalTarget({label: spec.label, probes}),
  describe: () => "this host, bare (the native baseline)"
});
