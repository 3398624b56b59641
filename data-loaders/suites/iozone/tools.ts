/**
 * IOzone itself under the reference engine: one run (-i 0 -i 1) per file size × record size, parsed
 * with the ingest parser, with the built-in probe's params. Records larger than the file are
 * skipped, as the built-in probe does.
 */
import {REFERENCE_RUNNER, binaryId, project, runnerArgs} from "../../campaign/tool-runner.ts";
import type {StepTemplate, SuiteTools} from "../suite.ts";
import {parseIozoneAuto} from "./formats/auto.ts";
import type {IozoneOptions} from "./options.ts";

export const iozoneTools: SuiteTools<IozoneOptions, string> = {
  paths: {iozone: {kind: "file", what: "an executable file"}},

  find(options, paths, onPath) {
    if (options.length === 0) return {found: undefined, names: [], missing: []};
    const path = paths.iozone ?? onPath("iozone");
    return path ? {found: path, names: [`iozone=${path}`], missing: []} : {found: undefined, names: [], missing: ["IOzone (iozone not on PATH; set tools.iozone)"]};
  },

  steps(iozone, path) {
    const templates: StepTemplate[] = [];
    const fallbackVersion = `iozone ${binaryId(path)}`;
    for (const fileKb of iozone.fileKb) {
      for (const recordKb of iozone.recordKb) {
        if (recordKb > fileKb) continue;
        const args = ["-i", "0", "-i", "1", "-s", `${fileKb}k`, "-r", `${recordKb}k`, ...(iozone.fsync ? ["-e"] : []), ...(iozone.direct ? ["-I"] : []), "-f", "@DIR@/iozone.tmp"];
        const params = {file_kb: fileKb, record_kb: recordKb, fsync: iozone.fsync, direct: iozone.direct};
        templates.push({
          name: `iozone-${fileKb}k-${recordKb}k`,
          suite: "iozone",
          probe: REFERENCE_RUNNER,
          args: runnerArgs({}, path, args),
          reps: 1,
          parse: (stdout, file) =>
            project(parseIozoneAuto(stdout, file), file, `IOzone write/rewrite/read/reread for ${fileKb} kB × ${recordKb} kB`, (s) =>
              s.params.file_kb === fileKb && s.params.record_kb === recordKb && /^file_(write|rewrite|read|reread)$/.test(s.metric) ? {...params} : undefined
            ),
          provenance: {tool: "iozone", toolVersion: fallbackVersion, engine: "reference"},
          rawFormat: "iozone-auto"
        });
      }
    }
    return {templates, left: undefined};
  }
};
