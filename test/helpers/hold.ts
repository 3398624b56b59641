import {execa, type ResultPromise} from "execa";
import {join} from "node:path";
import {ROOT} from "./shared.ts";

/** Starts hold-database.ts on `db` (a writer, or a reader) and resolves once it holds it; `release` ends it. */
export async function holdDatabase(db: string, mode: "write" | "read" = "write"): Promise<{pid: number; release: () => Promise<void>}> {
  const child: ResultPromise = execa("node", ["--import", "tsx", join(ROOT, "test", "helpers", "hold-database.ts"), db, mode], {cwd: ROOT, stdin: "pipe", reject: false});
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
    void child.then((result) => reject(new Error(`the holder exited: ${result.stderr}`)));
  });
  return {
    pid: child.pid!,
    release: async () => {
      child.stdin!.end();
      await child;
    }
  };
}
