// Wavetables: building frames from a preset's wavetable description (keyframes, time or spectral
// interpolation, DC removal, normalisation) and producing band-limited single cycles for playback.
// Behaviour as described in ../shared/reference/vital.md §1.4 and §6.1 (facts from Vital, GPL-3.0, Matt Tytel).

import { decodeFloat32LE } from "./base64.ts";
import { asLine, isObj, renderLine, type Json, type LineShape } from "./curves.ts";
import { Fft, RealInverseFft } from "./fft.ts";

export const FRAME_SIZE = 2048;
export const HARMONICS = FRAME_SIZE / 2;
/**
 * A playable cycle is stored as [c[N−1], c[0] … c[N−1], c[0], c[1]] so 4-point interpolation at any phase reads
 * four consecutive entries without wrapping: sample c[i] lives at index i + 1.
 */
export const CYCLE_LENGTH = FRAME_SIZE + 3;
const MAX_CACHED_CYCLES = 512;
/**
 * Vital uses the second keyframe's phase where the first has exactly no energy. Its float32 analysis leaves
 * tiny nonzero values with arbitrary phases there instead; ours are far smaller, so only exact zeros count
 * (measured: treating near-zero harmonics as empty makes the spectral refs 1.3 dB louder than Vital's after
 * normalisation, while exact zeros leave 0.15 dB).
 */
const SILENT_HARMONIC = 0;

export interface WavetableBuild {
  frames: Float32Array[];
  /** Things in the description the builder ignored or approximated, in words. */
  approximations: string[];
}

function lineFrame(shape: LineShape): Float32Array {
  const t = renderLine(shape, FRAME_SIZE);
  const f = new Float32Array(FRAME_SIZE);
  for (let i = 0; i < FRAME_SIZE; i++) f[i] = 2 * t[i]! - 1;
  return f;
}

const fft = new Fft(FRAME_SIZE);
const realInverse = new RealInverseFft(FRAME_SIZE);

function spectrumOf(frame: Float32Array): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(FRAME_SIZE);
  const im = new Float64Array(FRAME_SIZE);
  for (let i = 0; i < FRAME_SIZE; i++) re[i] = frame[i]!;
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
  const re = new Float64Array(FRAME_SIZE);
  const im = new Float64Array(FRAME_SIZE);
  let peak = 0;
  for (let k = 1; k < HARMONICS; k++) peak = Math.max(peak, Math.hypot(sa.re[k]!, sa.im[k]!));
  const silent = peak * SILENT_HARMONIC;
  for (let k = 1; k < HARMONICS; k++) {
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
    re[FRAME_SIZE - k] = re[k]!;
    im[FRAME_SIZE - k] = -im[k]!;
  }
  re[0] = sa.re[0]! + (sb.re[0]! - sa.re[0]!) * t;
  re[HARMONICS] = sa.re[HARMONICS]! + (sb.re[HARMONICS]! - sa.re[HARMONICS]!) * t;
  fft.transform(re, im, true);
  const out = new Float32Array(FRAME_SIZE);
  for (let i = 0; i < FRAME_SIZE; i++) out[i] = re[i]! / FRAME_SIZE;
  return out;
}

interface Keyframe {
  position: number;
  frame: Float32Array;
}

function componentFrames(comp: Json, count: number, notes: Set<string>): Float32Array[] | undefined {
  const type = String(comp.type ?? "");
  const kfs = Array.isArray(comp.keyframes) ? (comp.keyframes as unknown[]).filter(isObj) : [];
  const keys: Keyframe[] = [];
  for (const kf of kfs) {
    const position = Math.max(0, Math.min(256, Math.round(Number(kf.position ?? 0))));
    if (
      (type === "Wave Source" || type === "Shepard Tone Source") &&
      (typeof kf.wave_data === "string" || kf.wave instanceof Float32Array)
    ) {
      const data = kf.wave instanceof Float32Array ? kf.wave : decodeFloat32LE(kf.wave_data as string);
      if (data.length < FRAME_SIZE) continue;
      keys.push({ position, frame: data.subarray(0, FRAME_SIZE) });
    } else if (type === "Line Source") {
      const line = asLine(kf.line);
      if (line) keys.push({ position, frame: lineFrame(line) });
    }
  }
  if (keys.length === 0) {
    notes.add(`wavetable component "${type}" is not rendered`);
    return undefined;
  }
  keys.sort((a, b) => a.position - b.position);
  const spectral = type !== "Line Source" && Number(comp.interpolation ?? 1) === 1;
  const style = Number(comp.interpolation_style ?? 1);
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
      const f = new Float32Array(FRAME_SIZE);
      for (let i = 0; i < FRAME_SIZE; i++) f[i] = a.frame[i]! + (b.frame[i]! - a.frame[i]!) * t;
      frames.push(f);
    }
  }
  return frames;
}

/** Build the frames of one `settings.wavetables[k]` entry. Unknown parts are reported, never thrown. */
export function buildWavetable(desc: unknown): WavetableBuild {
  const notes = new Set<string>();
  if (!isObj(desc)) return { frames: [new Float32Array(FRAME_SIZE)], approximations: ["wavetable missing"] };
  const directLine = asLine(desc);
  if (directLine && !Array.isArray(desc.groups)) {
    return { frames: [lineFrame(directLine)], approximations: [] };
  }
  const groups = Array.isArray(desc.groups) ? (desc.groups as unknown[]).filter(isObj) : [];
  let last = 0;
  for (const g of groups) {
    const comps = Array.isArray(g.components) ? (g.components as unknown[]).filter(isObj) : [];
    for (const c of comps) {
      const kfs = Array.isArray(c.keyframes) ? (c.keyframes as unknown[]).filter(isObj) : [];
      for (const kf of kfs) last = Math.max(last, Math.min(256, Math.round(Number(kf.position ?? 0))));
    }
  }
  const count = last + 1;
  const sum: Float32Array[] = [];
  for (let i = 0; i < count; i++) sum.push(new Float32Array(FRAME_SIZE));
  let used = 0;
  for (const g of groups) {
    const comps = Array.isArray(g.components) ? (g.components as unknown[]).filter(isObj) : [];
    let groupFrames: Float32Array[] | undefined;
    for (const c of comps) {
      const type = String(c.type ?? "");
      if (type === "Wave Source" || type === "Line Source" || type === "Shepard Tone Source") {
        const fr = componentFrames(c, count, notes);
        if (fr) groupFrames = fr;
      } else notes.add(`wavetable component "${type}" is not rendered`);
    }
    if (!groupFrames) continue;
    used++;
    for (let i = 0; i < count; i++) {
      const s = sum[i]!;
      const f = groupFrames[i]!;
      for (let j = 0; j < FRAME_SIZE; j++) s[j] = s[j]! + f[j]!;
    }
  }
  if (used > 1) for (const s of sum) for (let j = 0; j < FRAME_SIZE; j++) s[j] = s[j]! / used;
  if (desc.remove_all_dc !== false) {
    for (const s of sum) {
      let dc = 0;
      for (let j = 0; j < FRAME_SIZE; j++) dc += s[j]!;
      dc /= FRAME_SIZE;
      for (let j = 0; j < FRAME_SIZE; j++) s[j] = s[j]! - dc;
    }
  }
  if (desc.full_normalize !== false) {
    let maxPp = 0;
    for (const s of sum) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let j = 0; j < FRAME_SIZE; j++) {
        lo = Math.min(lo, s[j]!);
        hi = Math.max(hi, s[j]!);
      }
      maxPp = Math.max(maxPp, hi - lo);
    }
    if (maxPp > 0) {
      const g = 2 / maxPp;
      for (const s of sum) for (let j = 0; j < FRAME_SIZE; j++) s[j] = s[j]! * g;
    }
  }
  return { frames: sum, approximations: [...notes] };
}

/**
 * Playable wavetable: frames plus a bounded cache of band-limited cycles keyed by (frame, harmonic limit).
 * Cycles use the CYCLE_LENGTH layout.
 */
export class Wavetable {
  readonly frames: Float32Array[];
  private readonly spectra: Array<{ re: Float64Array; im: Float64Array } | undefined>;
  private readonly cycles = new Map<number, Float32Array>();
  private readonly workRe = new Float64Array(HARMONICS + 1);
  private readonly workIm = new Float64Array(HARMONICS + 1);

  constructor(frames: Float32Array[]) {
    this.frames = frames.length > 0 ? frames : [new Float32Array(FRAME_SIZE)];
    this.spectra = new Array(this.frames.length).fill(undefined);
  }

  get frameCount(): number {
    return this.frames.length;
  }

  /**
   * Highest harmonic kept for a phase increment (cycles per sample). `limit` is the highest frequency kept, in
   * cycles per sample: Vital keeps harmonics below the host's Nyquist even when it runs oversampled (measured:
   * with a limit at the internal Nyquist, a driven filter at note 72 aliases audibly unlike Vital's render).
   */
  static harmonicLimit(phaseInc: number, limit: number): number {
    const f = Math.abs(phaseInc);
    if (f <= 0) return HARMONICS;
    return Math.max(1, Math.min(HARMONICS, Math.floor(limit / f)));
  }

  cycle(frameIndex: number, harmonics: number): Float32Array {
    const fi = Math.max(0, Math.min(this.frames.length - 1, frameIndex | 0));
    const h = Math.max(1, Math.min(HARMONICS, harmonics | 0));
    const key = fi * (HARMONICS + 1) + h;
    const hit = this.cycles.get(key);
    if (hit) return hit;
    let spec = this.spectra[fi];
    if (!spec) {
      spec = spectrumOf(this.frames[fi]!);
      this.spectra[fi] = spec;
    }
    const re = this.workRe;
    const im = this.workIm;
    re.fill(0, 0, HARMONICS + 1);
    im.fill(0, 0, HARMONICS + 1);
    re[0] = spec.re[0]!;
    for (let k = 1; k <= h; k++) {
      re[k] = spec.re[k]!;
      im[k] = k < HARMONICS ? spec.im[k]! : 0;
    }
    const out = new Float32Array(CYCLE_LENGTH);
    realInverse.inverse(re, im, out, 1, 1 / FRAME_SIZE);
    out[0] = out[FRAME_SIZE]!;
    out[FRAME_SIZE + 1] = out[1]!;
    out[FRAME_SIZE + 2] = out[2]!;
    if (this.cycles.size >= MAX_CACHED_CYCLES) this.cycles.clear();
    this.cycles.set(key, out);
    return out;
  }
}
