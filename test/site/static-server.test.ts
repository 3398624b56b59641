import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {mkdir, mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {isLocalUrl, resolveDistPath, serveDist, type StaticServer} from "../helpers/browser.ts";

describe("serveDist", () => {
  let dir: string;
  let server: StaticServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vmmbench-serve-"));
    await mkdir(join(dir, "_npm", "x", "dist"), {recursive: true});
    await mkdir(join(dir, "sub"), {recursive: true});
    await writeFile(join(dir, "index.html"), "<h1>home</h1>");
    await writeFile(join(dir, "linpack.html"), "<h1>linpack</h1>");
    await writeFile(join(dir, "sub", "index.html"), "<h1>sub</h1>");
    await writeFile(join(dir, "_npm", "x", "dist", "m.wasm"), Buffer.from([0, 97, 115, 109, 1, 0, 0, 0]));
    await writeFile(join(dir, "_npm", "x", "a.js"), "export {};");
    await writeFile(join(dir, "data.arrow"), Buffer.alloc(100, 7));
    server = await serveDist(dir);
  });

  afterAll(async () => {
    await server?.close();
    await rm(dir, {recursive: true, force: true});
  });

  it("binds 127.0.0.1 on an ephemeral port", () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
  });

  it("serves clean URLs the way Framework links them", async () => {
    for (const [path, body] of [["/", "home"], ["/linpack", "linpack"], ["/linpack.html", "linpack"], ["/sub/", "sub"], ["/linpack?x=1#a", "linpack"]]) {
      const response = await fetch(server.origin + path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await response.text()).toContain(body);
    }
    expect((await fetch(server.origin + "/nope")).status).toBe(404);
    expect(resolveDistPath(dir, "/../../etc/passwd")).toBeUndefined();
    expect(resolveDistPath(dir, "/%2e%2e/%2e%2e/etc/passwd")).toBeUndefined();
  });

  it("sends the MIME types browsers insist on", async () => {
    const wasm = await fetch(server.origin + "/_npm/x/dist/m.wasm");
    expect(wasm.headers.get("content-type")).toBe("application/wasm");
    expect((await wasm.arrayBuffer()).byteLength).toBe(8);
    expect((await fetch(server.origin + "/_npm/x/a.js")).headers.get("content-type")).toMatch(/^text\/javascript/);
    expect((await fetch(server.origin + "/data.arrow")).headers.get("content-type")).toBe("application/vnd.apache.arrow.file");
  });

  it("answers Range and HEAD requests (DuckDB reads registered URLs by range)", async () => {
    const ranged = await fetch(server.origin + "/data.arrow", {headers: {Range: "bytes=10-19"}});
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-range")).toBe("bytes 10-19/100");
    expect((await ranged.arrayBuffer()).byteLength).toBe(10);
    const suffix = await fetch(server.origin + "/data.arrow", {headers: {Range: "bytes=-30"}});
    expect(suffix.headers.get("content-range")).toBe("bytes 70-99/100");
    await suffix.arrayBuffer();
    const head = await fetch(server.origin + "/data.arrow", {method: "HEAD"});
    expect(head.headers.get("content-length")).toBe("100");
  });
});

describe("isLocalUrl", () => {
  it("accepts loopback and in-page URLs only", () => {
    expect(isLocalUrl("http://127.0.0.1:3000/x.js")).toBe(true);
    expect(isLocalUrl("http://localhost:3000/")).toBe(true);
    expect(isLocalUrl("data:text/plain,hi")).toBe(true);
    expect(isLocalUrl("blob:http://127.0.0.1:3000/abc")).toBe(true);
    expect(isLocalUrl("https://cdn.jsdelivr.net/npm/d3/+esm")).toBe(false);
    expect(isLocalUrl("https://fonts.googleapis.com/css2")).toBe(false);
    expect(isLocalUrl("http://127.0.0.1.example.com/")).toBe(false);
  });
});
