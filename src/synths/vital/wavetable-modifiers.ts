// Wavetable modifiers as Vital renders them: each modifier component changes the frame its group has made so
// far, position by position, with its keyframe values interpolated between keyframes. Facts (formulas,
// defaults, styles) from Vital's source, src/common/wavetable/*_modifier.cpp (GPL-3.0, Matt Tytel); no code
// copied. Pure functions, no Node-only APIs.

import { Fft } from "./engine/fft.ts";
import { VITAL_FRAME_SIZE, type ModifierComponent } from "./types.ts";

const N = VITAL_FRAME_SIZE;
const HALF = N / 2;
const fft = new Fft(N);

/** Modifier types rendered, by their .vital name. */
export const RENDERED_MODIFIERS = [
  "Phase Shift",
  "Wave Window",
  "Frequency Filter",
  "Slew Limiter",
  "Wave Folder",
  "Wave Warp",
] as const;

/** Keyframe keys and their defaults (a fresh keyframe in Vital), per modifier type. */
const KEYFRAME_DEFAULTS: Record<string, Record<string, number>> = {
  "Phase Shift": { phase: 0, mix: 1 },
  "Wave Window": { left_position: 0.25, right_position: 0.75 },
  "Frequency Filter": { cutoff: 4, shape: 0.5 },
  "Slew Limiter": { up_run_rise: 0, down_run_rise: 0 },
  "Wave Folder": { fold_boost: 1 },
  "Wave Warp": { horizontal_power: 0, vertical_power: 0 },
};

function num(x: unknown, fallback: number): number {
  const v = typeof x === "boolean" ? Number(x) : typeof x === "number" ? x : Number.NaN;
  return Number.isFinite(v) ? v : fallback;
}

export type Values = Record<string, number>;

/**
 * The modifier's keyframe values at `position`, as Vital's component interpolation: before the first and after
 * the last keyframe (and with interpolation style 0) the nearest earlier keyframe's values, else linear.
 * Vital's cubic style leaves a modifier's values unchanged from the previous position (it has no smooth
 * interpolation for modifiers); it is rendered as linear here.
 */
export function valuesAt(
  keys: Array<{ position: number; values: Values }>,
  position: number,
  style: number,
): Values {
  let index = 0;
  while (index < keys.length && position >= keys[index]!.position) index++;
  index -= 1;
  const from = keys[Math.max(0, Math.min(keys.length - 1, index))]!;
  if (index < 0 || index >= keys.length - 1 || style === 0) return from.values;
  const to = keys[index + 1]!;
  const t = (position - from.position) / (to.position - from.position);
  const out: Values = {};
  for (const k of Object.keys(from.values)) out[k] = from.values[k]! + (to.values[k]! - from.values[k]!) * t;
  return out;
}

/** Run `edit` on the spectrum of `frame` (bins 0 … N/2) and write the real inverse back. */
function editSpectrum(frame: Float32Array, edit: (re: Float64Array, im: Float64Array) => void): void {
  const re = new Float64Array(N);
  const im = new Float64Array(N);
  for (let i = 0; i < N; i++) re[i] = frame[i]!;
  fft.transform(re, im, false);
  edit(re, im);
  im[0] = 0;
  im[HALF] = 0;
  for (let k = 1; k < HALF; k++) {
    re[N - k] = re[k]!;
    im[N - k] = -im[k]!;
  }
  fft.transform(re, im, true);
  for (let i = 0; i < N; i++) frame[i] = re[i]! / N;
}

function phaseShift(frame: Float32Array, v: Values, style: number): void {
  const phase = v.phase!;
  const mix = v.mix!;
  editSpectrum(frame, (re, im) => {
    for (let k = 0; k <= HALF; k++) {
      const a = re[k]!;
      const b = im[k]!;
      if (style === 4) {
        re[k] = Math.hypot(a, b);
        im[k] = 0;
        continue;
      }
      // Rotation per harmonic: 0 all by k·φ, 1 even by k·φ and odd the other way, 2 all by φ, 3 even by φ and
      // odd the other way.
      const odd = (k & 1) === 1;
      let angle: number;
      if (style === 1) angle = odd ? k * phase : -k * phase;
      else if (style === 2) angle = -phase;
      else if (style === 3) angle = odd ? phase : -phase;
      else angle = -k * phase;
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      re[k] = mix * (a * c - b * s) + (1 - mix) * a;
      im[k] = mix * (a * s + b * c) + (1 - mix) * b;
    }
  });
}

function windowShape(shape: number, t: number): number {
  if (shape === 0) return 0.5 - 0.5 * Math.cos(Math.PI * t);
  if (shape === 1) return Math.sin((Math.PI * t) / 2);
  if (shape === 3) return t < 1 ? 0 : 1;
  if (shape === 4) return t * Math.cos(Math.PI * (t * 1.5 + 0.5));
  return t;
}

function waveWindow(frame: Float32Array, v: Values, shape: number): void {
  const left = v.left_position!;
  const right = v.right_position!;
  for (let i = 0; i < N; i++) {
    const t = i / (N - 1);
    if (t >= left) break;
    frame[i] = frame[i]! * windowShape(shape, t / left);
  }
  for (let i = N - 1; i >= 0; i--) {
    const t = i / (N - 1);
    if (t <= right) break;
    frame[i] = frame[i]! * windowShape(shape, (1 - t) / (1 - right));
  }
}

/** Vital's power curve, signed: (e^{p·|x|} − 1) / (e^p − 1) with the sign of x; identity for |p| < 0.01. */
function powerScale(x: number, power: number): number {
  if (Math.abs(power) < 0.01) return x;
  const y = (Math.exp(power * Math.abs(x)) - 1) / (Math.exp(power) - 1);
  return x >= 0 ? y : -y;
}

function frequencyFilter(frame: Float32Array, v: Values, style: number, normalize: boolean): void {
  const cutoffIndex = 2 ** v.cutoff!;
  const shape = v.shape!;
  const slope = 1 / (1 + (128 - 1) * shape * shape);
  const power = -9 + 18 * shape;
  const gain = (k: number): number => {
    const delta = k - cutoffIndex;
    if (style === 0) return Math.min(1, Math.max(0, 1 - slope * delta));
    if (style === 1) return Math.min(1, Math.max(0, 1 - Math.abs(slope * delta)));
    if (style === 2) return Math.min(1, Math.max(0, 1 + slope * delta));
    if (style === 3) {
      const x = k / (cutoffIndex * 2);
      const r = x - Math.floor(x);
      return 2 * powerScale(1 - Math.abs(2 * r - 1), power);
    }
    return 0;
  };
  editSpectrum(frame, (re, im) => {
    for (let k = 0; k <= HALF; k++) {
      const g = gain(k);
      re[k] = re[k]! * g;
      im[k] = im[k]! * g;
    }
  });
  if (normalize) {
    let peak = 0;
    for (let i = 0; i < N; i++) peak = Math.max(peak, Math.abs(frame[i]!));
    const g = 1 / Math.max(1e-7, peak);
    for (let i = 0; i < N; i++) frame[i] = frame[i]! * g;
  }
}

function slewLimit(frame: Float32Array, v: Values): void {
  const minRunRise = 1 / N;
  const maxUp = 2 / N / Math.max(v.up_run_rise!, minRunRise);
  const maxDown = 2 / N / Math.max(v.down_run_rise!, minRunRise);
  // Two passes round the cycle so the start is limited against the end.
  let current = frame[0]!;
  for (let i = 1; i < 2 * N; i++) {
    const j = i % N;
    const delta = frame[j]! - current;
    if (delta > 0) current += Math.min(delta, maxUp);
    else current -= Math.min(-delta, maxDown);
    frame[j] = current;
  }
}

function waveFold(frame: Float32Array, v: Values): void {
  let peak = 0;
  for (let i = 0; i < N; i++) peak = Math.max(peak, Math.abs(frame[i]!));
  const max = Math.max(1, peak);
  const boost = v.fold_boost!;
  for (let i = 0; i < N; i++) {
    const x = Math.min(1, Math.max(-1, frame[i]! / max));
    frame[i] = Math.sin(max * boost * Math.asin(x));
  }
}

function waveWarp(frame: Float32Array, v: Values, hAsym: boolean, vAsym: boolean): void {
  const src = Float32Array.from(frame);
  const hp = v.horizontal_power!;
  const vp = v.vertical_power!;
  for (let i = 0; i < N; i++) {
    const h = i / (N - 1);
    const warped = hAsym ? powerScale(h, hp) : 0.5 * powerScale(2 * h - 1, hp) + 0.5;
    const pos = (N - 1) * warped;
    const j = Math.max(0, Math.min(N - 2, Math.trunc(pos)));
    let y = src[j]! + (src[j + 1]! - src[j]!) * (pos - j);
    y = Math.min(1, Math.max(-1, y));
    frame[i] = vAsym ? 2 * powerScale(0.5 * y + 0.5, vp) - 1 : powerScale(y, vp);
  }
}

/**
 * Apply a modifier component to a group's frames (one per position, replaced by changed copies: the input
 * arrays may be a patch's own keyframe data). Returns false, changing nothing, for a type it does not render.
 */
export function applyModifier(c: ModifierComponent, frames: Float32Array[]): boolean {
  const defaults = KEYFRAME_DEFAULTS[c.type];
  if (!defaults) return false;
  const keys = c.keyframes
    .map((k) => {
      const values: Values = {};
      for (const [name, d] of Object.entries(defaults)) values[name] = num(k.values[name], d);
      return { position: Math.max(0, Math.min(256, Math.round(k.position))), values };
    })
    .sort((a, b) => a.position - b.position);
  if (keys.length === 0) keys.push({ position: 0, values: { ...defaults } });
  const s = c.settings;
  const style = Math.round(num(s.style, 0));
  for (let pos = 0; pos < frames.length; pos++) {
    const v = valuesAt(keys, pos, c.interpolationStyle);
    const f = Float32Array.from(frames[pos]!);
    switch (c.type) {
      case "Phase Shift":
        phaseShift(f, v, style);
        break;
      case "Wave Window":
        waveWindow(f, v, Math.round(num(s.window_shape, 0)));
        break;
      case "Frequency Filter":
        frequencyFilter(f, v, style, num(s.normalize, 1) !== 0);
        break;
      case "Slew Limiter":
        slewLimit(f, v);
        break;
      case "Wave Folder":
        waveFold(f, v);
        break;
      case "Wave Warp":
        waveWarp(f, v, num(s.horizontal_asymmetric, 0) !== 0, num(s.vertical_asymmetric, 0) !== 0);
        break;
    }
    frames[pos] = f;
  }
  return true;
}
