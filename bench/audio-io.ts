// Audio I/O speed: resampling 10 s of audio (WebAssembly SIMD loop and the JavaScript fallback) and
// decoding each supported format, reported as milliseconds per 10 s of audio.
//   npm run bench -- audio-io [--quick]
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { decodeAudio } from "../src/audio/decode.ts";
import { encodeWav } from "../src/audio/encode.ts";
import { resample } from "../src/audio/resample.ts";
import type { Benchmark } from "./run.ts";
import { cpuSecondsSince, timeIt } from "./_timing.ts";

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../test/fixtures/audio");

function noise(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
  return x;
}

const run: Benchmark = async (args, emit) => {
  const seconds = args.includes("--quick") ? 0.3 : 1;
  for (const [from, to] of [
    [48000, 44100],
    [96000, 44100],
    [22050, 44100],
    [8000, 44100],
    [44100, 16000],
    [44100, 44101],
  ] as [number, number][]) {
    const x = noise(10 * from, from);
    for (const simd of [true, false]) {
      if (!simd && from * to === 44100 * 44101) continue; // no polyphase path for this ratio
      const cpu0 = process.cpuUsage();
      const t = timeIt(() => resample(x, from, to, { simd }), seconds, 1);
      const cpuMs = (cpuSecondsSince(cpu0) * 1000) / (t.calls + 1);
      emit({
        name: `resample/${from}-to-${to}${simd ? "" : "/js"}`,
        metric: "ms-per-10s",
        value: +t.msPerCall.toFixed(2),
        unit: "ms",
        calls: t.calls,
        cpuMsPerCall: +cpuMs.toFixed(2),
      });
    }
  }

  const wav = encodeWav({ sampleRate: 44100, channels: [noise(441000, 1), noise(441000, 2)] }, "pcm16");
  const wavT = timeIt(() => void decodeAudio(wav), seconds, 1);
  emit({
    name: "decode/wav-pcm16-stereo",
    metric: "ms-per-10s",
    value: +wavT.msPerCall.toFixed(2),
    unit: "ms",
  });
  // Compressed fixtures are 0.5 s long; time whole decodes (decoder start-up included) and scale to 10 s.
  for (const f of [
    "tone-a4-mono-16.flac",
    "tone-a4-e5-stereo-24-48k.flac",
    "tone-a4-e5-stereo-48k.mp3",
    "tone-a4-e5-stereo-48k.ogg",
    "tone-a4-e5-stereo.opus",
  ]) {
    const bytes = new Uint8Array(readFileSync(path.join(fixtures, f)));
    const { info } = await decodeAudio(bytes);
    const reps = args.includes("--quick") ? 5 : 20;
    let best = Infinity;
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await decodeAudio(bytes);
      best = Math.min(best, performance.now() - t0);
    }
    const perTen = (best * 10) / (info.frames / info.sampleRate);
    emit({
      name: `decode/${f}`,
      metric: "ms-per-10s",
      value: +perTen.toFixed(1),
      unit: "ms",
      note: "best of runs on a 0.5 s file, scaled; includes decoder start-up",
    });
  }

  // Real files when the shared reference data is present: the DX7 reference renders (2 s, 16-bit FLAC).
  const refs = path.resolve(fixtures, "../../../../shared/refs/dx7");
  if (existsSync(path.join(refs, "manifest.json"))) {
    const manifest = JSON.parse(readFileSync(path.join(refs, "manifest.json"), "utf8")) as { wav: string }[];
    const files = manifest
      .slice(0, args.includes("--quick") ? 20 : 100)
      .map((m) => new Uint8Array(readFileSync(path.join(refs, m.wav))));
    let seconds = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const b of files) {
      const { info } = await decodeAudio(b);
      seconds += info.frames / info.sampleRate;
    }
    const wall = performance.now() - t0;
    const cpu = cpuSecondsSince(cpu0) * 1000;
    emit({
      name: "decode/dx7-refs-flac",
      metric: "ms-per-10s",
      value: +((wall * 10) / seconds).toFixed(2),
      unit: "ms",
      cpuMsPer10s: +((cpu * 10) / seconds).toFixed(2),
      files: files.length,
    });
  }
};

export default run;
