/**
 * A fault campaign: campaigns over native, a QEMU TCG guest and a guest too small to ever boot,
 * each hit over and over, at random moments (seeded), by
 *   - kill -9 of the campaign, of a probe in flight and of the guest's QEMU;
 *   - the disk that holds the database and raw outputs filled mid-step (a tmpfs; root only);
 *   - other commands on the same database while it runs: sql (reads a snapshot), an ingest and a
 *     second campaign (refused: busy), an ingest with --wait (lands once the database is free) and
 *     a site build (reads a snapshot);
 * each resumed until complete. Then it counts:
 *   - lost samples: a step stored after one fault whose samples are gone or changed after a later
 *     one, a raw output whose file is missing or whose bytes no longer match its sha256;
 *   - duplicates: two stored steps with one id, two samples of one step, series and repetition;
 *   - leaks, before and after: processes that carry this bench's token in their environment
 *     (probes, QEMU, watchers, whatever they forked; zombies excepted), and files: scratch folders
 *     and probe files in the campaigns' TMPDIR, campaign records under <cache>/campaigns whose
 *     campaign is gone, guest initrds and scratch disks left in qemu-runs, raw files no stored
 *     step names, half-written .tmp and site build workspaces;
 *   - campaigns complete, with every planned step stored exactly once.
 *
 *     npx tsx bench/faults.ts [--campaigns 3] [--faults 8] [--rounds 6] [--seed 15]
 */
import {execa, type ResultPromise} from "execa";
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, relative} from "node:path";
import {setTimeout as sleep} from "node:timers/promises";
import {campaignsRoot} from "../data-loaders/campaign/process-group.ts";
import {alive} from "../data-loaders/campaign/reaper.mjs";
import {cacheRoot} from "../data-loaders/guest/paths.ts";
import {sha256} from "../data-loaders/store/raw.ts";
import {Store} from "../data-loaders/store/store.ts";
import {seededRandom} from "../data-loaders/stats.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const BIN = join(ROOT, "bin", "vmmbench.js");
const FIXTURES = join(ROOT, "test", "fixtures", "lmbench");
const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => (argv.includes(`--${name}`) ? Number(argv[argv.indexOf(`--${name}`) + 1]) : fallback);
const CAMPAIGNS = option("campaigns", 3);
const FAULTS = option("faults", 8);
const ROUNDS = option("rounds", 6);
const SEED = option("seed", 15);
const random = seededRandom(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const between = (low: number, high: number) => low + random() * (high - low);

const TOKEN = `vmmbench-faults-${process.pid}`;
const IS_ROOT = process.getuid?.() === 0;
const work = mkdtempSync(join(tmpdir(), "vmmbench-bench-faults-"));
const tmp = join(work, "tmp"); // the campaigns' TMPDIR: their scratch and snapshot folders
const disk = join(work, "disk"); // database and raw outputs: a 64 MB tmpfs when root, to fill
mkdirSync(tmp);
mkdirSync(disk);
const env = {TMPDIR: tmp, VMMBENCH_FAULT_TOKEN: TOKEN, VMMBENCH_QUIET: "1", FORCE_COLOR: "0"};

const PLAN = `name: faults
environments:
  - target: local
  - {target: qemu, label: fault-tcg, accel: tcg, vcpus: 1, memory_mb: 256}
  - {target: qemu, label: fault-never, accel: tcg, memory_mb: 128}
suites:
  lmbench: {table1: [lat_syscall, lat_fork, lat_exec], ctx: [2p16k], mem_size_mb: [], budget_ms: 150, reps: 3}
  iozone: {file_kb: [65536], record_kb: [64], reps: 3, fsync: true}
repetitions: {min: ${ROUNDS}, max: ${ROUNDS}}
step_timeout_s: 300
`;
const STEPS_PER_ROUND = 3 * 3; // three environments × (table1, ctx, iozone)

type Fault = "campaign" | "probe" | "guest" | "disk";
const counts = {campaign: 0, probe: 0, guest: 0, disk: 0, neverBooted: 0, sqlSnapshots: 0, refusedWriters: 0, waitedIngests: 0, siteBuilds: 0, resumes: 0, restarts: 0, crashes: 0};
const problems: string[] = [];

// ---------------------------------------------------------------------------------------------
// What this bench's processes and files are.

function tokenProcesses(): {pid: number; comm: string; cmdline: string}[] {
  const found: {pid: number; comm: string; cmdline: string}[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${name}/environ`, "utf8").includes(TOKEN)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z") continue;
      found.push({pid: Number(name), comm: readFileSync(`/proc/${name}/comm`, "utf8").trim(), cmdline: readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ")});
    } catch {
      // ended meanwhile, or not ours to read
    }
  }
  return found;
}

/** Whether process `pid` has `file` open. */
function holds(pid: number, file: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === file;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** `pids` and every process below them. */
function descendants(pids: number[]): Set<number> {
  const parent = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // ended meanwhile
    }
  }
  const found = new Set(pids);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parent) if (found.has(ppid) && !found.has(pid)) found.add(pid), (grew = true);
  }
  return found;
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? [join(dir, e.name), ...walk(join(dir, e.name))] : [join(dir, e.name)]));
}

/** Leftovers only a fault could leave, by kind; the databases and the raw outputs they name are not counted. */
async function leftoverFiles(dbs: string[]): Promise<Record<string, string[]>> {
  const scratch = readdirSync(tmp).filter((name) => !name.startsWith("tsx-") && !name.startsWith("node-compile-cache")).map((name) => join(tmp, name));
  const groups = existsSync(campaignsRoot())
    ? readdirSync(campaignsRoot()).filter((name) => {
        try {
          return !alive(JSON.parse(readFileSync(join(campaignsRoot(), name, "owner.json"), "utf8")));
        } catch {
          return true;
        }
      })
    : [];
  const runs = join(cacheRoot(), "qemu-runs");
  const guestFiles = (existsSync(runs) ? readdirSync(runs).filter((name) => name.includes("-fault-")) : []).flatMap((name) =>
    ["initrd", "scratch.img"].map((file) => join(runs, name, file)).filter(existsSync)
  );
  const data = walk(join(disk, "runs"));
  const stored = new Set<string>();
  for (const db of dbs.filter(existsSync)) {
    const store = await Store.open(db, {readOnly: true});
    for (const row of await store.query("SELECT path FROM raw_outputs")) stored.add(String(row.path));
    store.close();
  }
  const orphans = data.filter((path) => statSync(path).isFile() && !path.endsWith(".tar") && !stored.has(relative(disk, path)));
  const workspaces = readdirSync(work).filter((name) => name.startsWith(".dist.build-"));
  return {scratch, groups, guestFiles, orphans, workspaces};
}

const total = (files: Record<string, string[]>) => Object.values(files).reduce((n, list) => n + list.length, 0);

// ---------------------------------------------------------------------------------------------
// What the database holds: each stored step's samples, to find any lost or duplicated later.

interface Stored {
  steps: Map<string, string>;
  duplicateSteps: number;
  duplicateSamples: number;
  samples: number;
  rawMissing: number;
  status: string;
  /** Steps of the campaign (not of ingests), each stored once when it is complete. */
  campaignSteps: number;
}

async function stored(db: string): Promise<Stored> {
  const store = await Store.open(db, {readOnly: true});
  try {
    const rows = await store.query(`
      SELECT st.run_id || '/' || st.step_id AS id, st.status, st.message,
             string_agg(s.series_id || ':' || s.repetition || ':' || coalesce(s.value::VARCHAR, 'null'), ',' ORDER BY s.series_id, s.repetition, s.value) AS samples
      FROM steps st LEFT JOIN samples s USING (step_no) GROUP BY ALL`);
    const steps = new Map<string, string>();
    for (const row of rows) {
      // A step that never ran (its environment could not start) is forgotten and tried again on resume.
      if (row.status === "failed" && String(row.message ?? "").startsWith("did not run")) continue;
      steps.set(String(row.id), `${row.status}|${sha256(String(row.samples ?? ""))}`);
    }
    const [dup] = await store.query(`SELECT (SELECT count(*) - count(DISTINCT (run_id, step_id)) FROM steps) AS steps,
      (SELECT count(*) - count(DISTINCT (step_no, series_id, repetition)) FROM samples) AS samples, (SELECT count(*) FROM samples) AS n`);
    let rawMissing = 0;
    for (const raw of await store.query("SELECT path, sha256, bytes, byte_offset FROM raw_outputs WHERE run_id <> 'paper-che2008'")) {
      const file = join(disk, String(raw.path));
      if (!existsSync(file)) rawMissing++;
      else if (raw.byte_offset === null && sha256(readFileSync(file)) !== raw.sha256) rawMissing++;
    }
    const [run] = await store.query("SELECT status, (SELECT count(*) FROM steps WHERE steps.run_id = runs.run_id) AS steps FROM runs WHERE source = 'run' ORDER BY started_at DESC LIMIT 1");
    return {steps, duplicateSteps: Number(dup!.steps), duplicateSamples: Number(dup!.samples), samples: Number(dup!.n), rawMissing, status: String(run?.status ?? "none"), campaignSteps: Number(run?.steps ?? 0)};
  } finally {
    store.close();
  }
}

/** Whether `db` holds a campaign's run (a `run --plan` killed early records none). */
async function hasCampaign(db: string): Promise<boolean> {
  if (!existsSync(db)) return false;
  const store = await Store.open(db, {readOnly: true});
  try {
    return (await store.query("SELECT 1 FROM runs WHERE source = 'run'")).length > 0;
  } finally {
    store.close();
  }
}

/** Steps seen stored before, now missing or changed. */
function lost(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...before].filter(([id, digest]) => after.get(id) !== digest).map(([id]) => id);
}

// ---------------------------------------------------------------------------------------------
// Commands.

function start(args: string[]): ResultPromise {
  return execa("node", [BIN, ...args], {cwd: ROOT, env, reject: false, all: true});
}

/** A command ended: its output must end in one line, never a stack trace. */
function judge(result: {all?: unknown}, what: string): void {
  const output = String(result.all ?? "");
  if (/^\s+at |Node\.js v\d|Unhandled|internal error/m.test(output)) {
    counts.crashes++;
    problems.push(`${what}: stack trace or internal error: ${output.split("\n").slice(-6).join(" | ")}`);
  }
}

async function waitFor<T>(find: () => T | undefined, ms: number): Promise<T | undefined> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    const found = find();
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Other commands on the database while the campaign holds it; with a fixture, also an ingest that
 * waits for the database (returned in an object: an async function would await the promise itself).
 */
async function concurrently(db: string, fixture: string | undefined): Promise<{waiting?: ResultPromise}> {
  const sql = await start(["sql", "select count(*) n from results", "--db", db, "--format", "csv"]);
  judge(sql, "sql during a campaign");
  if (sql.exitCode === 0 && /reading a snapshot/.test(String(sql.all))) counts.sqlSnapshots++;
  else if (!/no database at/.test(String(sql.all))) problems.push(`sql during a campaign: ${sql.all}`);
  for (const args of [["ingest", join(FIXTURES, "results-2.0.txt"), "--env", "busy", "--db", db], ["run", "--resume", "--db", db]]) {
    const writer = await start(args);
    judge(writer, `${args[0]} during a campaign`);
    if (writer.exitCode === 1 && /is in use by process \d+ \(vmmbench run/.test(String(writer.all))) counts.refusedWriters++;
    else if (!/no database at|no unfinished campaign/.test(String(writer.all))) problems.push(`${args[0]} during a campaign was not refused: ${writer.all}`);
  }
  // This one waits for the campaign and lands when the database is free.
  return fixture ? {waiting: start(["ingest", fixture, "--env", `waited-${counts.waitedIngests}`, "--db", db, "--wait", "900"])} : {};
}

async function killOne(fault: Exclude<Fault, "disk">, campaign: ResultPromise): Promise<boolean> {
  if (fault === "campaign") {
    campaign.kill("SIGKILL");
    return true;
  }
  const target = await waitFor(() => tokenProcesses().find((p) => (fault === "probe" ? p.comm.startsWith("vmmbench-") : p.comm.startsWith("qemu-system") && p.cmdline.includes("fault-tcg"))), 20_000);
  if (!target) return false;
  process.kill(target.pid, "SIGKILL");
  return true;
}

async function fillDisk(): Promise<void> {
  await execa("sh", ["-c", `dd if=/dev/zero of=${join(disk, "fill")} bs=1M 2>/dev/null; true`]);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (IS_ROOT) await execa("mount", ["-t", "tmpfs", "-o", "size=64m", "tmpfs", disk]);
  else console.log("not root: no tmpfs to fill, the disk faults are skipped");
  writeFileSync(join(work, "plan.yaml"), PLAN);
  const beforeProcesses = tokenProcesses().length;
  const beforeFiles = await leftoverFiles([]);
  const started = Date.now();
  let maxAfterKill = 0;
  let complete = 0;
  let lostSteps = 0;
  let worstDup = {steps: 0, samples: 0};
  let rawMissing = 0;
  const fixtures = readdirSync(FIXTURES).map((name) => join(FIXTURES, name));
  const waited: ResultPromise[] = [];
  const sites: ResultPromise[] = [];
  let db = "";

  for (let c = 0; c < CAMPAIGNS; c++) {
    db = join(disk, `faults-${c}.duckdb`);
    let seen = new Map<string, string>();
    let faults = 0;
    let first = true;
    let waitedIngest = false;
    const kinds: Fault[] = IS_ROOT ? ["campaign", "probe", "guest", "disk"] : ["campaign", "probe", "guest"];
    for (;;) {
      // A campaign killed before it recorded its run left nothing to resume: it is started again.
      const fresh = first || !(await hasCampaign(db));
      const campaign = start(fresh ? ["run", "--plan", join(work, "plan.yaml"), "--db", db] : ["run", "--resume", "--db", db]);
      if (fresh && !first) counts.restarts++;
      if (!fresh) counts.resumes++;
      first = false;
      let ended = false;
      void campaign.then(() => (ended = true));
      let checkedConcurrency = false;
      // Faults at random moments while it runs: a probe or guest kill leaves it running, the others end it.
      while (!ended && faults < FAULTS) {
        await sleep(between(1000, 4000));
        if (ended || !existsSync(db)) continue;
        // Other commands once the campaign holds the database (a resume takes a moment to open it).
        if (!checkedConcurrency && (await waitFor(() => holds(campaign.pid!, db) || undefined, 10_000))) {
          checkedConcurrency = true;
          const {waiting} = await concurrently(db, !waitedIngest && faults >= 2 ? fixtures[c % fixtures.length] : undefined);
          if (waiting) waited.push(waiting);
          waitedIngest ||= waiting !== undefined;
          if (ended) break;
        }
        const fault = kinds[faults % kinds.length]!;
        faults++;
        if (fault === "disk") {
          await sleep(between(0, 3000));
          await fillDisk();
          counts.disk++;
          // The campaign stops at its next write; a step may run for a while first.
          await Promise.race([campaign, sleep(240_000)]);
          rmSync(join(disk, "fill"), {force: true});
          if (!ended) campaign.kill("SIGKILL");
        } else if (await killOne(fault, campaign)) {
          counts[fault]++;
        }
        // A site build beside the campaign reads a snapshot; it is judged once the campaign has ended.
        if (c === 0 && faults === 3 && !ended) sites.push(start(["site", "build", "--db", db, "--out", join(work, "dist")]));
      }
      const result = await campaign;
      if (result.signal !== "SIGKILL") judge(result, `campaign ${c}`);
      if (/fault-never cannot run: memory_mb 128 is too little/.test(String(result.all))) counts.neverBooted++;
      // 1.5 s after the campaign ended, nothing it started may still run.
      await sleep(1500);
      // The ingest waiting for the database and a site build still running (with Framework's children) are not the campaign's.
      const others = descendants([...waited, ...sites].map((w) => w.pid!));
      const left = tokenProcesses().filter((p) => !others.has(p.pid));
      maxAfterKill = Math.max(maxAfterKill, left.length);
      if (left.length) problems.push(`still running 1.5 s after campaign ${c} ended: ${left.map((p) => `${p.pid} ${p.comm}`).join(", ")}`);
      await Promise.all(sites.splice(0).map(async (site) => {
        const r = await site;
        judge(r, "site build during a campaign");
        if (r.exitCode === 0) counts.siteBuilds++;
        else problems.push(`site build during a campaign failed: ${String(r.all).split("\n").at(-1)}`);
      }));
      await Promise.all(waited.splice(0).map(async (w) => {
        const r = await w;
        judge(r, "ingest --wait");
        if (r.exitCode === 0) counts.waitedIngests++;
        else problems.push(`ingest --wait failed: ${String(r.all).split("\n").at(-1)}`);
      }));
      const now = await stored(db);
      const gone = lost(seen, now.steps);
      lostSteps += gone.length;
      if (gone.length) problems.push(`campaign ${c}: lost ${gone.join(", ")}`);
      worstDup = {steps: Math.max(worstDup.steps, now.duplicateSteps), samples: Math.max(worstDup.samples, now.duplicateSamples)};
      rawMissing = Math.max(rawMissing, now.rawMissing);
      seen = now.steps;
      if (now.status === "complete") {
        if (now.campaignSteps !== ROUNDS * STEPS_PER_ROUND) problems.push(`campaign ${c} complete with ${now.campaignSteps} of ${ROUNDS * STEPS_PER_ROUND} steps stored`);
        else complete++;
        break;
      }
    }
    console.log(`campaign ${c + 1}/${CAMPAIGNS} complete after ${faults} fault(s); ${((Date.now() - started) / 1000).toFixed(0)} s so far`);
  }

  const final = await stored(db);
  const afterFiles = await leftoverFiles(Array.from({length: CAMPAIGNS}, (_, c) => join(disk, `faults-${c}.duckdb`)));
  const afterProcesses = tokenProcesses().length;
  const secs = (Date.now() - started) / 1000;
  console.log(`\nfault campaign: ${CAMPAIGNS} campaigns × ${ROUNDS} rounds × ${STEPS_PER_ROUND} steps, seed ${SEED}, ${secs.toFixed(0)} s (2-core machine shared with other work)`);
  console.log(`faults injected: kill -9 of the campaign ${counts.campaign}, of a probe ${counts.probe}, of the guest's QEMU ${counts.guest}; disk filled mid-step ${counts.disk}; a guest that never boots, attempted ${counts.neverBooted} times`);
  console.log(`two commands on one database: ${counts.sqlSnapshots} sql reads of a snapshot, ${counts.refusedWriters} writers refused with the holder's name, ${counts.waitedIngests} ingests with --wait landed, ${counts.siteBuilds} site build(s) from a snapshot`);
  console.log(`resumes: ${counts.resumes}, campaigns started again (killed before they recorded their run): ${counts.restarts}; campaigns complete with every planned step stored once: ${complete} of ${CAMPAIGNS}`);
  console.log(`lost: ${lostSteps} stored steps lost or changed, ${rawMissing} raw outputs missing or altered; duplicates: ${worstDup.steps} steps, ${worstDup.samples} samples (last database: ${final.samples} samples)`);
  console.log(`leaked processes: before ${beforeProcesses}, after ${afterProcesses} (at most ${maxAfterKill} still running 1.5 s after any campaign ended)`);
  const describe = (files: Record<string, string[]>) => Object.entries(files).map(([kind, list]) => `${kind} ${list.length}`).join(", ");
  console.log(`leaked files: before ${total(beforeFiles)} (${describe(beforeFiles)}), after ${total(afterFiles)} (${describe(afterFiles)})`);
  console.log(`commands that printed a stack trace or an internal error: ${counts.crashes}`);
  for (const problem of problems) console.log(`PROBLEM ${problem}`);
  if (IS_ROOT) await execa("umount", [disk], {reject: false});
  rmSync(work, {recursive: true, force: true});
  process.exitCode = problems.length || lostSteps || worstDup.steps || worstDup.samples || total(afterFiles) || afterProcesses ? 1 : 0;
}

await main();
