/**
 * How the reference engine runs a real tool: one small POSIX sh runner (REFERENCE_RUNNER, a probe
 * like the others in the target's probe map) gives the tool a fresh scratch directory as its working
 * directory (HPL reads HPL.dat from there), writes input files, installs LMbench's /tmp/hello for
 * lat_proc and removes both afterwards, as scripts/lmbench does; and the helpers the suites' tool
 * steps share (suites/<name>/tools.ts). The engine's decisions are campaign/tool-engine.ts.
 */
import {createHash} from "node:crypto";
import {existsSync, mkdirSync, readFileSync, renameSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {ParseError} from "../errors.ts";
import type {ParsedOutput, Params, Sample} from "../model/sample.ts";

/** Probe name of the runner script in a target's probe map. */
export const REFERENCE_RUNNER = "vmmbench-ref";

/**
 * `vmmbench-ref [--file NAME CONTENT]... [--install SRC DST] [--env NAME=VALUE]... [--merge-stderr] -- TOOL ARG...`
 * Runs TOOL in a fresh scratch directory (its working directory), "@DIR@" in an argument standing
 * for that directory; exit 125 means the runner itself failed, anything else is the tool's status.
 */
export const RUNNER_SCRIPT = `#!/bin/sh
# vmmbench reference-tool runner (written by vmmbench; docs/probes.md "Reference engine").
set -u
dir=$(mktemp -d "\${TMPDIR:-/tmp}/vmmbench-ref.XXXXXX") || exit 125
installed=
trap 'rm -rf "$dir"; [ -z "$installed" ] || rm -f "$installed"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
merge=0
while [ $# -gt 0 ]; do
  case $1 in
    --file) printf '%s' "$3" > "$dir/$2" || exit 125; shift 3 ;;
    --install) cp "$2" "$3" || exit 125; installed=$3; shift 3 ;;
    --env) export "$2" || exit 125; shift 2 ;;
    --merge-stderr) merge=1; shift ;;
    --) shift; break ;;
    *) echo "vmmbench-ref: unknown option $1" >&2; exit 125 ;;
  esac
done
[ $# -gt 0 ] || { echo "vmmbench-ref: no tool to run" >&2; exit 125; }
n=$#
while [ $n -gt 0 ]; do
  a=$1; shift; n=$((n - 1))
  while :; do case $a in *@DIR@*) a="\${a%%@DIR@*}$dir\${a#*@DIR@}" ;; *) break ;; esac; done
  set -- "$@" "$a"
done
cd "$dir" || exit 125
if [ $merge = 1 ]; then "$@" 2>&1; else "$@"; fi
`;

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Writes the runner (content-addressed, atomically) and returns its absolute path. */
export function writeReferenceRunner(cacheDir = join(REPO_ROOT, ".cache", "reference")): string {
  const hash = createHash("sha256").update(RUNNER_SCRIPT).digest("hex").slice(0, 16);
  const dir = join(cacheDir, hash);
  const path = join(dir, REFERENCE_RUNNER);
  if (existsSync(path) && readFileSync(path, "utf8") === RUNNER_SCRIPT) return path;
  mkdirSync(dir, {recursive: true});
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, RUNNER_SCRIPT, {mode: 0o755});
  renameSync(tmp, path);
  return path;
}

/** A short, stable identity for a tool that prints no version: the start of its binary's sha256. */
export function binaryId(path: string): string {
  try {
    return `sha256:${createHash("sha256").update(readFileSync(path)).digest("hex").slice(0, 12)}`;
  } catch {
    return "unknown";
  }
}

/** The runner's arguments: files to write, a file to install, environment, then the tool and its arguments. */
export function runnerArgs(opts: {files?: Record<string, string>; install?: [string, string]; env?: Record<string, string>; mergeStderr?: boolean}, tool: string, args: string[]): string[] {
  const out: string[] = [];
  for (const [name, content] of Object.entries(opts.files ?? {})) out.push("--file", name, content);
  if (opts.install) out.push("--install", ...opts.install);
  for (const [name, value] of Object.entries(opts.env ?? {})) out.push("--env", `${name}=${value}`);
  if (opts.mergeStderr) out.push("--merge-stderr");
  return [...out, "--", tool, ...args];
}

/** Keeps the samples of `metric` (those `keep` accepts), with params replaced by the built-in probe's for the same measurement. */
export function project(parsed: ParsedOutput, file: string, want: string, keep: (sample: Sample) => Params | undefined): {samples: Sample[]; toolVersion: string | null} {
  const samples: Sample[] = [];
  for (const sample of parsed.samples) {
    const params = keep(sample);
    if (params) samples.push({...sample, params});
  }
  if (samples.length === 0) throw new ParseError(file, 1, want, `${parsed.format} output with ${parsed.samples.map((s) => s.metric).join(", ") || "no samples"}`);
  return {samples, toolVersion: parsed.toolVersion};
}
