/** An ingest's verbatim copies in one tar archive: real `tar` reads it back byte for byte. */
import {execFileSync} from "node:child_process";
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterEach, beforeEach, describe, expect, it} from "vitest";
import {PENDING_BYTES, RawArchive, readRawOutput} from "../../data-loaders/store/raw-archive.ts";
import {sha256} from "../../data-loaders/store/raw.ts";

describe("RawArchive", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-raw-archive-"));
  });
  afterEach(() => rmSync(dir, {recursive: true, force: true}));

  it("writes a ustar archive that tar extracts to the same bytes, and records where each member starts", async () => {
    // Sizes around the 512-byte block, an empty file, binary bytes, two names longer than ustar's
    // 100 bytes that end alike (cut to 100 bytes, they were one member: a pax header keeps them whole).
    const sizes = [0, 1, 511, 512, 513, 5000, 7];
    const members = sizes.map((size, i) => ({
      name: i >= 5 ? `000${i}-${"long-".repeat(30)}name.txt` : `000${i}-out put ${size}.txt`,
      content: Buffer.from(Array.from({length: size}, (_, k) => (k * 31 + i) & 0xff)),
      format: "f"
    }));
    const archive = new RawArchive(dir, "ingest-1");
    const outputs = members.map((member) => archive.add(member));
    expect(outputs[3]).toEqual({sha256: sha256(members[3]!.content), path: join("runs", "ingest-1.tar"), bytes: 512, format: "f", offset: 512 * 6});
    await archive.drained();
    expect(existsSync(join(dir, "runs", "ingest-1.tar"))).toBe(false);
    await archive.finish();
    expect(readdirSync(join(dir, "runs"))).toEqual(["ingest-1.tar"]);
    for (const [i, output] of outputs.entries()) expect(readRawOutput(dir, output)).toEqual(members[i]!.content);

    const out = join(dir, "x");
    mkdirSync(out);
    execFileSync("tar", ["-xf", join(dir, "runs", "ingest-1.tar"), "-C", out]);
    const names = readdirSync(out).sort();
    expect(names).toHaveLength(7);
    expect(names).toContain("0003-out-put-512.txt");
    expect(names.filter((n) => n.endsWith("name.txt")).map((n) => n.length)).toEqual([163, 163]);
    for (const [i, member] of members.entries()) {
      const name = names.find((n) => n.startsWith(`000${i}-`))!;
      expect(readFileSync(join(out, name))).toEqual(member.content);
    }
    // tar's own listing reads every header (a wrong checksum is an error) and the end-of-archive blocks.
    expect(execFileSync("tar", ["-tvf", join(dir, "runs", "ingest-1.tar")], {encoding: "utf8"}).trim().split("\n")).toHaveLength(7);
  });

  it("leaves no partial archive when the disk is full, and never overwrites an archive", async () => {
    // The partial archive's name leads to /dev/full, where every write fails with ENOSPC.
    mkdirSync(join(dir, "runs"));
    symlinkSync("/dev/full", join(dir, "runs", "ingest-2.tar.partial"));
    const full = new RawArchive(dir, "ingest-2");
    // More than may wait for the disk, so drained() waits for the writes and sees them fail.
    full.add({name: "a", content: Buffer.alloc(PENDING_BYTES + 1), format: "f"});
    await expect(full.drained()).rejects.toThrow(/ENOSPC/);
    await expect(full.drained()).rejects.toThrow(/ENOSPC/);
    await expect(full.finish()).rejects.toThrow(/ENOSPC/);
    expect(readdirSync(join(dir, "runs"))).toEqual([]);

    const first = new RawArchive(dir, "ingest-3");
    first.add({name: "a", content: Buffer.from("a"), format: "f"});
    await first.finish();
    expect(() => new RawArchive(dir, "ingest-3")).toThrow(/already exists/);
  });

  it("removes what it wrote when the ingest is aborted, finished or not", async () => {
    const open = new RawArchive(dir, "ingest-4");
    open.add({name: "a", content: Buffer.alloc(1e6), format: "f"});
    await open.abort();
    const done = new RawArchive(dir, "ingest-5");
    done.add({name: "a", content: Buffer.from("a"), format: "f"});
    await done.finish();
    await done.abort();
    expect(readdirSync(join(dir, "runs"))).toEqual([]);
  });
});
