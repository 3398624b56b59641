/**
 * Observable Framework settings that keep the report free of network use at build and view time.
 * observablehq.config.ts (and the offline test's temporary site) call offlineFrameworkConfig().
 *
 * Measured on Framework 1.13.4 (node_modules/@observablehq/framework/dist/config.js, duckdb.js):
 *  - globalStylesheets defaults to a Google Fonts URL: replaced by [] (the theme falls back to a
 *    local serif font); the theme CSS itself is bundled from Framework's own files.
 *  - duckdb extensions json and parquet are downloaded from extensions.duckdb.org by default at
 *    build time and the browser INSTALLs them from there: `null` removes them from the manifest.
 *    Leave duckdb.platforms alone (mvp: false breaks the page at run time).
 *  - search: false (no minisearch index; nothing remote either way, but less to build).
 *  - a page listed in `pages` that does not exist makes `observable build` fail with ENOENT, so
 *    the list is filtered to pages whose source exists when the config is read.
 *  - preserveExtension: true (cleanUrls: false, deprecated): links between pages end in `.html`,
 *    so they work under any static server (`python3 -m http.server` serves no `linpack` for
 *    `linpack.html`), not only under servers that add the extension.
 *  - header: the report's one ratio convention, stated once for every page.
 */
import {existsSync, readdirSync} from "node:fs";
import {basename, dirname, join, resolve} from "node:path";
import {suitePages} from "../report/page-places.ts";

export interface PageSpec {
  name: string;
  path: string;
}

/** The report's pages, in sidebar order; "/" is src/index.md. */
export const REPORT_PAGES: PageSpec[] = [
  {name: "Overview", path: "/"},
  ...suitePages().map(({page, title}) => ({name: title, path: `/${page}`})),
  {name: "Compare", path: "/compare"},
  {name: "Explore", path: "/explore"}
];

/** Framework's default loader interpreters (loader.js) plus plain Markdown. */
const PAGE_SOURCE_SUFFIXES = [".md", ".md.js", ".md.ts", ".md.py", ".md.R", ".md.rs", ".md.go", ".md.java", ".md.jl", ".md.php", ".md.sh", ".md.exe"];

/** Whether `<root><path>.md` (or a page loader for it) exists. */
export function pageExists(root: string, path: string): boolean {
  const rel = path.endsWith("/") ? `${path}index` : path.replace(/\.html$/, "");
  const file = join(resolve(root), rel);
  if (PAGE_SOURCE_SUFFIXES.some((suffix) => existsSync(file + suffix))) return true;
  try {
    const base = basename(file);
    return readdirSync(dirname(file)).some((entry) => entry.startsWith(`${base}.md.`));
  } catch {
    return false;
  }
}

/** The subset of `pages` whose source exists under `root` (missing pages are simply left out). */
export function existingPages(root: string, pages: PageSpec[] = REPORT_PAGES): PageSpec[] {
  return pages.filter((page) => pageExists(root, page.path));
}

export interface OfflineConfigOptions {
  /** Framework source root, relative to the working directory of `observable build` or absolute. */
  root?: string;
  /** Directory a relative root is resolved against when checking which pages exist (default: cwd). */
  baseDir?: string;
  /** Output directory, relative to the working directory or absolute. */
  output?: string;
  title?: string;
  pages?: PageSpec[];
  /** Theme name(s) bundled from Framework's own CSS; no fonts are fetched. */
  theme?: string | string[];
  /** Extra config keys passed through as they are (header, toc, style…); avoid remote URLs. */
  extra?: Record<string, unknown>;
}

/** A Framework config object that builds and renders without network. */
export function offlineFrameworkConfig(options: OfflineConfigOptions = {}): Record<string, unknown> {
  const root = options.root ?? "src";
  const date = new Date().toISOString().slice(0, 10);
  return {
    title: options.title ?? "vmmbench",
    root,
    // `vmmbench site build --out DIR` builds elsewhere without another config file.
    output: process.env.VMMBENCH_SITE_OUT ?? options.output ?? "dist",
    pages: existingPages(resolve(options.baseDir ?? process.cwd(), root), options.pages ?? REPORT_PAGES),
    theme: options.theme ?? ["air", "near-midnight"],
    globalStylesheets: [],
    head: "",
    preserveExtension: true,
    header: `<span class="ratio-convention">Every ratio in this report is a <b>slowdown against native</b>: lower is better, 1× = native speed.</span>`,
    footer: `vmmbench report, built ${date}. Everything on this page is served from this site; nothing is fetched from the network.`,
    search: false,
    duckdb: {extensions: {json: null, parquet: null}},
    ...options.extra
  };
}
