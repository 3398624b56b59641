/**
 * What this host offers a campaign, read from the machine itself: CPU virtualization flags and
 * nesting, which module serves /dev/kvm, a Xen dom0, tool versions, the caches and free disk.
 * `vmmbench doctor` prints them; each reader returns text, never throws, and says "missing" or why
 * it could not tell, because a bug report needs every line even on a broken machine.
 */
import {existsSync, readFileSync, statfsSync} from "node:fs";
import {hostname, release, totalmem} from "node:os";
import {execa} from "execa";
import {findLabRoot} from "../lab/root.ts";
import {cacheRoot} from "../guest/paths.ts";
import {kvmProvider} from "../targets/kvm-detect.ts";
import {isXenDom0} from "../plan/presets.ts";
import {hostMeterFacts} from "../meters/offer.ts";

export interface Fact {
  name: string;
  value: string;
}

export interface CpuFacts {
  model: string;
  cpus: number;
  /** vmx, svm, or none: what the CPU tells this kernel. */
  virtFlags: string;
  /** The widest vector ISA the CPU reports (avx512f, avx2+fma, avx, sse4_2…). */
  isa: string;
}

/** Pure: the first CPU's model, the count and the flags that matter, from /proc/cpuinfo text. */
export function parseCpuinfo(text: string): CpuFacts {
  const blocks = text.split(/\n\s*\n/).filter((b) => /^processor\s*:/m.test(b));
  const field = (block: string, key: string) => new RegExp(`^${key}\\s*:\\s*(.*)$`, "m").exec(block)?.[1]?.trim() ?? "";
  const first = blocks[0] ?? "";
  const flags = new Set(field(first, "flags").split(/\s+/));
  const virt = ["vmx", "svm"].filter((f) => flags.has(f));
  const isa = flags.has("avx512f") ? "avx512f" : flags.has("avx2") && flags.has("fma") ? "avx2+fma" : flags.has("avx") ? "avx" : flags.has("sse4_2") ? "sse4_2" : flags.has("sse2") ? "sse2" : "unknown";
  return {model: field(first, "model name") || "unknown", cpus: blocks.length, virtFlags: virt.join(",") || "none", isa};
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** First line of a tool's version output, or "missing". */
async function version(command: string, args: string[], pick: (text: string) => string = (text) => text.split("\n")[0]!.trim()): Promise<string> {
  const result = await execa(command, args, {reject: false, timeout: 15_000, all: true});
  if ((result as {code?: string}).code === "ENOENT") return "missing";
  const text = String(result.all ?? "").trim();
  return text ? pick(text) : `present (no version: exit ${result.exitCode ?? result.signal})`;
}

async function debianPackage(name: string): Promise<string> {
  const result = await execa("dpkg-query", ["-W", "-f=${Status} ${Version}", name], {reject: false, timeout: 15_000});
  const text = String(result.stdout ?? "");
  return result.exitCode === 0 && text.startsWith("install ok installed") ? text.split(" ").at(-1)! : "missing";
}

/** KVM nesting as the loaded module reports it (kvm_intel/kvm_amd `nested` parameter). */
function nesting(provider: string | null): string {
  if (provider === "kvm_intel" || provider === "kvm_amd") {
    const value = read(`/sys/module/${provider}/parameters/nested`);
    return value === undefined ? "unknown" : ["Y", "1"].includes(value) ? "on" : "off";
  }
  return provider === "kvm_pvm" ? "n/a (PVM)" : "n/a (no KVM module)";
}

/** Every line of the host's report except KVM's verdict (which may need a boot; see commands/doctor.ts). */
export async function hostFacts(options: {cacheDir?: string} = {}): Promise<Fact[]> {
  const cpu = parseCpuinfo(read("/proc/cpuinfo") ?? "");
  const provider = kvmProvider();
  const cache = options.cacheDir ?? cacheRoot();
  const [qemu, xl, gcc, chromium, debootstrap, openblas, lab, ansible] = await Promise.all([
    version("qemu-system-x86_64", ["--version"], (t) => t.split("\n")[0]!.replace(/^QEMU emulator version\s*/, "")),
    version("xl", ["info"], (t) => /^xen_version\s*:\s*(.*)$/m.exec(t)?.[1] ?? t.split("\n")[0]!),
    version("gcc", ["--version"]),
    // Debian's chromium is a shell wrapper whose --version can fail on its own checks: ask dpkg.
    debianPackage("chromium"),
    debianPackage("debootstrap"),
    debianPackage("libopenblas-dev"),
    findLabRoot({cacheDir: options.cacheDir}).catch(() => undefined),
    debianPackage("ansible-core")
  ]);
  const meters = await hostMeterFacts(lab);
  let free = "unknown";
  try {
    const st = statfsSync(existsSync(cache) ? cache : ".");
    free = `${((st.bavail * st.bsize) / 2 ** 30).toFixed(1)} GiB free under ${cache}`;
  } catch {
    // statfs unsupported: leave it unknown
  }
  const xenCaps = read("/proc/xen/capabilities");
  return [
    {name: "host", value: `${hostname()}, Linux ${release()}, ${cpu.cpus} CPU(s), ${(totalmem() / 2 ** 30).toFixed(1)} GiB`},
    {name: "cpu", value: `${cpu.model}; virtualization flags: ${cpu.virtFlags}; widest vector ISA: ${cpu.isa}`},
    {name: "running under", value: runningUnder(read("/proc/cpuinfo") ?? "", read("/sys/class/dmi/id/sys_vendor"), read("/sys/hypervisor/type"))},
    {name: "/dev/kvm", value: existsSync("/dev/kvm") ? `present, served by ${provider ?? "no known module"}` : "absent"},
    {name: "nested virtualization", value: nesting(provider)},
    {name: "xen dom0", value: isXenDom0() ? `yes (${xenCaps})` : xenCaps !== undefined ? `a Xen guest, not dom0 (${xenCaps || "no capabilities"})` : "no"},
    {name: "qemu-system-x86_64", value: qemu},
    {name: "xl (Xen toolstack)", value: xl === "missing" ? "missing" : xl},
    {name: "gcc", value: gcc},
    {name: "libopenblas-dev", value: openblas},
    {name: "chromium", value: chromium},
    {name: "debootstrap", value: debootstrap},
    ...meters,
    {name: "ansible-core", value: `${ansible}${ansible === "missing" ? " (inventory hosts go through vmmbench's own SSH target)" : " (inventory hosts fan out through ansible-playbook)"}`},
    {name: "lab root", value: lab ? `cached ${lab.hash.slice(0, 12)} (kernel ${lab.manifest.kver}, Xen ${lab.manifest.xenPackageVersion}, QEMU ${lab.manifest.qemuPackageVersion}, built ${lab.manifest.builtAt})` : "not built (`vmmbench lab build`, as root, ~1.5–3 min)"},
    {name: "disk", value: free}
  ];
}

/** Whether this host is itself a guest: the CPU's hypervisor flag, with the vendor or hypervisor type where told. */
export function runningUnder(cpuinfo: string, vendor: string | undefined, hypervisorType: string | undefined): string {
  const flagged = /^flags\s*:.*\bhypervisor\b/m.test(cpuinfo);
  const who = [hypervisorType, vendor].filter((v) => v && v.trim()).join(", ");
  if (!flagged && !hypervisorType) return "bare metal (no hypervisor flag)";
  return `a hypervisor${who ? ` (${who})` : ""}: this host is itself a virtual machine`;
}
