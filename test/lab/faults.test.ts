/**
 * How a lab boot fails, fast: a stand-in lab (the guest kernel + a tiny initramfs whose /init runs
 * the generated lab script, or panics, or hangs) booted by the real LabSession under QEMU TCG.
 * Each boot takes a few seconds; no Debian root is needed.
 */
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from "node:fs";
import {readFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {execa} from "execa";
import {beforeAll, describe, expect, it} from "vitest";
import {cpioArchive, type CpioEntry} from "../../data-loaders/guest/cpio.ts";
import {buildImage, type GuestImage} from "../../data-loaders/guest/image.ts";
import {LabSession} from "../../data-loaders/lab/session.ts";
import type {LabRoot} from "../../data-loaders/lab/root.ts";
import type {Step, StepOutput} from "../../data-loaders/targets/target.ts";
import {buildGuestProbe} from "../guest/helpers.ts";

let image: GuestImage;
let probe: string;
let busyboxApplets: string[];
let busybox: Buffer;

beforeAll(async () => {
  probe = await buildGuestProbe();
  image = await buildImage({probes: {guestprobe: probe}});
  busybox = await readFile("/bin/busybox");
  busyboxApplets = String((await execa("/bin/busybox", ["--list-full"])).stdout)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && l !== "bin/busybox" && !l.endsWith("/init") && l !== "linuxrc");
});

/** A stand-in lab root whose initramfs runs `init` (with the probe at /guest/bin/guestprobe). */
async function fakeLab(init: string): Promise<{lab: LabRoot; image: GuestImage; guestDisk: string}> {
  const dir = mkdtempSync(join(tmpdir(), "vmmb-fake-lab-"));
  const entries: CpioEntry[] = [
    {type: "file", path: "init", mode: 0o755, data: Buffer.from(init)},
    {type: "file", path: "bin/busybox", mode: 0o755, data: busybox},
    {type: "file", path: "guest/bin/guestprobe", mode: 0o755, data: await readFile(probe)},
    {type: "char", path: "dev/console", mode: 0o600, major: 5, minor: 1},
    {type: "char", path: "dev/ttyS1", mode: 0o660, major: 4, minor: 65},
    ...["proc", "sys", "run", "tmp", "vmmb-boot", "sbin", "usr/bin", "usr/sbin"].map((path): CpioEntry => ({type: "dir", path})),
    ...busyboxApplets.map((path): CpioEntry => ({type: "symlink", path, target: "/bin/busybox"}))
  ];
  writeFileSync(join(dir, "initrd.cpio"), cpioArchive(entries));
  for (const name of ["root.img", "guest.img"]) writeFileSync(join(dir, name), Buffer.alloc(1 << 20));
  const lab: LabRoot = {
    dir,
    hash: "0".repeat(64),
    rootImage: join(dir, "root.img"),
    vmlinux: image.kernel,
    vmlinuz: image.kernel,
    xen: "/nonexistent",
    initrd: join(dir, "initrd.cpio"),
    manifest: {kver: image.kver, kernelPackage: image.manifest.kernelPackage} as LabRoot["manifest"]
  };
  return {lab, image, guestDisk: join(dir, "guest.img")};
}

const RUN_LAB_SCRIPT = `#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run
cp -a /vmmb-boot /run/vmmb
exec sh /run/vmmb/lab.sh
`;

const step = (id: string, args: string[], timeoutS = 20): Step => ({id, probe: "guestprobe", args, timeoutS});

function session(prepared: Awaited<ReturnType<typeof fakeLab>>, extra: Partial<ConstructorParameters<typeof LabSession>[0]> = {}): LabSession {
  const s = new LabSession({probes: {guestprobe: probe}, prepared, cacheDir: mkdtempSync(join(tmpdir(), "vmmb-lab-cache-")), nativeDiskMb: 16, ...extra});
  s.add({label: "a", inner: "native", paging: "nested", vcpus: 1, memoryMb: 256, diskMb: 0});
  s.add({label: "b", inner: "native", paging: "nested", vcpus: 1, memoryMb: 256, diskMb: 0});
  return s;
}

describe("lab faults (stand-in lab under QEMU TCG)", () => {
  it("keeps what was measured when the lab kernel panics mid-batch, and says so for the rest", async () => {
    const s = session(await fakeLab(RUN_LAB_SCRIPT), {speculate: false});
    const outputs: StepOutput[] = [];
    await s.run("a", [step("a/r0/ok", ["args", "x"]), step("a/r0/panic", ["panic"]), step("a/r0/never", ["args"])], (o) => void outputs.push(o));
    expect(outputs.map((o) => o.id)).toEqual(["a/r0/ok", "a/r0/panic", "a/r0/never"]);
    expect(outputs[0]).toMatchObject({exitCode: 0, stdout: '{"args":["x"]}\n', timedOut: false});
    expect(outputs[1]).toMatchObject({exitCode: null, timedOut: false});
    expect(outputs[1]!.stderr).toMatch(/the lab machine stopped while this environment ran/);
    expect(outputs[1]!.stderr).toMatch(/Kernel panic|sysrq/i);
    expect(outputs[2]!.stderr).toMatch(/console tail \(.*console\.log\)/);
    const report = s.reports[0]!;
    expect(existsSync(join(report.runDir, "console.log"))).toBe(true);
    expect(readFileSync(join(report.runDir, "console.log"), "utf8")).toMatch(/Kernel panic/);
    expect(report.killed).toBeNull();
  });

  it("kills a lab that never reports at its boot timeout and keeps its console", async () => {
    const s = session(await fakeLab("#!/bin/sh\necho vmmbench-test: this lab hangs\nexec sleep 1000\n"), {bootTimeoutS: 8});
    const outputs: StepOutput[] = [];
    const started = Date.now();
    await s.run("a", [step("a/r0/ok", ["args"])], (o) => void outputs.push(o));
    expect(Date.now() - started).toBeLessThan(40_000);
    expect(outputs).toHaveLength(1);
    expect(outputs[0]).toMatchObject({id: "a/r0/ok", exitCode: null, timedOut: true});
    expect(outputs[0]!.stderr).toMatch(/killed by the host: no word from the lab machine within 8 s/);
    expect(outputs[0]!.stderr).toContain("vmmbench-test: this lab hangs");
    expect(s.reports[0]!.killed).toMatch(/no word/);
    expect(readFileSync(join(s.reports[0]!.runDir, "console.log"), "utf8")).toContain("this lab hangs");
  });

  it("runs a group's other environments in the same boot and hands their outputs over without booting again", async () => {
    const s = session(await fakeLab(RUN_LAB_SCRIPT));
    const a: StepOutput[] = [];
    await s.run("a", [step("a/r0/one", ["args", "1"]), step("a/r0/two", ["exit", "3"])], (o) => void a.push(o));
    expect(s.reports).toHaveLength(1);
    expect(s.reports[0]!.envs.map((e) => [e.label, e.steps])).toEqual([["a", 2], ["b", 2]]);
    const b: StepOutput[] = [];
    await s.run("b", [step("b/r0/one", ["args", "1"]), step("b/r0/two", ["exit", "3"])], (o) => void b.push(o));
    expect(s.reports).toHaveLength(1); // answered from the first boot
    expect(b.map((o) => [o.id, o.exitCode, o.stdout])).toEqual([["b/r0/one", 0, '{"args":["1"]}\n'], ["b/r0/two", 3, ""]]);
    // Different arguments are not answered from the buffer: a new boot.
    await s.run("b", [step("b/r1/one", ["args", "2"])], () => {});
    expect(s.reports).toHaveLength(2);
    const facts = await s.facts("b");
    expect(facts.guest.kernel).toBe(image.kver);
    expect(facts.lab.xen).toBe("0");
  });
});



