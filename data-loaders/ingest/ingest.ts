import {isAscii, isUtf8} from "node:buffer";
import {readFileSync, rmSync} from "node:fs";
import {basename, join, relative} from "node:path";
import {newRunId} from "../campaign/run.ts";
import {parseAny} from "../parsers/detect.ts";
import type {SampleTable} from "../sample-table.ts";
import type {ParsedOutput} from "../samples.ts";
import {sha256} from "../store/raw.ts";
import {keepRawArchive} from "../store/raw-archive.ts";
import type {StepRecord, Store} from "../store/store.ts";
import type {Fingerprint} from "../targets/target.ts";
import {VERSION} from "../version.ts";
import type {IngestEnvironment, IngestInput} from "./collect.ts";

export interface IngestSummary {
  runId: string | null;
  files: number;
  skipped: string[];
  samples: number;
  formats: Record<string, number>;
}

interface Parsed {
  input: IngestInput;
  bytes: Buffer;
  sha256: string;
  output: ParsedOutput;
}

/**
 * Stores outputs others produced as one ingest run. All files are parsed before anything is
 * written, and the writes share one transaction: any bad file leaves the database and data/runs
 * as they were. A file whose bytes are already stored (by any earlier ingest) is skipped. The
 * files are kept verbatim in one tar archive per ingest (store/raw-archive.ts).
 */
export async function ingest(store: Store, inputs: IngestInput[], options: {command: unknown}): Promise<IngestSummary> {
  // Read and hash first, so one query (not one per file) tells which files are already stored.
  // A file that cannot be read stops the reading; its error is thrown when the loop below reaches
  // it, after any earlier file's parse error, as when each file was read just before its parse.
  const read: Array<{input: IngestInput; bytes: Buffer; sha256: string} | {input: IngestInput; error: unknown}> = [];
  for (const input of inputs) {
    try {
      const bytes = readFileSync(input.path);
      read.push({input, bytes, sha256: sha256(bytes)});
    } catch (error) {
      read.push({input, error});
      break;
    }
  }
  const stored = await store.storedRawOutputs(read.flatMap((file) => ("sha256" in file ? [file.sha256] : [])));
  const parsed: Parsed[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  for (const file of read) {
    if ("error" in file) throw file.error;
    const {input, bytes, sha256: hash} = file;
    if (seen.has(hash) || stored.has(hash)) {
      skipped.push(input.path);
      continue;
    }
    seen.add(hash);
    // Parsers read text; latin1 keeps every byte of a non-UTF-8 file one character, so line numbers stay true.
    // Pure ASCII (the usual benchmark output) reads the same either way; latin1 decodes it several times faster.
    const text = bytes.toString(isAscii(bytes) || !isUtf8(bytes) ? "latin1" : "utf8");
    parsed.push({input, bytes, sha256: hash, output: parseAny(text, displayPath(input.path))});
  }
  const summary: IngestSummary = {runId: null, files: parsed.length, skipped, samples: 0, formats: {}};
  if (parsed.length === 0) return summary;

  const runId = `ingest-${newRunId()}`;
  summary.runId = runId;
  const environments = new Map<string, Fingerprint>();
  let archive: ReturnType<typeof keepRawArchive> | undefined;
  try {
    await store.transaction(async () => {
      await store.beginRun({runId, source: "ingest", plan: options.command, vmmbenchVersion: VERSION, tags: mergedTags(parsed)});
      const steps: StepRecord[] = [];
      // The verbatim copies are written in the background while the samples are stored.
      archive = keepRawArchive(
        store.dataDir,
        runId,
        parsed.map((file, index) => ({name: `${String(index).padStart(4, "0")}-${basename(file.input.path)}`, content: file.bytes, format: file.output.format, sha256: file.sha256}))
      );
      for (const [index, file] of parsed.entries()) {
        const raw = archive.outputs[index]!;
        for (const [label, samples] of byEnvironment(file)) {
          if (!environments.has(label)) {
            const fp = fingerprint(label, file.input.environment, file.output, samples.series[0]?.host);
            environments.set(label, fp);
            await store.recordEnvironment(runId, fp);
          }
          steps.push({
            runId,
            stepId: `${String(index).padStart(4, "0")}:${label}:${basename(file.input.path)}`,
            environment: label,
            status: "done",
            startedAt: new Date(),
            durationMs: 0,
            raw: [raw],
            samples,
            provenance: {tool: file.output.tool, toolVersion: file.output.toolVersion, engine: "ingest"}
          });
          summary.samples += samples.length;
        }
        summary.formats[file.output.format] = (summary.formats[file.output.format] ?? 0) + 1;
      }
      await store.writeSteps(steps);
      await archive.done;
      await store.finishRun(runId, "complete");
    });
  } catch (error) {
    // The archive is this command's own (a run id is new); a failed write has removed it already.
    const written = await archive?.done.then(() => true, () => false);
    if (written) rmSync(join(store.dataDir, archive!.outputs[0]!.path), {force: true});
    throw error;
  }
  return summary;
}

/** A summary table can hold several machines; each becomes its own environment ("label:host"). */
function byEnvironment(file: Parsed): Map<string, SampleTable> {
  const table = file.output.table;
  const label = file.input.environment.label;
  const hosts = new Set<string | undefined>();
  for (const s of table.series) hosts.add(s.host);
  // One host (the usual case, and a file with no samples, which is still kept so that ingesting it
  // again is recognised): the parser's table is the environment's, as is.
  if (hosts.size <= 1) return new Map([[label, table]]);
  return new Map([...hosts].map((host) => [`${label}:${host ?? "?"}`, table.select((s) => s.host === host)]));
}

function fingerprint(label: string, env: IngestEnvironment, output: ParsedOutput, host: string | undefined): Fingerprint {
  const meta = output.meta;
  return {
    environment: label,
    hypervisor: env.hypervisor as Fingerprint["hypervisor"],
    hypervisorVersion: null,
    mode: env.mode as Fingerprint["mode"],
    guestOs: env.guestOs ?? meta.os ?? "",
    kernel: meta.kernel ?? "",
    cpuModel: meta.cpu ?? "",
    vcpus: env.vcpus,
    memoryMb: meta.memory_mb ? Number(meta.memory_mb) : null,
    passthrough: env.passthrough,
    host: host ?? meta.host ?? "",
    launch: `ingested ${output.tool}${output.toolVersion ? ` ${output.toolVersion}` : ""} output`,
    extra: {...env.tags, ...Object.fromEntries(Object.entries(meta).map(([k, v]) => [`source_${k}`, v]))}
  };
}

function mergedTags(parsed: Parsed[]): Record<string, string> {
  return Object.assign({}, ...parsed.map((p) => p.input.environment.tags));
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith("..") ? path : rel;
}
