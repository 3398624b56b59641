/**
 * IOzone: the paper's Figures 3 and 4 (file read and write bandwidth). The built-in probe file.c
 * does IOzone -i0 -i1's sequential write/rewrite/read/reread; the reference engine runs IOzone
 * (tools.ts); ingest reads auto-mode tables, -R/-b Excel reports and throughput mode (formats/).
 */
import {fileURLToPath} from "node:url";
import {ParseError} from "../../errors.ts";
import {lastSignificantLine} from "../../parsers/text.ts";
import {defineSuite} from "../suite.ts";
import {AUTO_HEADER, parseIozoneAuto} from "./formats/auto.ts";
import {REPORT_TITLE, parseIozoneExcel} from "./formats/excel.ts";
import {THROUGHPUT_LINE, parseIozoneThroughput} from "./formats/throughput.ts";
import {iozoneOptions, type IozoneOptions} from "./options.ts";
import {iozoneTools} from "./tools.ts";

const mbs = (label: string) => ({unit: "MB/s", label});

export const iozone = defineSuite<"iozone", IozoneOptions, string>({
  name: "iozone",
  options: iozoneOptions,
  metrics: {file_write: mbs("write"), file_rewrite: mbs("re-write"), file_read: mbs("read"), file_reread: mbs("re-read")},
  // quick and lab measure the device (O_DIRECT): a buffered file small enough for their budgets
  // fits in memory and reads back from the page cache. Under emulation each direct I/O costs
  // milliseconds (4 KiB records: ~0.1 MB/s in the lab's Xen domUs), so emulated machines skip
  // 4 KiB records and every quick environment writes the same small file, which the report's
  // figures compare side by side. paper keeps the paper's buffered IOzone.
  presets: {
    quick: {file_kb: [4096], record_kb: [4, 64, 1024], fsync: true, direct: true, reps: 2},
    full: {file_kb: [65536, 262144, 1048576], record_kb: [4, 16, 64, 256, 1024, 4096, 16384], fsync: true, reps: 3},
    paper: {file_kb: [65536], record_kb: [4, 64, 1024], fsync: true, reps: 3},
    lab: {file_kb: [4096], record_kb: [64, 1024], fsync: true, direct: true, reps: 2},
    emulated: {record_kb: [64, 1024]}
  },
  probes: [
    {
      name: "vmmbench-file",
      source: fileURLToPath(new URL("./file.c", import.meta.url)),
      cflags: [],
      libs: ["-lm"],
      metrics: ["file_write", "file_rewrite", "file_read", "file_reread"],
      paper: "Figs. 3–4 (IOzone read/write bandwidth)",
      description:
        "IOzone -i0 -i1-like sequential write/rewrite/read/reread over file_kb × record_kb, decimal MB/s; --fsync includes fsync in write times (IOzone -e), --direct uses O_DIRECT (IOzone -I)."
    }
  ],
  steps(iozone) {
    const args = ["--file-kb", iozone.fileKb.join(","), "--record-kb", iozone.recordKb.join(","), "--reps", String(iozone.reps)];
    if (iozone.fsync) args.push("--fsync");
    if (iozone.direct) args.push("--direct");
    return [{name: "iozone", suite: "iozone", probe: "vmmbench-file", args, reps: iozone.reps}];
  },
  tools: iozoneTools,
  formats: [
    {id: "iozone-auto", tool: "iozone", description: "IOzone auto mode (-a, -i subsets), old KB and new kB layouts", parse: parseIozoneAuto},
    {id: "iozone-excel", tool: "iozone", description: 'IOzone -R/-b Excel report sections ("Writer report" ...)', parse: parseIozoneExcel},
    {id: "iozone-throughput", tool: "iozone", description: 'IOzone throughput mode (-t N: "Children see throughput for ...")', parse: parseIozoneThroughput}
  ],
  detection: {
    signatures: [
      {pattern: AUTO_HEADER, format: "iozone-auto", first: "kK"},
      {pattern: THROUGHPUT_LINE, format: "iozone-throughput", first: "CP"},
      {pattern: REPORT_TITLE, format: "iozone-excel", first: '"'},
      {pattern: /^Iozone: Performance Test of File I\/O/, format: "iozone", first: "I"}
    ],
    choose(formats, {file, lines}) {
      if (formats.has("iozone-auto")) return "iozone-auto";
      if (formats.has("iozone-throughput")) return "iozone-throughput";
      if (formats.has("iozone-excel")) return "iozone-excel";
      const last = lastSignificantLine(lines);
      throw new ParseError(file, last + 1, "IOzone results (an auto-mode table, a throughput report or an Excel report; the output ends early)", lines[last]);
    },
    expected: "IOzone auto/Excel report/throughput output"
  },
  report: {page: "iozone", title: "IOzone", order: 3}
});
