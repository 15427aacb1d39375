// Short-time Fourier transform with the framing of DESIGN §5 (zero-pad the end to n_fft + k·hop, frames at
// 0, hop, 2·hop …, periodic Hann, no centring), or librosa-style centred framing (n_fft/2 zeros each side).
import { realFft } from "./fft.ts";

/** A frames × bins matrix, frame-major: value of bin b in frame t is data[t * bins + b]. */
export interface Spectrogram {
  frames: number;
  bins: number;
  data: Float32Array;
}

export interface StftOptions {
  nFft: number;
  hop: number;
  /** librosa `center=True` with zero padding: frames = 1 + floor(len / hop). Default false (§5 framing). */
  center?: boolean;
  /** "power" |X|² (default) or "magnitude" |X|. */
  kind?: "power" | "magnitude";
}

/** Number of frames of the §5 framing: smallest k ≥ 0 with len ≤ n_fft + k·hop, plus one. */
export function frameCount(length: number, nFft: number, hop: number, center = false): number {
  if (center) return 1 + Math.floor(length / hop);
  return 1 + Math.max(0, Math.ceil((length - nFft) / hop));
}

const windows = new Map<number, Float32Array>();

/** Periodic Hann window: w[n] = 0.5 − 0.5·cos(2πn/N) (scipy `get_window("hann", N)`). */
export function periodicHann(n: number): Float32Array {
  let w = windows.get(n);
  if (!w) {
    w = new Float32Array(n);
    for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    windows.set(n, w);
  }
  return w;
}

/**
 * |X|² or |X| for every frame. `out` may be passed to reuse a buffer (it must hold frames × (n_fft/2 + 1)
 * values; a larger one is fine, only the prefix is written).
 */
export function stft(x: Float32Array, opt: StftOptions, out?: Float32Array): Spectrogram {
  const { nFft, hop } = opt;
  const center = opt.center ?? false;
  const magnitude = opt.kind === "magnitude";
  const bins = nFft / 2 + 1;
  const frames = frameCount(x.length, nFft, hop, center);
  const data = out && out.length >= frames * bins ? out : new Float32Array(frames * bins);
  const fft = realFft(nFft);
  const heap = fft.heap();
  const inBase = fft.inIndex;
  const outBase = fft.outIndex;
  const win = periodicHann(nFft);
  const offset = center ? -(nFft >> 1) : 0;
  const len = x.length;
  for (let t = 0; t < frames; t++) {
    const start = t * hop + offset;
    const from = Math.max(0, -start);
    const to = Math.min(nFft, len - start);
    if (from > 0 || to < nFft) heap.fill(0, inBase, inBase + nFft);
    for (let i = from; i < to; i++) heap[inBase + i] = x[start + i]! * win[i]!;
    fft.run();
    const row = t * bins;
    const dc = heap[outBase]!;
    const ny = heap[outBase + 1]!;
    if (magnitude) {
      data[row] = Math.abs(dc);
      data[row + bins - 1] = Math.abs(ny);
      for (let b = 1; b < bins - 1; b++) {
        const re = heap[outBase + 2 * b]!;
        const im = heap[outBase + 2 * b + 1]!;
        data[row + b] = Math.sqrt(re * re + im * im);
      }
    } else {
      data[row] = dc * dc;
      data[row + bins - 1] = ny * ny;
      for (let b = 1; b < bins - 1; b++) {
        const re = heap[outBase + 2 * b]!;
        const im = heap[outBase + 2 * b + 1]!;
        data[row + b] = re * re + im * im;
      }
    }
  }
  return { frames, bins, data };
}
