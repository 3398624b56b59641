/**
 * Host side of the guest's results channel (see init-script.ts for the frame format): an
 * incremental parser fed with whatever bytes the serial-port file holds so far, and a poller that
 * tails that file while the guest runs.
 */

import {open} from "node:fs/promises";
import {CHANNEL_MAGIC} from "./init-script.ts";

export interface Frame {
  kind: string;
  /** Header fields between the kind and the payload length. */
  fields: string[];
  payload: Buffer;
}

const MARK = Buffer.from(`\n${CHANNEL_MAGIC} `);
const MAX_HEADER = 4096;

export class ChannelParser {
  #buffer: Buffer = Buffer.alloc(0);
  /** Bytes skipped because they were not inside a frame (should stay 0). */
  skipped = 0;

  push(chunk: Buffer): Frame[] {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    const frames: Frame[] = [];
    for (;;) {
      const at = this.#buffer.indexOf(MARK);
      if (at < 0) {
        // Keep a tail that could be the start of a mark split across chunks.
        const keep = Math.min(this.#buffer.length, MARK.length - 1);
        this.skipped += this.#buffer.length - keep;
        this.#buffer = this.#buffer.subarray(this.#buffer.length - keep);
        break;
      }
      this.skipped += at;
      const headerStart = at + MARK.length;
      const newline = this.#buffer.indexOf(0x0a, headerStart);
      if (newline < 0) {
        if (this.#buffer.length - headerStart > MAX_HEADER) {
          this.#buffer = this.#buffer.subarray(headerStart); // garbage: resynchronise on the next mark
          continue;
        }
        this.#buffer = this.#buffer.subarray(at);
        break;
      }
      const words = this.#buffer.toString("latin1", headerStart, newline).trim().split(/\s+/);
      const length = Number(words.at(-1));
      if (words.length < 2 || !Number.isSafeInteger(length) || length < 0) {
        this.#buffer = this.#buffer.subarray(newline); // malformed header: resynchronise
        continue;
      }
      const payloadStart = newline + 1;
      if (this.#buffer.length < payloadStart + length) {
        this.#buffer = this.#buffer.subarray(at);
        break;
      }
      frames.push({kind: words[0]!, fields: words.slice(1, -1), payload: Buffer.from(this.#buffer.subarray(payloadStart, payloadStart + length))});
      // The next frame's mark begins with "\n": keep the position right after the payload.
      this.#buffer = this.#buffer.subarray(payloadStart + length);
    }
    return frames;
  }
}

/** Tails a growing file, handing each new chunk to `onChunk`; `stop()` reads what is left. */
export function tailFile(path: string, onChunk: (chunk: Buffer) => void, intervalMs = 100): {stop: () => Promise<void>} {
  let offset = 0;
  let stopped = false;
  let reading: Promise<void> = Promise.resolve();
  const readMore = async () => {
    let handle;
    try {
      handle = await open(path, "r");
    } catch {
      return; // not created yet
    }
    try {
      for (;;) {
        const buffer = Buffer.alloc(64 * 1024);
        const {bytesRead} = await handle.read(buffer, 0, buffer.length, offset);
        if (bytesRead <= 0) break;
        offset += bytesRead;
        onChunk(buffer.subarray(0, bytesRead));
      }
    } finally {
      await handle.close();
    }
  };
  let failure: unknown;
  const step = () => readMore().catch((error) => {
    failure ??= error;
  });
  const timer = setInterval(() => {
    reading = reading.then(step);
  }, intervalMs);
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      reading = reading.then(step);
      await reading;
      if (failure) throw failure;
    }
  };
}
