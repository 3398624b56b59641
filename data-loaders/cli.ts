/**
 * The only place that reads argv and decides exit codes. Every command lives in
 * data-loaders/commands/ and throws typed errors; this file turns them into messages.
 */
import {parseArgs, type ParseArgsConfig} from "node:util";
import {describeFailure, INTERRUPTED_EXIT} from "./commands/failure.ts";
import {ConfigError} from "./errors.ts";
import {DEFAULT_DB} from "./store/store.ts";
import {VERSION} from "./version.ts";

const HELP = `vmmbench ${VERSION} — measure and compare virtual machine monitors (native, KVM, Xen, QEMU)

Usage: vmmbench <command> [options]

Commands:
  run      Run a campaign (built-in LMbench/IOzone/LINPACK probes) and store it
  ingest   Store existing LMbench, IOzone, HPL/HPCC, Intel LINPACK, fio or STREAM outputs,
           or merge another vmmbench database or export
  export   Write the results as Parquet (hive-partitioned by host and run) with the raw outputs
  compare  A/B: two runs, environments or tags, series by series, with a regression gate
  sql      Run SQL over the results database
  image    Build the hermetic guest image (kernel + initramfs)
  lab      Build and check the nested lab (real KVM and Xen inside an emulated machine)
  site     Build or preview the report (Observable Framework, fully offline)
  doctor   What this host offers (KVM, Xen, tools, caches) and where each plan environment runs

Common options:
  --db PATH         results database (default ${DEFAULT_DB})
  --wait SECONDS    wait this long for another process that holds the database
  -h, --help        help for a command
  --version         print the version

Every failure is one line on stderr; exit status 2 for a bad command line or plan, 1 for any other
failure (a malformed input file, a busy or full disk, a campaign where no step succeeded), 130
after Ctrl-C.

Examples:
  vmmbench run --plan quick
  vmmbench doctor
  vmmbench run --plan my-plan.yaml --db /tmp/study.duckdb
  vmmbench run --resume
  vmmbench ingest results/ --env kvm --hypervisor kvm --vcpus 2
  vmmbench export /tmp/exp && vmmbench ingest /tmp/exp --db merged.duckdb
  vmmbench compare tag:kernel=6.1 tag:kernel=6.6
  vmmbench sql "select environment, metric, median(value) from results group by all"
  vmmbench sql "select * from results limit 5" --format csv
  vmmbench site build
`;

const COMMAND_HELP: Record<string, string> = {
  run: `Usage: vmmbench run [--plan quick|full|paper|FILE] [--engine builtin|reference] [--tag KEY=VALUE]... [--db PATH] [--wait SECONDS]
       vmmbench run --resume [RUN_ID] [--db PATH] [--wait SECONDS]

Runs a campaign: every environment of the plan × the suites it names, in rounds whose order
rotates across environments, until the plan's stop rule holds. Raw outputs are kept under
data/runs/<run-id>/ (beside the database); samples go to the database.

  --plan NAME|FILE   a preset (quick, full, paper) or a YAML/JSON plan file (default quick)
  --engine E         builtin (the plan's default): vmmbench's probes; reference: run LMbench, IOzone,
                     HPL or Intel LINPACK where found (plan tools: or PATH), built-in probes elsewhere
  --tag KEY=VALUE    stored with the campaign (kernel=6.6, qemu=9.0): \`vmmbench compare\` compares tags
  --resume [RUN_ID]  continue the newest unfinished campaign (or RUN_ID) with its stored plan,
                     without redoing finished steps (so no --plan, --engine or --tag with it)
  --db PATH          results database (default ${DEFAULT_DB})
  --wait SECONDS     wait for another process that holds the database (default: fail at once)

Failed steps (a probe that crashed, hung or could not be built) are stored with their stderr and
the campaign goes on; the exit code is 1 only when no step succeeded. Ctrl-C ends the probes and
guests, keeps every finished step and says how to resume (exit 130). Probes and guests of a
campaign killed outright are ended by a watcher, and the next campaign sweeps what is left.

Examples:
  vmmbench run                      # the quick pass: native and a QEMU guest
  vmmbench run --plan study.yaml
  vmmbench run --engine reference   # the real tools where installed
  vmmbench run --resume
`,
  sql: `Usage: vmmbench sql "<query>" [--format table|csv|json] [--db PATH] [--write] [--wait SECONDS]

Runs SQL over the database. The view \`results\` has one row per sample with its environment,
hypervisor, guest OS, vCPUs, pass-through, suite, metric, params (JSON), unit, value, repetition,
tool, tool version and the sha256 of the raw output it came from.

The database is opened read-only: while a campaign writes it, the query reads a snapshot taken
now (--wait SECONDS waits for the campaign instead). SQL cannot read or write files, reach the
network or install extensions.

  --write            allow changes, in one transaction that is rolled back when it would drop or
                     alter vmmbench's tables
  --wait SECONDS     wait for another process that holds the database

Examples:
  vmmbench sql "select count(distinct metric) from results where source='run'"
  vmmbench sql "select environment, metric, median(value) v from results group by all order by all" --format csv
`,
  ingest: `Usage: vmmbench ingest PATH... --env LABEL [--hypervisor H] [--guest-os OS] [--vcpus N]
                       [--passthrough on|off] [--tag key=value]... [--db PATH]
       vmmbench ingest --manifest FILE [--db PATH] [--wait SECONDS]
       vmmbench ingest OTHER.duckdb|EXPORT_DIR... [--db PATH] [--wait SECONDS]

Stores outputs others produced, recognised by their content: LMbench results and summaries,
IOzone (auto, -R/-b report, throughput), HPL, HPCC, Intel LINPACK, fio JSON, STREAM.
Directories are walked. All-or-nothing: one bad file stores nothing. Files already stored are skipped.

Another vmmbench database or an export (vmmbench export) is merged instead: its runs keep their
ids, plans, tags, fingerprints and raw outputs, and where they came from is recorded (table
imports). Each source merges all or nothing; a run already stored is skipped, a later state of a
stored run (more steps, the same ones) replaces it, and any other difference stops the merge.
`,
  compare: `Usage: vmmbench compare A B [--threshold 0.05] [--alpha 0.05] [--correction holm|bh]
                        [--suite S]... [--metric M]... [--env LABEL]... [--all] [--format table|csv|json] [--db PATH]

Compares B (the candidate) with A (the baseline), series by series: the ratio of medians B/A with
its 95% bootstrap interval and a permutation-test p-value, corrected for the number of series
(Holm by default: the chance that any series of two identical builds is flagged stays below
--alpha; bh: Benjamini-Hochberg, for exploring). A and B are two runs (run:ID or a unique prefix),
two environments (env:LABEL; within the runs that measured both, permuting within rounds where a
plan's rotation interleaved them) or two tags (tag:KEY=VALUE, see run --tag). Bare, each is tried
as a run id, then KEY=VALUE, then an environment label. The table lists what changed (--all: every
series), regressions first; docs/compare.md explains the method.

Exit status: 0 when no series regressed; 3 when at least one is worse than A by more than
--threshold (a relative change: 0.05 = 5% slower or 5% less throughput) with significance after the
correction; 2 for a mistake in the arguments.

Examples:
  vmmbench compare run:20250101T1200Z-1a2b3c run:20250102T1200Z-4d5e6f
  vmmbench compare tag:qemu=8.2 tag:qemu=9.0 --suite lmbench --threshold 0.03
  vmmbench compare env:kvm-old env:kvm-new --format json
`,
  export: `Usage: vmmbench export DIR [--run RUN_ID]... [--db PATH]

Writes every run (or those named) into DIR, a new folder: results/host=H/run_id=R/*.parquet (one
row per sample, the results view's columns, hive-partitioned; any DuckDB, Spark or pandas reads
it), tables/*.parquet (runs, environments, steps, raw outputs, imports), runs/R.tar (every raw
output of run R, verbatim) and vmmbench-export.json (every file's sha256). The paper's reference
data is left out. \`vmmbench ingest DIR --db OTHER\` merges it into another database.

Examples:
  vmmbench export /srv/exports/ctl1-$(date +%F)
  vmmbench export out/ --run 20250101T120000Z-1a2b3c
`,
  image: `Usage: vmmbench image build

Builds the guest image (Debian kernel + busybox-static + the static probes) into .cache/images/<hash>/.
`,
  lab: `Usage: vmmbench lab build
       vmmbench lab check [--xen] [--no-kvm] [--paging nested|shadow]
       vmmbench lab info

The nested lab, for machines without VT-x/SVM: a QEMU TCG machine (-cpu max, which emulates AMD
SVM) booted from a Debian root with the distribution kernel, qemu-system-x86 and Xen 4.17, in
which real KVM guests (kvm_amd, nested or shadow paging) and real Xen PV/PVH domUs run the probes.
Plans use it with \`target: lab\` environments (inner: native|kvm|xen-pv|xen-pvh); the paper preset
uses it for whatever the host lacks. See docs/lab.md.

  build   build the lab root once (debootstrap + apt from Debian's mirror, needs root; 3-8 min),
          cached by recipe hash under .cache/lab/<hash>/
  check   boot it and run one small probe bare, in a KVM guest and with --xen in Xen PV and PVH
          domUs; prints the latencies and each boot's timings (about 1 min, 2-3 min with --xen)
  info    the cached lab root and the last lab boots

Examples:
  vmmbench lab build
  vmmbench lab check --xen
  vmmbench run --plan paper
`,
  doctor: `Usage: vmmbench doctor [--plan quick|full|paper|FILE] [--recheck]

Prints what this host offers — KVM (decided by booting the guest image under it, not by the
device node: a /dev/kvm served by PVM boots no stock kernel), a Xen dom0, nested virtualization,
QEMU, Xen, gcc, OpenBLAS, chromium, debootstrap, the cached lab root and guest image, free disk —
and what each environment of the plan will really run on. Paste it into bug reports.

  --plan NAME|FILE   the plan whose environments to explain (default quick)
  --recheck          boot the guest image under KVM again instead of reading the cached verdict
`,
  site: `Usage: vmmbench site build [--db PATH] [--out DIR] [--from EXPORT]... [--compare A..B]... [--wait SECONDS]
       vmmbench site preview [--db PATH] [--from EXPORT]...

Builds the report into dist/ (or DIR) with no network access (every module comes from
node_modules), or serves it with live reload. Data loaders read the database given by --db,
read-only; while a campaign writes it they read a snapshot (--wait SECONDS waits instead). With
--from, the exports named (vmmbench export, from any number of controllers) merged into one
temporary database, plus the --db database when it is named too. --compare A..B puts that
comparison (two runs, environments or tags, as vmmbench compare takes them) first on the Compare
page. The build is atomic: it is made in a folder beside the output and swapped in when it
succeeds, so a failed build leaves the last good report in place.
`
};

/** Accepted by every command, so a --db or --wait given out of habit is never an error. */
const COMMON = {db: {type: "string", default: DEFAULT_DB}, wait: {type: "string"}} as const;

export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const log = (line: string) => err.write(`${line}\n`);
  // Output piped into `head` and the like: the reader left, so stop quietly instead of an EPIPE stack trace.
  if (out === process.stdout) process.stdout.on("error", (error: NodeJS.ErrnoException) => error.code === "EPIPE" && process.exit(0));
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "-h" || command === "--help" || command === "help") {
      out.write(HELP);
      return command === undefined ? 2 : 0;
    }
    if (command === "--version") {
      out.write(`${VERSION}\n`);
      return 0;
    }
    if (!(command in COMMAND_HELP)) throw new ConfigError(`unknown command "${command}" (run vmmbench --help)`);
    if (rest.includes("-h") || rest.includes("--help")) {
      out.write(COMMAND_HELP[command]);
      return 0;
    }
    switch (command) {
      case "run": {
        const {values} = args(rest, {plan: {type: "string"}, engine: {type: "string"}, resume: {type: "boolean"}, tag: {type: "string", multiple: true}, ...COMMON}, true);
        const engine = values.engine === undefined ? undefined : String(values.engine);
        if (engine !== undefined && engine !== "builtin" && engine !== "reference") throw new ConfigError(`--engine: expected builtin or reference, found "${engine}"`);
        if (values.resume && values.plan !== undefined) throw new ConfigError(`--plan with --resume: a resumed campaign runs the plan it started with; drop --plan, or start a new campaign without --resume`);
        const {runCommand} = await import("./commands/run.ts");
        const resumeId = typeof values.resume === "boolean" && values.resume ? (positionalsOf(rest, ["--resume"])[0] ?? true) : false;
        const summary = await whileInterruptible(log, (signal) =>
          runCommand({db: String(values.db), plan: String(values.plan ?? "quick"), resume: resumeId, engine, tags: values.tag as string[] | undefined, waitS: seconds(values.wait), signal, log})
        );
        // Failed steps are stored and reported; the campaign only fails as a whole when nothing was measured.
        return summary.stepsRun > 0 && summary.stepsFailed === summary.stepsRun ? 1 : 0;
      }
      case "sql": {
        const {values, positionals} = args(rest, {format: {type: "string", default: "table"}, write: {type: "boolean"}, ...COMMON});
        if (positionals.length !== 1) throw new ConfigError(`sql takes exactly one query in quotes, got ${positionals.length}`);
        const format = String(values.format);
        if (!["table", "csv", "json"].includes(format)) throw new ConfigError(`--format: expected table, csv or json, found "${format}"`);
        const {sqlCommand} = await import("./commands/sql.ts");
        await sqlCommand({db: String(values.db), query: positionals[0], format: format as "table" | "csv" | "json", out, write: Boolean(values.write), waitS: seconds(values.wait), log});
        return 0;
      }
      case "ingest": {
        const {ingestCommand, INGEST_OPTIONS} = await import("./commands/ingest.ts");
        const {values, positionals} = args(rest, {...INGEST_OPTIONS, ...COMMON});
        await ingestCommand({values, paths: positionals, waitS: seconds(values.wait), log});
        return 0;
      }
      case "export": {
        const {values, positionals} = args(rest, {run: {type: "string", multiple: true}, db: {type: "string", default: DEFAULT_DB}});
        if (positionals.length !== 1) throw new ConfigError(`export takes one folder to write into, got ${positionals.length}`);
        const {exportCommand} = await import("./commands/export.ts");
        await exportCommand({db: String(values.db), dir: positionals[0]!, runs: (values.run as string[] | undefined) ?? [], log});
        return 0;
      }
      case "compare": {
        const {values, positionals} = args(rest, {
          threshold: {type: "string", default: "0.05"},
          alpha: {type: "string", default: "0.05"},
          correction: {type: "string", default: "holm"},
          suite: {type: "string", multiple: true},
          metric: {type: "string", multiple: true},
          env: {type: "string", multiple: true},
          all: {type: "boolean"},
          format: {type: "string", default: "table"},
          db: {type: "string", default: DEFAULT_DB}
        });
        if (positionals.length !== 2) throw new ConfigError(`compare takes A and B, got ${positionals.length} argument(s)`);
        const fraction = (name: "threshold" | "alpha", max: number) => {
          const value = Number(values[name]);
          if (!(Number.isFinite(value) && value > 0 && value < max)) throw new ConfigError(`--${name}: expected a number above 0 and below ${max}, found "${values[name]}"`);
          return value;
        };
        const correction = String(values.correction);
        if (correction !== "holm" && correction !== "bh") throw new ConfigError(`--correction: expected holm or bh, found "${correction}"`);
        const format = String(values.format);
        if (!["table", "csv", "json"].includes(format)) throw new ConfigError(`--format: expected table, csv or json, found "${format}"`);
        const {compareCommand} = await import("./commands/compare.ts");
        return await compareCommand({
          db: String(values.db),
          a: positionals[0]!,
          b: positionals[1]!,
          threshold: fraction("threshold", 10),
          alpha: fraction("alpha", 1),
          correction,
          suites: (values.suite as string[] | undefined) ?? [],
          metrics: (values.metric as string[] | undefined) ?? [],
          environments: (values.env as string[] | undefined) ?? [],
          all: Boolean(values.all),
          format: format as "table" | "csv" | "json",
          out,
          log
        });
      }
      case "image": {
        const {positionals} = args(rest, COMMON);
        if (positionals[0] !== "build") throw new ConfigError(`image: expected the subcommand "build"`);
        const {imageBuildCommand} = await import("./guest/image.ts");
        await imageBuildCommand({print: (line) => out.write(`${line}\n`), log});
        return 0;
      }
      case "lab": {
        const {values, positionals} = args(rest, {xen: {type: "boolean"}, "no-kvm": {type: "boolean"}, paging: {type: "string", default: "nested"}, ...COMMON});
        const paging = String(values.paging);
        if (paging !== "nested" && paging !== "shadow") throw new ConfigError(`--paging: expected nested or shadow, found "${paging}"`);
        const {labCommand} = await import("./commands/lab.ts");
        return await labCommand({sub: positionals[0] ?? "", xen: Boolean(values.xen), kvm: !values["no-kvm"], paging, print: (line) => out.write(`${line}\n`), log});
      }
      case "doctor": {
        const {values} = args(rest, {plan: {type: "string", default: "quick"}, recheck: {type: "boolean"}, ...COMMON});
        const {doctorCommand} = await import("./commands/doctor.ts");
        await doctorCommand({plan: String(values.plan), recheck: Boolean(values.recheck), print: (line) => out.write(`${line}\n`), log});
        return 0;
      }
      case "site": {
        const {values, positionals} = args(rest, {out: {type: "string"}, from: {type: "string", multiple: true}, compare: {type: "string", multiple: true}, ...COMMON});
        const sub = positionals[0];
        if (sub !== "build" && sub !== "preview") throw new ConfigError(`site: expected "build" or "preview", found ${sub === undefined ? "nothing" : `"${sub}"`}`);
        const {siteCommand} = await import("./commands/site.ts");
        const dbGiven = rest.some((arg) => arg === "--db" || arg.startsWith("--db="));
        const pairs = (values.compare as string[] | undefined) ?? [];
        const bad = pairs.find((pair) => !/^.+\.\..+$/s.test(pair));
        if (bad !== undefined) throw new ConfigError(`--compare: expected A..B (two runs, environments or tags), found "${bad}"`);
        return await siteCommand({sub, db: String(values.db), ...(values.out ? {out: String(values.out)} : {}), from: (values.from as string[] | undefined) ?? [], dbGiven, compare: pairs, waitS: seconds(values.wait), log});
      }
    }
    return 2;
  } catch (error) {
    const failure = describeFailure(error);
    if (process.env.VMMBENCH_DEBUG === "1" && error instanceof Error) err.write(`${error.stack}\n`);
    err.write(`${failure.line}\n`);
    return failure.exitCode;
  }
}

/**
 * Runs a campaign that Ctrl-C (or SIGTERM, SIGHUP) stops cleanly: the first signal aborts it (its
 * probes and guests are ended, every finished step is kept, and it ends with how to resume); a
 * second one exits at once, leaving the rest to the campaign's watcher.
 */
async function whileInterruptible<T>(log: (line: string) => void, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      log(`vmmbench: ${signal} again: exiting now`);
      process.exit(INTERRUPTED_EXIT);
    }
    log(`vmmbench: ${signal}: ending the probes and guests and stopping (${signal} again to exit at once)`);
    controller.abort(signal);
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const signal of signals) process.on(signal, onSignal);
  try {
    return await work(controller.signal);
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
  }
}

/** `--wait SECONDS` as a number (undefined when not given). */
function seconds(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(Number.isFinite(n) && n >= 0)) throw new ConfigError(`--wait: expected a number of seconds ≥ 0, found "${String(value)}"`);
  return n;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** parseArgs with unknown flags turned into a ConfigError that lists the accepted ones. */
function args(argv: string[], options: Options, allowPositionals = true) {
  try {
    return parseArgs({args: argv, options, allowPositionals, strict: true});
  } catch (error) {
    const accepted = Object.keys(options).map((o) => `--${o}`).join(", ");
    throw new ConfigError(`${(error as Error).message.split(".")[0]} (accepted: ${accepted || "none"})`);
  }
}

/** Positionals that directly follow one of `flags` (for optional flag values such as `--resume [RUN_ID]`). */
function positionalsOf(argv: string[], flags: string[]): string[] {
  const out: string[] = [];
  argv.forEach((a, i) => {
    if (flags.includes(a) && argv[i + 1] !== undefined && !argv[i + 1].startsWith("-")) out.push(argv[i + 1]);
  });
  return out;
}
