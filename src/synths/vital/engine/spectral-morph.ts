// Vital's spectral morphs: the oscillator's frame spectrum is reshaped (formants shifted, partials stretched,
// low/high-passed, smeared, randomised, phase-dispersed, Shepard-shifted or skewed across the table) before the
// inverse FFT that makes the band-limited cycle the oscillator plays. Per-type amount mappings, constants and
// harmonic arithmetic follow Vital 1.0.x (src/synthesis/producers/spectral_morph.h and synth_oscillator.cpp,
// Matt Tytel, GPL-3.0; facts only, no code). The per-oscillator state (`OscMorph`) decides, like Vital, which
// unison voices share a morphed cycle, and recomputes a cycle only when its frame, band limit or amount moved.

import { Fft, RealInverseFft } from "./fft.ts";
import { VitalRandom } from "./random.ts";
import { CYCLE_LENGTH, FRAME_SIZE, HARMONICS, type Wavetable } from "./wavetable.ts";

export const MORPH_NONE = 0;
export const MORPH_VOCODE = 1;
export const MORPH_FORMANT_SCALE = 2;
export const MORPH_HARMONIC_STRETCH = 3;
export const MORPH_INHARMONIC_STRETCH = 4;
export const MORPH_SMEAR = 5;
export const MORPH_RANDOM_AMPLITUDES = 6;
export const MORPH_LOW_PASS = 7;
export const MORPH_HIGH_PASS = 8;
export const MORPH_PHASE_DISPERSE = 9;
export const MORPH_SHEPARD_TONE = 10;
export const MORPH_SKEW = 11;
/** Every `osc_N_spectral_morph_type` this module renders. */
export const MORPH_TYPES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] as const;

const FRAMES_MAX = 257;
/** Harmonic slots kept per frame: 0 … 1024 plus zeros that the formant and stretch morphs may read past the end. */
const SLOTS = HARMONICS + 4;
/** Below this amplitude a harmonic's phase is taken from the neighbouring frames where it is louder. */
const MIN_AMPLITUDE_PHASE = 0.1;
const MAX_FORMANT_SHIFT = 1;
const MAX_EVEN_ODD_FORMANT_SHIFT = 2;
const MAX_HARMONIC_SCALE = 4;
const MAX_INHARMONIC_SCALE = 12;
const RANDOM_AMPLITUDE_STAGES = 16;
const PHASE_DISPERSE_SCALE = 0.05;
const PHASE_DISPERSE_CENTRE = 24;
const SKEW_SCALE = 16;
const SHEPARD_MOD_MULT = 0.99;
/** log2 of the frame size, and one less: the octave spans the pass and stretch morphs are scaled by. */
const FREQUENCY_BINS = 11;
/** Vital's frame spectra assume a 44.1 kHz table unless the table came from an audio file. */
const DEFAULT_TABLE_SAMPLE_RATE = 44100;

/** Vital's parabolic sine, sin(2π·x) for x in [0, 1] (futils::sin1); phase disperse and Shepard use it. */
function vitalSin1(x: number): number {
  const p = 0.5 - x;
  const a = p * (8 - 16 * Math.abs(p));
  return a * (0.776 + 0.224 * Math.abs(a));
}

/** Vital's parabolic sine for x in [−½, ½] (futils::sin), sin(2π·x); Shepard Tone uses it. */
function vitalSin(x: number): number {
  const a = x * (8 - 16 * Math.abs(x));
  return a * (0.776 + 0.224 * Math.abs(a));
}

function fract(x: number): number {
  return x - Math.floor(x);
}

/**
 * A table's frames as Vital keeps them for morphing: per harmonic the amplitude, the unit phasor (where a
 * harmonic is nearly silent in a frame, its phasor is interpolated from the nearest frames where it is not, as
 * Vital's post-processing does; never louder anywhere → phase +90°) and the raw phase in radians.
 */
export class MorphSpectra {
  readonly frameCount: number;
  readonly amp: Float32Array[] = [];
  readonly re: Float32Array[] = [];
  readonly im: Float32Array[] = [];
  readonly phase: Float32Array[] = [];

  constructor(frames: readonly Float32Array[]) {
    this.frameCount = Math.max(1, Math.min(FRAMES_MAX, frames.length));
    const fft = new Fft(FRAME_SIZE);
    const xr = new Float64Array(FRAME_SIZE);
    const xi = new Float64Array(FRAME_SIZE);
    for (let f = 0; f < this.frameCount; f++) {
      const frame = frames[f];
      xi.fill(0);
      for (let i = 0; i < FRAME_SIZE; i++) xr[i] = frame ? frame[i]! : 0;
      fft.transform(xr, xi, false);
      const amp = new Float32Array(SLOTS);
      const re = new Float32Array(SLOTS);
      const im = new Float32Array(SLOTS);
      const phase = new Float32Array(SLOTS);
      for (let k = 0; k <= HARMONICS; k++) {
        const a = Math.hypot(xr[k]!, xi[k]!);
        const arg = Math.atan2(xi[k]!, xr[k]!);
        amp[k] = a;
        phase[k] = arg;
        re[k] = Math.cos(arg);
        im[k] = Math.sin(arg);
      }
      this.amp.push(amp);
      this.re.push(re);
      this.im.push(im);
      this.phase.push(phase);
    }
    for (let k = 0; k <= HARMONICS; k++) {
      let lastLoud = -1;
      let lr = 0;
      let li = 1;
      for (let f = 0; f < this.frameCount; f++) {
        if (this.amp[f]![k]! <= MIN_AMPLITUDE_PHASE) continue;
        const nr = this.re[f]![k]!;
        const ni = this.im[f]![k]!;
        if (lastLoud < 0) {
          lastLoud = 0;
          lr = nr;
          li = ni;
        }
        for (let g = lastLoud + 1; g < f; g++) {
          const t = (g - lastLoud) / (f - lastLoud);
          this.re[g]![k] = lr + (nr - lr) * t;
          this.im[g]![k] = li + (ni - li) * t;
        }
        lr = nr;
        li = ni;
        lastLoud = f;
      }
      for (let g = lastLoud + 1; g < this.frameCount; g++) {
        this.re[g]![k] = lr;
        this.im[g]![k] = li;
      }
    }
  }
}

const spectraCache = new WeakMap<Wavetable, MorphSpectra>();

/** The morph spectra of a table, analysed on first use and kept as long as the table lives. */
export function morphSpectraOf(table: Wavetable): MorphSpectra {
  let s = spectraCache.get(table);
  if (!s) {
    s = new MorphSpectra(table.frames);
    spectraCache.set(table, s);
  }
  return s;
}

let randomValues: Float32Array | undefined;

/**
 * Vital's fixed table of random values for Random Amplitudes: std::mt19937 seeded with 4, drawn through
 * uniform_real_distribution<float>(−1, 1) (libstdc++'s single-draw generate_canonical), 17,440 values.
 */
export function randomAmplitudeValues(): Float32Array {
  if (randomValues) return randomValues;
  const count = 4 * Math.floor(((RANDOM_AMPLITUDE_STAGES + 1) * (HARMONICS + 2)) / 4);
  const out = new Float32Array(count);
  const random = new VitalRandom(4, -1, 1);
  for (let i = 0; i < count; i++) out[i] = random.next();
  randomValues = out;
  return out;
}

/**
 * The wavetable frame unison voice `u` of `count` reads. As in Vital: with spectral unison on (and a frame
 * spread), unison pair p of P plays `frame + spread·p/(P − 1)`; otherwise every voice plays `frame` (Vital
 * ignores the frame spread). Truncated and clamped to the table.
 */
export function unisonFrameIndex(
  frame: number,
  frameSpread: number,
  spectralUnison: boolean,
  u: number,
  count: number,
  frameCount: number,
): number {
  let raw = frame;
  if (spectralUnison) {
    const pair = (count & 1) === 0 ? u >> 1 : (u + 1) >> 1;
    const pairs = (count + (count & 1)) >> 1;
    raw += (frameSpread * pair) / (Math.max(2, pairs) - 1);
  }
  return Math.min(frameCount - 1, Math.trunc(raw < 0 ? 0 : raw > FRAMES_MAX - 1 ? FRAMES_MAX - 1 : raw));
}

/**
 * Vital's per-voice morph value: amount plus the spread offset, wrapped for Shepard Tone and clamped to 0 … 1
 * otherwise.
 */
export function morphValue(type: number, amount: number, spreadOffset: number): number {
  const v = amount + spreadOffset;
  if (type === MORPH_SHEPARD_TONE) return fract(v * SHEPARD_MOD_MULT) / SHEPARD_MOD_MULT;
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/**
 * The morph's own parameter for a morph value (Vital's setSpectralMorphValues): a formant/stretch factor
 * 2^((v − ½)·2·e), the smear amount, the random stage, the cutoff position, the dispersion or skew amount, or
 * Shepard's octave shift. Vocode's factor is further scaled by the voice's frequency (`vocodeShift`).
 */
export function morphParameter(type: number, value: number): number {
  switch (type) {
    case MORPH_VOCODE:
      return Math.pow(2, (value - 0.5) * 2 * -MAX_FORMANT_SHIFT);
    case MORPH_FORMANT_SCALE:
      return Math.pow(2, (value - 0.5) * 2 * -MAX_EVEN_ODD_FORMANT_SHIFT);
    case MORPH_HARMONIC_STRETCH:
      return Math.pow(2, (value - 0.5) * 2 * MAX_HARMONIC_SCALE);
    case MORPH_INHARMONIC_STRETCH:
      return Math.pow(2, (value - 0.5) * 2 * MAX_INHARMONIC_SCALE);
    case MORPH_SMEAR: {
      const inv = 1 - value;
      return 1 - inv * inv * inv;
    }
    case MORPH_RANDOM_AMPLITUDES:
      return value * (RANDOM_AMPLITUDE_STAGES - 1);
    case MORPH_PHASE_DISPERSE:
      return -(value * 2 - 1) * PHASE_DISPERSE_SCALE;
    case MORPH_SKEW:
      return value * value * SKEW_SCALE;
    case MORPH_SHEPARD_TONE:
      return 1 - value;
    default:
      return value;
  }
}

/**
 * Vocode reads the frame as a spectral envelope at the table's own bin spacing: the formant factor times the
 * voice's frequency in table bins (`hz · 2048 · frequencyRatio / tableSampleRate`).
 */
export function vocodeShift(
  param: number,
  hz: number,
  tableSampleRate = DEFAULT_TABLE_SAMPLE_RATE,
  ratio = 1,
): number {
  return (param * hz * FRAME_SIZE * ratio) / tableSampleRate;
}

/** Whether a morph at this parameter leaves every harmonic as it is (the cycle is then the plain one). */
export function isIdentityMorph(type: number, param: number): boolean {
  switch (type) {
    case MORPH_NONE:
      return true;
    case MORPH_FORMANT_SCALE:
    case MORPH_HARMONIC_STRETCH:
    case MORPH_INHARMONIC_STRETCH:
      return param === 1;
    case MORPH_SMEAR:
    case MORPH_RANDOM_AMPLITUDES:
    case MORPH_PHASE_DISPERSE:
    case MORPH_SKEW:
      return param === 0;
    case MORPH_LOW_PASS:
      return param >= 1;
    default:
      return false;
  }
}

/** Shepard Tone plays the voice this many times its pitch (the spectrum moves the partials back up). */
export function shepardPitchMult(param: number): number {
  return Math.pow(2, -param);
}

const realInverse = new RealInverseFft(FRAME_SIZE);

/** Scratch spectrum for one morph (bins 0 … 1025, the last one a spill slot never played). */
export class MorphWork {
  readonly re = new Float64Array(HARMONICS + 2);
  readonly im = new Float64Array(HARMONICS + 2);
}

/**
 * The band-limited cycle (CYCLE_LENGTH layout, see wavetable.ts) of `frame` after the morph `type` with
 * parameter `param`; harmonics above `top` are not played (Inharmonic Stretch keeps up to 2·top, as Vital).
 */
export function renderMorphedCycle(
  s: MorphSpectra,
  frame: number,
  type: number,
  param: number,
  top: number,
  out: Float32Array,
  work: MorphWork,
): void {
  const fi = Math.max(0, Math.min(s.frameCount - 1, frame | 0));
  const h = Math.max(0, Math.min(HARMONICS, top | 0));
  const re = work.re;
  const im = work.im;
  re.fill(0);
  im.fill(0);
  const amp = s.amp[fi]!;
  const nr = s.re[fi]!;
  const ni = s.im[fi]!;
  switch (type) {
    case MORPH_VOCODE:
    case MORPH_FORMANT_SCALE:
      formantScale(amp, nr, ni, param, h, re, im);
      break;
    case MORPH_HARMONIC_STRETCH:
      harmonicStretch(amp, nr, ni, param, h, re, im);
      break;
    case MORPH_INHARMONIC_STRETCH:
      inharmonicStretch(amp, nr, ni, param, h, re, im);
      break;
    case MORPH_SMEAR:
      smear(amp, nr, ni, param, h, re, im);
      break;
    case MORPH_RANDOM_AMPLITUDES:
      randomAmplitudes(amp, nr, ni, param, h, re, im);
      break;
    case MORPH_LOW_PASS: {
      const cutoff = Math.pow(2, (FREQUENCY_BINS - 1) * param) + 1;
      for (let k = 0; k <= h; k++) {
        const g = cutoff - k;
        setScaled(amp, nr, ni, k, g < 0 ? 0 : g > 1 ? 1 : g, re, im);
      }
      break;
    }
    case MORPH_HIGH_PASS: {
      const cutoff = (Math.pow(2, (FREQUENCY_BINS - 1) * param) * (HARMONICS + 2)) / (HARMONICS + 1);
      for (let k = 0; k <= h; k++) {
        const g = k + 1 - cutoff;
        setScaled(amp, nr, ni, k, g < 0 ? 0 : g > 1 ? 1 : g, re, im);
      }
      break;
    }
    case MORPH_PHASE_DISPERSE:
      phaseDisperse(amp, nr, ni, param, h, re, im);
      break;
    case MORPH_SHEPARD_TONE:
      shepard(amp, nr, ni, s.phase[fi]!, param, h, re, im);
      break;
    case MORPH_SKEW:
      if (s.frameCount > 1) skew(s, fi, param, h, re, im);
      else for (let k = 0; k <= h; k++) setScaled(amp, nr, ni, k, 1, re, im);
      break;
    default:
      for (let k = 0; k <= h; k++) setScaled(amp, nr, ni, k, 1, re, im);
  }
  // the inverse FFT ignores DC's and Nyquist's imaginary parts, as Vital's does
  im[0] = 0;
  im[HARMONICS] = 0;
  realInverse.inverse(re, im, out, 1, 1 / FRAME_SIZE);
  out[0] = out[FRAME_SIZE]!;
  out[FRAME_SIZE + 1] = out[1]!;
  out[FRAME_SIZE + 2] = out[2]!;
}

function setScaled(
  amp: Float32Array,
  nr: Float32Array,
  ni: Float32Array,
  k: number,
  g: number,
  re: Float64Array,
  im: Float64Array,
): void {
  const a = amp[k]! * g;
  re[k] = a * nr[k]!;
  im[k] = a * ni[k]!;
}

/** Vocode and Formant Scale: harmonic i takes the spectrum at i·shift, interpolated between same-parity bins. */
function formantScale(
  amp: Float32Array,
  nr: Float32Array,
  ni: Float32Array,
  shift: number,
  h: number,
  re: Float64Array,
  im: Float64Array,
): void {
  const last = Math.min(h, Math.trunc(FRAME_SIZE / (2 * shift)));
  setScaled(amp, nr, ni, 0, 1, re, im);
  for (let i = 1; i <= last; i++) {
    const shifted = Math.max(1, i * shift);
    let from = Math.trunc(shifted);
    from -= (i + from) % 2;
    const t = (shifted - from) * 0.5;
    const to = from + 2;
    const aFrom = amp[from]!;
    const aTo = amp[to]!;
    const rFrom = aFrom * nr[from]!;
    const iFrom = aFrom * ni[from]!;
    re[i] = shift * (rFrom + (aTo * nr[to]! - rFrom) * t);
    im[i] = shift * (iFrom + (aTo * ni[to]! - iFrom) * t);
  }
}

/** Harmonic Stretch: harmonic i moves to (i − 1)·shift + 1, split between the two nearest harmonics. */
function harmonicStretch(
  amp: Float32Array,
  nr: Float32Array,
  ni: Float32Array,
  shift: number,
  h: number,
  re: Float64Array,
  im: Float64Array,
): void {
  setScaled(amp, nr, ni, 0, 1, re, im);
  const count = Math.min(HARMONICS + 1, Math.trunc((h - 1) / shift + 1));
  for (let i = 1; i <= count; i++) {
    const shifted = Math.max(1, (i - 1) * shift + 1);
    const d = Math.trunc(shifted);
    const t = shifted - d;
    const a = amp[i]!;
    const r = nr[i]!;
    const m = ni[i]!;
    if (d <= HARMONICS) {
      re[d] = re[d]! + (1 - t) * a * r;
      im[d] = im[d]! + (1 - t) * a * m;
    }
    if (d + 1 <= HARMONICS) {
      re[d + 1] = re[d + 1]! + t * a * r;
      im[d + 1] = im[d + 1]! + t * a * m;
    }
  }
}

/**
 * Inharmonic Stretch: harmonic i moves to mult^(log2(i)/10)·(i − 1) + 1 (higher partials stretch more).
 * Vital stops at twice the band limit; the partials between the host and the internal Nyquist are removed by
 * the output decimator.
 */
function inharmonicStretch(
  amp: Float32Array,
  nr: Float32Array,
  ni: Float32Array,
  mult: number,
  h: number,
  re: Float64Array,
  im: Float64Array,
): void {
  setScaled(amp, nr, ni, 0, 1, re, im);
  const logMult = Math.log2(mult);
  for (let i = 1; i <= HARMONICS; i++) {
    const power = Math.log2(i) / (FREQUENCY_BINS - 1);
    const shifted = Math.max(1, Math.pow(2, logMult * power) * (i - 1) + 1);
    const d = Math.trunc(shifted);
    if (d > 2 * h) break;
    const t = shifted - d;
    const a = amp[i]!;
    const r = nr[i]!;
    const m = ni[i]!;
    if (d <= HARMONICS) {
      re[d] = re[d]! + (1 - t) * a * r;
      im[d] = im[d]! + (1 - t) * a * m;
    }
    if (d + 1 <= HARMONICS) {
      re[d + 1] = re[d + 1]! + t * a * r;
      im[d + 1] = im[d + 1]! + t * a * m;
    }
  }
}

/**
 * Smear: each harmonic's amplitude leans towards the (slightly raised) amplitude of the one two below it — even
 * and odd harmonics form separate chains, and DC and the fundamental start at (1 − smear) of their own.
 */
function smear(
  amp: Float32Array,
  nr: Float32Array,
  ni: Float32Array,
  s: number,
  h: number,
  re: Float64Array,
  im: Float64Array,
): void {
  let even = amp[0]! * (1 - s);
  let odd = amp[1]! * (1 - s);
  re[0] = even * nr[0]!;
  im[0] = even * ni[0]!;
  if (h >= 1) {
    re[1] = odd * nr[1]!;
    im[1] = odd * ni[1]!;
  }
  for (let p = 1; 2 * p <= h; p++) {
    const k = 2 * p;
    even = amp[k]! + (even - amp[k]!) * s;
    odd = amp[k + 1]! + (odd - amp[k + 1]!) * s;
    re[k] = even * nr[k]!;
    im[k] = even * ni[k]!;
    if (k + 1 <= h) {
      re[k + 1] = odd * nr[k + 1]!;
      im[k + 1] = odd * ni[k + 1]!;
    }
    const grow = (p + 0.25) / p;
    even *= grow;
    odd *= grow;
  }
}

/** Random Amplitudes: every harmonic scaled by a fixed random curve, cross-faded between 16 stages. */
function randomAmplitudes(
  amp: Float32Array,
  nr: Float32Array,
  ni: Float32Array,
  shift: number,
  h: number,
  re: Float64Array,
  im: Float64Array,
): void {
  const values = randomAmplitudeValues();
  const stage = Math.min(Math.trunc(shift), RANDOM_AMPLITUDE_STAGES - 2);
  const t = shift - stage;
  const centre = 1 - shift;
  const mult = 1 + shift;
  const base1 = 4 * Math.trunc((stage * (HARMONICS + 1)) / 4);
  const base2 = 4 * Math.trunc(((stage + 1) * (HARMONICS + 1)) / 4);
  for (let k = 0; k <= h; k++) {
    const slot = 4 * (k >> 1) + 2 * (k & 1);
    const r1 = mult * Math.max(centre - shift * values[base1 + slot]!, 0);
    const r2 = mult * Math.max(centre - shift * values[base2 + slot]!, 0);
    const a = Math.min((r1 + (r2 - r1) * t) * amp[k]!, 1024);
    re[k] = a * nr[k]!;
    im[k] = a * ni[k]!;
  }
}

/** Phase Disperse: harmonic k is rotated by d·((k − 24)² − 23²), zero for the fundamental. */
function phaseDisperse(
  amp: Float32Array,
  nr: Float32Array,
  ni: Float32Array,
  d: number,
  h: number,
  re: Float64Array,
  im: Float64Array,
): void {
  const c1 = PHASE_DISPERSE_CENTRE - 1;
  const offset = -c1 * c1 * d;
  const scale = 0.5 / Math.PI;
  for (let k = 0; k <= h; k++) {
    const x = k - PHASE_DISPERSE_CENTRE;
    const cycles = (x * x * d + offset) * scale;
    const c = vitalSin1(fract(cycles + 0.25));
    const sn = vitalSin1(fract(cycles));
    const a = amp[k]!;
    const r = nr[k]!;
    const m = ni[k]!;
    re[k] = a * (r * c - m * sn);
    im[k] = a * (m * c + r * sn);
  }
}

/**
 * Shepard Tone (the voice plays at 2^−shift of its pitch): odd harmonics fade out with (1 − shift), even
 * harmonic i moves from its own content to that of harmonic i/2 — the same sound an octave down, so the sweep
 * can wrap. Phases are interpolated where the two amplitudes are within a factor 2, phasors elsewhere.
 */
function shepard(
  amp: Float32Array,
  nr: Float32Array,
  ni: Float32Array,
  phase: Float32Array,
  shift: number,
  h: number,
  re: Float64Array,
  im: Float64Array,
): void {
  const regular = 1 - shift;
  for (let k = 1; k <= h; k += 2) {
    const a = amp[k]! * regular;
    re[k] = a * nr[k]!;
    im[k] = a * ni[k]!;
  }
  for (let i = 0; i <= h; i += 2) {
    const half = i >> 1;
    const fundamental = amp[i]!;
    const octave = amp[half]!;
    const a = fundamental + (octave - fundamental) * shift;
    const ratio = (fundamental + 0.001) / (octave + 0.001);
    let r: number;
    let m: number;
    if (ratio < 2 && ratio > 0.5) {
      const fp = phase[i]! * (0.5 / Math.PI);
      const sp = phase[half]! * (0.5 / Math.PI);
      let delta = sp - fp;
      const wraps = Math.trunc((Math.trunc(delta) + 1) / 2);
      delta -= 2 * wraps;
      const p = fp + delta * shift;
      r = vitalSin(fract(p + 0.75) - 0.5);
      m = vitalSin(fract(p + 0.5) - 0.5);
    } else {
      r = nr[i]! + (nr[half]! - nr[i]!) * shift;
      m = ni[i]! + (ni[half]! - ni[i]!) * shift;
    }
    re[i] = a * r;
    im[i] = a * m;
  }
}

/** Spectral Time Skew: harmonic k is read from a frame moved by skew·log2(k)/11 along the table (folding back). */
function skew(
  s: MorphSpectra,
  fi: number,
  amount: number,
  h: number,
  re: Float64Array,
  im: Float64Array,
): void {
  const maxFrame = FRAMES_MAX - 1;
  const frames = s.frameCount;
  const a0 = s.amp[fi]![0]!;
  re[0] = a0 * s.re[fi]![0]!;
  im[0] = a0 * s.im[fi]![0]!;
  const base = fi / maxFrame;
  for (let k = 1; k <= h; k++) {
    const scaleK = Math.log2(k) / FREQUENCY_BINS;
    const folded = 1 - fract((base + amount * scaleK) * 0.5) * 2;
    const position = (1 - Math.abs(folded)) * maxFrame;
    const from = Math.min(Math.trunc(position), frames - 2);
    const t = Math.min(1, position - from);
    const to = from + 1;
    const aFrom = s.amp[from]![k]!;
    const a = aFrom + (s.amp[to]![k]! - aFrom) * t;
    const rFrom = s.re[from]![k]!;
    const iFrom = s.im[from]![k]!;
    re[k] = a * (rFrom + (s.re[to]![k]! - rFrom) * t);
    im[k] = a * (iFrom + (s.im[to]![k]! - iFrom) * t);
  }
}

/**
 * One oscillator's morph state in one voice: per-block morph values for Vital's unison pairs, which voice's
 * cycle each unison voice plays, and two cycle buffers per computing voice (the new cycle is written while the
 * previous one may still be fading out). Buffers are allocated the first time a voice computes a cycle.
 */
export class OscMorph {
  readonly type: number;
  private readonly sampleRate: number;
  /** Per Vital pair (two unison voices): the morph parameter this block. */
  private readonly params = new Float64Array(8);
  /**
   * Shepard Tone: per pair, a wrap waiting for the next cycle update (+1 the octave shift jumped up, so the
   * phase is halved; −1 it jumped down, so the phase is doubled). Until then the pitch is compensated.
   */
  private readonly pending = new Int8Array(8);
  private updating = false;
  private readonly handBuf: (Float32Array | null)[] = new Array(16).fill(null);
  private spectralUnison = false;
  private count = 1;
  private frame = 0;
  private frameSpread = 0;
  private readonly bufA: (Float32Array | null)[] = new Array(16).fill(null);
  private readonly bufB: (Float32Array | null)[] = new Array(16).fill(null);
  private readonly current: (Float32Array | null)[] = new Array(16).fill(null);
  private readonly keyFrame = new Float64Array(16).fill(-1);
  private readonly keyTop = new Float64Array(16);
  private readonly keyParam = new Float64Array(16);
  private readonly work = new MorphWork();
  private spectra: MorphSpectra | null = null;
  private table: Wavetable | null = null;

  /** `table`: the oscillator's wavetable, analysed here (once per table) rather than at the first note. */
  constructor(type: number, sampleRate: number, table?: Wavetable) {
    this.type = type;
    this.sampleRate = sampleRate;
    if (table) {
      this.table = table;
      this.spectra = morphSpectraOf(table);
    }
    if (type === MORPH_RANDOM_AMPLITUDES) randomAmplitudeValues();
  }

  /**
   * Set this block's morph values (Vital recomputes them every block from the modulated amount and spread).
   */
  beginBlock(
    amount: number,
    spread: number,
    spectralUnison: boolean,
    count: number,
    frame: number,
    frameSpread: number,
    update: boolean,
    first: boolean,
  ): void {
    const type = this.type;
    const pairs = (count + (count & 1)) >> 1;
    const tScale = 1 / (Math.max(2, pairs) - 1);
    const spreadOn = spread !== 0;
    if (this.updating) this.pending.fill(0);
    for (let p = 0; p < pairs; p++) {
      const value = morphValue(type, amount, spreadOn ? p * tScale * 2 * spread : 0);
      const param = morphParameter(type, value);
      if (type === MORPH_SHEPARD_TONE) {
        const last = first ? param : this.params[p]!;
        if (first) this.pending[p] = 0;
        else if (last - param < -0.6) this.pending[p] = 1;
        else if (last - param > 0.6) this.pending[p] = -1;
      }
      this.params[p] = param;
    }
    this.updating = update;
    this.spectralUnison =
      spectralUnison &&
      ((pairs > 1 && this.params[0] !== this.params[1]) || frameSpread !== 0 || type === MORPH_VOCODE);
    this.count = count;
    this.frame = frame;
    this.frameSpread = frameSpread;
  }

  /** Pitch multiplier of unison voice `u` this block (Shepard Tone plays each pair 2^−shift lower). */
  pitchMult(u: number): number {
    if (this.type !== MORPH_SHEPARD_TONE) return 1;
    const p = this.pairOf(u);
    const wrap = this.updating ? 0 : this.pending[p]!;
    return shepardPitchMult(this.params[p]!) * (wrap > 0 ? 2 : wrap < 0 ? 0.5 : 1);
  }

  /**
   * Shepard Tone's octave hand-over at a cycle update after the shift wrapped (Vital's Shepard wrap): the
   * voice's phase and increment are halved (doubled) so the new cycle continues the old one, and the old
   * cycle, still fading out, is replaced by a copy read at twice (half) the phase. Returns whether it acted.
   */
  handOver(u: number, phase: Float64Array, inc: Float64Array, prev: (Float32Array | null)[]): boolean {
    if (this.type !== MORPH_SHEPARD_TONE || !this.updating) return false;
    const wrap = this.pending[this.pairOf(u)]!;
    const old = prev[u];
    if (wrap === 0 || !old) return false;
    let out = this.handBuf[u];
    if (!out) {
      out = new Float32Array(CYCLE_LENGTH);
      this.handBuf[u] = out;
    }
    const n = FRAME_SIZE;
    if (wrap > 0) {
      for (let j = 0; j < n; j++) out[j + 1] = old[((2 * j) % n) + 1]!;
      phase[u] = phase[u]! * 0.5;
      inc[u] = inc[u]! * 0.5;
    } else {
      for (let j = 0; j < n; j++) {
        const i = j >> 1;
        if ((j & 1) === 0) out[j + 1] = old[i + 1]!;
        else {
          const x0 = old[i]!;
          const x1 = old[i + 1]!;
          const x2 = old[i + 2]!;
          const x3 = old[i + 3]!;
          const fr = 0.5;
          out[j + 1] =
            x1 + 0.5 * fr * (x2 - x0 + fr * (2 * x0 - 5 * x1 + 4 * x2 - x3 + fr * (3 * (x1 - x2) + x3 - x0)));
        }
      }
      const ph = phase[u]! * 2;
      phase[u] = ph - Math.floor(ph);
      inc[u] = inc[u]! * 2;
    }
    out[0] = out[n]!;
    out[n + 1] = out[1]!;
    out[n + 2] = out[2]!;
    prev[u] = out;
    return true;
  }

  private pairOf(u: number): number {
    return (this.count & 1) === 0 ? u >> 1 : (u + 1) >> 1;
  }

  /** The unison voice whose cycle voice `u` plays (Vital's left lane of its pair, or voice 0 without spectral unison). */
  private leaderOf(u: number): number {
    if (!this.spectralUnison) return 0;
    const pair = this.pairOf(u);
    return (this.count & 1) === 0 ? 2 * pair : pair === 0 ? 0 : 2 * pair - 1;
  }

  /** Whether voice `u` plays an unmorphed cycle this block (the morph is at its neutral amount). */
  isIdentity(u: number): boolean {
    const p = this.spectralUnison ? this.pairOf(u) : 0;
    return isIdentityMorph(this.type, this.params[p]!);
  }

  /**
   * The morphed cycle for unison voice `u` (call in increasing `u` within one update, after `isIdentity(u)`
   * said false). `inc` is the voice's phase increment used for the band limit, `top` its highest harmonic.
   */
  cycle(u: number, table: Wavetable, inc: number, top: number): Float32Array {
    const leader = this.leaderOf(u);
    if (leader !== u) {
      const shared = this.current[leader];
      if (shared) return shared;
    }
    if (this.table !== table) {
      this.table = table;
      this.spectra = morphSpectraOf(table);
      this.keyFrame.fill(-1);
    }
    const spectra = this.spectra!;
    const pair = this.spectralUnison ? this.pairOf(u) : 0;
    const frame = unisonFrameIndex(
      this.frame,
      this.frameSpread,
      this.spectralUnison,
      u,
      this.count,
      spectra.frameCount,
    );
    let param = this.params[pair]!;
    if (this.type === MORPH_VOCODE)
      param = vocodeShift(param, inc * this.sampleRate, table.sampleRate, table.frequencyRatio);
    const cur = this.current[u];
    if (cur && this.keyFrame[u] === frame && this.keyTop[u] === top && this.keyParam[u] === param) return cur;
    let out = this.bufA[u] === cur ? this.bufB[u] : this.bufA[u];
    if (!out) {
      out = new Float32Array(CYCLE_LENGTH);
      if (this.bufA[u] === null) this.bufA[u] = out;
      else this.bufB[u] = out;
    }
    renderMorphedCycle(spectra, frame, this.type, param, top, out, this.work);
    this.current[u] = out;
    this.keyFrame[u] = frame;
    this.keyTop[u] = top;
    this.keyParam[u] = param;
    return out;
  }
}
