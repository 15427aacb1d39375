// Playable wavetables: band-limited single cycles of a wavetable's frames (the frames are built by
// buildWavetableFrames in ../wavetable-data.ts). Behaviour as described in ../shared/reference/vital.md §6.1
// (facts from Vital, GPL-3.0, Matt Tytel).

import { Fft, RealInverseFft } from "./fft.ts";

export const FRAME_SIZE = 2048;
export const HARMONICS = FRAME_SIZE / 2;
/**
 * A playable cycle is stored as [c[N−1], c[0] … c[N−1], c[0], c[1]] so 4-point interpolation at any phase reads
 * four consecutive entries without wrapping: sample c[i] lives at index i + 1.
 */
export const CYCLE_LENGTH = FRAME_SIZE + 3;
const MAX_CACHED_CYCLES = 512;

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
 * Playable wavetable: frames plus a bounded cache of band-limited cycles keyed by (frame, harmonic limit).
 * Cycles use the CYCLE_LENGTH layout.
 */
export class Wavetable {
  readonly frames: Float32Array[];
  private readonly spectra: Array<{ re: Float64Array; im: Float64Array } | undefined>;
  private readonly cycles = new Map<number, Float32Array>();
  private readonly workRe = new Float64Array(HARMONICS + 1);
  private readonly workIm = new Float64Array(HARMONICS + 1);

  /**
   * Window length / 2048 and sample rate of the audio an Audio File Source cut the frames from (Vital keeps the
   * last such component's; 1 and 44100 otherwise). Vocode reads the frames as spectra at this spacing.
   */
  readonly frequencyRatio: number;
  readonly sampleRate: number;

  constructor(frames: Float32Array[], source: { frequencyRatio?: number; sampleRate?: number } = {}) {
    this.frequencyRatio = source.frequencyRatio ?? 1;
    this.sampleRate = source.sampleRate ?? 44100;
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
