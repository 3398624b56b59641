import {constants, isUtf8} from "node:buffer";
import {readdirSync, readFileSync, statSync} from "node:fs";
import {dirname, resolve, sep} from "node:path";
import {isNode} from "yaml";
import {ConfigError} from "../errors.ts";
import {isValidLabel, LABEL_RULE} from "../plan/label.ts";
import {parseYaml, yamlValue} from "../plan/yaml.ts";
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

/** A file to ingest: its path as shown, and as the file system spells it when that is not UTF-8. */
export interface InputFile {
  path: string;
  /** The name's exact bytes, where they are not UTF-8 (`path` then shows them as \xNN). */
  bytes?: Buffer;
}

export interface IngestInput extends InputFile {
  environment: IngestEnvironment;
}

/** Text ingests read as one string, which V8 caps; a bigger file is named up front instead of failing deep in a parse. */
export const MAX_INPUT_BYTES = constants.MAX_STRING_LENGTH;

const HYPERVISORS = ["none", "kvm", "xen", "qemu-tcg", "unknown"] as const;
const MODES = ["none", "tcg", "kvm", "pv", "pvh", "hvm", "unknown"] as const;

/** Validates the environment options of a command line or a manifest entry (`where` names it in errors). */
export function ingestEnvironment(raw: Record<string, unknown>, where: (key: string) => string): IngestEnvironment {
  const label = raw.env;
  if (typeof label !== "string" || label.trim() === "") throw new ConfigError(`${where("env")}: expected an environment label (--env native, --env kvm-2vcpu …)`);
  if (!isValidLabel(label)) throw new ConfigError(`${where("env")}: expected ${LABEL_RULE}, found ${JSON.stringify(label)}`);
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

/**
 * Files under a path: the file itself, or every regular file of a directory tree in name order
 * (dot-files skipped). Names are read as bytes, so a file whose name is not UTF-8 is ingested
 * like any other instead of failing the whole folder.
 */
export function walk(path: string): InputFile[] {
  return walkBytes(Buffer.from(resolve(path)));
}

function walkBytes(path: Buffer): InputFile[] {
  const shown = showPath(path);
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    throw new ConfigError(`${shown}: cannot read (${(error as NodeJS.ErrnoException).code})`);
  }
  if (stat.isFile()) {
    if (stat.size > MAX_INPUT_BYTES) {
      throw new ConfigError(`${shown}: ${(stat.size / 2 ** 20).toFixed(0)} MiB, more than the ${(MAX_INPUT_BYTES / 2 ** 20).toFixed(0)} MiB a text file can be read as; split it, or ingest only the part with the results`);
    }
    return [isUtf8(path) ? {path: shown} : {path: shown, bytes: path}];
  }
  if (!stat.isDirectory()) throw new ConfigError(`${shown}: neither a file nor a directory`);
  return readdirSync(path, {encoding: "buffer"})
    .filter((name) => name[0] !== 0x2e)
    .sort(Buffer.compare)
    .flatMap((name) => walkBytes(Buffer.concat([path, Buffer.from(sep), name])));
}

/** A path for messages: UTF-8 as is, any other byte as \xNN. */
function showPath(path: Buffer): string {
  if (isUtf8(path)) return path.toString("utf8");
  return [...path].map((byte) => (byte < 0x80 ? String.fromCharCode(byte) : `\\x${byte.toString(16)}`)).join("");
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
  const {doc, lineCounter} = parseYaml(text, file, "a YAML or JSON manifest");
  const at = (path: (string | number)[]) => {
    const node = doc.getIn(path, true);
    return isNode(node) && node.range ? `${file}:${lineCounter.linePos(node.range[0]).line}` : `${file}:1`;
  };
  const root = yamlValue(doc, file) as {defaults?: Record<string, unknown>; files?: unknown};
  if (typeof root !== "object" || root === null || !Array.isArray(root.files)) throw new ConfigError(`${file}:1: expected a mapping with a "files" list`);
  const base = dirname(resolve(file));
  return root.files.flatMap((entry: unknown, i: number) => {
    if (typeof entry !== "object" || entry === null || typeof (entry as {path?: unknown}).path !== "string") {
      throw new ConfigError(`${at(["files", i])}: files.${i}: expected a mapping with a "path"`);
    }
    const merged = {...root.defaults, ...(entry as Record<string, unknown>)};
    const environment = ingestEnvironment(merged, (key) => `${at(["files", i, key])}: files.${i}.${key}`);
    return walk(resolve(base, String(merged.path))).map((file) => ({...file, environment}));
  });
}
