/**
 * Real image builds: the Debian kernel is fetched once into <repo>/.cache/kernels (apt-get download,
 * ~10 s the first time), then every build is offline.
 */
import {execFileSync} from "node:child_process";
import {readFileSync, rmSync} from "node:fs";
import {beforeAll, describe, expect, it} from "vitest";
import {readCpio} from "../../data-loaders/guest/cpio.ts";
import {buildImage, loadImage} from "../../data-loaders/guest/image.ts";
import {buildInitramfs, elfInterpreter} from "../../data-loaders/guest/initramfs.ts";
import {obtainKernel} from "../../data-loaders/guest/kernel.ts";
import {ConfigError, MissingDependencyError} from "../../data-loaders/errors.ts";
import {buildProbes} from "../../data-loaders/probes/build.ts";
import {buildGuestProbe} from "./helpers.ts";

let probe: string;
beforeAll(async () => {
  probe = await buildGuestProbe();
});

describe("guest image", () => {
  it("is reproducible: same inputs, same hash, same bytes (also after the cache entry is deleted)", async () => {
    const first = await buildImage({probes: {guestprobe: probe}});
    const again = await buildImage({probes: {guestprobe: probe}});
    expect(again.hash).toBe(first.hash);
    expect(again.cached).toBe(true);
    const bytes = readFileSync(first.initramfs);
    rmSync(first.dir, {recursive: true, force: true});
    const rebuilt = await buildImage({probes: {guestprobe: probe}});
    expect(rebuilt.hash).toBe(first.hash);
    expect(rebuilt.cached).toBe(false);
    expect(readFileSync(rebuilt.initramfs).equals(bytes)).toBe(true);
    expect((await loadImage(rebuilt.dir)).manifest).toEqual(rebuilt.manifest);

    const other = await buildImage({probes: {guestprobe: probe, second: probe}});
    expect(other.hash).not.toBe(first.hash);
  });

  it("holds init, busybox applets, the probes and the modules with modules.dep", async () => {
    const kernel = await obtainKernel();
    expect(kernel.kver).toMatch(/-amd64$/);
    expect(readFileSync(kernel.vmlinux).subarray(0, 4).toString("latin1")).toBe("\x7fELF");
    const {bytes} = await buildInitramfs({kernel, probes: {guestprobe: probe}});
    const entries = new Map(readCpio(bytes).map((e) => [e.path, e]));
    expect(entries.get("init")!.mode).toBe(0o100755);
    expect(entries.get("init")!.data.toString()).toMatch(/^#!\/bin\/sh\n/);
    expect(entries.get("bin/sh")!.data.toString()).toBe("/bin/busybox");
    expect(entries.get("sbin/insmod")).toBeDefined();
    expect(entries.get("opt/vmmbench/bin/guestprobe")!.mode).toBe(0o100755);
    const modroot = `lib/modules/${kernel.kver}`;
    expect(entries.get(`${modroot}/kernel/fs/ext4/ext4.ko`)).toBeDefined();
    expect(entries.get(`${modroot}/modules.dep`)!.data.toString()).toMatch(/kernel\/fs\/ext4\/ext4\.ko: .*jbd2\.ko/);
    const order = entries.get(`${modroot}/load-order`)!.data.toString().trim().split("\n");
    expect(order.indexOf("kernel/fs/jbd2/jbd2.ko")).toBeLessThan(order.indexOf("kernel/fs/ext4/ext4.ko"));
    expect(order.indexOf("kernel/drivers/virtio/virtio.ko")).toBeLessThan(order.indexOf("kernel/drivers/block/virtio_blk.ko"));
  });

  it("carries the loader and libraries ldd lists for a dynamic probe at their paths, unless told not to", async () => {
    const kernel = await obtainKernel();
    const bins = await buildProbes({probes: ["vmmbench-lat"]});
    const probes = {"vmmbench-lat": bins["vmmbench-lat"]!, "vmmbench-lat-dyn": bins["vmmbench-lat-dyn"]!};
    const ldd = [...execFileSync("ldd", [probes["vmmbench-lat-dyn"]], {encoding: "utf8"}).matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]!);
    expect(ldd).toContain(elfInterpreter(readFileSync(probes["vmmbench-lat-dyn"])));

    const carried = await buildInitramfs({kernel, probes});
    expect(Object.keys(carried.libraries)).toEqual([...ldd].sort());
    const entries = new Map(readCpio(carried.bytes).map((e) => [e.path, e]));
    for (const path of ldd) expect(entries.get(path.slice(1))!.data.equals(readFileSync(path)), path).toBe(true);
    expect(entries.get("etc/vmmbench-image")!.data.toString()).toContain(`libraries=${[...ldd].sort().join(",")}`);

    const bare = await buildInitramfs({kernel, probes, sharedLibraries: false});
    expect(bare.libraries).toEqual({});
    expect(readCpio(bare.bytes).some((e) => e.path.startsWith("lib64/"))).toBe(false);
    // Static probes need nothing.
    expect((await buildInitramfs({kernel, probes: {guestprobe: probe}})).libraries).toEqual({});
  });

  it("refuses a dynamically linked busybox and an unreadable probe", async () => {
    const kernel = await obtainKernel();
    await expect(buildInitramfs({kernel, probes: {}, busybox: "/bin/ls"})).rejects.toThrow(MissingDependencyError);
    await expect(buildInitramfs({kernel, probes: {p: "/nonexistent/probe"}})).rejects.toThrow(ConfigError);
    await expect(buildInitramfs({kernel, probes: {"a/b": probe}})).rejects.toThrow(ConfigError);
  });
});
