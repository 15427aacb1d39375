// Cost of a matcher candidate for Vital: `synth.fromVector` on a point near the base patch followed by
// preparation (`vitalProgram`) alone, and by a full one-note render, in CPU time (the machine is shared).
// Points are the base patch's vector with Gaussian steps (σ 0.1, clamped to [0, 1]) on every schema parameter,
// as a CMA-ES population around a start, from a fixed seed so runs compare.
//   npm run bench -- vital-candidates [--quick] [--preset <path.vital>]
// Without --preset it uses the init patch and, when ../shared is present, one CC BY preset with two 257-frame
// wavetables and a sample (SaturnOhNine).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchResult } from "./run.ts";
import { defaultVitalPatch, readVital } from "../src/synths/vital/codec.ts";
import { synth, vitalProgram } from "../src/synths/vital/index.ts";
import type { VitalPatch } from "../src/synths/vital/types.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const sharedPreset = path.resolve(repoRoot, "../shared/data/vital-presets/v1.5.3/SaturnOhNine.vital");

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function points(base: VitalPatch, count: number, seed: number): Float32Array[] {
  const rand = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const v0 = synth.toVector(base);
  const out: Float32Array[] = [];
  for (let k = 0; k < count; k++) {
    const v = Float32Array.from(v0, (x) => Math.min(1, Math.max(0, x + 0.1 * gauss())));
    out.push(v);
  }
  return out;
}

function cpuSeconds(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1e6;
}

/** Best-of-rounds CPU ms per candidate of `fn` over the same points. */
function perCandidate(pts: Float32Array[], rounds: number, fn: (v: Float32Array) => void): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.cpuUsage();
    for (const v of pts) fn(v);
    best = Math.min(best, (cpuSeconds(t0) * 1000) / pts.length);
  }
  return best;
}

export default async function (args: string[], emit: (r: BenchResult) => void): Promise<void> {
  const quick = args.includes("--quick");
  const pi = args.indexOf("--preset");
  const bases: Array<[string, VitalPatch]> = [["init", defaultVitalPatch()]];
  const file = pi >= 0 ? args[pi + 1]! : existsSync(sharedPreset) ? sharedPreset : undefined;
  if (file) {
    const read = readVital(new Uint8Array(readFileSync(file)), path.basename(file), { strict: false });
    bases.push([path.basename(file, ".vital"), read.patches[0]!]);
  }
  const count = quick ? 20 : 60;
  const rounds = quick ? 2 : 4;
  const perf = { note: 48, velocity: 100, noteOffSeconds: 0.5, durationSeconds: 1 };
  for (const [label, base] of bases) {
    const pts = points(base, count, 7);
    const prepMs = perCandidate(pts, rounds, (v) => void vitalProgram(synth.fromVector(v, base)));
    const renderMs = perCandidate(pts, rounds, (v) => {
      synth.render(synth.fromVector(v, base), perf, { sampleRate: 44100, seed: 1 });
    });
    const note = `${count} points, σ 0.1 around the base vector, best of ${rounds} rounds (CPU time)`;
    emit({
      name: `vital-candidates/${label}/prepare`,
      metric: "cpu-ms-per-candidate",
      value: +prepMs.toFixed(3),
      unit: "ms",
      note,
    });
    emit({
      name: `vital-candidates/${label}/render-1s`,
      metric: "cpu-ms-per-candidate",
      value: +renderMs.toFixed(2),
      unit: "ms",
      note,
    });
    emit({
      name: `vital-candidates/${label}/render-1s`,
      metric: "renders-per-cpu-second",
      value: +(1000 / renderMs).toFixed(1),
      unit: "1/s",
      note,
    });
  }
}
