/**
 * The script a lab machine runs after its initramfs hands over (`/run/vmmb/lab.sh`), generated per
 * boot. It reports on the lab's second serial port (`/dev/ttyS1`, a file on the host) with the guest
 * image's frame format (guest/init-script.ts), adding lab-level frames around each inner
 * environment's own frames:
 *
 *     LAB <len>                 key=value facts of the lab machine (kernel, cpu, qemu, xen=0|1)
 *     XLINFO <len>              `xl info` (under Xen)
 *     MARK <name> <uptime> 0    a milestone (modules loaded, Xen daemons up…) for boot timings
 *     ENV <k> 0                 the frames that follow, up to ENVEND, belong to inner environment k
 *     ENVEND <k> <rc> 0
 *     CONSOLE <k> <len>         the inner guest's console / QEMU's or xl's messages, after it ended
 *     LABNOTE <len>             a problem worth showing (module load failure, …)
 *     LABBYE 0                  done; the machine powers off
 *
 * Inner environments, in the order given:
 *   native   the steps run right here (the `run_step` of the guest image's /init, reused verbatim)
 *   kvm      `modprobe kvm_amd npt=0|1`, then the guest image under `qemu -accel kvm -cpu host`
 *            whose second serial port is this machine's `/dev/ttyS1`: its frames reach the host as is
 *   xen-*    (in a Xen dom0) `xl create -c` of the guest image as a PV/PVH/HVM domU whose console
 *            (its frames, on hvc0, or ttyS0 for HVM) is copied to `/dev/ttyS1`; destroyed at its deadline
 * An environment with a pass-through controller (a boot with the lab's IOMMU) is wrapped by
 * lab/passthrough.ts: the controller is taken from its driver before, given back after, and a
 *     PTINFO <k> <len>          what the pass-through was (device, IOMMU, drivers)
 * frame follows.
 */

import {ConfigError} from "../errors.ts";
import {CHANNEL_MAGIC, initScript, shQuote} from "../guest/init-script.ts";
import {LAB_RUN_DIR} from "./initrd.ts";
import {kvmMetersAfter, kvmMetersBefore, meterFunctions, xenTraceAfter, xenTraceBefore} from "./meters-script.ts";
import {ptShell, ptWrap} from "./passthrough.ts";

export type InnerKind = "native" | "kvm" | "xen-pv" | "xen-pvh" | "xen-hvm";
export type Paging = "nested" | "shadow";

export interface ScriptEnv {
  index: number;
  kind: InnerKind;
  paging: Paging;
  vcpus: number;
  memoryMb: number;
  /** Scratch disk for the inner guest (kvm, xen) in MB; 0 = none. */
  diskMb: number;
  /** The lab's block device (a fresh ext4 disk made by the host) handed to the inner guest as its disk. */
  diskDevice?: string;
  /** Seconds the lab gives this environment before it kills the inner guest. */
  timeoutS: number;
  /** kvm: the L2 QEMU command line (argv). */
  qemuArgv?: string[];
  /** The lab reads the hypervisor's side of the meters (lab/meters-script.ts). */
  meters?: boolean;
  /** The lab's PCI address of the controller passed through to this environment (a boot with the lab's IOMMU). */
  passthrough?: string;
}

export interface LabScriptOptions {
  kver: string;
  xen: boolean;
  envs: ScriptEnv[];
  /** Where the guest disk is mounted (guest vmlinux, initramfs.cpio, bin/). */
  guestDir?: string;
  /** Xen dom0 modules loaded before the toolstack starts. */
  xenModules?: string[];
  /** The lab machine has an IOMMU and pass-through controllers (lab/passthrough.ts). */
  iommu?: boolean;
}

export const GUEST_DIR = "/guest";
export const LAB_SCRATCH = "/scratch";

const SEND_START = "# send FILE KIND FIELDS...";
const SEND_END = "load_modules() {";
const HELLO_START = '{\n  echo "kernel=$(uname -r)"';
const HELLO_END = "send /tmp/vmmb.cpuinfo CPUINFO\n";

/**
 * The guest init's frame writers (`send`, `note`, `run_step`) and its HELLO block, cut out of
 * guest/init-script.ts so that the lab frames steps exactly as a guest does.
 */
export function guestShellFunctions(kver: string): {functions: string; hello: string} {
  const script = initScript(kver);
  const a = script.indexOf(SEND_START);
  const b = script.indexOf(SEND_END, a);
  const c = script.indexOf(HELLO_START, b);
  const d = script.indexOf(HELLO_END, c);
  if (a < 0 || b < 0 || c < 0 || d < 0) {
    throw new ConfigError("guest/init-script.ts changed shape: the lab cannot find send/run_step/HELLO in it (update data-loaders/lab/script.ts)");
  }
  return {functions: script.slice(a, b), hello: script.slice(c, d + HELLO_END.length)};
}

/** The xl domain name of inner environment k. */
export function domainName(index: number): string {
  return `vmmb-env${index}`;
}

export function labScript(options: LabScriptOptions): string {
  const guest = options.guestDir ?? GUEST_DIR;
  const {functions, hello} = guestShellFunctions(options.kver);
  for (const env of options.envs) {
    if (env.kind.startsWith("xen-") && !options.xen) throw new ConfigError(`inner environment ${env.index} (${env.kind}) needs a Xen boot`);
    if (!env.kind.startsWith("xen-") && options.xen) throw new ConfigError(`inner environment ${env.index} (${env.kind}) cannot run in a Xen dom0 boot`);
    if (env.kind === "kvm" && !env.qemuArgv) throw new ConfigError(`inner environment ${env.index} (kvm) needs its QEMU command line`);
    if (env.diskMb > 0 && env.kind !== "native" && !env.diskDevice && !env.passthrough) throw new ConfigError(`inner environment ${env.index} (${env.kind}) has a disk but no lab device for it`);
    if (env.passthrough && !options.iommu) throw new ConfigError(`inner environment ${env.index} (${env.kind}) has a pass-through controller but the boot has no IOMMU`);
  }
  const M = CHANNEL_MAGIC;
  const lines: string[] = [
    "#!/bin/sh",
    "# vmmbench lab script (generated by data-loaders/lab/script.ts)",
    "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LC_ALL=C",
    "mount -t tmpfs -o mode=1777 tmpfs /tmp",
    "mkdir -p /dev/pts /dev/shm /run/lock /var/log/xen /var/run/xen",
    "mount -t devpts devpts /dev/pts",
    "mount -t tmpfs -o mode=1777 tmpfs /dev/shm",
    "hostname vmmbench-lab",
    `R=${LAB_RUN_DIR}`,
    "stty -F /dev/ttyS1 raw -echo 2>/dev/null",
    "exec 3>/dev/ttyS1",
    functions.trimEnd(),
    `vmmb_hello() {\n${hello.trimEnd()}\n}`,
    `mark() { read u _ < /proc/uptime; printf '\\n${M} MARK %s %s 0\\n' "$1" "$u" >&3; }`,
    `labnote() { echo "$*" > /tmp/vmmb.labnote; send /tmp/vmmb.labnote LABNOTE; echo "vmmbench-lab: $*"; }`,
    "mark init",
    "{",
    '  echo "kernel=$(uname -r)"',
    '  echo "nproc=$(nproc)"',
    '  while read -r k v rest; do [ "$k" = MemTotal: ] && echo "memtotal_kb=$v" && break; done < /proc/meminfo',
    '  while IFS=: read -r k v; do case "$k" in "model name"*) echo "cpu=${v# }"; break;; esac; done < /proc/cpuinfo',
    '  echo "qemu=$(qemu-system-x86_64 --version | head -n 1)"',
    '  echo "svm=$(grep -c -w svm /proc/cpuinfo)"',
    `  echo "xen=${options.xen ? 1 : 0}"`,
    '  read up _ < /proc/uptime; echo "uptime=$up"',
    '  echo "cmdline=$(cat /proc/cmdline)"',
    "} > /tmp/lab.facts 2>&1",
    "send /tmp/lab.facts LAB",
    `mkdir -p ${guest} ${LAB_SCRATCH}`,
    `mount -t ext4 -o ro,noatime /dev/vdb ${guest} || labnote "cannot mount the guest disk /dev/vdb"`,
    `mount -t ext4 -o noatime /dev/vdc ${LAB_SCRATCH} || labnote "cannot mount the scratch disk /dev/vdc; inner disks go to /tmp"`,
    "mkdir -p /opt/vmmbench",
    `ln -sfn ${guest}/bin /opt/vmmbench/bin`,
    "mark disks"
  ];

  if (options.xen) {
    const modules = options.xenModules ?? ["xen-evtchn", "xen-gntdev", "xen-gntalloc", "xen-privcmd", "xen-blkback", "loop", ...(options.iommu ? ["xen-pciback"] : [])];
    lines.push(
      ...modules.map((m) => `modprobe ${m} 2>/tmp/vmmb.mod || labnote "modprobe ${m}: $(cat /tmp/vmmb.mod)"`),
      "grep -q xenfs /proc/filesystems || modprobe xenfs 2>/dev/null",
      "mountpoint -q /proc/xen || mount -t xenfs xenfs /proc/xen",
      "mark xen-modules",
      "/etc/init.d/xen start > /tmp/xen.start 2>&1 || { labnote \"/etc/init.d/xen start failed: $(tail -n 5 /tmp/xen.start)\"; }",
      "mark xen-daemons",
      "xl info > /tmp/xl.info 2>&1 && send /tmp/xl.info XLINFO || labnote \"xl info failed: $(tail -n 3 /tmp/xl.info)\""
    );
  }

  lines.push(
    "# kvm_amd with the wanted paging (npt=1 nested, npt=0 shadow)",
    "kvm_paging() {",
    '  want=$1; have=""',
    '  [ -r /sys/module/kvm_amd/parameters/npt ] && have=$(cat /sys/module/kvm_amd/parameters/npt)',
    '  case "$want:$have" in 1:Y|1:1|0:N|0:0) return 0;; esac',
    '  [ -n "$have" ] && rmmod kvm_amd 2>/dev/null',
    '  modprobe kvm_amd npt="$want" 2>/tmp/vmmb.kvm || { labnote "modprobe kvm_amd npt=$want: $(cat /tmp/vmmb.kvm)"; return 1; }',
    "  n=0; while [ ! -c /dev/kvm ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done",
    '  [ -c /dev/kvm ] || { labnote "/dev/kvm did not appear after modprobe kvm_amd"; return 1; }',
    "  mark kvm-loaded",
    "}",
    "# what a stuck domain was doing, for the console kept with the run",
    "xen_diag() {",
    '  echo "--- xl list"; xl list',
    '  echo "--- xl dmesg (tail)"; xl dmesg | tail -n 30',
    '  echo "--- /var/log/xen"; for f in /var/log/xen/*; do [ -f "$f" ] && { echo "## $f"; tail -n 30 "$f"; }; done',
    '  echo "--- xenstore backends"; xenstore-ls -f /local/domain/0/backend 2>&1 | head -n 60',
    '  echo "--- processes"; ps -eo pid,stat,etime,args | tail -n 40',
    "}",
    "diskdir() { if mountpoint -q " + LAB_SCRATCH + "; then echo " + LAB_SCRATCH + "; else echo /tmp; fi; }"
  );
  if (options.envs.some((env) => env.meters)) lines.push(meterFunctions());
  if (options.iommu) lines.push("# --- pass-through (lab/passthrough.ts)", ptShell(options.xen));

  for (const env of options.envs) {
    const k = env.index;
    lines.push(`# --- inner environment ${k}: ${env.kind}${env.kind === "kvm" ? ` (${env.paging} paging)` : ""}`, `printf '\\n${M} ENV %s 0\\n' ${k} >&3`, "mark env-start", "rc=0");
    const body: string[] = [];
    switch (env.kind) {
      case "native":
        body.push(
          "(",
          `  d=$(diskdir)/env${k}; mkdir -p "$d"; cd "$d"`,
          `  export TMPDIR="$d"`,
          "  VMMB_STEPS=",
          `  . $R/env${k}.sh`,
          "  vmmb_hello",
          '  [ -n "$VMMB_STEPS" ] && vmmb_steps',
          `  printf '\\n${M} BYE 0\\n' >&3`,
          ")",
          "rc=$?"
        );
        break;
      case "kvm": {
        const argv = env.qemuArgv!.map((word) => (word.includes("$") ? `"${word}"` : shQuote(word))).join(" ");
        body.push(
          `if kvm_paging ${env.paging === "shadow" ? 0 : 1}; then`,
          `  cat ${guest}/initramfs.cpio $R/env${k}.cpio > /tmp/env${k}.initrd`,
          `  DISK=${env.diskDevice ?? ""}`,
          ...(env.meters ? kvmMetersBefore(k).map((line) => `  ${line}`) : []),
          "  mark inner-launch",
          `  timeout -s KILL ${Math.ceil(env.timeoutS)} ${argv} > /tmp/env${k}.qemu 2>&1`,
          "  rc=$?",
          ...(env.meters ? kvmMetersAfter(k).map((line) => `  ${line}`) : []),
          `  [ $rc = 137 ] && echo "vmmbench-lab: killed the KVM guest at its deadline (${Math.ceil(env.timeoutS)} s)" >> /tmp/env${k}.qemu`,
          `  cat /tmp/env${k}.console /tmp/env${k}.qemu > /tmp/env${k}.all 2>/dev/null`,
          `  send /tmp/env${k}.all CONSOLE ${k}`,
          `  rm -f /tmp/env${k}.initrd`,
          "else",
          "  rc=125",
          "fi"
        );
        break;
      }
      case "xen-pv":
      case "xen-pvh":
      case "xen-hvm":
        body.push(
          // HVM's device model copies the ramdisk in through fw_cfg port I/O (~90 KB/s in the lab): compressed, it is a third.
          `cat ${guest}/initramfs.cpio $R/env${k}.cpio${env.kind === "xen-hvm" ? " | gzip -1" : ""} > /tmp/env${k}.initrd`,
          `DISK=${env.diskDevice ?? ""}`,
          `chmod +x $R/block-hotplug.sh`,
          `sed "s#@DISK@#$DISK#" $R/env${k}.xl > /tmp/env${k}.xl`,
          "mark inner-launch",
          // xl's console reads stdin and quits at its end: give it a pipe that stays open.
          `rm -f /tmp/env${k}.in; mkfifo /tmp/env${k}.in`,
          `sleep 1000000 > /tmp/env${k}.in & keep=$!`,
          ...(env.meters ? xenTraceBefore(k, "$(diskdir)", env === options.envs.find((e) => e.meters)) : []),
          `( sleep ${Math.ceil(env.timeoutS)}; { echo "vmmbench-lab: destroying ${domainName(k)} at its deadline (${Math.ceil(env.timeoutS)} s)"; xen_diag; } >> /tmp/env${k}.xlerr 2>&1; xl destroy ${domainName(k)} ) > /dev/null 2>&1 & guard=$!`,
          `xl create -c /tmp/env${k}.xl < /tmp/env${k}.in >&3 2>>/tmp/env${k}.xlerr`,
          "rc=$?",
          "kill $guard $keep 2>/dev/null",
          `xl destroy ${domainName(k)} > /dev/null 2>&1`,
          ...(env.meters ? xenTraceAfter(k, "$(diskdir)") : []),
          `cat /tmp/env${k}.xl /tmp/env${k}.xlerr > /tmp/env${k}.all 2>/dev/null`,
          `send /tmp/env${k}.all CONSOLE ${k}`,
          `rm -f /tmp/env${k}.initrd`
        );
        break;
    }
    lines.push(...(env.passthrough ? ptWrap(k, env.passthrough, body) : body));
    lines.push(`printf '\\n${M} ENVEND %s %s 0\\n' ${k} "$rc" >&3`);
  }
  lines.push("cd /", "sync", "mark done", `printf '\\n${M} LABBYE 0\\n' >&3`, "exec 3>&-", "sleep 0.5", "/bin/busybox poweroff -f", "");
  return lines.join("\n");
}
