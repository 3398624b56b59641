/**
 * The QEMU target's meter port when its guest runs under this host's KVM: a Unix socket behind the
 * guest's third serial port (/dev/ttyS2). On each mark of the guest's probe ("B|E <step> <seq>",
 * probes/common.h) it snapshots the VM's own KVM counters — /sys/kernel/debug/kvm/<QEMU pid>-<fd>/,
 * so other VMs of the host do not count — and answers one line; the snapshots become the host's
 * side of each step's spans (meters/kvm-debugfs.ts).
 */
import {readdirSync} from "node:fs";
import {createServer, type Server, type Socket} from "node:net";
import {join} from "node:path";
import {KVM_DEBUGFS, kvmSpans, parseKvmSnapshots, snapshotKvm} from "./kvm-debugfs.ts";
import type {HostMeters} from "./host.ts";

export class KvmMeterPort {
  readonly #server: Server;
  readonly #text: string[] = [];
  readonly #sockets = new Set<Socket>();

  private constructor(
    readonly path: string,
    server: Server,
    /** QEMU's PID once it runs. */
    private readonly pid: () => number | undefined
  ) {
    this.#server = server;
    server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
      let pending = "";
      socket.on("data", (chunk) => {
        pending += chunk.toString("latin1");
        for (let at = pending.indexOf("\n"); at >= 0; at = pending.indexOf("\n")) {
          const line = pending.slice(0, at).trim();
          pending = pending.slice(at + 1);
          const [kind, step, seq] = line.split(/\s+/);
          if ((kind === "B" || kind === "E") && step && /^\d+$/.test(seq ?? "")) this.#text.push(snapshotKvm(this.#vmDir(), kind, step, Number(seq), process.uptime()));
          socket.write("k\n");
        }
      });
      socket.on("error", () => socket.destroy());
    });
  }

  static listen(path: string, pid: () => number | undefined): Promise<KvmMeterPort> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(path, () => resolve(new KvmMeterPort(path, server, pid)));
    });
  }

  /** The QEMU arguments that give the guest its meter port (after its two serial ports). */
  qemuArgs(): string[] {
    return ["-chardev", `socket,id=vmmbmeter,path=${this.path}`, "-serial", "chardev:vmmbmeter"];
  }

  /** The host side of step `index` of the batch. */
  meters(index: number): HostMeters {
    const text = this.#text.join("");
    const step = String(index);
    const mine = this.#text.filter((snapshot) => snapshot.startsWith("@!") || snapshot.split(" ", 3)[2] === step).join("");
    return kvmSpans(parseKvmSnapshots(text, "KVM meter port"), step, mine);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** This VM's debugfs directory (`<pid>-<fd>`); the global one (every VM summed) when it cannot be told. */
  #vmDir(): string {
    const pid = this.pid();
    try {
      const own = readdirSync(KVM_DEBUGFS).filter((name) => pid !== undefined && name.startsWith(`${pid}-`));
      if (own.length === 1) return join(KVM_DEBUGFS, own[0]!);
    } catch {
      // snapshotKvm says why the directory cannot be read.
    }
    return KVM_DEBUGFS;
  }
}
