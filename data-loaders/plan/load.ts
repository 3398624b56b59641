import {readFileSync} from "node:fs";
import {dirname, resolve} from "node:path";
import {isNode} from "yaml";
import {ConfigError} from "../errors.ts";
import {PRESET_NAMES, isPreset, preset, type HostVirt} from "./presets.ts";
import type {Plan} from "./types.ts";
import {validatePlan} from "./validate.ts";
import {parseYaml, yamlValue} from "./yaml.ts";

/**
 * A preset name (`quick`, `full`, `paper`) or the path of a YAML/JSON plan file. `host` is what the
 * host offers (presetNeedsHost says which presets read it); without it, a host with neither.
 */
export function loadPlan(spec: string, host: HostVirt = {kvm: false, xen: false}): Plan {
  if (isPreset(spec)) return validatePlan(preset(spec, host), () => `preset "${spec}"`);
  let text: string;
  try {
    text = readFileSync(spec, "utf8");
  } catch (error) {
    throw new ConfigError(`--plan ${spec}: not a preset (${PRESET_NAMES.join(", ")}) and not a readable file (${(error as NodeJS.ErrnoException).code})`);
  }
  return parsePlanText(text, spec);
}

/** YAML is a superset of JSON, so one reader serves both; errors carry file:line. */
export function parsePlanText(text: string, file: string): Plan {
  const {doc, lineCounter} = parseYaml(text, file, "valid YAML");
  return validatePlan(yamlValue(doc, file), (path) => {
    // Walk up to the deepest node that exists, so a missing key points at its parent's line.
    for (let depth = path.length; depth >= 0; depth--) {
      const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) return `${file}:${lineCounter.linePos(node.range[0]).line}`;
    }
    return `${file}:1`;
  }, dirname(resolve(file)));
}
