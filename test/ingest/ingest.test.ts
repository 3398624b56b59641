import {execa} from "execa";
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, copyFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterEach, beforeEach, describe, expect, it} from "vitest";
import {ParseError} from "../../data-loaders/errors.ts";
import {readManifest, walk, ingestEnvironment} from "../../data-loaders/ingest/collect.ts";
import {ingest} from "../../data-loaders/ingest/ingest.ts";
import {readRawOutput} from "../../data-loaders/store/raw-archive.ts";
import {Store} from "../../data-loaders/store/store.ts";
import {HAVE_SHARED, ROOT, SHARED_FIXTURES} from "../helpers/shared.ts";

const OWN = join(ROOT, "test", "fixtures", "lmbench");
const env = (label: string, extra: Record<string, unknown> = {}) => ingestEnvironment({env: label, ...extra}, (k) => `--${k}`);

describe("ingest", () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "vmmbench-ingest-"));
    store = await Store.open(join(dir, "db.duckdb"));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, {recursive: true, force: true});
  });

  const count = async (sql = "SELECT count(*) AS n FROM samples") => Number((await store.query(sql))[0].n);
  /** The bytes a raw_outputs row (path, bytes, byte_offset) points to. */
  const rawBytes = (raw: Record<string, unknown>) => readRawOutput(dir, {path: String(raw.path), bytes: Number(raw.bytes), offset: Number(raw.byte_offset)});

  it("stores a file like a run of our own, keeps it verbatim and skips it the second time", async () => {
    const file = join(OWN, "results-2.0.txt");
    const first = await ingest(store, [{path: file, environment: env("kvm", {hypervisor: "kvm", vcpus: "2", passthrough: "off"})}], {command: {}});
    expect(first.files).toBe(1);
    expect(first.samples).toBeGreaterThan(5);
    const rows = await store.query(`SELECT DISTINCT source, environment, hypervisor, mode, vcpus, passthrough, tool, engine FROM results`);
    expect(rows).toEqual([{source: "ingest", environment: "kvm", hypervisor: "kvm", mode: "kvm", vcpus: 2, passthrough: false, tool: "lmbench", engine: "ingest"}]);
    const [raw] = await store.query(`SELECT path, bytes, byte_offset FROM raw_outputs`);
    expect(rawBytes(raw!)).toEqual(readFileSync(file));
    const again = await ingest(store, [{path: file, environment: env("kvm")}], {command: {}});
    expect(again).toMatchObject({runId: null, files: 0, skipped: [file]});
    expect(await count()).toBe(first.samples);
  });

  it("stores nothing when one file of the command is bad, and names its file and line", async () => {
    const bad = join(dir, "bad.txt");
    writeFileSync(bad, "this is\nnot any benchmark's output\n");
    const inputs = [
      {path: join(OWN, "results-2.0.txt"), environment: env("native")},
      {path: bad, environment: env("native")}
    ];
    const error = await ingest(store, inputs, {command: {}}).catch((e) => e);
    expect(error).toBeInstanceOf(ParseError);
    expect(error.message).toMatch(/bad\.txt:1: expected /);
    // The good file's rows sat in open appenders when the bad one failed: none may land.
    for (const table of ["samples", "series", "steps", "raw_outputs"]) expect(await count(`SELECT count(*) AS n FROM ${table}`)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM runs WHERE source = 'ingest'")).toBe(0);
    expect(existsSync(join(dir, "runs")) ? readdirSync(join(dir, "runs")) : []).toEqual([]);
  });

  it("stores the same in batches of one file as in one batch, and nothing when a later batch holds a bad file", async () => {
    const files = ["results-2.0.txt", "lat_mem_rd.txt", "summary-2.0-two-hosts.txt", "../iozone/auto-new-layout.txt"].map((name) => join(OWN, name));
    const inputs = files.map((path, i) => ({path, environment: env(`e${i}`, {tag: [`k${i}=v`]})}));
    const rows = () => store.query(`SELECT environment, metric, params, value, repetition FROM results ORDER BY ALL`);
    const whole = await ingest(store, inputs, {command: {}});
    const expected = await rows();
    const [run] = await store.query(`SELECT tags FROM runs WHERE run_id = $1`, [whole.runId]);
    expect(JSON.parse(String(run!.tags))).toEqual({k0: "v", k1: "v", k2: "v", k3: "v"});
    store.close();
    rmSync(dir, {recursive: true, force: true});
    mkdirSync(dir);
    store = await Store.open(join(dir, "db.duckdb"));

    const bad = join(dir, "bad.txt");
    writeFileSync(bad, "this is\nnot any benchmark's output\n");
    const error = await ingest(store, [...inputs, {path: bad, environment: env("x")}], {command: {}, batchBytes: 1}).catch((e) => e);
    expect(error.message).toMatch(/bad\.txt:1: expected /);
    expect(await count()).toBe(0);
    expect(await count("SELECT count(*) AS n FROM series")).toBe(0);
    expect(readdirSync(join(dir, "runs"))).toEqual([]);

    const batched = await ingest(store, inputs, {command: {}, batchBytes: 1});
    expect(batched).toMatchObject({files: whole.files, samples: whole.samples, formats: whole.formats});
    expect(await rows()).toEqual(expected);
    const raws = await store.query(`SELECT DISTINCT path, bytes, byte_offset FROM raw_outputs ORDER BY byte_offset`);
    expect(raws.map(rawBytes)).toEqual(files.map((f) => readFileSync(f)));
  });

  it("splits a summary table of several hosts into one environment per host", async () => {
    await ingest(store, [{path: join(OWN, "summary-2.0-two-hosts.txt"), environment: env("lab")}], {command: {}});
    const envs = await store.query(`SELECT environment, host, count(*) AS n FROM results GROUP BY ALL ORDER BY 1`);
    expect(envs.length).toBe(2);
    for (const e of envs) expect(String(e.environment)).toBe(`lab:${e.host}`);
  });

  it("walks folders and reads a manifest with per-file environments", async () => {
    const tree = join(dir, "tree");
    mkdirSync(join(tree, "kvm"), {recursive: true});
    copyFileSync(join(OWN, "results-2.0.txt"), join(tree, "native.txt"));
    copyFileSync(join(OWN, "lat_mem_rd.txt"), join(tree, "kvm", "mem.txt"));
    writeFileSync(join(tree, ".hidden"), "ignored");
    expect(walk(tree).map((f) => f.path.slice(tree.length + 1))).toEqual(["kvm/mem.txt", "native.txt"]);
    writeFileSync(
      join(tree, "manifest.yaml"),
      `defaults: {guest_os: Fedora 8, tags: {lab: one}}
files:
  - {path: native.txt, env: native}
  - {path: kvm/, env: kvm-1, hypervisor: kvm, vcpus: 1}
`
    );
    const inputs = readManifest(join(tree, "manifest.yaml"));
    expect(inputs.map((i) => [i.path.slice(tree.length + 1), i.environment.label, i.environment.hypervisor, i.environment.vcpus])).toEqual([
      ["native.txt", "native", "none", null],
      ["kvm/mem.txt", "kvm-1", "kvm", 1]
    ]);
    await ingest(store, inputs, {command: {}});
    expect(await store.query(`SELECT environment, guest_os, count(*) > 0 AS some FROM results GROUP BY ALL ORDER BY 1`)).toEqual([
      {environment: "kvm-1", guest_os: "Fedora 8", some: true},
      {environment: "native", guest_os: "Fedora 8", some: true}
    ]);
  });

  it("points at the manifest line of a bad entry", () => {
    const manifest = join(dir, "m.yaml");
    writeFileSync(manifest, "files:\n  - {path: a.txt, env: x}\n  - {path: b.txt, env: y, vcpus: lots}\n");
    writeFileSync(join(dir, "a.txt"), "x");
    writeFileSync(join(dir, "b.txt"), "x");
    expect(() => readManifest(manifest)).toThrow(/m\.yaml:3: files\.1\.vcpus: expected a whole number of vCPUs/);
  });

  it.skipIf(!HAVE_SHARED)("ingests every real fixture in one command through the CLI, then nothing the second time", async () => {
    const db = join(dir, "cli.duckdb");
    store.close();
    const bin = join(ROOT, "bin", "vmmbench.js");
    const first = await execa("node", [bin, "ingest", SHARED_FIXTURES, "--env", "others", "--db", db], {reject: false});
    // SOURCES.tsv is provenance, not a benchmark output: the walk must fail on it, all-or-nothing.
    expect(first.exitCode).toBe(1);
    expect(first.stderr).toMatch(/SOURCES\.tsv:1: expected /);
    const dirs = readdirSync(SHARED_FIXTURES).filter((d) => !d.includes("."));
    const ok = await execa("node", [bin, "ingest", ...dirs.map((d) => join(SHARED_FIXTURES, d)), "--env", "others", "--db", db], {reject: false});
    expect(ok.stderr).toMatch(/ingested \d+ file\(s\)/);
    expect(ok.exitCode).toBe(0);
    const again = await execa("node", [bin, "ingest", ...dirs.map((d) => join(SHARED_FIXTURES, d)), "--env", "others", "--db", db]);
    expect(again.stderr).toContain("nothing new to ingest");
    store = await Store.open(db);
    expect(await count("SELECT count(DISTINCT suite) AS n FROM results WHERE source='ingest'")).toBe(5);
  });
});
