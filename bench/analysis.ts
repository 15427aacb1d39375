// Analysis speed: analyzeSound on a 3 s mono signal (single-threaded), its parts, and the FFTs it rests on
// (pffft-wasm single precision vs the double-precision TypeScript FFT used for MSS).
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { analyzeSound } from "../src/audio/analyze.ts";
import { readAudioMono } from "../src/audio/decode.ts";
import { realFft } from "../src/audio/fft.ts";
import { realPowerSpectrum64 } from "../src/audio/fft64.ts";
import { pitchTrack } from "../src/audio/pitch.ts";
import { stft } from "../src/audio/stft.ts";
import type { Benchmark } from "./run.ts";
import { timeIt } from "./_timing.ts";
import { bestMsPerCall, cpuMsPerCall } from "./_cpu.ts";

const SR = 44100;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** A 3 s test note: harmonic tone with vibrato-free decay, plus a little noise (deterministic). */
export function testNote(seconds = 3, f0 = 220): Float32Array {
  const n = Math.round(seconds * SR);
  const x = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    const t = i / SR;
    const env = Math.min(1, t / 0.01) * Math.exp(-t * 0.8) * (t < 2 ? 1 : Math.exp(-(t - 2) * 12));
    let v = 0;
    for (let h = 1; h <= 12; h++) v += Math.sin(2 * Math.PI * f0 * h * t) / h;
    s = (s * 1664525 + 1013904223) >>> 0;
    x[i] = 0.3 * env * v + 0.001 * (s / 2 ** 32 - 0.5);
  }
  return x;
}

const bench: Benchmark = async (args, emit) => {
  const minSeconds = Number(args[0] ?? 2);
  const x = testNote();
  const whole = timeIt(() => analyzeSound(x, SR), minSeconds);
  emit({
    name: "analysis/analyzeSound-3s-mono",
    metric: "ms-per-call",
    value: whole.msPerCall,
    unit: "ms",
    calls: whole.calls,
    target: "< 20 ms",
  });
  const wholeBest = bestMsPerCall(() => analyzeSound(x, SR), minSeconds);
  emit({
    name: "analysis/analyzeSound-3s-mono",
    metric: "best-ms-per-call",
    value: wholeBest.bestMs,
    unit: "ms",
    calls: wholeBest.calls,
    target: "< 20 ms",
  });
  const wholeCpu = cpuMsPerCall(() => analyzeSound(x, SR), minSeconds);
  emit({
    name: "analysis/analyzeSound-3s-mono",
    metric: "cpu-ms-per-call",
    value: wholeCpu.cpuMsPerCall,
    unit: "ms",
    calls: wholeCpu.calls,
    target: "< 20 ms",
  });

  // A real render too, when the shared reference data is beside the repository.
  const ref = path.resolve(repoRoot, "../shared/refs/dx7/wav/init-init-voice-n60-v100.flac");
  if (existsSync(ref)) {
    const { samples } = await readAudioMono(ref);
    const r = cpuMsPerCall(() => analyzeSound(samples, SR), minSeconds);
    emit({
      name: "analysis/analyzeSound-dx7-init-voice-2s",
      metric: "cpu-ms-per-call",
      value: r.cpuMsPerCall,
      unit: "ms",
      calls: r.calls,
    });
  }

  const pitch = timeIt(() => pitchTrack(x, SR), minSeconds);
  emit({
    name: "analysis/pitchTrack-3s",
    metric: "ms-per-call",
    value: pitch.msPerCall,
    unit: "ms",
    calls: pitch.calls,
  });
  const spec = timeIt(() => stft(x, { nFft: 2048, hop: 512 }), minSeconds);
  emit({
    name: "analysis/stft-power-2048-3s",
    metric: "ms-per-call",
    value: spec.msPerCall,
    unit: "ms",
    calls: spec.calls,
  });

  const n = 2048;
  const fft = realFft(n);
  const frame32 = x.subarray(SR, SR + n);
  const out32 = new Float32Array(n);
  const p = timeIt(() => {
    for (let i = 0; i < 100; i++) fft.forward(frame32, out32);
  }, minSeconds);
  emit({
    name: "fft/pffft-wasm-real-2048",
    metric: "transforms-per-second",
    value: 100_000 / p.msPerCall,
    unit: "1/s",
  });
  const frame64 = Float64Array.from(frame32);
  const out64 = new Float64Array(n / 2 + 1);
  const j = timeIt(() => {
    for (let i = 0; i < 100; i++) realPowerSpectrum64(frame64, n, out64);
  }, minSeconds);
  emit({
    name: "fft/ts-float64-real-2048",
    metric: "transforms-per-second",
    value: 100_000 / j.msPerCall,
    unit: "1/s",
  });
};

export default bench;
