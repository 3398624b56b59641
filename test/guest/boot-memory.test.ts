import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {gzipSync} from "node:zlib";
import {afterAll, describe, expect, it} from "vitest";
import {bootMemoryMb, checkBootMemory} from "../../data-loaders/guest/boot-memory.ts";
import type {GuestImage} from "../../data-loaders/guest/image.ts";

describe("a QEMU guest's memory against its image", () => {
  const dir = mkdtempSync(join(tmpdir(), "vmmbench-guest-memory-"));
  afterAll(() => rmSync(dir, {recursive: true, force: true}));
  const image = (name: string, bytes: Buffer, compression: "none" | "gzip"): GuestImage => {
    writeFileSync(join(dir, name), bytes);
    return {initramfs: join(dir, name), manifest: {compression}} as unknown as GuestImage;
  };

  it("needs twice the unpacked initramfs plus the kernel's share: 168 MB for the 37 MB image that panicked at 160", () => {
    const big = image("big.cpio", Buffer.alloc(36_861_236), "none");
    expect(bootMemoryMb(big)).toBe(168);
    expect(() => checkBootMemory(168, big)).not.toThrow();
    expect(() => checkBootMemory(128, big)).toThrow(/^memory_mb 128 is too little to boot the guest image: its 35 MB initramfs is held twice while it unpacks, plus about 96 MB for the kernel; give it memory_mb: 168 or more$/);
    // The small image (no LINPACK) boots in the 128 MB plans allow.
    expect(bootMemoryMb(image("small.cpio", Buffer.alloc(5_558_724), "none"))).toBeLessThanOrEqual(112);
  });

  it("reads a gzip image's unpacked size from its trailer", () => {
    const packed = image("x.cpio.gz", gzipSync(Buffer.alloc(20 * 2 ** 20)), "gzip");
    expect(bootMemoryMb(packed)).toBe(136);
  });
});
