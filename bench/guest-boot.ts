/**
 * Boot-to-first-result of the QEMU guest: from launching QEMU to the first step's output reaching
 * the host (a trivial static probe), and the whole boot until QEMU has exited. Median of N runs
 * per variant. Target: ≤ 5 s under TCG on a 2-core machine.
 * Usage: npx tsx bench/guest-boot.ts [--runs N] [--accel tcg|auto] [--variants default,gzip,disk,smp2]
 */
import {performance} from "node:perf_hooks";
import {parseArgs} from "node:util";
import {buildImage} from "../data-loaders/guest/image.ts";
import {QemuTarget, type QemuTargetOptions} from "../data-loaders/targets/qemu.ts";
import {buildGuestProbe} from "../test/guest/helpers.ts";

const {values} = parseArgs({
  options: {
    runs: {type: "string", default: "5"},
    accel: {type: "string", default: "tcg"},
    variants: {type: "string", default: "default,gzip,disk,smp2"}
  }
});
const runs = Number(values.runs);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const probe = await buildGuestProbe();
const started = performance.now();
const image = await buildImage({probes: {guestprobe: probe}});
const gzipImage = await buildImage({probes: {guestprobe: probe}, compression: "gzip"});
console.log(`images ready in ${((performance.now() - started) / 1000).toFixed(1)} s (${image.hash.slice(0, 12)} none, ${gzipImage.hash.slice(0, 12)} gzip)`);

const variants: Record<string, Partial<QemuTargetOptions>> = {
  default: {},
  gzip: {image: gzipImage},
  disk: {diskMb: 256, diskCacheMode: "none"},
  smp2: {vcpus: 2}
};

for (const name of values.variants!.split(",")) {
  const target = new QemuTarget({label: `boot-${name}`, accel: values.accel as "tcg" | "auto", image, ...variants[name]});
  await target.accel(); // KVM detection and `qemu --version` are not part of a boot
  const first: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    let t1 = NaN;
    await target.run([{id: "first", probe: "guestprobe", args: ["exit", "0"], timeoutS: 30}], (output) => {
      if (output.exitCode !== 0) throw new Error(`boot ${name}: step failed: ${output.stderr}`);
      t1 = performance.now();
    });
    first.push((t1 - t0) / 1000);
    total.push((performance.now() - t0) / 1000);
  }
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(" ");
  console.log(
    `${name.padEnd(8)} first result median ${median(first).toFixed(2)} s [${fmt(first)}]   whole boot median ${median(total).toFixed(2)} s [${fmt(total)}]`
  );
  await target.close();
}
