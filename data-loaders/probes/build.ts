/**
 * Builds the built-in C probes — the sources each suite declares (suites/<name>/*.c, all including
 * probes/common.h) — into static binaries with the machine's gcc (and dynamic companions, see below).
 *
 * Binaries land in a content-addressed cache, `<repo>/.cache/probes/<hash>/`, where the hash
 * covers every probe source, the compiler flags, `gcc --version` and the OpenBLAS library that
 * was found, so a rebuild happens only when one of those changes. Each binary is compiled to a
 * temporary name and renamed into place, so parallel callers (two processes, or two calls in one
 * process) never see a half-written file.
 *
 * The probes are linked with `-static` so the very same file runs on the host and inside a
 * minimal busybox guest that has no shared libraries. LINPACK is built separately: a machine
 * without OpenBLAS's static library still gets the other four probes, and LINPACK is reported
 * as unavailable with the reason.
 *
 * A companion is a second build of a probe's source that travels with the probe and that no step
 * names: `vmmbench-lat-dyn`, vmmbench-lat linked dynamically. LMbench's lat_proc and the hello it
 * execs are dynamic, and a dynamic process costs more to fork, exec and exit, so vmmbench-lat
 * runs lat_fork/lat_exec/lat_sh from its companion where the companion can run (a loader and libc
 * are there) and from itself otherwise (suites/lmbench/lat.c). A companion that fails to build leaves its
 * probe on the static path, reported in `unavailable`, never a failed build.
 */
import {execFile} from "node:child_process";
import {createHash, randomBytes} from "node:crypto";
import {existsSync} from "node:fs";
import {mkdir, readdir, readFile, rename, rm, stat} from "node:fs/promises";
import {dirname, join, relative, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {MissingDependencyError, ProcessFailedError} from "../errors.ts";
import {RUNNABLE_SUITES} from "../suites/registry.ts";
import type {ProbeSpec} from "../suites/suite.ts";

/** Every built-in probe binary (companions too), from the suites that declare them. */
const SPECS: ReadonlyMap<string, ProbeSpec> = new Map(RUNNABLE_SUITES.flatMap((suite) => suite.probes.map((probe) => [probe.name, probe] as const)));

/** Binary names of the built-in probes (not companions); Step.probe uses these. */
export const PROBE_NAMES: readonly string[] = [...SPECS.values()].filter((spec) => !spec.companionOf).map((spec) => spec.name);
export type ProbeName = string;

/** Companion binary → the probe it travels with (built whenever that probe is; see above). */
export const COMPANIONS: Readonly<Record<string, string>> = Object.fromEntries([...SPECS.values()].flatMap((spec) => (spec.companionOf ? [[spec.name, spec.companionOf]] : [])));

/** `names` plus the companions of those probes that `available` (a probe map) holds: what a target must copy. */
export function withCompanions(names: readonly string[], available: Readonly<Record<string, string>>): string[] {
  const out = [...names];
  for (const [companion, probe] of Object.entries(COMPANIONS)) {
    if (names.includes(probe) && !out.includes(companion) && available[companion]) out.push(companion);
  }
  return out;
}

export const INSTALL_HINT = "apt-get install -y gcc libc6-dev libopenblas-dev";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** probes/common.h, the header every probe includes. */
const COMMON_DIR = fileURLToPath(new URL("./", import.meta.url));

/** Flags every binary is compiled with. */
export const BASE_CFLAGS = ["-O2", "-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-format-truncation"];
/** Added for every probe: the binary must run in a guest without libraries. */
export const STATIC_FLAG = "-static";

/** Where Debian and others put OpenBLAS's static archive; the first that exists is used. */
export const OPENBLAS_CANDIDATES = [
  "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.a",
  "/usr/lib/x86_64-linux-gnu/libopenblas.a",
  "/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.a",
  "/usr/lib/x86_64-linux-gnu/openblas-serial/libopenblas.a",
  "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.a",
  "/usr/lib64/libopenblas.a",
  "/usr/local/lib/libopenblas.a",
  "/opt/OpenBLAS/lib/libopenblas.a"
];

export interface BuildOptions {
  /** Repository root holding data-loaders/ with the probe sources (default: this checkout). */
  root?: string;
  /** Cache root (default `<root>/.cache/probes`). */
  cacheDir?: string;
  /** Compiler (default `$CC` or "gcc"). */
  gcc?: string;
  /** Probes to build (default all). A probe named here that cannot be built throws. */
  probes?: readonly ProbeName[];
  /** Static OpenBLAS archive (default: `$VMMBENCH_OPENBLAS` or the first of OPENBLAS_CANDIDATES; null: none). */
  openblas?: string | null;
  /** Progress and warnings (default: silent). */
  log?: (message: string) => void;
}

export interface ProbeBuild {
  /** Binary name → absolute path: the static probes and their companions. */
  binaries: Partial<Record<string, string>>;
  /** Binary name → why it could not be built (only for probes not asked for explicitly, and companions). */
  unavailable: Partial<Record<string, MissingDependencyError | ProcessFailedError>>;
  /** The cache directory used. */
  dir: string;
  hash: string;
}

/**
 * Builds (or finds in the cache) the probe binaries. Resolves to binary name → absolute path.
 * Missing gcc or static libc throws MissingDependencyError; a missing OpenBLAS only leaves
 * vmmbench-linpack out (unless it was asked for in `probes`): see buildProbesDetailed for why.
 */
export async function buildProbes(opts: BuildOptions = {}): Promise<Record<string, string>> {
  const result = await buildProbesDetailed(opts);
  return result.binaries as Record<string, string>;
}

const inFlight = new Map<string, Promise<string>>();

export async function buildProbesDetailed(opts: BuildOptions = {}): Promise<ProbeBuild> {
  const root = resolve(opts.root ?? REPO_ROOT);
  const cacheRoot = resolve(opts.cacheDir ?? join(root, ".cache", "probes"));
  const gcc = opts.gcc ?? process.env.CC ?? "gcc";
  const log = opts.log ?? (() => {});
  const explicit = opts.probes !== undefined;
  const probes = opts.probes ?? PROBE_NAMES;
  for (const name of probes) {
    if (!PROBE_NAMES.includes(name)) throw new TypeError(`unknown probe ${JSON.stringify(name)} (known: ${PROBE_NAMES.join(", ")})`);
  }
  const companions = Object.keys(COMPANIONS).filter((c) => probes.includes(COMPANIONS[c]!));
  const wanted = [...probes, ...companions];
  // Sources are found under `root` as they sit under this checkout (a test builds a copy).
  const inRoot = (path: string) => join(root, relative(REPO_ROOT, path));
  const includeDir = inRoot(COMMON_DIR);

  const gccVersion = await gccIdentity(gcc);
  await checkStaticLibc(gcc);
  const openblas = opts.openblas === undefined ? findOpenblas() : opts.openblas && existsSync(opts.openblas) ? opts.openblas : null;

  // The hash covers everything that can change a binary.
  const h = createHash("sha256");
  h.update(`vmmbench-probes-v2\0${gccVersion}\0${BASE_CFLAGS.join(" ")}\0`);
  h.update(await readFile(join(includeDir, "common.h")));
  for (const spec of SPECS.values()) {
    const file = inRoot(spec.source);
    h.update(`\0${spec.name}\0${spec.companionOf ? "dynamic" : STATIC_FLAG}\0${spec.cflags.join(" ")}\0${spec.libs.join(" ")}\0`);
    if (existsSync(file)) h.update(await readFile(file));
    // Headers beside a source (a suite's own) change its binary as much as the source does.
    for (const header of existsSync(dirname(file)) ? (await readdir(dirname(file))).filter((name) => name.endsWith(".h")).sort() : []) {
      h.update(`\0${header}\0`);
      h.update(await readFile(join(dirname(file), header)));
    }
  }
  if (openblas) {
    const st = await stat(openblas);
    h.update(`\0openblas\0${openblas}\0${st.size}\0${st.mtimeMs}`);
  } else {
    h.update("\0openblas\0none");
  }
  const hash = h.digest("hex").slice(0, 16);
  const dir = join(cacheRoot, hash);
  await mkdir(dir, {recursive: true});

  const result: ProbeBuild = {binaries: {}, unavailable: {}, dir, hash};
  for (const name of wanted) {
    const spec = SPECS.get(name)!;
    const source = inRoot(spec.source);
    const out = join(dir, name);
    try {
      if (!existsSync(source)) {
        throw new ProcessFailedError(`${gcc} ${relative(root, source)}`, undefined, undefined, false, `${relative(root, source)} does not exist`);
      }
      let libs = [...spec.libs];
      if (spec.openblas) {
        if (!openblas) {
          throw new MissingDependencyError(
            "OpenBLAS static library (libopenblas.a)",
            "apt-get install -y libopenblas-dev",
            `looked in ${OPENBLAS_CANDIDATES.slice(0, 2).join(", ")} …; set VMMBENCH_OPENBLAS to its path`
          );
        }
        libs = [openblas, ...spec.libs];
      }
      if (!existsSync(out)) {
        const key = out;
        let p = inFlight.get(key);
        if (!p) {
          const link = spec.companionOf ? [] : [STATIC_FLAG];
          p = compile(gcc, [...BASE_CFLAGS, ...link, `-I${includeDir}`, ...spec.cflags], source, libs, out, Boolean(spec.openblas), log);
          inFlight.set(key, p);
          p.finally(() => inFlight.delete(key)).catch(() => {});
        }
        await p;
      }
      result.binaries[name] = out;
    } catch (error) {
      const sourceMissing = error instanceof ProcessFailedError && error.stderr.endsWith("does not exist");
      const companion = name in COMPANIONS;
      const optional = (companion || spec.openblas) && (error instanceof MissingDependencyError || error instanceof ProcessFailedError);
      if ((explicit && !companion) || !(optional || sourceMissing)) throw error;
      result.unavailable[name] = error as MissingDependencyError | ProcessFailedError;
      log(`${name} is unavailable: ${(error as Error).message}`);
    }
  }
  return result;
}

async function compile(
  gcc: string,
  cflags: string[],
  source: string,
  libs: string[],
  out: string,
  tryGfortran: boolean,
  log: (m: string) => void
): Promise<string> {
  const tmp = `${out}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  const args = [...cflags, "-o", tmp, source, ...libs];
  log(`building ${out}`);
  try {
    try {
      await run(gcc, args);
    } catch (error) {
      // Some OpenBLAS builds pull Fortran LAPACK objects that need libgfortran.
      if (!tryGfortran || !(error instanceof ProcessFailedError) || !/gfortran|_gfortran_|quadmath/.test(error.stderr)) throw error;
      await run(gcc, [...args, "-lgfortran", "-lquadmath"]).catch((e2) => {
        if (e2 instanceof ProcessFailedError && /cannot find -lgfortran|cannot find -lquadmath/.test(e2.stderr)) {
          throw new MissingDependencyError("static libgfortran", "apt-get install -y libgfortran-12-dev", "needed by this OpenBLAS build");
        }
        throw e2;
      });
    }
    await rename(tmp, out);
  } catch (error) {
    await rm(tmp, {force: true});
    if (error instanceof ProcessFailedError && /cannot find -lc\b|cannot find -lm\b|cannot find -lpthread/.test(error.stderr)) {
      throw new MissingDependencyError("static C library (libc.a)", "apt-get install -y libc6-dev", error.stderr.trim().split("\n")[0]);
    }
    throw error;
  }
  return out;
}

function run(cmd: string, args: string[]): Promise<{stdout: string; stderr: string}> {
  return new Promise((resolvePromise, reject) => {
    execFile(cmd, args, {maxBuffer: 16 << 20, timeout: 300_000}, (error, stdout, stderr) => {
      if (!error) return resolvePromise({stdout, stderr});
      const e = error as NodeJS.ErrnoException & {code?: string | number; signal?: string; killed?: boolean};
      if (e.code === "ENOENT") {
        reject(new MissingDependencyError(cmd, INSTALL_HINT, `${cmd} is not on PATH`));
        return;
      }
      reject(
        new ProcessFailedError(
          `${cmd} ${args.join(" ")}`,
          typeof e.code === "number" ? e.code : undefined,
          e.signal ?? undefined,
          Boolean(e.killed && e.signal === "SIGTERM"),
          String(stderr)
        )
      );
    });
  });
}

const gccCache = new Map<string, Promise<string>>();

async function gccIdentity(gcc: string): Promise<string> {
  let p = gccCache.get(gcc);
  if (!p) {
    p = Promise.all([run(gcc, ["--version"]), run(gcc, ["-dumpmachine"])]).then(
      ([v, m]) => `${v.stdout.split("\n")[0]} ${m.stdout.trim()}`
    );
    gccCache.set(gcc, p);
    p.catch(() => gccCache.delete(gcc));
  }
  return p;
}

async function checkStaticLibc(gcc: string): Promise<void> {
  const {stdout} = await run(gcc, ["-print-file-name=libc.a"]);
  const path = stdout.trim();
  if (!path.startsWith("/") || !existsSync(path)) {
    throw new MissingDependencyError("static C library (libc.a)", "apt-get install -y libc6-dev", `${gcc} -print-file-name=libc.a gave ${JSON.stringify(path)}`);
  }
}

/** The static OpenBLAS archive to link LINPACK with, or null. */
export function findOpenblas(): string | null {
  const env = process.env.VMMBENCH_OPENBLAS;
  if (env) return existsSync(env) ? env : null;
  return OPENBLAS_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** Reads an ELF file's program headers and says whether it has a PT_INTERP (i.e. is dynamic). */
export async function elfHasInterpreter(path: string): Promise<boolean> {
  const buf = await readFile(path);
  if (buf.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path} is not an ELF file`);
  const is64 = buf[4] === 2;
  const le = buf[5] === 1;
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const u64 = (o: number) => Number(le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o));
  const phoff = is64 ? u64(0x20) : u32(0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  for (let i = 0; i < phnum; i++) {
    if (u32(phoff + i * phentsize) === 3 /* PT_INTERP */) return true;
  }
  return false;
}

/**
 * Removes cached probe builds other than the newest `keep` (by modification time). Not called
 * automatically: another checkout or a running harness may still use an older build.
 * Returns the removed directories.
 */
export async function pruneProbeCache(opts: {root?: string; cacheDir?: string; keep?: number} = {}): Promise<string[]> {
  const cacheRoot = resolve(opts.cacheDir ?? join(resolve(opts.root ?? REPO_ROOT), ".cache", "probes"));
  if (!existsSync(cacheRoot)) return [];
  const entries = await Promise.all(
    (await readdir(cacheRoot, {withFileTypes: true}))
      .filter((e) => e.isDirectory() && /^[0-9a-f]{16}$/.test(e.name))
      .map(async (e) => ({dir: join(cacheRoot, e.name), mtime: (await stat(join(cacheRoot, e.name))).mtimeMs}))
  );
  entries.sort((a, b) => b.mtime - a.mtime);
  const removed = entries.slice(opts.keep ?? 2).map((e) => e.dir);
  for (const dir of removed) await rm(dir, {recursive: true, force: true});
  return removed;
}
