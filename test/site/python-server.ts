/**
 * The README's way of serving the report: `python3 -m http.server --directory DIR --bind 127.0.0.1`,
 * which serves files as they are (no `linpack` for `linpack.html`). The browser tests use it to
 * check that every link of the built site works under a plain static server.
 */
import {spawn} from "node:child_process";

export interface PythonServer {
  origin: string;
  close(): Promise<void>;
}

export async function servePython(dir: string): Promise<PythonServer> {
  const child = spawn("python3", ["-u", "-m", "http.server", "0", "--directory", dir, "--bind", "127.0.0.1"], {stdio: ["ignore", "pipe", "pipe"]});
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const port = await new Promise<number>((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`python3 -m http.server did not say its port within 10 s:\n${text}`)), 10_000);
    child.stdout.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const match = /port (\d+)/.exec(text);
      if (match) clearTimeout(timer), resolve(Number(match[1]));
    });
    child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString()));
    child.on("error", (error) => (clearTimeout(timer), reject(error)));
    exited.then((code) => (clearTimeout(timer), reject(new Error(`python3 -m http.server exited (${code}):\n${text}`))));
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    async close() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    }
  };
}
