/**
 * Worker thread of the ingest parse pool: parses the files it is sent and posts back each output
 * with its sample table's columns transferred, or the error (a ParseError as its fields, so the
 * main thread throws the same error the inline path would).
 */
import {parentPort} from "node:worker_threads";
import {ParseError} from "../errors.ts";
import {parseBytes} from "./parse-file.ts";
import type {WorkerReply, WorkerRequest} from "./parse-pool.ts";

const port = parentPort!;
port.on("message", ({id, bytes, file}: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const output = parseBytes(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
    const table = output.table.columns();
    reply = {id, output: {format: output.format, tool: output.tool, toolVersion: output.toolVersion, meta: output.meta, table}};
    port.postMessage(reply, [table.seriesOf.buffer, table.values.buffer, table.repetitions.buffer]);
    return;
  } catch (error) {
    reply =
      error instanceof ParseError
        ? {id, parseError: {file: error.file, line: error.line, expected: error.expected, found: error.found}}
        : {id, error: error instanceof Error ? (error.stack ?? error.message) : String(error)};
  }
  port.postMessage(reply);
});
