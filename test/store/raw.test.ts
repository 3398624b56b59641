import {mkdtempSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {keepRaw, labelFolder, sha256} from "../../data-loaders/store/raw.ts";

describe("raw outputs of a campaign", () => {
  const dir = mkdtempSync(join(tmpdir(), "vmmbench-raw-"));
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it("gives every label a folder of its own inside the run", () => {
    const labels = ["x y", "x-y", "x_y", "x--y", "x.y", "..", ".hidden", "ünï", "ünö", "a".repeat(64), `${"a".repeat(63)}b`];
    const folders = labels.map(labelFolder);
    expect(new Set(folders).size).toBe(labels.length);
    expect(labelFolder("native")).toBe("native");
    expect(labelFolder("lab-xen-pvh")).toBe("lab-xen-pvh");
    for (const folder of folders) {
      expect(folder).toMatch(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/);
      expect(folder).not.toBe("..");
    }
  });

  it("keeps two labels that once collided apart, each with the bytes its sha256 names", () => {
    const a = keepRaw(dir, "run-1", `${labelFolder("x y")}/r0-lmbench.jsonl`, "from x y\n", "f");
    const b = keepRaw(dir, "run-1", `${labelFolder("x-y")}/r0-lmbench.jsonl`, "from x-y\n", "f");
    expect(a.path).not.toBe(b.path);
    for (const raw of [a, b]) expect(sha256(readFileSync(join(dir, raw.path)))).toBe(raw.sha256);
  });

  it("refuses a name that leaves the run's folder", () => {
    expect(() => keepRaw(dir, "run-1", "../run-2/x.jsonl", "x", "f")).toThrow(/leaves its run's folder/);
    expect(() => keepRaw(dir, "run-1", "a/../../x.jsonl", "x", "f")).toThrow(/leaves its run's folder/);
  });
});
