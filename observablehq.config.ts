// Observable Framework config for the vmmbench report. Everything that keeps the site offline
// (no CDN fonts, no DuckDB extensions, no search) lives in data-loaders/site/framework-config.ts;
// build with `npm run build` (bin/vmmbench.js → buildSite), which also fills Framework's npm cache
// from node_modules and blocks network use during the build.
import {dirname} from "node:path";
import {fileURLToPath} from "node:url";
import {offlineFrameworkConfig} from "./data-loaders/site/framework-config.ts";

export default offlineFrameworkConfig({
  title: "vmmbench",
  root: "src",
  output: "dist",
  // Pages are listed in the sidebar only when their source exists (a missing page would fail the build).
  baseDir: dirname(fileURLToPath(import.meta.url))
});
