// Vital's Audio File Source: each frame is one window of the component's audio (window_size samples from
// start_position, keyframes interpolated per position) resampled to 2048 samples with Catmull-Rom
// interpolation; the wave-blend style rotates the window and cross-fades its end into the following audio so
// the cycle loops, and the phase styles replace every harmonic's phase (clear: ∓π/2 alternating; vocode: a
// fixed table of random phases from the component's random_seed). Facts from Vital's file_source.cpp
// (GPL-3.0, Matt Tytel); no code copied. Pure, no Node-only APIs.

import { Fft } from "./engine/fft.ts";
import { VitalRandom } from "./engine/random.ts";
import { VITAL_FRAME_SIZE, type AudioFileSourceComponent } from "./types.ts";
import { valuesAt, type Values } from "./wavetable-modifiers.ts";

const N = VITAL_FRAME_SIZE;
const HALF = N / 2;
const fft = new Fft(N);

function num(x: unknown, fallback: number): number {
  const v = typeof x === "boolean" ? Number(x) : typeof x === "number" ? x : Number.NaN;
  return Number.isFinite(v) ? v : fallback;
}

/** The audio with one sample of padding before and three after (repeats of the ends), for 4-point reads. */
function padded(audio: Float32Array): Float32Array {
  const n = audio.length;
  const out = new Float32Array(n + 4);
  out.set(audio, 1);
  out[0] = audio[0]!;
  for (let i = 1; i < 4; i++) out[n + i] = audio[n - 1]!;
  return out;
}

/** Catmull-Rom read of the audio at a fractional sample position (clamped to the audio). */
function sampleAt(buf: Float32Array, size: number, position: number): number {
  const p = Math.min(size - 1, Math.max(0, position));
  const i = Math.trunc(p);
  const t = p - i;
  const t2 = t * t;
  const t3 = t2 * t;
  return (
    buf[i]! * (t2 - 0.5 * t3 - 0.5 * t) +
    buf[i + 1]! * (1.5 * t3 - 2.5 * t2 + 1) +
    buf[i + 2]! * (0.5 * t + 2 * t2 - 1.5 * t3) +
    buf[i + 3]! * (0.5 * t3 - 0.5 * t2)
  );
}

function waveBlend(
  buf: Float32Array,
  size: number,
  start: number,
  windowSize: number,
  fadeAmount: number,
): Float32Array {
  const out = new Float32Array(N);
  const ratio = windowSize / N;
  const startIndex = Math.trunc(start / ratio + windowSize / 2 + HALF) % N;
  for (let i = 0; i < N; i++) out[(startIndex + i) % N] = sampleAt(buf, size, start + (i / N) * windowSize);
  const fadeSamples = Math.trunc(Math.min(1, Math.max(0, fadeAmount)) * N);
  const fadeSize = fadeSamples * ratio;
  for (let i = 0; i < fadeSamples; i++) {
    const t = fadeSamples > 1 ? i / (fadeSamples - 1) : 0;
    const fade = 0.5 + 0.5 * Math.cos(Math.PI * t);
    const w = (startIndex + i) % N;
    const v = sampleAt(buf, size, start + windowSize + t * fadeSize);
    out[w] = out[w]! + (v - out[w]!) * fade;
  }
  return out;
}

function cycleAt(
  buf: Float32Array,
  size: number,
  start: number,
  windowSize: number,
  style: number,
): Float32Array {
  const cycles = start / windowSize;
  const from = Math.trunc(cycles);
  const out = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    const a = sampleAt(buf, size, from * windowSize + (i / N) * windowSize);
    if (style === 1) out[i] = a;
    else {
      const b = sampleAt(buf, size, (from + 1) * windowSize + (i / N) * windowSize);
      out[i] = a + (b - a) * (cycles - from);
    }
  }
  return out;
}

/** Replace every harmonic's phase by `phases[k]`, keeping magnitudes. */
function overridePhases(frame: Float32Array, phases: Float32Array): void {
  const re = new Float64Array(N);
  const im = new Float64Array(N);
  for (let i = 0; i < N; i++) re[i] = frame[i]!;
  fft.transform(re, im, false);
  for (let k = 0; k <= HALF; k++) {
    const m = Math.hypot(re[k]!, im[k]!);
    re[k] = m * Math.cos(phases[k]!);
    im[k] = m * Math.sin(phases[k]!);
  }
  im[0] = 0;
  im[HALF] = 0;
  for (let k = 1; k < HALF; k++) {
    re[N - k] = re[k]!;
    im[N - k] = -im[k]!;
  }
  fft.transform(re, im, true);
  for (let i = 0; i < N; i++) frame[i] = re[i]! / N;
}

/**
 * Frames of an Audio File Source at positions 0 … count−1, and what they approximate. Fade style 3
 * (frequency interpolation between cycles) is rendered as time interpolation.
 */
export function fileSourceFrames(
  c: AudioFileSourceComponent,
  count: number,
  notes: Set<string>,
): Float32Array[] | null {
  const size = c.audio.length;
  if (size === 0) return null;
  const s = c.settings;
  const windowSize = Math.max(1, num(s.window_size, N));
  const fadeStyle = Math.round(num(s.fade_style, 0));
  const phaseStyle = Math.round(num(s.phase_style, 0));
  if (fadeStyle === 3) notes.add("audio file source: frequency interpolation rendered as time interpolation");
  const keys = c.keyframes
    .map((k) => ({
      position: Math.max(0, Math.min(256, Math.round(k.position))),
      values: {
        start_position: num(k.values.start_position, 0),
        window_fade: num(k.values.window_fade, 1),
      } as Values,
    }))
    .sort((a, b) => a.position - b.position);
  if (keys.length === 0) return null;
  let phases: Float32Array | null = null;
  if (phaseStyle === 1) {
    phases = new Float32Array(N);
    for (let i = 0; i < N; i++) phases[i] = i % 2 === 0 ? -0.5 * Math.PI : 0.5 * Math.PI;
  } else if (phaseStyle === 2) {
    const rand = new VitalRandom(num(s.random_seed, 0) >>> 0, -Math.PI, Math.PI);
    phases = new Float32Array(N);
    for (let i = 0; i < N; i++) phases[i] = rand.next();
  }
  const buf = padded(c.audio);
  const normalise = num(s.normalize_mult, 1) !== 0;
  const allowGain = num(s.normalize_gain, 0) !== 0;
  const frames: Float32Array[] = [];
  for (let pos = 0; pos < count; pos++) {
    const v = valuesAt(keys, pos, c.interpolationStyle);
    const start = v.start_position!;
    const f =
      fadeStyle === 0
        ? waveBlend(buf, size, start, windowSize, v.window_fade!)
        : cycleAt(buf, size, start, windowSize, fadeStyle);
    if (phases) overridePhases(f, phases);
    if (normalise) {
      let peak = 0;
      for (let i = 0; i < N; i++) peak = Math.max(peak, Math.abs(f[i]!));
      const g = 1 / Math.max(allowGain ? 1e-7 : 1, peak);
      for (let i = 0; i < N; i++) f[i] = f[i]! * g;
    }
    frames.push(f);
  }
  return frames;
}
