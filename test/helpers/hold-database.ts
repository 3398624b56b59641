/**
 * Another process holding a database, as a campaign does: opens it for writing, commits one run
 * (`held-run`), prints "ready" and keeps it open until its stdin closes.
 * Run: node --import tsx test/helpers/hold-database.ts DB
 */
import {Store} from "../../data-loaders/store/store.ts";

const store = await Store.open(process.argv[2]!);
await store.beginRun({runId: "held-run", source: "run", plan: {}, vmmbenchVersion: "test"});
process.stdout.write("ready\n");
process.stdin.resume();
process.stdin.on("close", () => {
  store.close();
  process.exit(0);
});
