// Entry of a parse worker thread: workers do not inherit the main thread's TypeScript loader, so
// this plain-JS file registers tsx (as bin/vmmbench.js does) before loading the worker itself.
import {register} from "tsx/esm/api";

register();
await import("./parse-worker.ts");
