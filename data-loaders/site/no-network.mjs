// Preloaded with `node --import` (through NODE_OPTIONS, so data loaders spawned by the build inherit it)
// to make any network use during `observable build` / `observable preview` fail loudly instead of
// silently succeeding on machines that happen to have network access.
//
// Node 20's fetch (undici) ignores HTTP_PROXY/HTTPS_PROXY, so proxy variables alone cannot catch a
// leak. Two layers here:
//   1. globalThis.fetch throws for any URL whose host is not loopback (clear message naming the URL);
//   2. net.Socket#connect (which net.connect, http, https, tls and undici all go through) refuses a
//      TCP connection to a non-loopback host, catching code that bypasses the global fetch.
// Unix-domain sockets (IPC pipes, esbuild's service) and loopback addresses stay allowed.
// Set VMMBENCH_NETWORK_LOG=<file> to append one line per refused attempt (used by the tests).
import net from "node:net";
import {appendFileSync} from "node:fs";

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "::1", "[::1]", "0:0:0:0:0:0:0:1"]);

function isLoopbackHost(host) {
  if (host == null || host === "") return true; // net defaults to localhost
  host = String(host).toLowerCase();
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (LOOPBACK_NAMES.has(host) || host.endsWith(".localhost")) return true;
  if (/^127\.\d+\.\d+\.\d+$/.test(host)) return true;
  if (host === "::ffff:127.0.0.1") return true;
  return false;
}

function refuse(what) {
  const message = `vmmbench offline guard: network access refused (${what}); the report must build without network`;
  const log = process.env.VMMBENCH_NETWORK_LOG;
  if (log) {
    try {
      appendFileSync(log, `${process.pid}\t${what}\n`);
    } catch {
      // ignore logging failures
    }
  }
  // Also print it: Framework sometimes swallows fetch errors into a generic "unable to fetch".
  process.stderr.write(`${message}\n`);
  return new Error(message);
}

const originalFetch = globalThis.fetch;
if (typeof originalFetch === "function") {
  globalThis.fetch = function guardedFetch(input, init) {
    let url;
    try {
      url = new URL(typeof input === "string" || input instanceof URL ? String(input) : input.url);
    } catch {
      return originalFetch.call(this, input, init);
    }
    if ((url.protocol === "http:" || url.protocol === "https:") && !isLoopbackHost(url.hostname)) {
      return Promise.reject(refuse(`fetch ${url.href}`));
    }
    return originalFetch.call(this, input, init);
  };
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  let options = args[0];
  if (Array.isArray(options)) options = options[0]; // internal normalized form [options, cb]
  let host;
  let path;
  if (options !== null && typeof options === "object") {
    host = options.host;
    path = options.path;
  } else if (typeof options === "string" && !/^\d+$/.test(options)) {
    path = options; // connect(path[, cb]) → Unix socket
  } else {
    host = typeof args[1] === "string" ? args[1] : undefined; // connect(port[, host][, cb])
  }
  if (path == null && !isLoopbackHost(host)) {
    const error = refuse(`connect ${host}:${options?.port ?? args[0]}`);
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return originalConnect.apply(this, args);
};
