/**
 * A real OpenSSH server on a loopback address (127.0.0.1 unless told another of 127.0.0.0/8) for
 * the SSH target's and the fleet's tests, plus a tiny static C "probe" those tests (and the local
 * target's) run.
 *
 * startSshd() writes a throwaway config, host key and client key pairs into a temp dir and runs
 * `/usr/sbin/sshd -D -e -f <config>` on a free port; stop() kills it and removes the dir; kill()
 * ends it and every session it serves as a crashed host would, and restart() brings it back on the
 * same address, port and host key.
 * Tests skip with SSHD_SKIP_REASON when sshd (or ssh-keygen, or the ssh client) is missing:
 * install them with `apt-get install -y openssh-server openssh-client`.
 */
import {spawn, type ChildProcess} from "node:child_process";
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {createServer, connect} from "node:net";
import {tmpdir, userInfo} from "node:os";
import {join} from "node:path";
import {execa} from "execa";

export const SSHD_PATH = "/usr/sbin/sshd";

function which(command: string): boolean {
  return (process.env.PATH ?? "/usr/bin:/bin").split(":").some((dir) => dir && existsSync(join(dir, command)));
}

/** Why the SSH tests cannot run here, or null when they can. */
export const SSHD_SKIP_REASON: string | null = !existsSync(SSHD_PATH)
  ? `${SSHD_PATH} is missing: SSH target tests are skipped (apt-get install -y openssh-server)`
  : !which("ssh-keygen") || !which("ssh")
    ? "ssh / ssh-keygen are missing: SSH target tests are skipped (apt-get install -y openssh-client)"
    : null;

if (SSHD_SKIP_REASON) console.warn(`[vmmbench tests] ${SSHD_SKIP_REASON}`);

export interface Sshd {
  host: string;
  port: number;
  user: string;
  /** user@host */
  destination: string;
  /** Private key whose public half is in AuthorizedKeysFile. */
  identityFile: string;
  /** A valid private key the server does not accept. */
  badIdentityFile: string;
  /** Empty known_hosts file for the client to fill (StrictHostKeyChecking=accept-new). */
  knownHostsFile: string;
  dir: string;
  /** What sshd wrote to stderr so far (-e), for failing tests' messages. */
  log(): string;
  /** Command lines of the processes its sessions run now (a probe in flight shows here). */
  sessionCommands(): string[];
  /** Ends sshd and every session it serves at once (SIGKILL), keeping its keys and config: a host that drops. */
  kill(): Promise<void>;
  /** Starts it again on the same address, port and host key after kill(). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something on host:port sends an SSH banner. */
async function bannerOnce(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({host, port});
    let data = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on("data", (chunk) => {
      data += chunk.toString("latin1");
      if (data.startsWith("SSH-")) done(true);
    });
    socket.on("error", () => done(false));
    socket.on("close", () => done(data.startsWith("SSH-")));
  });
}

/** Every process below pid, from /proc (Linux), deepest first. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Exited meanwhile.
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      walk(c);
      out.push(c);
    }
  };
  walk(pid);
  return out;
}

async function keygen(path: string, comment: string): Promise<void> {
  await execa("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path]);
}

/** Starts sshd on `address` (any of 127.0.0.0/8 on Linux's loopback; default 127.0.0.1). */
export async function startSshd({address = "127.0.0.1"}: {address?: string} = {}): Promise<Sshd> {
  if (SSHD_SKIP_REASON) throw new Error(SSHD_SKIP_REASON);
  const dir = mkdtempSync(join(tmpdir(), "vmmbench-sshd-"));
  const user = userInfo().username;
  const isRoot = process.getuid?.() === 0;
  try {
    await keygen(join(dir, "host_ed25519"), "vmmbench-test-host");
    await keygen(join(dir, "id_ed25519"), "vmmbench-test-client");
    await keygen(join(dir, "bad_ed25519"), "vmmbench-test-unauthorized");
    writeFileSync(join(dir, "authorized_keys"), readFileSync(join(dir, "id_ed25519.pub")), {mode: 0o600});
    writeFileSync(join(dir, "known_hosts"), "", {mode: 0o600});
    // sshd refuses to start as root without its privilege-separation directory.
    if (isRoot && !existsSync("/run/sshd")) mkdirSync("/run/sshd", {recursive: true, mode: 0o755});
  } catch (error) {
    rmSync(dir, {recursive: true, force: true});
    throw error;
  }

  const configPath = join(dir, "sshd_config");
  const writeConfig = (port: number) =>
    writeFileSync(
      configPath,
      [
        `Port ${port}`,
        `ListenAddress ${address}`,
        `HostKey ${join(dir, "host_ed25519")}`,
        `PidFile ${join(dir, "sshd.pid")}`,
        `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        // Temp dirs are world-traversable; the key files themselves are 0600.
        "StrictModes no",
        isRoot ? "PermitRootLogin prohibit-password" : "",
        `AllowUsers ${user}`,
        "Subsystem sftp internal-sftp",
        "LogLevel INFO",
        "MaxStartups 100",
        "MaxSessions 100"
      ]
        .filter(Boolean)
        .join("\n") + "\n"
    );

  let log = "";
  let child: ChildProcess | undefined;
  let exited = true;
  let exit: Promise<void> = Promise.resolve();
  /** Runs sshd on `port` until it sends a banner; the reason it did not, otherwise. */
  const launch = async (port: number): Promise<string | null> => {
    writeConfig(port);
    const proc: ChildProcess = spawn(SSHD_PATH, ["-D", "-e", "-f", configPath], {stdio: ["ignore", "ignore", "pipe"]});
    child = proc;
    exited = false;
    proc.stderr!.on("data", (chunk: Buffer) => {
      log += chunk.toString();
      if (log.length > 200_000) log = log.slice(-100_000);
    });
    exit = new Promise<void>((resolve) => proc.once("exit", () => ((exited = true), resolve())));
    proc.once("error", (error) => {
      log += `\nspawn error: ${error.message}`;
      exited = true;
    });
    const deadline = Date.now() + 10_000;
    while (!exited && Date.now() < deadline) {
      if (await bannerOnce(address, port)) return null;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!exited) {
      proc.kill("SIGKILL");
      await exit;
    }
    return log.trim() || "sshd did not accept connections within 10 s";
  };
  const kill = async () => {
    if (!child) return;
    // Per-connection sshd processes outlive the listener (they setsid): end them first.
    for (const pid of descendants(child.pid!)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    if (!exited) {
      child.kill("SIGKILL");
      await exit;
    }
  };

  let lastError = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort(address);
    const failure = await launch(port);
    if (failure === null) {
      return {
        host: address,
        port,
        user,
        destination: `${user}@${address}`,
        identityFile: join(dir, "id_ed25519"),
        badIdentityFile: join(dir, "bad_ed25519"),
        knownHostsFile: join(dir, "known_hosts"),
        dir,
        log: () => log,
        sessionCommands: () =>
          child && !exited
            ? descendants(child.pid!).flatMap((pid) => {
                try {
                  return [readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim()];
                } catch {
                  return [];
                }
              })
            : [],
        kill,
        async restart() {
          await kill();
          const again = await launch(port);
          if (again !== null) throw new Error(`could not restart ${SSHD_PATH} on ${address}:${port}: ${again}`);
        },
        async stop() {
          await kill();
          rmSync(dir, {recursive: true, force: true});
        }
      };
    }
    lastError = failure;
    if (!/Address already in use|Cannot bind/i.test(lastError)) break;
  }
  rmSync(dir, {recursive: true, force: true});
  throw new Error(`could not start ${SSHD_PATH}: ${lastError}`);
}

/**
 * Source of the fake probe used by the target tests. Behaviour by argv[1]:
 *   json NAME VALUE  → one JSON line on stdout
 *   args A B …       → {"args":[…]} echoing its arguments (checks quoting end to end)
 *   sleep SECONDS    → a line, then sleeps (fflush first so the line survives a kill)
 *   fork-sleep SECS  → forks a child that keeps stdout open and sleeps too (process-group kill)
 *   exit CODE        → a line on stdout and on stderr, then exits CODE
 *   signal N         → raises signal N
 */
export const FAKE_PROBE_C = String.raw`
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void json_string(const char *s) {
  putchar('"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') printf("\\%c", *s);
    else if ((unsigned char)*s < 0x20) printf("\\u%04x", *s);
    else putchar(*s);
  }
  putchar('"');
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "json";
  if (!strcmp(mode, "json")) {
    printf("{\"metric\":\"%s\",\"value\":%s}\n", argc > 2 ? argv[2] : "fake", argc > 3 ? argv[3] : "1");
    return 0;
  }
  if (!strcmp(mode, "args")) {
    printf("{\"args\":[");
    for (int i = 2; i < argc; i++) {
      if (i > 2) putchar(',');
      json_string(argv[i]);
    }
    printf("]}\n");
    return 0;
  }
  if (!strcmp(mode, "sleep") || !strcmp(mode, "fork-sleep")) {
    unsigned seconds = argc > 2 ? (unsigned)atoi(argv[2]) : 60;
    printf("{\"sleeping\":%u}\n", seconds);
    fflush(stdout);
    if (!strcmp(mode, "fork-sleep") && fork() == 0) { sleep(seconds); return 0; }
    sleep(seconds);
    printf("{\"woke\":true}\n");
    return 0;
  }
  if (!strcmp(mode, "exit")) {
    printf("{\"exiting\":%s}\n", argc > 2 ? argv[2] : "3");
    fprintf(stderr, "fake probe: failing on purpose\n");
    return argc > 2 ? atoi(argv[2]) : 3;
  }
  if (!strcmp(mode, "signal")) {
    fflush(stdout);
    signal(argc > 2 ? atoi(argv[2]) : SIGSEGV, SIG_DFL);
    raise(argc > 2 ? atoi(argv[2]) : SIGSEGV);
    return 99;
  }
  fprintf(stderr, "fake probe: unknown mode %s\n", mode);
  return 2;
}
`;

/** Compiles FAKE_PROBE_C statically with gcc into dir/name and returns the path. */
export async function buildFakeProbe(dir: string, name = "fake-probe"): Promise<string> {
  const source = join(dir, `${name}.c`);
  const binary = join(dir, name);
  writeFileSync(source, FAKE_PROBE_C);
  await execa("gcc", ["-static", "-O1", "-o", binary, source]);
  return binary;
}
