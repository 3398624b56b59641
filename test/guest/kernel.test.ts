import {execa} from "execa";
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {gzipSync} from "node:zlib";
import {afterAll, describe, expect, it} from "vitest";
import {collectModules, extractVmlinux, modulesDep, obtainKernel, parseModinfoDepends} from "../../data-loaders/guest/kernel.ts";
import {ConfigError, MissingDependencyError} from "../../data-loaders/errors.ts";

const fakeElf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(4000, 7)]);
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, {recursive: true, force: true})));

describe("extractVmlinux", () => {
  it("finds a gzip payload after a setup header, ignoring trailing bytes", async () => {
    const vmlinuz = Buffer.concat([Buffer.alloc(1000, 0x90), Buffer.from([0x1f, 0x8b, 0x08]), Buffer.alloc(10), gzipSync(fakeElf), Buffer.alloc(64, 0xee)]);
    expect((await extractVmlinux(vmlinuz)).equals(fakeElf)).toBe(true);
  });

  it("finds an xz payload (how Debian compresses its kernels)", async () => {
    const xz = await execa("xz", ["-c", "--check=crc32"], {input: fakeElf, encoding: "buffer", reject: false});
    if (xz.exitCode !== 0) return;
    const vmlinuz = Buffer.concat([Buffer.alloc(512, 1), Buffer.from(xz.stdout), Buffer.alloc(100, 0xaa)]);
    expect((await extractVmlinux(vmlinuz)).equals(fakeElf)).toBe(true);
  });

  it("says what it tried when there is no kernel inside", async () => {
    await expect(extractVmlinux(Buffer.alloc(2000, 3))).rejects.toThrow(ConfigError);
  });
});

describe("modules", () => {
  const ko = (depends: string) => Buffer.concat([Buffer.from("\x7fELF...."), Buffer.from(`\0license=GPL\0depends=${depends}\0name=x\0`)]);

  it("reads depends= from .modinfo", () => {
    expect(parseModinfoDepends(ko("jbd2,mbcache,crc16"))).toEqual(["jbd2", "mbcache", "crc16"]);
    expect(parseModinfoDepends(ko(""))).toEqual([]);
    expect(parseModinfoDepends(ko("virtio-ring"))).toEqual(["virtio_ring"]);
  });

  it("collects the closure in load order and writes modules.dep", async () => {
    const root = mkdtempSync(join(tmpdir(), "vmmbench-mods-"));
    dirs.push(root);
    const put = (path: string, depends: string) => {
      mkdirSync(join(root, path, ".."), {recursive: true});
      writeFileSync(join(root, path), ko(depends));
    };
    put("kernel/fs/ext4/ext4.ko", "jbd2,mbcache,crc16");
    put("kernel/fs/jbd2/jbd2.ko", "");
    put("kernel/fs/mbcache.ko", "");
    put("kernel/lib/crc16.ko", "");
    put("kernel/drivers/unused.ko", "");
    writeFileSync(join(root, "modules.builtin"), "kernel/lib/builtin_one.ko\n");
    const modules = await collectModules(root, ["ext4", "builtin_one"]);
    expect(modules.map((m) => m.name)).toEqual(["crc16", "jbd2", "mbcache", "ext4"]);
    expect(modulesDep(modules)).toContain("kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/jbd2/jbd2.ko kernel/fs/mbcache.ko\n");
    await expect(collectModules(root, ["nope"])).rejects.toThrow(/neither a module nor built in/);
  });
});

describe("obtainKernel", () => {
  it("names the package and the apt-get line when the download fails", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "vmmbench-kcache-"));
    dirs.push(cacheDir);
    const error = await obtainKernel({package: "linux-image-0.0.0-0-nonexistent-amd64", cacheDir}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingDependencyError);
    expect((error as MissingDependencyError).message).toMatch(/linux-image-0\.0\.0-0-nonexistent-amd64.*apt-get download|apt-get/);
    expect((error as MissingDependencyError).install).toContain("apt-get download linux-image-0.0.0-0-nonexistent-amd64");
  });

  it("refuses a package name that is not a kernel image", async () => {
    await expect(obtainKernel({package: "bash; rm -rf /"})).rejects.toThrow(ConfigError);
  });
});
