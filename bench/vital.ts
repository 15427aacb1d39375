// Vital engine speed: seconds of audio per CPU-second for one note (2 s, note-off at 1 s), on the init patch
// and on every reference preset of ../shared/refs/vital (feature presets and the CC BY presets), compared with
// the real Vital engine's measured speed on the init patch on this machine (about 64× real time per core,
// measured outside this benchmark; Vital's speed on the other presets is not measured here, so their ratio
// is to that same 64× figure). Usage: npm run bench -- vital [--quick] [--filter <regexp>]
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchResult } from "./run.ts";
import { defaultVitalPatch, readVital } from "../src/synths/vital/codec.ts";
import { vitalProgram } from "../src/synths/vital/index.ts";
import { renderProgramNote } from "../src/synths/vital/engine/instrument.ts";
import type { VitalProgram } from "../src/synths/vital/engine/program.ts";

const VITAL_INIT_REALTIME = 64;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const refsDir = path.resolve(repoRoot, "../shared/refs/vital");

function cpuSeconds(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1e6;
}

/** Best-of-rounds realtime factor (CPU time; best because the 2-core machine is shared). */
function realtimeFactor(
  prog: VitalProgram,
  note: number,
  velocity: number,
  rounds: number,
  reps: number,
): number {
  const perf = { note, velocity, noteOffSeconds: 1, durationSeconds: 2 };
  const opts = { sampleRate: 44100, seed: 1, beatsPerSecond: 2 };
  renderProgramNote(prog, perf, opts); // warm-up (JIT, band-limited cycle cache)
  renderProgramNote(prog, perf, opts);
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) renderProgramNote(prog, perf, opts);
    const cpu = cpuSeconds(t0);
    best = Math.max(best, (2 * reps) / cpu);
  }
  return best;
}

export default async function (args: string[], emit: (r: BenchResult) => void): Promise<void> {
  const quick = args.includes("--quick");
  const fi = args.indexOf("--filter");
  const filter = fi >= 0 ? new RegExp(args[fi + 1] ?? ".") : undefined;
  const rounds = quick ? 3 : 7;

  const init = realtimeFactor(vitalProgram(defaultVitalPatch()), 48, 0.7, rounds, quick ? 5 : 10);
  emit({
    name: "vital/init-patch",
    metric: "realtime-factor",
    value: Math.round(init * 10) / 10,
    unit: "x",
    ratioToVital: Math.round((init / VITAL_INIT_REALTIME) * 100) / 100,
    vitalRealtime: VITAL_INIT_REALTIME,
    note: "init patch, one voice, MIDI 48, 2 s; best of rounds (CPU time)",
  });

  if (!existsSync(path.join(refsDir, "manifest.json"))) {
    process.stderr.write("bench vital: ../shared/refs/vital not found; only the init patch was measured\n");
    return;
  }
  const manifest = JSON.parse(readFileSync(path.join(refsDir, "manifest.json"), "utf8")) as Array<{
    id: string;
    preset: string;
    note: number;
    velocity: number;
    group: string;
  }>;
  const seen = new Set<string>();
  const ratios: number[] = [];
  for (const e of manifest) {
    // one measurement per preset (at its first listed note)
    if (seen.has(e.preset) || (filter && !filter.test(e.id))) continue;
    seen.add(e.preset);
    const file = path.join(refsDir, e.preset);
    const { patches } = readVital(readFileSync(file), path.basename(file));
    const prog = vitalProgram(patches[0]!);
    const rt = realtimeFactor(prog, e.note, e.velocity, quick ? 1 : 3, quick ? 1 : 2);
    ratios.push(rt / VITAL_INIT_REALTIME);
    emit({
      name: `vital/ref/${e.id}`,
      metric: "realtime-factor",
      value: Math.round(rt * 10) / 10,
      unit: "x",
      ratioToVitalInit: Math.round((rt / VITAL_INIT_REALTIME) * 100) / 100,
      group: e.group,
    });
  }
  if (ratios.length > 0) {
    ratios.sort((a, b) => a - b);
    emit({
      name: "vital/ref-presets",
      metric: "min-ratio-to-vital-init",
      value: Math.round(ratios[0]! * 100) / 100,
      unit: "ratio",
      median: Math.round(ratios[Math.floor(ratios.length / 2)]! * 100) / 100,
      presets: ratios.length,
    });
  }
}
