/**
 * The SSH target against a real OpenSSH server on 127.0.0.1 (test/helpers/sshd.ts), started and
 * stopped by these tests. Skipped with a message when /usr/sbin/sshd is missing
 * (apt-get install -y openssh-server openssh-client).
 */
import {execFileSync} from "node:child_process";
import {copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync} from "node:fs";
import {createServer} from "node:net";
import {hostname, tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {ConfigError} from "../../data-loaders/errors.ts";
import {SshTarget, shellQuote, type SshTargetOptions} from "../../data-loaders/targets/ssh.ts";
import type {Step, StepOutput} from "../../data-loaders/targets/target.ts";
import {ROOT} from "../helpers/shared.ts";
import {buildFakeProbe, SSHD_SKIP_REASON, startSshd, type Sshd} from "../helpers/sshd.ts";

const HAVE_PROBE_BUILD = existsSync(join(ROOT, "data-loaders", "probes", "build.ts"));

let sshd: Sshd;
let dir: string;
let probe: string;

function options(extra: Partial<SshTargetOptions> = {}): SshTargetOptions {
  return {
    label: "ssh-test",
    destination: sshd.destination,
    port: sshd.port,
    identityFile: sshd.identityFile,
    knownHostsFile: sshd.knownHostsFile,
    strictHostKeyChecking: "accept-new",
    // Keep the CI user's ~/.ssh/config out of it.
    sshOptions: ["-F", "/dev/null"],
    probes: {fake: probe},
    ...extra
  };
}

async function runAll(target: SshTarget, steps: Step[]): Promise<StepOutput[]> {
  const outputs: StepOutput[] = [];
  await target.run(steps, (output) => void outputs.push(output));
  return outputs;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as {port: number}).port;
      server.close(() => resolve(port));
    });
  });
}

describe.skipIf(SSHD_SKIP_REASON !== null)("SshTarget against a real sshd", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-sshtest-"));
    probe = await buildFakeProbe(dir);
    sshd = await startSshd();
  });

  afterAll(async () => {
    await sshd?.stop();
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  it("runs steps remotely, keeps stdout, stderr and exit codes apart, reports signals", async () => {
    const target = new SshTarget(options());
    try {
      const outputs = await runAll(target, [
        {id: "json", probe: "fake", args: ["json", "lat_syscall", "0.25"], timeoutS: 20},
        {id: "exit3", probe: "fake", args: ["exit", "3"], timeoutS: 20},
        {id: "quoting", probe: "fake", args: ["args", "two words", "it's", '"dq"', "$HOME", "`id`", "*", "a\nb", "; rm -rf /", ""], timeoutS: 20},
        {id: "segv", probe: "fake", args: ["signal", "11"], timeoutS: 20},
        {id: "exit124", probe: "fake", args: ["exit", "124"], timeoutS: 20}
      ]);
      expect(outputs.map((o) => o.id)).toEqual(["json", "exit3", "quoting", "segv", "exit124"]);
      expect(outputs[0]).toMatchObject({stdout: '{"metric":"lat_syscall","value":0.25}\n', stderr: "", exitCode: 0, signal: null, timedOut: false});
      expect(outputs[1]).toMatchObject({stdout: '{"exiting":3}\n', stderr: "fake probe: failing on purpose\n", exitCode: 3, signal: null, timedOut: false});
      expect(JSON.parse(outputs[2]!.stdout)).toEqual({args: ["two words", "it's", '"dq"', "$HOME", "`id`", "*", "a\nb", "; rm -rf /", ""]});
      expect(outputs[3]).toMatchObject({exitCode: null, signal: "SIGSEGV", timedOut: false});
      // A probe's own 124 (long before its deadline) is not mistaken for timeout(1)'s.
      expect(outputs[4]).toMatchObject({exitCode: 124, signal: null, timedOut: false});
      for (const output of outputs) expect(output.durationMs).toBeGreaterThan(0);
    } finally {
      await target.close();
    }
  });

  it("kills a hanging step at its timeout and still runs the next step", async () => {
    const target = new SshTarget(options({killGraceS: 1}));
    try {
      const started = Date.now();
      const outputs = await runAll(target, [
        {id: "hang", probe: "fake", args: ["fork-sleep", "60"], timeoutS: 1.5},
        {id: "after", probe: "fake", args: ["json", "after", "2"], timeoutS: 20}
      ]);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(outputs[0]).toMatchObject({id: "hang", stdout: '{"sleeping":60}\n', exitCode: null, timedOut: true});
      expect(outputs[0]!.signal).toMatch(/^SIG(TERM|KILL)$/);
      expect(outputs[0]!.durationMs).toBeGreaterThanOrEqual(1400);
      expect(outputs[1]).toMatchObject({id: "after", stdout: '{"metric":"after","value":2}\n', exitCode: 0, timedOut: false});
      // The forked sleeper went with its process group.
      const left = execFileSync("ps", ["-eo", "args"], {encoding: "utf8"}).split("\n").filter((line) => line.includes("fork-sleep 60"));
      expect(left).toEqual([]);
    } finally {
      await target.close();
    }
  });

  it("copies each probe once, skips unchanged binaries, and removes its remote dir on close", async () => {
    const target = new SshTarget(options());
    const step = (id: string): Step => ({id, probe: "fake", args: ["json"], timeoutS: 20});
    const remoteDirs = () => readdirSync("/tmp").filter((name) => /^vmmbench\.[A-Za-z0-9]{6}$/.test(name));
    const before = new Set(remoteDirs());
    const masters = () => execFileSync("ps", ["-eo", "args"], {encoding: "utf8"}).split("\n").filter((line) => /^ssh: \/.*vmmbench-ssh-.*\[mux\]/.test(line));
    const othersMasters = new Set(masters());
    try {
      await runAll(target, [step("a")]);
      const created = remoteDirs().filter((name) => !before.has(name));
      expect(created).toHaveLength(1);
      const remoteProbe = join("/tmp", created[0]!, "fake");
      const inode = execFileSync("stat", ["-c", "%i %Y", remoteProbe], {encoding: "utf8"});
      await runAll(target, [step("b"), step("c")]);
      expect(execFileSync("stat", ["-c", "%i %Y", remoteProbe], {encoding: "utf8"})).toBe(inode);
      // This target's masters (other vmmbench processes on the machine may run their own).
      const mine = masters().filter((line) => !othersMasters.has(line));
      expect(mine.length).toBeGreaterThan(0);
      await target.close();
      expect(existsSync(join("/tmp", created[0]!))).toBe(false);
      // The control master is gone with its socket dir.
      for (const line of mine) expect(existsSync(/^ssh: (\S+) /.exec(line)![1]!)).toBe(false);
      expect(masters().filter((line) => mine.includes(line))).toEqual([]);
    } finally {
      await target.close();
    }
  });

  it("keeps a given remoteDir and re-copies only a changed binary", async () => {
    const remoteDir = join(dir, "remote");
    const localCopy = join(dir, "fake-copy");
    copyFileSync(probe, localCopy);
    const first = new SshTarget(options({remoteDir, probes: {fake: localCopy}}));
    await runAll(first, [{id: "a", probe: "fake", args: ["json"], timeoutS: 20}]);
    await first.close();
    expect(existsSync(join(remoteDir, "fake"))).toBe(true);
    const inode = execFileSync("stat", ["-c", "%i", join(remoteDir, "fake")], {encoding: "utf8"});

    // Same bytes: a new target finds the checksum equal and does not copy.
    const second = new SshTarget(options({remoteDir, probes: {fake: localCopy}}));
    await runAll(second, [{id: "b", probe: "fake", args: ["json"], timeoutS: 20}]);
    expect(execFileSync("stat", ["-c", "%i", join(remoteDir, "fake")], {encoding: "utf8"})).toBe(inode);
    await second.close();

    // Changed bytes: copied again (a new file renamed into place).
    execFileSync("sh", ["-c", `printf 'x' >> ${shellQuote(localCopy)}`]);
    const third = new SshTarget(options({remoteDir, probes: {fake: localCopy}, removeRemoteDir: true}));
    const [output] = await runAll(third, [{id: "c", probe: "fake", args: ["json"], timeoutS: 20}]);
    expect(output).toMatchObject({exitCode: 0});
    expect(execFileSync("stat", ["-c", "%i", join(remoteDir, "fake")], {encoding: "utf8"})).not.toBe(inode);
    await third.close();
    expect(existsSync(remoteDir)).toBe(false);
  });

  it("fingerprints the remote machine in one ssh call", async () => {
    const target = new SshTarget(options({label: "lab"}));
    try {
      const fingerprint = await target.fingerprint();
      expect(fingerprint).toMatchObject({environment: "lab", launch: `ssh ${sshd.destination}:${sshd.port}`, host: hostname(), passthrough: false});
      expect(fingerprint.kernel).toBe(execFileSync("uname", ["-r"], {encoding: "utf8"}).trim());
      expect(fingerprint.guestOs).not.toBe("unknown");
      expect(fingerprint.cpuModel).not.toBe("unknown");
      expect(fingerprint.vcpus).toBeGreaterThan(0);
      expect(fingerprint.memoryMb).toBeGreaterThan(0);
      expect(["none", "kvm", "xen", "qemu-tcg"]).toContain(fingerprint.hypervisor);
      expect(fingerprint.extra.host_virtualized).toMatch(/\S/);
      const second = new SshTarget(options({hypervisor: "kvm", mode: "kvm", passthrough: true}));
      expect(await second.fingerprint().finally(() => second.close())).toMatchObject({hypervisor: "kvm", mode: "kvm", passthrough: true});
      // One connection: sshd logged a single login for the fingerprint of `target`, none for a second call.
      const logins = () => (sshd.log().match(/Accepted publickey/g) ?? []).length;
      const before = logins();
      await target.fingerprint();
      expect(logins()).toBe(before);
    } finally {
      await target.close();
    }
  });

  it("fails fast with a clear error when nothing listens on the port", async () => {
    const port = await closedPort();
    const target = new SshTarget(options({port}));
    const started = Date.now();
    const error = await target.fingerprint().catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/Connection refused/);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    await expect(runAll(target, [{id: "x", probe: "fake", args: [], timeoutS: 5}])).rejects.toThrow(/Connection refused/);
    await target.close();
  });

  it("fails with a clear auth error for a key the server does not accept", async () => {
    const target = new SshTarget(options({identityFile: sshd.badIdentityFile}));
    const started = Date.now();
    const error = await target.fingerprint().catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/Permission denied \(publickey\)/);
    await target.close();
  });

  it("refuses an unknown host key under strictHostKeyChecking=yes", async () => {
    const knownHostsFile = join(dir, "empty_known_hosts");
    execFileSync("sh", ["-c", `: > ${shellQuote(knownHostsFile)}`]);
    const target = new SshTarget(options({strictHostKeyChecking: "yes", knownHostsFile}));
    await expect(target.fingerprint()).rejects.toThrow(/Host key verification failed/);
    await target.close();
  });

  it("validates its options", () => {
    expect(() => new SshTarget(options({destination: "-oProxyCommand=evil"}))).toThrow(ConfigError);
    expect(() => new SshTarget(options({destination: "root@host with space"}))).toThrow(ConfigError);
    expect(() => new SshTarget(options({port: 70000}))).toThrow(ConfigError);
    expect(() => new SshTarget(options({remoteDir: "relative/dir"}))).toThrow(ConfigError);
    expect(() => new SshTarget(options({remoteDir: "/tmp", removeRemoteDir: true}))).toThrow(ConfigError);
  });

  it.skipIf(!HAVE_PROBE_BUILD)("runs the real vmmbench-lat over SSH, its dynamic companion copied with it", async () => {
    const {buildProbes} = (await import("../../data-loaders/probes/build.ts")) as {buildProbes: (o?: object) => Promise<Record<string, string>>};
    const probes = await buildProbes({probes: ["vmmbench-lat"]});
    expect(probes["vmmbench-lat"]).toBeDefined();
    const target = new SshTarget(options({probes: {"vmmbench-lat": probes["vmmbench-lat"]!, "vmmbench-lat-dyn": probes["vmmbench-lat-dyn"]!}}));
    try {
      const [output] = await runAll(target, [
        {id: "lat", probe: "vmmbench-lat", args: ["--metrics", "lat_syscall,lat_fork", "--budget-ms", "20", "--reps", "1"], timeoutS: 60}
      ]);
      expect(output, output?.stderr).toMatchObject({exitCode: 0, signal: null, timedOut: false});
      const lines = output!.stdout.split("\n").filter((line) => line.trim().startsWith("{"));
      expect(lines.length).toBeGreaterThan(0);
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(JSON.stringify(records)).toContain("lat_syscall");
      // No step names the companion; the target copied it beside vmmbench-lat all the same.
      expect(records.find((r) => r.metric === "lat_fork")).toMatchObject({type: "sample", note: "dynamic process"});
    } finally {
      await target.close();
    }
  });
});
