/**
 * Whether a QEMU guest's memory_mb can boot the guest image. The kernel unpacks the initramfs
 * into a RAM file system while the packed archive is still in memory, so the image is held twice
 * during boot; too little memory ended in a panic ("System is deadlocked on memory", or init killed)
 * with every step failed and a console log to decode. Measured with Debian's 6.1 kernel under TCG
 * and the 37 MB initramfs that carries LINPACK: 160 MB failed, 168 MB booted; the kernel's own
 * share is taken as 96 MB, a little above what that leaves.
 */
import {closeSync, openSync, readSync, statSync} from "node:fs";
import {ConfigError} from "../errors.ts";
import type {GuestImage} from "./image.ts";

const KERNEL_MB = 96;

/** The memory (MB) a guest needs to boot `image`: twice its unpacked initramfs plus the kernel's share, rounded up to 8 MB. */
export function bootMemoryMb(image: GuestImage): number {
  const unpacked = unpackedBytes(image.initramfs, image.manifest.compression === "gzip");
  return Math.ceil((KERNEL_MB + (2 * unpacked) / 2 ** 20) / 8) * 8;
}

/** Throws a ConfigError that names the least memory_mb that boots, before anything is measured. */
export function checkBootMemory(memoryMb: number, image: GuestImage): void {
  const need = bootMemoryMb(image);
  if (memoryMb >= need) return;
  const initramfsMb = (unpackedBytes(image.initramfs, image.manifest.compression === "gzip") / 2 ** 20).toFixed(0);
  throw new ConfigError(
    `memory_mb ${memoryMb} is too little to boot the guest image: its ${initramfsMb} MB initramfs is held twice while it unpacks, ` +
      `plus about ${KERNEL_MB} MB for the kernel; give it memory_mb: ${need} or more`
  );
}

/** Size of the archive once unpacked: a gzip file says it in its last four bytes (ISIZE). */
function unpackedBytes(path: string, gzip: boolean): number {
  const size = statSync(path).size;
  if (!gzip) return size;
  const fd = openSync(path, "r");
  try {
    const tail = Buffer.alloc(4);
    readSync(fd, tail, 0, 4, size - 4);
    return tail.readUInt32LE(0);
  } finally {
    closeSync(fd);
  }
}
