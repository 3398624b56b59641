import {readdirSync, readFileSync, statSync} from "node:fs";
import {dirname, join, resolve} from "node:path";
import {LineCounter, parseDocument, isNode} from "yaml";
import {ConfigError} from "../errors.ts";
import type {Hypervisor} from "../targets/target.ts";

/** Where an ingested file was measured, as the user states it (flags or a manifest entry). */
export interface IngestEnvironment {
  label: string;
  hypervisor: Hypervisor | "unknown";
  mode: string;
  guestOs: string | null;
  vcpus: number | null;
  passthrough: boolean | null;
  tags: Record<string, string>;
}

export interface IngestInput {
  path: string;
  environment: IngestEnvironment;
}

const HYPERVISORS = ["none", "kvm", "xen", "qemu-tcg", "unknown"] as const;
const MODES = ["none", "tcg", "kvm", "pv", "pvh", "hvm", "unknown"] as const;

/** Validates the environment options of a command line or a manifest entry (`where` names it in errors). */
export function ingestEnvironment(raw: Record<string, unknown>, where: (key: string) => string): IngestEnvironment {
  const label = raw.env;
  if (typeof label !== "string" || label.trim() === "") throw new ConfigError(`${where("env")}: expected an environment label (--env native, --env kvm-2vcpu …)`);
  const hypervisor = (raw.hypervisor ?? (label === "native" ? "none" : "unknown")) as string;
  if (!HYPERVISORS.includes(hypervisor as never)) throw new ConfigError(`${where("hypervisor")}: expected one of ${HYPERVISORS.join(", ")}, found "${hypervisor}"`);
  const mode = (raw.mode ?? ({none: "none", kvm: "kvm", "qemu-tcg": "tcg"} as Record<string, string>)[hypervisor] ?? "unknown") as string;
  if (!MODES.includes(mode as never)) throw new ConfigError(`${where("mode")}: expected one of ${MODES.join(", ")}, found "${mode}"`);
  let vcpus: number | null = null;
  if (raw.vcpus !== undefined) {
    vcpus = Number(raw.vcpus);
    if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > 4096) throw new ConfigError(`${where("vcpus")}: expected a whole number of vCPUs from 1 to 4096, found "${raw.vcpus}"`);
  }
  let passthrough: boolean | null = null;
  if (raw.passthrough !== undefined) {
    const p = String(raw.passthrough);
    if (!["on", "off", "true", "false"].includes(p)) throw new ConfigError(`${where("passthrough")}: expected on or off, found "${p}"`);
    passthrough = p === "on" || p === "true";
  }
  const tags = parseTags(raw.tag ?? raw.tags ?? [], () => where("tag"));
  return {label, hypervisor: hypervisor as IngestEnvironment["hypervisor"], mode, guestOs: raw.guest_os === undefined ? null : String(raw.guest_os), vcpus, passthrough, tags};
}

/** Tags as `key=value` texts (flags) or a mapping (a manifest); `where` names them in errors. */
export function parseTags(rawTags: unknown, where: () => string): Record<string, string> {
  const tags: Record<string, string> = {};
  const list = Array.isArray(rawTags) ? rawTags : typeof rawTags === "object" && rawTags !== null ? Object.entries(rawTags).map(([k, v]) => `${k}=${v}`) : [rawTags];
  for (const t of list) {
    const m = /^([A-Za-z0-9_.-]+)=(.*)$/s.exec(String(t));
    if (!m) throw new ConfigError(`${where()}: expected key=value, found "${t}"`);
    tags[m[1]] = m[2];
  }
  return tags;
}

/** Files under a path: the file itself, or every regular file of a directory tree in name order (dot-files skipped). */
export function walk(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    throw new ConfigError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code})`);
  }
  if (stat.isFile()) return [resolve(path)];
  if (!stat.isDirectory()) throw new ConfigError(`${path}: neither a file nor a directory`);
  return readdirSync(path)
    .filter((name) => !name.startsWith("."))
    .sort()
    .flatMap((name) => walk(join(path, name)));
}

/**
 * A manifest describes many files with their environments (YAML or JSON):
 *
 *     defaults: {hypervisor: kvm, guest_os: Fedora 8}
 *     files:
 *       - {path: native/lmbench.txt, env: native, hypervisor: none}
 *       - {path: kvm/, env: kvm-1vcpu, vcpus: 1}
 *
 * Paths are relative to the manifest's folder; a folder is walked.
 */
export function readManifest(file: string): IngestInput[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`${file}: cannot read manifest (${(error as NodeJS.ErrnoException).code})`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {lineCounter, prettyErrors: false});
  if (doc.errors.length) throw new ConfigError(`${file}:${lineCounter.linePos(doc.errors[0].pos[0]).line}: expected a YAML or JSON manifest: ${doc.errors[0].message.split("\n")[0]}`);
  const at = (path: (string | number)[]) => {
    const node = doc.getIn(path, true);
    return isNode(node) && node.range ? `${file}:${lineCounter.linePos(node.range[0]).line}` : `${file}:1`;
  };
  const root = doc.toJS() as {defaults?: Record<string, unknown>; files?: unknown};
  if (typeof root !== "object" || root === null || !Array.isArray(root.files)) throw new ConfigError(`${file}:1: expected a mapping with a "files" list`);
  const base = dirname(resolve(file));
  return root.files.flatMap((entry: unknown, i: number) => {
    if (typeof entry !== "object" || entry === null || typeof (entry as {path?: unknown}).path !== "string") {
      throw new ConfigError(`${at(["files", i])}: files.${i}: expected a mapping with a "path"`);
    }
    const merged = {...root.defaults, ...(entry as Record<string, unknown>)};
    const environment = ingestEnvironment(merged, (key) => `${at(["files", i, key])}: files.${i}.${key}`);
    return walk(resolve(base, String(merged.path))).map((path) => ({path, environment}));
  });
}
