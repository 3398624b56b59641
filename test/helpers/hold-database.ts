/**
 * Another process holding a database: with "write" (as a campaign does) it opens it for writing
 * and commits one run (`held-run`); with "read" it only reads. Prints "ready" and keeps the
 * database open until its stdin closes.
 * Run: node --import tsx test/helpers/hold-database.ts DB write|read
 */
import {Store} from "../../data-loaders/store/store.ts";

const reading = process.argv[3] === "read";
const store = await Store.open(process.argv[2]!, {readOnly: reading});
if (!reading) await store.beginRun({runId: "held-run", source: "run", plan: {}, vmmbenchVersion: "test"});
process.stdout.write("ready\n");
process.stdin.resume();
process.stdin.on("close", () => {
  store.close();
  process.exit(0);
});
