/**
 * The paper's published numbers (Che et al. 2008, data/reference/): its Table 1, Table 2 and the
 * LINPACK ratios its text states, stored in every database as run 'paper-che2008' (source
 * 'reference'). Not to be confused with the reference-tool engine, which runs the real LMbench,
 * IOzone and HPL (campaign/tool-engine.ts).
 */
import {readFileSync} from "node:fs";
import {createHash} from "node:crypto";
import {join, relative} from "node:path";
import {ParseError} from "../errors.ts";
import type {Params, Sample, Suite} from "../model/sample.ts";
import type {Fingerprint, Hypervisor, VirtMode} from "../targets/target.ts";
import type {Store} from "../store/store.ts";
import {readTsv} from "../tsv.ts";
import {VERSION} from "../version.ts";

export const PAPER_RUN_ID = "paper-che2008";
export const PAPER_DATA_DIR = new URL("../../data/reference/", import.meta.url).pathname;

const SUITES = new Set<Suite>(["lmbench", "linpack", "iozone", "fio", "stream"]);

export interface PaperData {
  environments: Fingerprint[];
  /** Samples keyed by environment label. */
  samples: Map<string, Sample[]>;
}

/**
 * Pure: the paper's tables as printed, one column per environment.
 *
 *     table    label    suite    metric    params   unit  paper native F8  paper F8 on Xen 3.1 …
 *     Table 1  syscall  lmbench  lat_syscall  {}    us    0.356            0.363
 */
export function parsePaperTables(tableText: string, envText: string, tableFile: string, envFile: string): PaperData {
  const environments = readTsv(envText, envFile, ["environment", "hypervisor", "mode"]).map(({cells}) => ({
    environment: cells.environment,
    hypervisor: cells.hypervisor as Hypervisor,
    hypervisorVersion: cells.hypervisor_version || null,
    mode: cells.mode as VirtMode,
    guestOs: cells.guest_os,
    kernel: cells.kernel,
    cpuModel: cells.cpu_model,
    vcpus: cells.vcpus ? Number(cells.vcpus) : null,
    memoryMb: cells.memory_mb ? Number(cells.memory_mb) : null,
    passthrough: cells.passthrough === "true",
    host: cells.host,
    launch: "published in Che et al. 2008",
    extra: {}
  }));
  const labels = environments.map((e) => e.environment);
  const samples = new Map<string, Sample[]>(labels.map((l) => [l, []]));
  for (const {line, cells} of readTsv(tableText, tableFile, ["suite", "metric", "params", "unit", ...labels])) {
    if (!SUITES.has(cells.suite as Suite)) throw new ParseError(tableFile, line, `a suite (${[...SUITES].join(", ")})`, cells.suite);
    let params: Params;
    try {
      params = JSON.parse(cells.params) as Params;
    } catch {
      throw new ParseError(tableFile, line, "params as a JSON object", cells.params);
    }
    for (const label of labels) {
      const text = cells[label].trim();
      if (text === "") continue;
      const value = Number(text);
      if (!Number.isFinite(value)) throw new ParseError(tableFile, line, `a number in column "${label}"`, text);
      samples.get(label)!.push({
        suite: cells.suite as Suite,
        metric: cells.metric,
        params,
        unit: cells.unit,
        value,
        repetition: 0,
        note: `${cells.table}: ${cells.label}`
      });
    }
  }
  return {environments, samples};
}

/**
 * Puts the paper's numbers into the database as source='reference' when a writer first opens it,
 * and again only when the reference files change (an upgrade): an unchanged version costs one
 * query and writes nothing. Readers never call it (a SELECT must work where nothing can be written).
 */
export async function ensurePaperData(store: Store, dir = PAPER_DATA_DIR): Promise<void> {
  const tableFile = join(dir, "che2008.tsv");
  const envFile = join(dir, "environments.tsv");
  const tableText = readFileSync(tableFile, "utf8");
  const envText = readFileSync(envFile, "utf8");
  const sha256 = createHash("sha256").update(tableText).update("\0").update(envText).digest("hex");
  const stored = await store.query(`SELECT value FROM meta WHERE key = 'reference_sha256'`);
  if (stored[0]?.value === sha256) return;
  const data = parsePaperTables(tableText, envText, relative(process.cwd(), tableFile), relative(process.cwd(), envFile));
  await store.transaction(async () => {
    await store.deleteRun(PAPER_RUN_ID);
    await store.beginRun({runId: PAPER_RUN_ID, source: "reference", plan: {paper: "Che et al. 2008"}, vmmbenchVersion: VERSION});
    for (const fp of data.environments) {
      await store.recordEnvironment(PAPER_RUN_ID, fp);
      await store.writeStep({
        runId: PAPER_RUN_ID,
        stepId: fp.environment,
        environment: fp.environment,
        status: "done",
        startedAt: new Date(0),
        durationMs: 0,
        raw: [{sha256, path: "reference/che2008.tsv", bytes: Buffer.byteLength(tableText), format: "vmmbench-reference"}],
        samples: data.samples.get(fp.environment) ?? [],
        provenance: {tool: "paper", toolVersion: "Che et al. 2008", engine: "paper"}
      });
    }
    await store.finishRun(PAPER_RUN_ID, "complete");
    await store.query(`INSERT OR REPLACE INTO meta VALUES ('reference_sha256', $1)`, [sha256]);
  });
}
