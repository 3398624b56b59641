import {isAscii, isUtf8} from "node:buffer";
import {readFileSync} from "node:fs";
import {basename, relative} from "node:path";
import {newRunId} from "../campaign/run.ts";
import {parseAny, type Parser} from "../parsers/detect.ts";
import type {SampleTable} from "../model/sample-table.ts";
import type {ParsedOutput} from "../model/sample.ts";
import {sha256} from "../store/raw.ts";
import {RawArchive} from "../store/raw-archive.ts";
import type {StepWriter} from "../store/step-writer.ts";
import type {Store} from "../store/store.ts";
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

/** Input bytes read and hashed at a time, so memory stays bounded however much is ingested. */
const BATCH_BYTES = 16 * 1024 * 1024;

/**
 * Stores outputs others produced as one ingest run, in one transaction: any bad file leaves the
 * database and data/runs as they were. Files go through in batches (read, parse, store) so that
 * memory stays bounded however much is ingested at once. A file whose bytes are already stored (by
 * any earlier ingest, or earlier in this one) is skipped. The files are kept verbatim in one tar
 * archive per ingest (store/raw-archive.ts).
 */
export interface IngestOptions {
  /** What the run records as its plan: the command's options. */
  command: unknown;
  batchBytes?: number;
  /** Text to samples (parseAny); bench/ingest.ts wraps it to time parsing apart from the rest. */
  parser?: Parser;
}

export async function ingest(store: Store, inputs: IngestInput[], options: IngestOptions): Promise<IngestSummary> {
  const summary: IngestSummary = {runId: null, files: 0, skipped: [], samples: 0, formats: {}};
  const runId = `ingest-${newRunId()}`;
  const environments = new Map<string, Fingerprint>();
  const tags: Record<string, string> = {};
  const seen = new Set<string>();
  let archive: RawArchive | undefined;
  let writer: StepWriter | undefined;
  try {
    await store.transaction(async () => {
      try {
        await ingestBatches();
      } catch (error) {
        // Before the rollback: closing an appender flushes it, which must land in the transaction.
        writer?.abort();
        throw error;
      }
      if (archive === undefined || writer === undefined) return;
      await writer.close();
      await archive.finish();
      await store.finishRun(runId, "complete", tags);
      summary.runId = runId;
    });
  } catch (error) {
    await archive?.abort();
    throw error;
  }
  return summary;

  async function ingestBatches(): Promise<void> {
    for (let next = 0; next < inputs.length; ) {
      const batch = await readBatch(store, inputs, next, options.batchBytes ?? BATCH_BYTES);
      next += batch.length;
      for (const file of batch) {
        if ("error" in file) throw file.error;
        if (seen.has(file.sha256) || file.stored) {
          summary.skipped.push(file.input.path);
          continue;
        }
        seen.add(file.sha256);
        const parsed = parse(file, options.parser ?? parseAny);
        if (archive === undefined || writer === undefined) {
          await store.beginRun({runId, source: "ingest", plan: options.command, vmmbenchVersion: VERSION});
          archive = new RawArchive(store.dataDir, runId);
          writer = await store.stepWriter();
        }
        const number = String(summary.files++).padStart(4, "0");
        const raw = archive.add({name: `${number}-${basename(file.input.path)}`, content: file.bytes, format: parsed.output.format, sha256: file.sha256});
        Object.assign(tags, file.input.environment.tags);
        for (const [label, samples] of byEnvironment(parsed)) {
          if (!environments.has(label)) {
            const fp = fingerprint(label, file.input.environment, parsed.output, samples.series[0]?.host);
            environments.set(label, fp);
            await store.recordEnvironment(runId, fp);
          }
          // Stored at once, so the parsed table is garbage before the next file is parsed.
          writer.add({
            runId,
            stepId: `${number}:${label}:${basename(file.input.path)}`,
            environment: label,
            status: "done",
            startedAt: new Date(),
            durationMs: 0,
            raw: [raw],
            samples,
            provenance: {tool: parsed.output.tool, toolVersion: parsed.output.toolVersion, engine: "ingest"}
          });
          summary.samples += samples.length;
        }
        summary.formats[parsed.output.format] = (summary.formats[parsed.output.format] ?? 0) + 1;
      }
      await archive?.drained();
    }
  }
}

type ReadFile = {input: IngestInput; bytes: Buffer; sha256: string; stored: boolean} | {input: IngestInput; error: unknown};

/**
 * Reads and hashes the files from `start` on, up to `limit` bytes (at least one file), and asks
 * the store in one query which are already stored. A file that cannot be read ends the batch; its
 * error is thrown when the caller reaches it, after any earlier file's parse error, as when each
 * file was read just before its parse.
 */
async function readBatch(store: Store, inputs: IngestInput[], start: number, limit: number): Promise<ReadFile[]> {
  const read: ReadFile[] = [];
  let bytes = 0;
  for (let i = start; i < inputs.length && (bytes < limit || read.length === 0); i++) {
    const input = inputs[i]!;
    try {
      const content = readFileSync(input.bytes ?? input.path);
      read.push({input, bytes: content, sha256: sha256(content), stored: false});
      bytes += content.length;
    } catch (error) {
      read.push({input, error});
      break;
    }
  }
  const stored = await store.storedRawOutputs(read.flatMap((file) => ("sha256" in file ? [file.sha256] : [])));
  for (const file of read) if ("sha256" in file) file.stored = stored.has(file.sha256);
  return read;
}

function parse(file: {input: IngestInput; bytes: Buffer; sha256: string}, parser: Parser): Parsed {
  const {bytes} = file;
  // Parsers read text; latin1 keeps every byte of a non-UTF-8 file one character, so line numbers stay true.
  // Pure ASCII (the usual benchmark output) reads the same either way; latin1 decodes it several times faster.
  const text = bytes.toString(isAscii(bytes) || !isUtf8(bytes) ? "latin1" : "utf8");
  return {...file, output: parser(text, displayPath(file.input.path))};
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

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith("..") ? path : rel;
}
