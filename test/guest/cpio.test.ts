import {execa} from "execa";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {ChannelParser} from "../../data-loaders/guest/channel.ts";
import {cpioArchive, readCpio, type CpioEntry} from "../../data-loaders/guest/cpio.ts";
import {batchScript} from "../../data-loaders/guest/initramfs.ts";
import {ConfigError} from "../../data-loaders/errors.ts";

describe("cpioArchive (newc)", () => {
  const entries: CpioEntry[] = [
    {type: "file", path: "/opt/x/probe", mode: 0o755, data: Buffer.from("#!/bin/sh\necho hi\n")},
    {type: "symlink", path: "bin/ls", target: "/bin/busybox"},
    {type: "char", path: "dev/console", major: 5, minor: 1},
    {type: "file", path: "init", mode: 0o755, data: Buffer.from("x")}
  ];

  it("is deterministic whatever the input order, and adds parent directories", () => {
    const a = cpioArchive(entries);
    const b = cpioArchive([...entries].reverse());
    expect(a.equals(b)).toBe(true);
    const paths = readCpio(a).map((e) => e.path);
    expect(paths).toEqual(["bin", "bin/ls", "dev", "dev/console", "init", "opt", "opt/x", "opt/x/probe"]);
    expect(a.length % 4).toBe(0);
  });

  it("round-trips modes, data, symlink targets and device numbers", () => {
    const back = new Map(readCpio(cpioArchive(entries)).map((e) => [e.path, e]));
    expect(back.get("opt/x/probe")!.mode).toBe(0o100755);
    expect(back.get("opt/x/probe")!.data.toString()).toBe("#!/bin/sh\necho hi\n");
    expect(back.get("bin/ls")!.mode).toBe(0o120777);
    expect(back.get("bin/ls")!.data.toString()).toBe("/bin/busybox");
    expect(back.get("dev/console")).toMatchObject({mode: 0o020600, rdevMajor: 5, rdevMinor: 1});
    expect(back.get("opt")!.mode).toBe(0o040755);
  });

  it("is read by GNU cpio (when installed) as the same tree", async () => {
    const probe = await execa("cpio", ["--version"], {reject: false});
    if (probe.exitCode !== 0) return;
    const listing = await execa("cpio", ["-t", "--quiet"], {input: cpioArchive(entries)});
    expect(listing.stdout.split("\n")).toEqual(["bin", "bin/ls", "dev", "dev/console", "init", "opt", "opt/x", "opt/x/probe"]);
  });

  it("rejects duplicate and escaping paths", () => {
    expect(() => cpioArchive([entries[0]!, entries[0]!])).toThrow(/duplicate/);
    expect(() => cpioArchive([{type: "dir", path: "a/../b"}])).toThrow(/bad path/);
  });
});

describe("ChannelParser", () => {
  const tricky = Buffer.concat([Buffer.from("x\n@VMMB1 BYE 0\nbinary"), Buffer.from([0, 0xff, 0x0a])]);
  const stream = Buffer.concat([
    Buffer.from("\r\nnoise before\n@VMMB1 HELLO 12\nkernel=6.1\n\n"),
    Buffer.from("\n@VMMB1 BEGIN 0 0\n"),
    // A payload that itself contains a frame mark must not be split.
    Buffer.from(`\n@VMMB1 OUT 0 ${tricky.length}\n`),
    tricky,
    Buffer.from("\n@VMMB1 END 0 0 0 1.50 2.25 0\n"),
    Buffer.from("\n@VMMB1 BYE 0\n")
  ]);

  it("parses whole streams and streams cut at every byte identically", () => {
    const whole = new ChannelParser().push(stream);
    expect(whole.map((f) => [f.kind, f.fields])).toEqual([
      ["HELLO", []],
      ["BEGIN", ["0"]],
      ["OUT", ["0"]],
      ["END", ["0", "0", "0", "1.50", "2.25"]],
      ["BYE", []]
    ]);
    expect(whole[0]!.payload.toString()).toBe("kernel=6.1\n\n");
    expect(whole[2]!.payload.equals(tricky)).toBe(true);
    for (let cut = 1; cut < stream.length; cut += 3) {
      const parser = new ChannelParser();
      const frames = [...parser.push(stream.subarray(0, cut)), ...parser.push(stream.subarray(cut))];
      expect(frames).toEqual(whole);
    }
    const bytewise = new ChannelParser();
    const frames = [...stream].flatMap((byte) => bytewise.push(Buffer.from([byte])));
    expect(frames).toEqual(whole);
  });
});

describe("batchScript", () => {
  it("passes arguments through the guest shell unchanged", async () => {
    const args = ["two words", "it's", "$HOME", "*", "", "back\\slash", "new\nline", '"dq"', "`id`"];
    const script = batchScript({steps: [{probe: "p", args, timeoutS: 1.5}], env: {A_B: "x'y"}});
    const dir = mkdtempSync(join(tmpdir(), "vmmbench-batch-"));
    try {
      writeFileSync(join(dir, "batch.sh"), script);
      const shell = 'run_step() { for a in "$@"; do printf "<%s>" "$a"; done; printf "|%s" "$A_B"; }; . ./batch.sh; [ "$VMMB_STEPS" = 1 ] && vmmb_steps';
      const sh = (await execa("busybox", ["--help"], {reject: false})).exitCode === 0 ? ["busybox", "sh"] : ["sh"];
      const result = await execa(sh[0]!, [...sh.slice(1), "-c", shell], {cwd: dir});
      expect(result.stdout).toBe(`<0><2></opt/vmmbench/bin/p>${args.map((a) => `<${a}>`).join("")}|x'y`);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it("refuses bad probe names, bad variable names and non-positive timeouts", () => {
    expect(() => batchScript({steps: [{probe: "../x", args: [], timeoutS: 1}]})).toThrow(ConfigError);
    expect(() => batchScript({steps: [], env: {"A-B": "1"}})).toThrow(ConfigError);
    expect(() => batchScript({steps: [{probe: "p", args: [], timeoutS: 0}]})).toThrow(ConfigError);
  });
});
