// Shared pieces of the effect chain: block context, tempo-synced rates, Vital's one-pole TPT filter step,
// equal-power mixes and saturators. Constants and structure are facts from Vital (GPL-3.0, Matt Tytel) as
// described in ../shared/reference/vital.md §2.3 and §8.

export { tanhApprox } from "../filters.ts";
import { tanhApprox } from "../filters.ts";

/** What every effect needs to know about the block it processes. */
export interface BlockContext {
  /** Internal (oversampled) sample rate. */
  sampleRate: number;
  /** Transport time in seconds at the start of the block (0 at the first note-on of an offline render). */
  timeSeconds: number;
  beatsPerSecond: number;
  /** The last played note (for the FX filter's keytrack). */
  note: number;
}

export interface Effect {
  /** Process `n` samples of both channels in place. */
  process(L: Float32Array, R: Float32Array, n: number, ctx: BlockContext): void;
  /** Forget all state (silence in, silence out). */
  reset(): void;
}

const CYCLES_PER_BEAT = [0, 1 / 128, 1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8, 16];

/** Rate in Hz of a `*_frequency`/`*_sync`/`*_tempo` triple (sync 0 seconds, 1 tempo, 2 dotted, 3 triplet). */
export function syncedHz(frequency: number, sync: number, tempo: number, beatsPerSecond: number): number {
  const mode = Math.round(sync);
  if (mode <= 0) return Math.pow(2, frequency);
  const idx = Math.max(0, Math.min(CYCLES_PER_BEAT.length - 1, Math.round(tempo)));
  let hz = CYCLES_PER_BEAT[idx]! * beatsPerSecond;
  if (mode === 2) hz *= 2 / 3;
  else if (mode === 3) hz *= 3 / 2;
  return hz;
}

export function midiToHz(note: number): number {
  return 8.1757989156 * Math.pow(2, note / 12);
}

/** Coefficient of Vital's one-pole TPT step for a cutoff in Hz (clamped to [1 Hz, 0.4535·rate]). */
export function onePoleCoefficient(hz: number, sampleRate: number): number {
  const f = Math.min(Math.max(hz, 1), 0.45351473923 * sampleRate);
  const s = (f * Math.PI) / sampleRate;
  return Math.tan(s / (s + 1));
}

/**
 * The band-pass in the chorus's and the delay's feedback loops (`*_cutoff` as a MIDI note, `*_spread` its
 * radius ×96 semitones): the one-pole low-pass and high-pass coefficients and the pass-band gain, recomputed
 * only when the cutoff, spread or rate moved (blocks mostly repeat them; the coefficients need pow and tan).
 */
export class LoopBandPass {
  lowCoef = 0;
  highCoef = 0;
  gain = 1;
  private readonly key = [NaN, NaN, NaN];

  update(cutoff: number, spread: number, sampleRate: number): void {
    const key = this.key;
    if (key[0] === cutoff && key[1] === spread && key[2] === sampleRate) return;
    key[0] = cutoff;
    key[1] = spread;
    key[2] = sampleRate;
    const radius = Math.max(0, spread * 96);
    const lowHz = clamp(midiToHz(cutoff + radius), 1, 0.45351473923 * sampleRate);
    const highHz = clamp(midiToHz(cutoff - radius), 1, 0.45351473923 * sampleRate);
    this.lowCoef = onePoleCoefficient(lowHz, sampleRate);
    this.highCoef = onePoleCoefficient(highHz, sampleRate);
    this.gain = highHz / lowHz + 1;
  }
}

/** Equal-power cross-fade gains for a mix in [0, 1]: wet = sin(π/2·mix), dry = cos(π/2·mix). */
export function wetGain(mix: number): number {
  return Math.sin((Math.PI / 2) * Math.min(1, Math.max(0, mix)));
}
export function dryGain(mix: number): number {
  return Math.cos((Math.PI / 2) * Math.min(1, Math.max(0, mix)));
}

export function hardTanh(x: number): number {
  if (x <= 0.66 && x >= -0.66) return x;
  const c = x > 0.66 ? 0.66 : x < -0.66 ? -0.66 : x;
  return c + 0.34 * tanhApprox((x - c) / 0.34);
}

/** Zero for magnitudes below 1e-20: recursive states decaying in silence would otherwise reach slow subnormals. */
export function flush(x: number): number {
  return x > 1e-20 || x < -1e-20 ? x : 0;
}

/** dst[0 … n) = src[0 … n) (no subarray view allocated per block; a whole source at once, else a loop). */
export function copyBlock(dst: Float32Array, src: Float32Array, n: number): void {
  if (n === src.length) dst.set(src);
  else for (let i = 0; i < n; i++) dst[i] = src[i]!;
}

/**
 * x limited to [lo, hi] (NaN stays NaN). By Math.min/Math.max, so the result is always a double: a ternary that
 * returned the integer bounds made TurboFan box every double it let through (the chorus's per-tap period:
 * ~0.7 MB of garbage per 2 s render).
 */
export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}

/** Phase in [0, 1) of an oscillator at `hz` aligned to transport time `t` (Vital's correctToTime). */
export function transportPhase(hz: number, t: number): number {
  const c = hz * t;
  return c - Math.floor(c);
}
