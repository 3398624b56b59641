/**
 * Parses many input files, on worker threads when there is enough text to repay starting them.
 * The worker's sources are bundled once per process into one plain script (esbuild, in memory):
 * a worker that loaded the TypeScript through tsx took ~0.3 s to start, a bundled one ~0.05 s.
 * Results come back in input order; a file that fails to parse gives its error in its place, and
 * the caller decides which error to throw.
 */
import {availableParallelism} from "node:os";
import {fileURLToPath} from "node:url";
import {Worker} from "node:worker_threads";
import {ParseError, VmmbenchError} from "../errors.ts";
import {SampleTable, type TableColumns} from "../sample-table.ts";
import {ParsedOutput} from "../samples.ts";
import {parseBytes} from "./parse-file.ts";

export interface WorkerRequest {
  id: number;
  bytes: Uint8Array;
  file: string;
}

export type WorkerReply =
  | {id: number; output: {format: string; tool: string; toolVersion: string | null; meta: Record<string, string>; table: TableColumns}}
  | {id: number; parseError: {file: string; line: number; expected: string; found: string | undefined}}
  | {id: number; error: string};

export interface ParseJob {
  bytes: Buffer;
  /** The path as errors and step ids show it. */
  file: string;
}

/** Below this much text, parsing inline is faster than starting workers. */
const WORKER_MIN_BYTES = 8e6;
const MAX_WORKERS = 4;

export async function parseFiles(jobs: readonly ParseJob[], options: {workers?: number} = {}): Promise<Array<ParsedOutput | Error>> {
  const bytes = jobs.reduce((n, job) => n + job.bytes.length, 0);
  const count = Math.min(options.workers ?? (bytes >= WORKER_MIN_BYTES ? Math.min(availableParallelism(), MAX_WORKERS) : 0), jobs.length);
  if (count <= 1) return jobs.map((job) => attempt(() => parseBytes(job.bytes, job.file)));
  return inWorkers(jobs, count);
}

function attempt(parse: () => ParsedOutput): ParsedOutput | Error {
  try {
    return parse();
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

async function inWorkers(jobs: readonly ParseJob[], count: number): Promise<Array<ParsedOutput | Error>> {
  const results = new Array<ParsedOutput | Error>(jobs.length);
  const script = await workerScript();
  const workers = Array.from({length: count}, () => new Worker(script, {eval: true}));
  let next = 0;
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              if (next >= jobs.length) return resolve();
              const id = next++;
              // A copy: small Buffers share Node's pool, which must not be transferred away.
              worker.postMessage({id, bytes: new Uint8Array(jobs[id]!.bytes), file: jobs[id]!.file} satisfies WorkerRequest);
            };
            worker.on("message", (reply: WorkerReply) => {
              results[reply.id] = fromReply(reply);
              send();
            });
            worker.on("error", (error) => reject(new VmmbenchError(`a parse worker failed: ${error.message}`, {cause: error})));
            worker.on("exit", (code) => (next < jobs.length || code !== 0 ? reject(new VmmbenchError(`a parse worker exited (code ${code})`)) : undefined));
            send();
          })
      )
    );
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return results;
}

let bundled: Promise<string> | undefined;

function workerScript(): Promise<string> {
  bundled ??= import("esbuild").then(async ({build}) => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL("./parse-worker.ts", import.meta.url))],
      bundle: true,
      platform: "node",
      format: "cjs",
      write: false,
      logLevel: "silent"
    });
    return result.outputFiles[0]!.text;
  });
  return bundled;
}

function fromReply(reply: WorkerReply): ParsedOutput | Error {
  if ("output" in reply) {
    const {format, tool, toolVersion, table, meta} = reply.output;
    return new ParsedOutput(format, tool, toolVersion, SampleTable.fromColumns(table), meta);
  }
  if ("parseError" in reply) {
    const {file, line, expected, found} = reply.parseError;
    return new ParseError(file, line, expected, found);
  }
  return new VmmbenchError(`parsing failed inside a worker: ${reply.error}`);
}
