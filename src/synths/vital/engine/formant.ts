// Vital's formant filter model (model 5, styles AOIE and AIUO): four band-pass 12 dB digital SVFs in parallel,
// each formant's centre (MIDI note), resonance and gain bilinearly interpolated between four vowel corners by
// formant x/y, pulled towards note 80 by formant spread, shifted by formant transpose, resonance scaled by
// formant resonance (Q 4 … 30 on resonance³). The filter cutoff is not used. Vowel table and structure are facts
// from Vital (GPL-3.0, Matt Tytel), see ../shared/reference/vital.md §5.3. One instance filters one channel.
import { hardTanh } from "./tanh.ts";
import { flush } from "./effects/common.ts";

const FORMANTS = 4;
const CENTRE_NOTE = 80;
const MIN_Q = 4;
const MAX_Q = 30;
const NYQUIST_MULT = 0.45351473923;

// per vowel, per formant: [gain dB, resonance, MIDI note]
type Vowel = readonly (readonly [number, number, number])[];
const A: Vowel = [
  [-2, 0.66, 75.7552343327],
  [-8, 0.75, 84.5454706023],
  [-9, 1, 100.08500317],
  [-10, 1, 101.645729657],
];
const E: Vowel = [
  [0, 0.66, 67.349957715],
  [-14, 0.75, 92.39951181],
  [-4, 1, 99.7552343327],
  [-14, 1, 103.349957715],
];
const I: Vowel = [
  [0, 0.8, 61.7825925179],
  [-15, 0.75, 94.049554095],
  [-17, 1, 101.03821678],
  [-20, 1, 103.618371471],
];
const O: Vowel = [
  [-2, 0.7, 67.349957715],
  [-6, 0.75, 79.349957715],
  [-14, 1, 99.7552343327],
  [-14, 1, 101.03821678],
];
const U: Vowel = [
  [0, 0.7, 65.0382167797],
  [-20, 0.75, 74.3695077237],
  [-17, 1, 100.408607741],
  [-14, 1, 101.645729657],
];
// corners [bottom-left, bottom-right, top-left, top-right] per style (0 = AOIE, 1 = AIUO)
const CORNERS: readonly (readonly Vowel[])[] = [
  [A, I, U, O],
  [A, O, I, E],
];

export interface FormantSettings {
  style: number;
  x: number;
  y: number;
  spread: number;
  transpose: number;
  resonance: number;
  driveGain: number;
}

function bilinear(c: readonly Vowel[], f: number, k: number, x: number, y: number): number {
  const bot = c[0]![f]![k]! + (c[1]![f]![k]! - c[0]![f]![k]!) * x;
  const top = c[2]![f]![k]! + (c[3]![f]![k]! - c[2]![f]![k]!) * x;
  return bot + (top - bot) * y;
}

export class FormantFilter {
  private readonly ic1 = new Float64Array(FORMANTS);
  private readonly ic2 = new Float64Array(FORMANTS);
  private readonly g = new Float64Array(FORMANTS);
  private readonly gTarget = new Float64Array(FORMANTS);
  private readonly k = new Float64Array(FORMANTS);
  private readonly drive = new Float64Array(FORMANTS);
  private readonly post = new Float64Array(FORMANTS);
  private started = false;
  private readonly sampleRate: number;
  /** The block's output, summed over the formants. */
  private sum = new Float64Array(256);

  constructor(sampleRate: number) {
    this.sampleRate = sampleRate;
  }

  reset(): void {
    this.ic1.fill(0);
    this.ic2.fill(0);
    this.started = false;
  }

  copyStateFrom(o: FormantFilter): void {
    this.ic1.set(o.ic1);
    this.ic2.set(o.ic2);
    this.g.set(o.g);
    this.started = o.started;
  }

  private sumBuffer(n: number): Float64Array {
    if (this.sum.length < n) this.sum = new Float64Array(n);
    return this.sum;
  }

  process(buf: Float32Array, n: number, s: FormantSettings): void {
    const corners = CORNERS[s.style >= 1 ? 1 : 0]!;
    const x = Math.max(0, Math.min(1, s.x));
    const y = Math.max(0, Math.min(1, s.y));
    const sr = this.sampleRate;
    for (let f = 0; f < FORMANTS; f++) {
      const gainDb = bilinear(corners, f, 0, x, y);
      const res = Math.max(0, Math.min(1, bilinear(corners, f, 1, x, y) * s.resonance));
      let note = bilinear(corners, f, 2, x, y);
      note = note + (CENTRE_NOTE - note) * s.spread + s.transpose;
      const hz = Math.max(1, Math.min(NYQUIST_MULT * sr, 8.1757989156 * Math.pow(2, note / 12)));
      this.gTarget[f] = Math.tan(Math.PI * Math.min(hz / sr, 0.499));
      const r3 = res * res * res;
      this.k[f] = 1 / (MIN_Q + (MAX_Q - MIN_Q) * r3);
      this.drive[f] = s.driveGain / (2 * r3 + 1);
      this.post[f] = Math.pow(10, gainDb / 20) / Math.sqrt(s.driveGain);
    }
    if (!this.started) {
      this.g.set(this.gTarget);
      this.started = true;
    }
    // formant after formant over the block (states and coefficients in locals), summed in formant order
    const sum = this.sumBuffer(n);
    sum.fill(0, 0, n);
    const inv = 1 / n;
    for (let f = 0; f < FORMANTS; f++) {
      const g0 = this.g[f]!;
      const dg = this.gTarget[f]! - g0;
      const k = this.k[f]!;
      const drive = this.drive[f]!;
      const post = this.post[f]!;
      let ic1 = this.ic1[f]!;
      let ic2 = this.ic2[f]!;
      // a held cutoff (no ramp) keeps its coefficients across the block
      let a1 = 1 / (1 + g0 * (g0 + k));
      let a2 = g0 * a1;
      let a3 = g0 * a2;
      for (let i = 0; i < n; i++) {
        if (dg !== 0) {
          const g = g0 + dg * (i + 1) * inv;
          a1 = 1 / (1 + g * (g + k));
          a2 = g * a1;
          a3 = g * a2;
        }
        const v3 = drive * buf[i]! - ic2;
        const v1 = a1 * ic1 + a2 * v3;
        const v2 = ic2 + a2 * ic1 + a3 * v3;
        ic1 = 2 * v1 - ic1;
        ic2 = 2 * v2 - ic2;
        sum[i] = sum[i]! + hardTanh(v1) * post;
      }
      this.ic1[f] = flush(ic1);
      this.ic2[f] = flush(ic2);
    }
    for (let i = 0; i < n; i++) buf[i] = sum[i]!;
    this.g.set(this.gTarget);
  }
}
