/**
 * A tiny Framework site, written to a temporary directory, that exercises everything the report
 * relies on offline: Plot, Inputs, htl, d3, arquero, an Arrow file, DuckDB-wasm (both `sql` front
 * matter over a FileAttachment and DuckDBClient.of over an Arrow table) and a data loader.
 * Built with the same config helper as observablehq.config.ts, so it never races the real pages.
 */
import {mkdir, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {tableFromArrays, tableToIPC} from "apache-arrow";
import {offlineFrameworkConfig} from "../../data-loaders/site/framework-config.ts";

export const PROBE_PAGES = {
  /** Plot + Inputs only: no DuckDB. */
  plot: "/",
  /** DuckDB-wasm over an Arrow file and an Arrow table. */
  duckdb: "/duck"
} as const;

const INDEX_MD = `---
title: Offline probe
---

# Offline probe (Plot only)

\`\`\`js
const points = d3.range(20).map((i) => ({x: i, y: Math.sin(i / 3)}));
const k = view(Inputs.range([1, 10], {value: 3, step: 1, label: "k"}));
\`\`\`

<div id="plot-chart">\${Plot.plot({marks: [Plot.line(points, {x: "x", y: (d) => d.y * k}), Plot.dot(points, {x: "x", y: "y"})]})}</div>

\`\`\`js
display(html\`<p id="stamp">loader stamp: \${(await FileAttachment("data/stamp.json").json()).stamp}</p>\`);
\`\`\`
`;

const DUCK_MD = `---
title: DuckDB probe
sql:
  runs: ./data/runs.arrow
---

# DuckDB probe

\`\`\`sql id=byHost
SELECT host, avg(value) AS mean FROM runs GROUP BY host ORDER BY host
\`\`\`

<div id="duck-chart">\${Plot.barY(byHost, {x: "host", y: "mean"}).plot()}</div>

\`\`\`js
const arrowTable = await FileAttachment("data/runs.arrow").arrow();
const db = await DuckDBClient.of({t: arrowTable});
const counts = await db.query("SELECT count(*)::INTEGER AS n FROM t");
const dt = aq.fromArrow(arrowTable).groupby("host").count();
display(html\`<p id="duck-count">duckdb rows: \${counts.get(0).n}; arquero groups: \${dt.numRows()}</p>\`);
\`\`\`

\`\`\`js
display(Inputs.table(byHost));
\`\`\`
`;

// A JavaScript data loader (runs under the build's no-network preload): proves loaders run and
// that clearLoaderCache makes them run again.
const STAMP_LOADER = `process.stdout.write(JSON.stringify({stamp: Date.now()}));\n`;

/** Writes the probe site under `dir` (dir/src, dir/observablehq.config.js); returns the config path. */
export async function writeProbeSite(dir: string, options: {extraPages?: Record<string, string>} = {}): Promise<string> {
  const src = join(dir, "src");
  await mkdir(join(src, "data"), {recursive: true});
  await writeFile(join(src, "index.md"), INDEX_MD);
  await writeFile(join(src, "duck.md"), DUCK_MD);
  for (const [name, body] of Object.entries(options.extraPages ?? {})) await writeFile(join(src, `${name}.md`), body);
  await writeFile(join(src, "data", "stamp.json.js"), STAMP_LOADER);
  const hosts = ["native", "kvm", "xen", "qemu"];
  const n = 400;
  const table = tableFromArrays({
    host: Array.from({length: n}, (_, i) => hosts[i % hosts.length]),
    value: Float64Array.from({length: n}, (_, i) => 100 + (i % 17) + (i % hosts.length) * 10)
  });
  // IPC *stream* format: Framework's DuckDB client inserts .arrow files with insertArrowFromIPCStream,
  // which silently creates no table from the IPC *file* format.
  await writeFile(join(src, "data", "runs.arrow"), tableToIPC(table, "stream"));
  const config = offlineFrameworkConfig({
    title: "vmmbench offline probe",
    root: "src",
    output: "dist",
    baseDir: dir,
    pages: [
      {name: "Plot", path: "/"},
      {name: "DuckDB", path: "/duck"},
      {name: "Missing page", path: "/missing"}
    ]
  });
  const configPath = join(dir, "observablehq.config.js");
  await writeFile(configPath, `export default ${JSON.stringify(config, null, 2)};\n`);
  return configPath;
}
