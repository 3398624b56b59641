/**
 * Headless-browser harness for the built report: a tiny static server for dist/ bound to
 * 127.0.0.1, and Debian's Chromium driven through playwright-core, recording every request and
 * console error so tests can assert that nothing leaves 127.0.0.1 and nothing fails.
 *
 * Chromium is also started with every non-loopback host name resolving to nothing, so a leak
 * fails in the browser (and is still recorded) even on a machine that has network.
 */
import {createReadStream, existsSync, statSync} from "node:fs";
import {createServer, type IncomingMessage, type Server, type ServerResponse} from "node:http";
import type {AddressInfo} from "node:net";
import {extname, join, resolve, sep} from "node:path";
import type {Browser, BrowserContext, ConsoleMessage, Page, Request} from "playwright-core";

export const CHROMIUM_PATH = process.env.VMMBENCH_CHROMIUM ?? "/usr/bin/chromium";
export const HAVE_CHROMIUM = existsSync(CHROMIUM_PATH);
if (!HAVE_CHROMIUM) {
  console.warn(`[vmmbench tests] ${CHROMIUM_PATH} is absent: browser tests are skipped (set VMMBENCH_CHROMIUM to a Chromium binary).`);
}

export const MIME_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".arrow": "application/vnd.apache.arrow.file",
  ".parquet": "application/vnd.apache.parquet",
  ".csv": "text/csv; charset=utf-8",
  ".tsv": "text/tab-separated-values; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".zip": "application/zip",
  ".duckdb": "application/octet-stream",
  ".db": "application/octet-stream"
};

export interface StaticServer {
  /** e.g. http://127.0.0.1:41234 (no trailing slash) */
  origin: string;
  port: number;
  /** every path requested, in order, with its status */
  log: {method: string; path: string; status: number}[];
  close(): Promise<void>;
}

/**
 * Maps a URL path to a file under `root` the way Framework's output expects to be served:
 * `/` → index.html, `/linpack` → linpack.html, `/dir/` → dir/index.html, files as they are.
 */
export function resolveDistPath(root: string, urlPath: string): string | undefined {
  let pathname: string;
  try {
    pathname = decodeURIComponent(urlPath.split(/[?#]/)[0]);
  } catch {
    return undefined;
  }
  const base = resolve(root);
  const candidate = resolve(base, `.${pathname}`);
  if (candidate !== base && !candidate.startsWith(base + sep)) return undefined; // traversal
  const tries = pathname.endsWith("/")
    ? [join(candidate, "index.html")]
    : [candidate, `${candidate}.html`, join(candidate, "index.html")];
  for (const path of tries) {
    try {
      if (statSync(path).isFile()) return path;
    } catch {
      // try the next form
    }
  }
  return undefined;
}

/** Serves a built site from `dir` on 127.0.0.1 (ephemeral port unless given), with Range support. */
export async function serveDist(dir: string, options: {port?: number} = {}): Promise<StaticServer> {
  const root = resolve(dir);
  const log: StaticServer["log"] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const finish = (status: number) => log.push({method, path, status});
    if (method !== "GET" && method !== "HEAD") {
      res.writeHead(405, {Allow: "GET, HEAD"}).end();
      return finish(405);
    }
    let file = resolveDistPath(root, path);
    let status = 200;
    if (!file) {
      const notFound = join(root, "404.html");
      if (!existsSync(notFound)) {
        res.writeHead(404, {"Content-Type": "text/plain; charset=utf-8"}).end("not found");
        return finish(404);
      }
      file = notFound;
      status = 404;
    }
    const size = statSync(file).size;
    const headers: Record<string, string | number> = {
      "Content-Type": MIME_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream",
      "Accept-Ranges": "bytes",
      "Cache-Control": "no-cache"
    };
    let start = 0;
    let end = size - 1;
    const range = status === 200 ? /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "") : null;
    if (range && (range[1] !== "" || range[2] !== "")) {
      if (range[1] === "") {
        start = Math.max(0, size - Number(range[2]));
      } else {
        start = Number(range[1]);
        if (range[2] !== "") end = Math.min(end, Number(range[2]));
      }
      if (start > end || start >= size) {
        res.writeHead(416, {"Content-Range": `bytes */${size}`}).end();
        return finish(416);
      }
      status = 206;
      headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
    }
    headers["Content-Length"] = size === 0 ? 0 : end - start + 1;
    res.writeHead(status, headers);
    finish(status);
    if (method === "HEAD" || size === 0) return void res.end();
    createReadStream(file, {start, end}).pipe(res);
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolvePromise());
  });
  const {port} = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    log,
    close: () =>
      new Promise<void>((resolvePromise) => {
        server.closeAllConnections();
        server.close(() => resolvePromise());
      })
  };
}

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
  // Any host other than loopback resolves to nothing: a leak fails instead of reaching the network.
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"
];

/** Whether a request URL stays on this machine (loopback http/ws, or data:/blob:/about: URLs). */
export function isLocalUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === "data:" || u.protocol === "blob:" || u.protocol === "about:") return true;
  if (!["http:", "https:", "ws:", "wss:"].includes(u.protocol)) return false;
  const host = u.hostname.replace(/^\[|\]$/g, "");
  return host === "127.0.0.1" || host === "localhost" || host === "::1";
}

export interface TrackedPage {
  page: Page;
  /** every request URL the page (and its workers) made, in order */
  requests: string[];
  /** requests that did not stay on 127.0.0.1 */
  externalRequests(): string[];
  /** console messages of type "error", and uncaught page errors */
  consoleErrors: string[];
  pageErrors: string[];
  /** requests that failed at the network level (with their error text) */
  failedRequests: string[];
  /** responses with status >= 400 */
  badResponses: string[];
  /** navigates and resolves with milliseconds from navigation start until `selector` is attached */
  gotoAndWait(url: string, selector: string, options?: {timeout?: number}): Promise<number>;
  /** text of every `.observablehq--error` element (Framework's cell error display) */
  cellErrors(): Promise<string[]>;
}

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  newPage(): Promise<TrackedPage>;
  close(): Promise<void>;
}

/** Launches headless Chromium (CHROMIUM_PATH) with the network-free flags; throws when it is absent. */
export async function openBrowser(): Promise<BrowserSession> {
  if (!HAVE_CHROMIUM) throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}`);
  const {chromium} = await import("playwright-core");
  const browser = await chromium.launch({executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, timeout: 60_000});
  const context = await browser.newContext({serviceWorkers: "block"});
  // Belt and braces: abort anything non-local before it reaches the resolver (still recorded below).
  await context.route((url) => !isLocalUrl(url.href), (route) => route.abort("blockedbyclient"));
  return {
    browser,
    context,
    async newPage() {
      const page = await context.newPage();
      const requests: string[] = [];
      const consoleErrors: string[] = [];
      const pageErrors: string[] = [];
      const failedRequests: string[] = [];
      const badResponses: string[] = [];
      page.on("request", (request: Request) => requests.push(request.url()));
      page.on("requestfailed", (request: Request) => failedRequests.push(`${request.url()} (${request.failure()?.errorText ?? "failed"})`));
      page.on("response", (response) => {
        if (response.status() >= 400) badResponses.push(`${response.status()} ${response.url()}`);
      });
      page.on("console", (message: ConsoleMessage) => {
        if (message.type() === "error") consoleErrors.push(`${message.text()}${message.location()?.url ? ` (${message.location().url})` : ""}`);
      });
      page.on("pageerror", (error: Error) => {
        pageErrors.push(String(error?.stack ?? error));
        consoleErrors.push(`uncaught: ${error?.message ?? error}`);
      });
      page.on("worker", (worker) => {
        // Dedicated workers (DuckDB's) fetch on their own; record their URL too.
        requests.push(worker.url());
      });
      return {
        page,
        requests,
        consoleErrors,
        pageErrors,
        failedRequests,
        badResponses,
        externalRequests: () => requests.filter((url) => !isLocalUrl(url)),
        async gotoAndWait(url, selector, {timeout = 60_000} = {}) {
          await page.goto(url, {waitUntil: "commit", timeout});
          await page.waitForSelector(selector, {state: "attached", timeout});
          return await page.evaluate(() => performance.now());
        },
        cellErrors: () => page.$$eval(".observablehq--error", (nodes) => nodes.map((n) => n.textContent ?? ""))
      };
    },
    async close() {
      await context.close().catch(() => {});
      await browser.close();
    }
  };
}
