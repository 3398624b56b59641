/**
 * What one lab boot needs on disk before QEMU starts: the boot's script (lab.sh) and per inner
 * environment its batch — a shell batch for the lab machine itself, an initramfs addition and an
 * L2 QEMU command line for a KVM guest, an initramfs addition and an xl config for a Xen domU —
 * packed into the lab's initrd; fresh ext4 disks for the lab and each inner guest; and the lab's
 * own QEMU command line, kept as qemu.args with plan.json beside it.
 */
import {readFile, stat, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {ConfigError} from "../errors.ts";
import {cpioArchive, type CpioEntry} from "../guest/cpio.ts";
import type {GuestImage} from "../guest/image.ts";
import {batchScript} from "../guest/initramfs.ts";
import {SCRATCH_DIR} from "../guest/init-script.ts";
import {launchLine, makeScratchDisk} from "../guest/run-files.ts";
import type {Step} from "../targets/target.ts";
import {MINIMAL_BLOCK_HOTPLUG, domuBatchPrelude, xlConfig} from "../targets/xen.ts";
import {LAB_RUN_DIR, bootArchive, concatArchives} from "./initrd.ts";
import type {LabRoot} from "./root.ts";
import {kvmMeterPipe} from "./meters-script.ts";
import {GUEST_DIR, domainName, labScript, type ScriptEnv} from "./script.ts";
import type {LabEnvSpec} from "./session.ts";

export interface LabBootInput {
  group: string;
  xen: boolean;
  specs: LabEnvSpec[];
  plan: Map<string, Step[]>;
  lab: LabRoot;
  image: GuestImage;
  guestDisk: string;
  runDir: string;
  labVcpus: number;
  labMemoryMb: number;
  /** Seconds beyond each step's timeout, and an inner guest's boot allowance. */
  slackS: number;
  innerBootS: number;
  /** Scratch disk of the lab machine itself, MB. */
  nativeDiskMb: number;
  qemu: string;
}

export interface LabBootFiles {
  /** The lab's QEMU arguments, and the same as a shell line with the run directory as $RUN. */
  args: string[];
  labLaunch: string;
  scriptEnvs: ScriptEnv[];
  /** Per environment index: the inner launch (L2 QEMU command line, xl config, or the lab itself). */
  launches: Map<number, string>;
  innerDisks: Array<{file: string; sizeMb: number}>;
}

export async function writeLabBoot(input: LabBootInput): Promise<LabBootFiles> {
  const {group, xen, specs, plan, lab, image, guestDisk, runDir, labVcpus, labMemoryMb, slackS, innerBootS} = input;
  // Files of this boot: lab.sh, and per environment its batch (+ xl config).
  const files: Record<string, Buffer | string> = {};
  const scriptEnvs: ScriptEnv[] = [];
  const guestInitramfsBytes = (await stat(image.initramfs)).size;
  const domu = xen ? await domuModules(lab) : undefined;
  const launches = new Map<number, string>();
  const innerDisks: Array<{file: string; sizeMb: number}> = [];
  specs.forEach((spec, index) => {
    const steps = plan.get(spec.label)!;
    const batchSteps = steps.map(({probe, args, timeoutS}) => ({probe, args, timeoutS}));
    const env: Record<string, string> = {};
    const timeoutS = (spec.inner === "native" ? 60 : innerBootS) + steps.reduce((sum, s) => sum + s.timeoutS + slackS, 0);
    const disk = spec.inner !== "native" && spec.diskMb > 0;
    // Inner disks: fresh ext4 images made here (fast) and attached to the lab after root, guest and scratch (vdd, vde…).
    const diskDevice = disk ? `/dev/vd${String.fromCharCode("d".charCodeAt(0) + innerDisks.length)}` : undefined;
    if (disk) innerDisks.push({file: join(runDir, `env${index}.img`), sizeMb: spec.diskMb});
    const scriptEnv: ScriptEnv = {index, kind: spec.inner, paging: spec.paging, vcpus: spec.vcpus, memoryMb: spec.memoryMb, diskMb: disk ? spec.diskMb : 0, diskDevice, timeoutS};
    // The hypervisor's side of the meters: a KVM guest marks its spans on its third serial port, a domU in dom0's trace.
    const meters = spec.inner !== "native" && (spec.meters ?? "rep") !== "off";
    if (meters) {
      scriptEnv.meters = true;
      Object.assign(env, spec.inner === "kvm" ? {VMMB_METER_PORT: "/dev/ttyS2"} : {VMMB_XEN_MARKS: "1"});
    }
    switch (spec.inner) {
      case "native":
        files[`env${index}.sh`] = batchScript({steps: batchSteps, env, disk: false});
        launches.set(index, "(the lab machine itself)");
        break;
      case "kvm": {
        const batch = batchScript({steps: batchSteps, env: {...env, ...(disk ? {TMPDIR: SCRATCH_DIR} : {})}, disk});
        files[`env${index}.cpio`] = paddedArchive(guestInitramfsBytes, batchCpio(batch));
        scriptEnv.qemuArgv = [
          "qemu-system-x86_64", "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot", "-M", "pc",
          "-accel", "kvm", "-cpu", "host", "-smp", String(spec.vcpus), "-m", String(spec.memoryMb),
          "-kernel", `${GUEST_DIR}/vmlinux`, "-initrd", `/tmp/env${index}.initrd`,
          "-append", "console=ttyS0 panic=-1 tsc=reliable quiet",
          "-serial", `file:/tmp/env${index}.console`, "-serial", "file:/dev/ttyS1",
          ...(meters ? ["-serial", `pipe:${kvmMeterPipe(index)}`] : []),
          ...(disk ? ["-drive", `file=${diskDevice},if=virtio,format=raw,cache=none`] : [])
        ];
        launches.set(index, scriptEnv.qemuArgv.join(" "));
        break;
      }
      case "xen-pv":
      case "xen-pvh": {
        const type = spec.inner === "xen-pv" ? "pv" : "pvh";
        const insmods = domu!.paths.map((path) => `/lib/modules/${lab.manifest.kver}/${path}`);
        const batch = `${domuBatchPrelude(type, disk ? insmods : [])}${batchScript({steps: batchSteps, env: {...env, ...(disk ? {TMPDIR: SCRATCH_DIR} : {})}, disk})}`;
        files[`env${index}.cpio`] = paddedArchive(guestInitramfsBytes + alignedLength(guestInitramfsBytes, domu!.archive.length), batchCpio(batch));
        const config = xlConfig({
          name: domainName(index),
          type,
          kernel: `${GUEST_DIR}/vmlinux`,
          ramdisk: `/tmp/env${index}.initrd`,
          memoryMb: spec.memoryMb,
          vcpus: spec.vcpus,
          ...(disk ? {disk: "@DISK@", diskScript: `${LAB_RUN_DIR}/block-hotplug.sh`} : {})
        });
        files[`env${index}.xl`] = config;
        launches.set(index, config);
        break;
      }
    }
    scriptEnvs.push(scriptEnv);
  });
  if (xen) {
    files["domu-modules.cpio"] = paddedArchive(guestInitramfsBytes, domu!.archive);
    files["block-hotplug.sh"] = MINIMAL_BLOCK_HOTPLUG;
  }
  const script = labScript({kver: lab.manifest.kver, xen, envs: scriptEnvs});
  files["lab.sh"] = script;
  await writeFile(join(runDir, "lab.sh"), script);
  await writeFile(join(runDir, "initrd"), concatArchives([await readFile(lab.initrd), bootArchive(files)]));
  if (innerDisks.length > 20) throw new ConfigError("a lab boot can attach at most 20 inner disks");
  await makeScratchDisk(join(runDir, "scratch.img"), input.nativeDiskMb);
  for (const disk of innerDisks) await makeScratchDisk(disk.file, disk.sizeMb);

  const kernelArgs = "console=ttyS0 panic=-1 tsc=reliable quiet";
  const args = [
    "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot", "-M", "pc",
    "-accel", "tcg,thread=multi", "-cpu", "max", "-smp", String(labVcpus), "-m", String(labMemoryMb),
    ...(xen
      ? [
          "-kernel", lab.xen,
          "-append", `console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=1 smap=0 loglvl=warning guest_loglvl=warning`,
          "-initrd", `${lab.vmlinuz} console=hvc0 panic=-1 quiet,${join(runDir, "initrd")}`
        ]
      : ["-kernel", lab.vmlinux, "-initrd", join(runDir, "initrd"), "-append", kernelArgs]),
    "-serial", `file:${join(runDir, "console.log")}`,
    "-serial", `file:${join(runDir, "channel.bin")}`,
    "-drive", `file=${lab.rootImage},if=virtio,format=raw,snapshot=on`,
    "-drive", `file=${guestDisk},if=virtio,format=raw,readonly=on`,
    "-drive", `file=${join(runDir, "scratch.img")},if=virtio,format=raw,cache=none`,
    ...innerDisks.flatMap((disk) => ["-drive", `file=${disk.file},if=virtio,format=raw,cache=none`])
  ];
  if (xen && (join(runDir, "initrd").includes(",") || lab.vmlinuz.includes(","))) throw new ConfigError("the lab's paths may not contain commas (QEMU's multiboot module list)");
  const labLaunch = launchLine(input.qemu, args, runDir);
  await writeFile(join(runDir, "qemu.args"), `${labLaunch}\n`);
  await writeFile(join(runDir, "plan.json"), `${JSON.stringify({group, envs: specs.map((s, i) => ({...s, index: i, steps: plan.get(s.label)!.map((st) => st.id)}))}, null, 2)}\n`);

  return {args, labLaunch, scriptEnvs, launches, innerDisks};
}

/** xen-blkfront (and what it needs) for the guest image as a domU, in the lab root's load order. */
async function domuModules(lab: LabRoot): Promise<{archive: Buffer; paths: string[]}> {
    const order = (await readFile(join(lab.domuModules, "load-order"), "utf8")).split("\n").filter(Boolean);
    const entries: CpioEntry[] = [];
    for (const path of order) {
      entries.push({type: "file", path: `lib/modules/${lab.manifest.kver}/${path}`, data: await readFile(join(lab.domuModules, "lib/modules", lab.manifest.kver, path))});
    }
    return {archive: cpioArchive(entries, {inodeBase: 700000}), paths: order};
  }
function batchCpio(script: string): Buffer {
  return cpioArchive([{type: "file", path: "vmmbench/batch.sh", data: Buffer.from(script)}], {inodeBase: 900000});
}

function alignedLength(offset: number, length: number): number {
  return (4 - (offset % 4)) % 4 + length;
}

/** An archive to be appended (by `cat`) after `offset` bytes: prefixed with the zero padding that aligns it. */
export function paddedArchive(offset: number, archive: Buffer): Buffer {
  return Buffer.concat([Buffer.alloc((4 - (offset % 4)) % 4), archive]);
}
