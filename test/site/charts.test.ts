/**
 * Snapshot tests of the report's chart components (src/components/charts.js), after Plot's own:
 * each chart is drawn on fixed data, in real Chromium, at a desktop and a phone width, and its
 * SVG — normalised (numbers rounded to 0.1, Plot's generated class names made stable) — is
 * compared with a golden file committed under test/site/goldens/. A missing golden fails the test:
 * look at the chart written to test-artifacts/charts/, and if it is right write the goldens
 * deliberately with VMMBENCH_WRITE_GOLDENS=1. A changed chart leaves NAME-changed.svg beside it.
 */
import {build} from "esbuild";
import {existsSync, mkdirSync, readFileSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {HAVE_CHROMIUM, openBrowser, type BrowserSession, type TrackedPage} from "../helpers/browser.ts";
import {ROOT} from "../helpers/shared.ts";

const GOLDENS = join(ROOT, "test", "site", "goldens");
const ARTIFACTS = join(ROOT, "test-artifacts", "charts");
const WRITE = process.env.VMMBENCH_WRITE_GOLDENS === "1";

/** The components as one browser module, npm:NAME read from node_modules as Framework's build would. */
async function bundleCharts(): Promise<string> {
  const result = await build({
    stdin: {contents: `export * from "./src/components/charts.js";`, resolveDir: ROOT, loader: "js"},
    bundle: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "silent",
    plugins: [{name: "framework-npm", setup: (b) => void b.onResolve({filter: /^npm:/}, (args) => b.resolve(args.path.slice(4), {resolveDir: ROOT, kind: args.kind}))}]
  });
  return result.outputFiles[0].text;
}

/** Stable text for an SVG: numbers to 0.1, Plot's per-plot class names and ids fixed, one element per line. */
export function normaliseSvg(svg: string): string {
  return svg
    .replace(/plot-[0-9a-f]{6,}(-[a-z0-9-]+)?/g, (_: string, rest?: string) => `plot${rest ?? ""}`)
    // Geometry (inside tags) to 0.1 px; the text a reader sees is compared exactly.
    .replace(/<[^>]*>/g, (tag) => tag.replace(/-?\d+\.\d+/g, (x) => String(Math.round(Number(x) * 10) / 10)))
    .replace(/></g, ">\n<");
}

// Fixed data: summary rows as the pages hand them to the charts (slowdowns derived, data.js).
const RUN = "fixture-run";
const ENVS = [
  {environment: "native", hypervisor: "none", vcpus: 2},
  {environment: "xen-pv", hypervisor: "xen", vcpus: 2},
  {environment: "kvm", hypervisor: "kvm", vcpus: 2},
  {environment: "qemu-tcg", hypervisor: "qemu-tcg", vcpus: 1}
];
const SLOW: Record<string, number> = {none: 1, xen: 1.3, kvm: 1.6, "qemu-tcg": 40};

function row(env: (typeof ENVS)[number], metric: string, params: Record<string, unknown>, median: number, {lower = false, unit = "MB/s", source = "run"} = {}) {
  const s = SLOW[env.hypervisor];
  const value = lower ? median * s : median / s;
  const guest = env.hypervisor !== "none";
  return {
    source, run_id: source === "reference" ? "paper-che2008" : RUN, ...env, mode: env.hypervisor, guest_os: "Debian 12", passthrough: false, nested_under: null,
    suite: metric.split("_")[0] === "file" ? "iozone" : ["linpack", "stream"].includes(metric.split("_")[0]) ? metric.split("_")[0] : "lmbench", metric, params: JSON.stringify(params), unit, lower_is_better: lower,
    n: 5, median: value, min: value * 0.95, max: value * 1.05, q1: value * 0.98, q3: value * 1.02, rsd: 0.03, noisy: false, bimodal: false,
    baseline: "native", ratio: lower ? s : 1 / s, ratio_low: null, ratio_high: null, slowdown: s, slowdown_low: guest ? s * 0.95 : 1, slowdown_high: guest ? s * 1.05 : 1, notes: [], raw: ["ab".repeat(32)]
  };
}

// Native runs its own AVX-512 kernels and pins the guests' Haswell set at N ≤ 200; TCG ran Nehalem's, which native never did.
const coreFor = (e: (typeof ENVS)[number]) => (e.hypervisor === "none" ? "SkylakeX" : e.hypervisor === "qemu-tcg" ? "Nehalem" : "Haswell");
const linpack = ENVS.flatMap((e) => (e.hypervisor === "qemu-tcg" ? [100, 200] : [100, 200, 500, 1000]).map((n) => row(e, "linpack_gflops", {core: coreFor(e), n, threads: 1}, 2 + Math.log10(n) * 4, {unit: "GFLOPS"}))).concat(
  [100, 200].map((n) => row(ENVS[0], "linpack_gflops", {core: "Haswell", n, threads: 1}, 1 + Math.log10(n) * 3, {unit: "GFLOPS"}))
);
const memory = ENVS.flatMap((e) => ["bw_mem_read", "bw_mem_write"].map((m) => row(e, m, {size_mb: 64}, m.endsWith("read") ? 9000 : 6000)));
const stream = ENVS.flatMap((e) => ["stream_copy", "stream_scale", "stream_add", "stream_triad"].map((m, i) => row(e, m, {array_mb: 64, threads: 1}, 11000 - i * 700)));
const STREAM_PANEL = {suite: "stream", section: "memory", title: "STREAM", metrics: {stream_copy: "Copy", stream_scale: "Scale", stream_add: "Add", stream_triad: "Triad"}};
const io = ENVS.flatMap((e) => ["file_read", "file_write"].flatMap((m) => [4, 64, 1024].map((r) => row(e, m, {direct: false, file_kb: 16384, fsync: true, record_kb: r}, m.endsWith("read") ? 3000 : 800))));
const overhead = ENVS.filter((e) => e.hypervisor !== "none").flatMap((e) =>
  ["lmbench", "linpack", "iozone"].map((suite) => ({source: "run", run_id: RUN, ...e, mode: e.hypervisor, guest_os: "Debian 12", passthrough: false, nested_under: null, suite, groups: 16, paper_groups: suite === "lmbench" ? 16 : null, slowdown: SLOW[e.hypervisor] * (suite === "linpack" ? 20 : 1), low: SLOW[e.hypervisor] * 0.9, high: SLOW[e.hypervisor] * (suite === "linpack" ? 22 : 1.1)}))
);
const peaks = ENVS.map((e) => ({source: "run", run_id: RUN, ...e, guest_os: "Debian 12", passthrough: false, nested_under: null, core: coreFor(e), threads: 1, peak_gflops: 14 / SLOW[e.hypervisor], peak_n: 1000, limit_gflops: 36.8, efficiency: 14 / SLOW[e.hypervisor] / 36.8, sweep_n: [100, 200, 500, 1000], baseline_sweep_n: [100, 200, 500, 1000], compared_n: [100, 200, 500, 1000], baseline: "native", baseline_core: e.hypervisor === "qemu-tcg" ? "SkylakeX" : coreFor(e), like_for_like: e.hypervisor !== "qemu-tcg", ratio: 1 / SLOW[e.hypervisor], ratio_low: null, ratio_high: null, slowdown: SLOW[e.hypervisor], slowdown_low: SLOW[e.hypervisor] * 0.97, slowdown_high: SLOW[e.hypervisor] * 1.03}));
const reproduction = ENVS.flatMap((e) => [row(e, "lat_fork", {}, 90, {lower: true, unit: "us"}), row(e, "lat_pipe", {}, 6, {lower: true, unit: "us"})]).concat(
  ENVS.filter((e) => e.hypervisor === "xen" || e.hypervisor === "kvm").flatMap((e) => [row({...e, environment: `paper ${e.environment}`}, "lat_fork", {}, 88.73, {lower: true, unit: "us", source: "reference"}), row({...e, environment: `paper ${e.environment}`}, "lat_pipe", {}, 6.25, {lower: true, unit: "us", source: "reference"})])
);

const CASES: {name: string; call: string; data: unknown; options?: Record<string, unknown>}[] = [
  {name: "overhead", call: "overheadChart", data: overhead},
  {name: "linpack-sweep", call: "linpackSweep", data: linpack, options: {peaks}},
  {name: "linpack-peak", call: "peakChart", data: peaks, options: {paper: [{slowdown: 1 / 0.8346, label: "paper: KVM-60 peak = 83.46% of native F8 = 1.20×", short: "paper KVM-60: 1.20×"}]}},
  {name: "memory-bandwidth", call: "memoryBandwidth", data: memory, options: {sizeMb: 64}},
  {name: "stream-panel", call: "suitePanel", data: [...memory, ...stream], options: {panel: STREAM_PANEL}},
  {name: "iozone-bars", call: "iozoneBars", data: io, options: {metric: "file_read", fileKb: 16384, recordKb: 64}},
  {name: "iozone-heatmap", call: "iozoneHeatmap", data: io, options: {operation: "all", measure: "slowdown"}},
  {name: "reproduction", call: "reproductionChart", data: reproduction}
];
const WIDTHS = [640, 390];

describe.skipIf(!HAVE_CHROMIUM)("chart components against their SVG goldens", () => {
  let browser: BrowserSession;
  let tracked: TrackedPage;

  beforeAll(async () => {
    const code = await bundleCharts();
    browser = await openBrowser();
    tracked = await browser.newPage();
    await tracked.page.setContent("<!doctype html><html><body></body></html>");
    await tracked.page.addScriptTag({type: "module", content: `${code.replace(/export\s*\{[^}]*\};?\s*$/, "")}\nwindow.__charts = {overheadChart, linpackSweep, peakChart, memoryBandwidth, suitePanel, iozoneBars, iozoneHeatmap, reproductionChart};`});
    await tracked.page.waitForFunction(() => "__charts" in window);
    mkdirSync(ARTIFACTS, {recursive: true});
    if (WRITE) mkdirSync(GOLDENS, {recursive: true});
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  for (const c of CASES) {
    for (const width of WIDTHS) {
      const name = `${c.name}-${width}`;
      it(`${name}: draws the same SVG as its golden`, async () => {
        const svgs = await tracked.page.evaluate(
          ({call, data, options, width}) => {
            const figure = (window as unknown as {__charts: Record<string, (d: unknown, o: object) => HTMLElement>}).__charts[call](data, {width, ...options});
            document.body.append(figure);
            const out = [...figure.querySelectorAll("svg")].filter((s) => !s.closest("svg svg")).map((s) => s.outerHTML);
            figure.remove();
            return out;
          },
          {call: c.call, data: c.data, options: c.options ?? {}, width}
        );
        expect(svgs.length, name).toBeGreaterThan(0);
        const actual = normaliseSvg(svgs.join("\n")) + "\n";
        writeFileSync(join(ARTIFACTS, `${name}.svg`), actual);
        const golden = join(GOLDENS, `${name}.svg`);
        if (WRITE) writeFileSync(golden, actual);
        if (!existsSync(golden)) {
          throw new Error(`no golden ${golden}: look at test-artifacts/charts/${name}.svg, and if it is right write the goldens with VMMBENCH_WRITE_GOLDENS=1 npx vitest run test/site/charts.test.ts`);
        }
        const expected = readFileSync(golden, "utf8");
        if (actual !== expected) writeFileSync(join(ARTIFACTS, `${name}-changed.svg`), actual);
        expect(actual, `${name} differs from its golden (test-artifacts/charts/${name}-changed.svg)`).toBe(expected);
      });
    }
  }

  it("the page drew every chart without a console error", () => {
    expect(tracked.consoleErrors).toEqual([]);
  });
});
