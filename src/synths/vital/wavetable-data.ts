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
//   buildWavetableFrames(table)            the frames an oscillator plays (keyframes interpolated, post-processed)

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

export interface WavetableFrames {
  /** One 2048-sample frame per position 0 … last keyframe position. */
  frames: Float32Array[];
  /** Component types present that were not rendered (modifiers, audio-file and unknown sources). */
  skipped: string[];
}

/** Frames of one component at every position 0 … count−1, or null if this component is not rendered. */
function componentFrames(c: WavetableComponent, count: number): Float32Array[] | null {
  let keys: Array<{ position: number; frame: Float32Array }>;
  let spectral = false;
  if (c.kind === "wave-source") {
    keys = c.keyframes.map((k) => ({ position: k.position, frame: k.wave }));
    spectral = c.interpolation === 1;
  } else if (c.kind === "line-source") {
    keys = c.keyframes.map((k) => ({ position: k.position, frame: lineSourceFrame(k.line) }));
  } else {
    return null;
  }
  keys = keys.filter((k) => k.frame.length === VITAL_FRAME_SIZE).sort((a, b) => a.position - b.position);
  if (keys.length === 0) return null;
  const spectra = spectral ? keys.map((k) => realSpectrum(k.frame)) : null;
  const out: Float32Array[] = [];
  for (let p = 0; p < count; p++) {
    let j = 0;
    while (j < keys.length - 1 && keys[j + 1]!.position <= p) j++;
    const a = keys[j]!;
    const b = keys[j + 1];
    if (!b || p <= a.position || c.interpolationStyle === 0) {
      out.push(a.frame);
      continue;
    }
    let t = (p - a.position) / (b.position - a.position);
    if (c.interpolationStyle === 2) t = t * t * (3 - 2 * t);
    out.push(spectra ? spectralBlend(spectra[j]!, spectra[j + 1]!, t) : timeBlend(a.frame, b.frame, t));
  }
  return out;
}

function timeBlend(a: Float32Array, b: Float32Array, t: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + (b[i]! - a[i]!) * t;
  return out;
}

interface Spectrum {
  mag: Float64Array;
  phase: Float64Array;
}

/** Magnitude and phase of harmonics 0 … n/2 of a real frame. */
function realSpectrum(frame: Float32Array): Spectrum {
  const n = frame.length;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) re[i] = frame[i]!;
  fft(re, im, false);
  const half = n / 2 + 1;
  const mag = new Float64Array(half);
  const phase = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    mag[k] = Math.hypot(re[k]!, im[k]!);
    phase[k] = Math.atan2(im[k]!, re[k]!);
  }
  return { mag, phase };
}

/** Per harmonic: interpolate √magnitude and the phase along the shorter way round, then inverse FFT. */
function spectralBlend(a: Spectrum, b: Spectrum, t: number): Float32Array {
  const half = a.mag.length;
  const n = (half - 1) * 2;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let k = 0; k < half; k++) {
    const s = Math.sqrt(a.mag[k]!) + (Math.sqrt(b.mag[k]!) - Math.sqrt(a.mag[k]!)) * t;
    let d = b.phase[k]! - a.phase[k]!;
    d -= 2 * Math.PI * Math.round(d / (2 * Math.PI));
    const ph = a.phase[k]! + d * t;
    re[k] = s * s * Math.cos(ph);
    im[k] = s * s * Math.sin(ph);
    if (k > 0 && k < half - 1) {
      re[n - k] = re[k]!;
      im[n - k] = -im[k]!;
    }
  }
  fft(re, im, true);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = re[i]! / n;
  return out;
}

/** In-place iterative radix-2 FFT (length a power of two); `inverse` flips the sign of the exponent. */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let j = 0; j < len / 2; j++) {
        const ar = re[i + j]!;
        const ai = im[i + j]!;
        const br = re[i + j + len / 2]! * cr - im[i + j + len / 2]! * ci;
        const bi = re[i + j + len / 2]! * ci + im[i + j + len / 2]! * cr;
        re[i + j] = ar + br;
        im[i + j] = ai + bi;
        re[i + j + len / 2] = ar - br;
        im[i + j + len / 2] = ai - bi;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = nr;
      }
    }
  }
}

/**
 * The frames an oscillator plays from a wavetable: each group renders its source components (Wave Source,
 * Shepard Tone Source, Line Source) keyframe by keyframe — a later source in a group replaces the earlier
 * one — the groups are averaged, then DC is removed per frame (`removeAllDc`) and all frames are scaled so
 * the largest peak-to-peak spans −1 … +1 (`fullNormalize`).
 * Approximations: modifiers and Audio File Sources are skipped (listed in `skipped`); cubic interpolation is
 * a smoothstep in position. A table with nothing renderable gives one silent frame.
 */
export function buildWavetableFrames(table: Wavetable): WavetableFrames {
  const skipped: string[] = [];
  let last = 0;
  for (const g of table.groups)
    for (const c of g.components)
      for (const k of c.keyframes) last = Math.max(last, Math.min(256, Math.max(0, k.position | 0)));
  const count = last + 1;
  const sums: Float32Array[] = Array.from({ length: count }, () => new Float32Array(VITAL_FRAME_SIZE));
  let groups = 0;
  if (table.fromLine) {
    sums[0]!.set(lineSourceFrame(table.fromLine));
    groups = 1;
  }
  for (const g of table.groups) {
    let groupFrames: Float32Array[] | null = null;
    for (const c of g.components) {
      const f = componentFrames(c, count);
      if (f) groupFrames = f;
      else if (!skipped.includes(c.type)) skipped.push(c.type);
    }
    if (!groupFrames) continue;
    groups++;
    for (let p = 0; p < count; p++) {
      const s = sums[p]!;
      const f = groupFrames[p]!;
      for (let i = 0; i < VITAL_FRAME_SIZE; i++) s[i] = s[i]! + f[i]!;
    }
  }
  if (groups > 1) for (const s of sums) for (let i = 0; i < s.length; i++) s[i] = s[i]! / groups;
  if (table.removeAllDc) {
    for (const s of sums) {
      let mean = 0;
      for (let i = 0; i < s.length; i++) mean += s[i]!;
      mean /= s.length;
      for (let i = 0; i < s.length; i++) s[i] = s[i]! - mean;
    }
  }
  if (table.fullNormalize) {
    let widest = 0;
    for (const s of sums) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < s.length; i++) {
        lo = Math.min(lo, s[i]!);
        hi = Math.max(hi, s[i]!);
      }
      widest = Math.max(widest, hi - lo);
    }
    if (widest > 0) {
      const g = 2 / widest;
      for (const s of sums) for (let i = 0; i < s.length; i++) s[i] = s[i]! * g;
    }
  }
  return { frames: sums, skipped };
}
