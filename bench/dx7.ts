// DX7 engine speed: seconds of audio rendered per CPU-second for one voice (one note at a time), over a fixed
// sample of corpus voices (every 97th bank of ../shared/data/dx7/corpus, 320 voices; the committed feature
// voices when ../shared is absent). Note 60, velocity 100, 1 s held, 2 s rendered, 44.1 kHz.
// Args: [--runs N] [--kernels wasm|wasm-simd|js|both|all] (both = wasm and js)
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readDx7 } from "../src/synths/dx7/codec.ts";
import { engineParams } from "../src/synths/dx7/engine/params.ts";
import type { KernelPreference } from "../src/synths/dx7/engine/fm-kernels.ts";
import { Dx7NoteRenderer } from "../src/synths/dx7/engine/render.ts";
import { cpuSecondsSince } from "./_timing.ts";
import type { BenchResult } from "./run.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const corpus = path.resolve(repoRoot, "../shared/data/dx7/corpus");

function sampleVoices(): { source: string; params: Uint8Array[] } {
  const params: Uint8Array[] = [];
  if (existsSync(corpus)) {
    for (let f = 0; f < 970; f += 97) {
      const file = path.join(corpus, `corpus-${String(f).padStart(4, "0")}.syx`);
      // As Dexed plays them (out-of-range values unclamped).
      for (const p of readDx7(new Uint8Array(readFileSync(file)), file, { outOfRange: "dexed" }).patches)
        params.push(engineParams(p));
    }
    return { source: "corpus banks 0, 97, …, 873", params };
  }
  const file = path.join(repoRoot, "test/fixtures/dx7/features.syx");
  for (const p of readDx7(new Uint8Array(readFileSync(file))).patches) params.push(engineParams(p));
  return { source: "test/fixtures/dx7/features.syx", params };
}

function arg(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
}

export default async function (args: string[], emit: (r: BenchResult) => void): Promise<void> {
  const runs = Math.max(1, Number(arg(args, "--runs", "7")));
  const which = arg(args, "--kernels", "both");
  const kinds: KernelPreference[] =
    which === "all"
      ? ["wasm", "wasm-simd", "js"]
      : which === "both"
        ? ["wasm", "js"]
        : [which as KernelPreference];
  const { source, params } = sampleVoices();
  const spec = { note: 60, velocity: 100, noteOffSample: 44100, length: 88200 };
  const audioSeconds = (params.length * spec.length) / 44100;
  for (const kind of kinds) {
    const renderer = new Dx7NoteRenderer(44100, kind);
    const out = new Int16Array(spec.length);
    for (const p of params.slice(0, 16)) renderer.render(p, spec, out); // warm-up
    const factors: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = process.cpuUsage();
      for (const p of params) renderer.render(p, spec, out);
      factors.push(audioSeconds / cpuSecondsSince(t0));
      process.stderr.write(
        `dx7 ${renderer.kernelKind} run ${r + 1}/${runs}: ${factors[r]!.toFixed(0)}× real time\n`,
      );
    }
    const sorted = [...factors].sort((a, b) => a - b);
    emit({
      name: "dx7/one-voice-corpus-sample",
      metric: "realtime-factor",
      value: Math.round(sorted[sorted.length - 1]!),
      unit: "x (seconds of audio per CPU-second, best run)",
      median: Math.round(sorted[Math.floor(sorted.length / 2)]!),
      runs,
      kernels: renderer.kernelKind,
      voices: params.length,
      audioSecondsPerRun: audioSeconds,
      source,
    });
  }
}
