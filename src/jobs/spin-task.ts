/**
 * A CPU-bound calibration task for the pool: "renders" additive tones (one per item) and compares each with
 * a shared reference signal, like a match evaluation does. Used by the pool's tests and benchmark to
 * measure parallel speed-up and per-worker context caching without depending on a synth.
 */
import { threadId } from "node:worker_threads";
import { isCancelled, type CancelFlag } from "./cancel.ts";
import { ContextCache } from "./context-cache.ts";

export interface SpinInput {
  contextId: string;
  /** The reference signal (typically a view on a SharedArrayBuffer). */
  reference: Float32Array;
  /** One fundamental frequency (Hz) per item. */
  items: Float32Array;
  partials: number;
  cancel?: CancelFlag;
  /** Only load the module (warm-up). */
  warmUp?: boolean;
}

export interface SpinOutput {
  distances: Float64Array;
  done: number;
  cancelled: boolean;
  threadId: number;
  preparedCount: number;
}

interface Prepared {
  reference: Float32Array;
  energy: number;
  buffer: Float32Array;
}

const cache = new ContextCache<Prepared>();
const sampleRate = 44100;

export default function spin(input: SpinInput): SpinOutput {
  if (input.warmUp)
    return {
      distances: new Float64Array(0),
      done: 0,
      cancelled: false,
      threadId,
      preparedCount: cache.prepared,
    };
  const ctx = cache.get(input.contextId, () => {
    let energy = 0;
    for (let i = 0; i < input.reference.length; i++) energy += input.reference[i]! * input.reference[i]!;
    return { reference: input.reference, energy, buffer: new Float32Array(input.reference.length) };
  });
  const n = input.items.length;
  const distances = new Float64Array(n);
  let done = 0;
  for (; done < n; done++) {
    if (isCancelled(input.cancel)) break;
    renderTone(ctx.buffer, input.items[done]!, input.partials);
    let d = 0;
    for (let i = 0; i < ctx.buffer.length; i++) {
      const e = ctx.buffer[i]! - ctx.reference[i]!;
      d += e * e;
    }
    distances[done] = d / Math.max(ctx.energy, 1e-12);
  }
  return { distances, done, cancelled: done < n, threadId, preparedCount: cache.prepared };
}

function renderTone(out: Float32Array, f0: number, partials: number): void {
  out.fill(0);
  for (let h = 1; h <= partials; h++) {
    const w = (2 * Math.PI * f0 * h) / sampleRate;
    const a = 1 / h;
    for (let i = 0; i < out.length; i++)
      out[i] += a * Math.sin(w * i) * Math.exp(-i / (sampleRate * 0.3 * h));
  }
}
