// Makes examples/pluck.wav, the README quick-start sound: a Karplus-Strong plucked string at A3
// (MIDI 57, 220 Hz), 1.5 s, mono, 44.1 kHz, 16-bit. Deterministic (seeded excitation), so anyone can
// regenerate the identical file:
//
//   npx tsx scripts/make-example.ts            (refuses to replace an existing file)
//   npx tsx scripts/make-example.ts --force

import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { encodeWav } from "../src/audio/encode.ts";
import { PatchsmithError } from "../src/errors.ts";
import { writeFileAtomic } from "../src/io/files.ts";

export const PLUCK = { sampleRate: 44100, midiNote: 57, seconds: 1.5 } as const;

/** Karplus-Strong: a noise burst circulating in a delay line with a two-point average and loss. */
export function makePluck(): Float32Array {
  const { sampleRate, midiNote, seconds } = PLUCK;
  const hz = 440 * 2 ** ((midiNote - 69) / 12);
  const n = Math.round(seconds * sampleRate);
  // Loop delay = line length + 0.5 (the averaging filter) + allpass delay; the allpass tunes the fraction.
  const period = sampleRate / hz;
  const lineLength = Math.floor(period - 0.5 - 0.1);
  const frac = period - 0.5 - lineLength;
  const allpassC = (1 - frac) / (1 + frac);
  const loss = 0.9965;

  // Seeded excitation (mulberry32), low-passed for a softer, rounder pluck.
  let seed = 57;
  const random = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const line = new Float64Array(lineLength);
  let lp = 0;
  for (let i = 0; i < lineLength; i++) {
    lp += 0.5 * (random() * 2 - 1 - lp);
    line[i] = lp;
  }
  let mean = 0;
  for (const v of line) mean += v / lineLength;
  for (let i = 0; i < lineLength; i++) line[i]! -= mean;

  const out = new Float32Array(n);
  let idx = 0;
  let prev = 0;
  let apIn = 0;
  let apOut = 0;
  for (let i = 0; i < n; i++) {
    const cur = line[idx]!;
    const avg = loss * 0.5 * (cur + prev);
    prev = cur;
    // First-order allpass fractional delay.
    const y = allpassC * avg + apIn - allpassC * apOut;
    apIn = avg;
    apOut = y;
    line[idx] = y;
    idx = idx + 1 === lineLength ? 0 : idx + 1;
    out[i] = cur;
  }
  // 50 ms fade at the end, then normalise to −1 dBFS.
  const fade = Math.round(0.05 * sampleRate);
  for (let i = 0; i < fade; i++) out[n - 1 - i]! *= i / fade;
  let peak = 0;
  for (const v of out) peak = Math.max(peak, Math.abs(v));
  const gain = 10 ** (-1 / 20) / peak;
  for (let i = 0; i < n; i++) out[i]! *= gain;
  return out;
}

export function makePluckWav(): Uint8Array {
  return encodeWav({ sampleRate: PLUCK.sampleRate, channels: [makePluck()] }, "pcm16");
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../examples/pluck.wav");
  try {
    await writeFileAtomic(file, makePluckWav(), { force: process.argv.includes("--force") });
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  } catch (e) {
    if (!(e instanceof PatchsmithError)) throw e;
    console.error(`make-example: ${e.toLine()}`);
    process.exitCode = 1;
  }
}
