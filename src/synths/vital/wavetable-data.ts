// Binary payloads of .vital files and the tables the engine plays from them.
// Pure functions, no Node-only APIs: usable in worker threads and an AudioWorklet.
//
// API for the engine:
//   decodeBase64 / encodeBase64           RFC 4648 base64 (strict: canonical alphabet and padding)
//   float32FromBase64 / float32ToBase64   `wave_data` (little-endian float32)
//   pcm16FromBase64 / pcm16ToBase64       `samples`, `samples_stereo`, `audio_file` (int16 LE, ±1/32767)
//   renderLineShape(line, size)            a LineGenerator as a table of values 0 … 1 (LFOs, remaps)
//   lineShapeValueAt(line, t)              one value of a LineGenerator, t in [0, 1]
//   lineSourceFrame(line)                  a Line Source keyframe as a 2048-sample waveform (−1 … +1)
//   buildWavetableFrames(table)            the frames an oscillator plays (keyframes interpolated, modifiers
//                                          applied, post-processed): the one wavetable builder, used by the engine
// Wavetable behaviour as described in ../shared/reference/vital.md §1.4 and §6.1 and Vital's source
// (src/common/wavetable, GPL-3.0, Matt Tytel): facts only.

import { renderLine } from "./engine/curves.ts";
import { Fft } from "./engine/fft.ts";
import { applyModifier } from "./wavetable-modifiers.ts";
import { fileSourceFrames } from "./wavetable-file-source.ts";
import { VITAL_FRAME_SIZE, type LineShape, type Wavetable, type WavetableComponent } from "./types.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Why a base64 string was refused (null when it is fine). */
export function base64Problem(text: string): string | null {
  if (text.length % 4 !== 0) return `length ${text.length} is not a multiple of 4`;
  const n = text.length;
  let pad = 0;
  if (n > 0 && text.charCodeAt(n - 1) === 61) pad = text.charCodeAt(n - 2) === 61 ? 2 : 1;
  for (let i = 0; i < n - pad; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || DECODE[c]! < 0) return `invalid character at offset ${i}`;
  }
  return null;
}

/** Decode standard base64. Returns null when the text is not canonical base64 (see `base64Problem`). */
export function decodeBase64(text: string): Uint8Array | null {
  if (base64Problem(text) !== null) return null;
  const n = text.length;
  const pad = n === 0 ? 0 : text.charCodeAt(n - 1) === 61 ? (text.charCodeAt(n - 2) === 61 ? 2 : 1) : 0;
  const out = new Uint8Array((n / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < n; i += 4) {
    const a = DECODE[text.charCodeAt(i)]!;
    const b = DECODE[text.charCodeAt(i + 1)]!;
    const c = i + 2 < n - pad ? DECODE[text.charCodeAt(i + 2)]! : 0;
    const d = i + 3 < n - pad ? DECODE[text.charCodeAt(i + 3)]! : 0;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = (v >> 16) & 255;
    if (o < out.length) out[o++] = (v >> 8) & 255;
    if (o < out.length) out[o++] = v & 255;
  }
  return out;
}

/** Typed arrays use the platform's byte order; the file's is little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const ALPHABET_CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));

export function encodeBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const codes = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  for (let i = 0; i < n; i += 3) {
    const a = bytes[i]!;
    const b = i + 1 < n ? bytes[i + 1]! : 0;
    const c = i + 2 < n ? bytes[i + 2]! : 0;
    const v = (a << 16) | (b << 8) | c;
    codes[o++] = ALPHABET_CODES[(v >> 18) & 63]!;
    codes[o++] = ALPHABET_CODES[(v >> 12) & 63]!;
    codes[o++] = i + 1 < n ? ALPHABET_CODES[(v >> 6) & 63]! : 61;
    codes[o++] = i + 2 < n ? ALPHABET_CODES[v & 63]! : 61;
  }
  if (ASCII) return ASCII.decode(codes);
  const parts: string[] = [];
  for (let i = 0; i < codes.length; i += 8192) {
    parts.push(String.fromCharCode.apply(null, codes.subarray(i, i + 8192) as unknown as number[]));
  }
  return parts.join("");
}

// TextDecoder is missing in some AudioWorklet scopes; String.fromCharCode is the fallback.
const ASCII = typeof TextDecoder === "function" ? new TextDecoder("latin1") : null;

/** Little-endian float32 samples from base64; null when the text is not base64 or not a whole number of floats. */
export function float32FromBase64(text: string): Float32Array | null {
  const bytes = decodeBase64(text);
  if (!bytes || bytes.length % 4 !== 0) return null;
  if (LITTLE_ENDIAN) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

export function float32ToBase64(samples: Float32Array): string {
  if (LITTLE_ENDIAN)
    return encodeBase64(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
  const bytes = new Uint8Array(samples.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) view.setFloat32(i * 4, samples[i]!, true);
  return encodeBase64(bytes);
}

const PCM_SCALE = 1 / 32767;

/** Little-endian int16 PCM from base64, scaled by 1/32767; null when malformed (bad base64 or odd byte count). */
export function pcm16FromBase64(text: string): Float32Array | null {
  const bytes = decodeBase64(text);
  if (!bytes || bytes.length % 2 !== 0) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true) * PCM_SCALE;
  return out;
}

/** Inverse of `pcm16FromBase64`: exact for any array it produced (round(x·32767), clamped to int16). */
export function pcm16ToBase64(samples: Float32Array): string {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i]!;
    const v = Number.isFinite(x) ? Math.round(x * 32767) : 0;
    view.setInt16(i * 2, Math.max(-32768, Math.min(32767, v)), true);
  }
  return encodeBase64(bytes);
}

// ---- LineGenerator --------------------------------------------------------------------------------

/** The envelope-style power curve Vital uses for segments: (e^{p·t} − 1) / (e^p − 1), t when |p| is tiny. */
export function powerScale(t: number, power: number): number {
  if (Math.abs(power) < 0.001) return t;
  return (Math.exp(power * t) - 1) / (Math.exp(power) - 1);
}

/** Value (0 … 1, i.e. 1 − y) of a line at t in [0, 1]. Malformed lines (no points) give 0. */
export function lineShapeValueAt(line: LineShape, t: number): number {
  const n = line.points.length >> 1;
  if (n === 0) return 0;
  const pts = line.points;
  if (n === 1 || t <= pts[0]!) return 1 - pts[1]!;
  let i = 0;
  while (i < n - 2 && t > pts[2 * (i + 1)]!) i++;
  const x0 = pts[2 * i]!;
  const x1 = pts[2 * i + 2]!;
  const v0 = 1 - pts[2 * i + 1]!;
  const v1 = 1 - pts[2 * i + 3]!;
  if (t >= x1) return v1;
  let u = x1 > x0 ? (t - x0) / (x1 - x0) : 1;
  if (line.smooth) u = 0.5 - 0.5 * Math.cos(Math.PI * u);
  u = powerScale(u, line.powers[i] ?? 0);
  return v0 + (v1 - v0) * u;
}

/** A line rendered into `size` values over t = i / size (the table an LFO reads; Vital uses 2048). */
export function renderLineShape(
  line: LineShape,
  size = VITAL_FRAME_SIZE,
  out = new Float32Array(size),
): Float32Array {
  for (let i = 0; i < size; i++) out[i] = lineShapeValueAt(line, i / size);
  return out;
}

/** A Line Source keyframe as a waveform: the line over one cycle, mapped from 0 … 1 to −1 … +1. */
export function lineSourceFrame(line: LineShape, out = new Float32Array(VITAL_FRAME_SIZE)): Float32Array {
  renderLineShape(line, out.length, out);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! * 2 - 1;
  return out;
}

// ---- Wavetable frames -----------------------------------------------------------------------------

const N = VITAL_FRAME_SIZE;
const HALF = N / 2;
/**
 * Vital uses the second keyframe's phase where the first has exactly no energy. Its float32 analysis leaves
 * tiny nonzero values with arbitrary phases there instead; ours are far smaller, so only exact zeros count
 * (measured: treating near-zero harmonics as empty makes the spectral refs 1.3 dB louder than Vital's after
 * normalisation, while exact zeros leave 0.15 dB).
 */
const SILENT_HARMONIC = 0;
const fft = new Fft(N);

export interface WavetableFrames {
  /** One 2048-sample frame per position 0 … last keyframe position. */
  frames: Float32Array[];
  /** Component types present that were not rendered (unknown components, Audio File Sources). */
  skipped: string[];
  /** What the frames approximate, in words (skipped components, cubic keyframe interpolation). */
  approximations: string[];
}

/** A Line Source keyframe as the engine plays it: the line over one cycle, mapped from 0 … 1 to −1 … +1. */
function lineFrame(line: LineShape): Float32Array {
  const t = renderLine(line, N);
  const f = new Float32Array(N);
  for (let i = 0; i < N; i++) f[i] = 2 * t[i]! - 1;
  return f;
}

function spectrumOf(frame: Float32Array): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(N);
  const im = new Float64Array(N);
  for (let i = 0; i < N; i++) re[i] = frame[i]!;
  fft.transform(re, im, false);
  return { re, im };
}

/**
 * Frequency-domain blend as Vital's wave source does it: per harmonic the square roots of the magnitudes are
 * interpolated (then squared) and the phase moves along the shorter way from the first keyframe's; where the
 * first keyframe has no energy the second's phase is used. DC and the Nyquist bin blend linearly.
 */
function spectralBlend(a: Float32Array, b: Float32Array, t: number): Float32Array {
  const sa = spectrumOf(a);
  const sb = spectrumOf(b);
  const re = new Float64Array(N);
  const im = new Float64Array(N);
  let peak = 0;
  for (let k = 1; k < HALF; k++) peak = Math.max(peak, Math.hypot(sa.re[k]!, sa.im[k]!));
  const silent = peak * SILENT_HARMONIC;
  for (let k = 1; k < HALF; k++) {
    const magA = Math.hypot(sa.re[k]!, sa.im[k]!);
    const ma = Math.sqrt(magA);
    const mb = Math.sqrt(Math.hypot(sb.re[k]!, sb.im[k]!));
    const m = ma + (mb - ma) * t;
    const pa = Math.atan2(sa.im[k]!, sa.re[k]!);
    const pb = Math.atan2(sb.im[k]!, sb.re[k]!);
    let p: number;
    if (magA <= silent) p = pb;
    else {
      let d = pb - pa;
      d -= 2 * Math.PI * Math.round(d / (2 * Math.PI));
      p = pa + d * t;
    }
    re[k] = m * m * Math.cos(p);
    im[k] = m * m * Math.sin(p);
    re[N - k] = re[k]!;
    im[N - k] = -im[k]!;
  }
  re[0] = sa.re[0]! + (sb.re[0]! - sa.re[0]!) * t;
  re[HALF] = sa.re[HALF]! + (sb.re[HALF]! - sa.re[HALF]!) * t;
  fft.transform(re, im, true);
  const out = new Float32Array(N);
  for (let i = 0; i < N; i++) out[i] = re[i]! / N;
  return out;
}

const clampPosition = (p: number) => Math.max(0, Math.min(256, Math.round(p)));

/**
 * Frames of one source component at every position 0 … count−1, or null when it has nothing to render.
 * Frames at or outside the keyframes are the keyframes' own arrays: callers copy before changing them.
 */
function sourceFrames(c: WavetableComponent, count: number, notes: Set<string>): Float32Array[] | null {
  const keys: Array<{ position: number; frame: Float32Array }> = [];
  let spectral = false;
  if (c.kind === "wave-source") {
    for (const k of c.keyframes) {
      if (k.wave.length < N) continue;
      keys.push({ position: clampPosition(k.position), frame: k.wave.subarray(0, N) });
    }
    spectral = c.interpolation === 1;
  } else if (c.kind === "line-source") {
    for (const k of c.keyframes) keys.push({ position: clampPosition(k.position), frame: lineFrame(k.line) });
  } else if (c.kind === "audio-file-source") {
    return fileSourceFrames(c, count, notes);
  } else return null;
  if (keys.length === 0) return null;
  keys.sort((a, b) => a.position - b.position);
  const style = c.interpolationStyle;
  if (style === 2) notes.add("cubic keyframe interpolation is approximated by linear");
  const frames: Float32Array[] = [];
  let k = 0;
  for (let pos = 0; pos < count; pos++) {
    while (k < keys.length - 1 && keys[k + 1]!.position <= pos) k++;
    const a = keys[k]!;
    const b = keys[Math.min(k + 1, keys.length - 1)]!;
    if (pos <= a.position || b === a || style === 0) {
      frames.push(a.frame);
      continue;
    }
    if (pos >= b.position) {
      frames.push(b.frame);
      continue;
    }
    const t = (pos - a.position) / (b.position - a.position);
    if (spectral) frames.push(spectralBlend(a.frame, b.frame, t));
    else {
      const f = new Float32Array(N);
      for (let i = 0; i < N; i++) f[i] = a.frame[i]! + (b.frame[i]! - a.frame[i]!) * t;
      frames.push(f);
    }
  }
  return frames;
}

/**
 * The frames an oscillator plays from a wavetable. Each group renders its components in order into one frame
 * per position — a source (Wave Source, Shepard Tone Source, Line Source) replaces what came before it, a
 * modifier (Phase Shift, Wave Window, Frequency Filter, Slew Limiter, Wave Folder, Wave Warp;
 * wavetable-modifiers.ts) changes it — the
 * groups are averaged, then DC is removed per frame (`removeAllDc`) and all frames are scaled so the widest
 * peak-to-peak spans −1 … +1 (`fullNormalize`). A table stored as a bare line is that line's single frame.
 * Approximations (listed): cubic keyframe interpolation is linear; components it does not render are skipped.
 * A table with nothing renderable gives one silent frame.
 */
export function buildWavetableFrames(table: Wavetable): WavetableFrames {
  const notes = new Set<string>();
  const skipped: string[] = [];
  if (table.fromLine) {
    return { frames: [lineFrame(table.fromLine)], skipped, approximations: [] };
  }
  let last = 0;
  for (const g of table.groups)
    for (const c of g.components)
      for (const k of c.keyframes) last = Math.max(last, clampPosition(k.position));
  const count = last + 1;
  const sum: Float32Array[] = [];
  for (let i = 0; i < count; i++) sum.push(new Float32Array(N));
  let used = 0;
  for (const g of table.groups) {
    let groupFrames: Float32Array[] | null = null;
    for (const c of g.components) {
      if (c.kind === "modifier") {
        if (groupFrames && c.interpolationStyle === 2 && c.keyframes.length > 1) {
          notes.add("cubic keyframe interpolation of modifiers is approximated by linear");
        }
        if (!groupFrames) continue; // a modifier before any source changes nothing here
        if (applyModifier(c, groupFrames)) continue;
      }
      const fr = sourceFrames(c, count, notes);
      if (fr) groupFrames = fr;
      else {
        notes.add(`wavetable component "${c.type}" is not rendered`);
        if (!skipped.includes(c.type)) skipped.push(c.type);
      }
    }
    if (!groupFrames) continue;
    used++;
    for (let i = 0; i < count; i++) {
      const s = sum[i]!;
      const f = groupFrames[i]!;
      for (let j = 0; j < N; j++) s[j] = s[j]! + f[j]!;
    }
  }
  if (used > 1) for (const s of sum) for (let j = 0; j < N; j++) s[j] = s[j]! / used;
  if (table.removeAllDc) {
    for (const s of sum) {
      let dc = 0;
      for (let j = 0; j < N; j++) dc += s[j]!;
      dc /= N;
      for (let j = 0; j < N; j++) s[j] = s[j]! - dc;
    }
  }
  if (table.fullNormalize) {
    let maxPp = 0;
    for (const s of sum) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let j = 0; j < N; j++) {
        lo = Math.min(lo, s[j]!);
        hi = Math.max(hi, s[j]!);
      }
      maxPp = Math.max(maxPp, hi - lo);
    }
    if (maxPp > 0) {
      const g = 2 / maxPp;
      for (const s of sum) for (let j = 0; j < N; j++) s[j] = s[j]! * g;
    }
  }
  return { frames: sum, skipped, approximations: [...notes] };
}
