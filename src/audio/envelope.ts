// RMS envelope in consecutive non-overlapping frames (441 samples = 10 ms at 44.1 kHz by default).
// The last frame is zero-padded: frames = ceil(len / frame), at least 1.

export const ENVELOPE_FRAME = 441;

export function rmsEnvelope(x: Float32Array, frame = ENVELOPE_FRAME, out?: Float32Array): Float32Array {
  const frames = Math.max(1, Math.ceil(x.length / frame));
  const res = out && out.length >= frames ? out : new Float32Array(frames);
  for (let t = 0; t < frames; t++) {
    const s = t * frame;
    const e = Math.min(x.length, s + frame);
    let acc = 0;
    for (let i = s; i < e; i++) acc += x[i]! * x[i]!;
    res[t] = Math.sqrt(acc / frame);
  }
  return res;
}

/** Amplitude → dB (20·log10), floored at `floorDb`. */
export function ampToDb(a: number, floorDb = -200): number {
  return a > 0 ? Math.max(floorDb, 20 * Math.log10(a)) : floorDb;
}
