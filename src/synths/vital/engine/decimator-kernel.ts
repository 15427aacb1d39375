// The 2:1 decimator's half-band FIR as a WebAssembly SIMD kernel: two consecutive outputs per step, one per
// 64-bit lane, with the same operations in the same order as the scalar loop in decimator.ts (so the same
// output bits). Memory, per channel (one instance serves both channels of a stereo pair): the even-indexed
// inputs (f64), the odd-indexed inputs (f64), then the outputs (f32).

import {
  assemble,
  block,
  br,
  brIf,
  cat,
  f64,
  f64x2,
  FunctionBuilder,
  get,
  I32,
  i32,
  leaseInstance,
  loop,
  set,
  v128,
  V128,
  type Code,
  type Local,
} from "./effects/wasm.ts";

/** Outputs one call produces at most (inputs: twice as many). */
export const KERNEL_OUTPUTS = 2048;

/** A half-band FIR: the centre tap and the taps of the pairs 1, 3, 5, … samples either side of it. */
export interface HalfBandTaps {
  centre: number;
  pairs: readonly number[];
}

export interface DecimatorKernel {
  /** `history` even-indexed inputs, then this call's (KERNEL_OUTPUTS + 2 more slots). */
  readonly even: Float64Array;
  /** `history` odd-indexed inputs, then this call's (same layout). */
  readonly odd: Float64Array;
  /** The outputs of the last call. */
  readonly out: Float32Array;
  /** Compute `outputs` outputs (≤ KERNEL_OUTPUTS) from the inputs in `even`/`odd`. */
  run(outputs: number): void;
}

/** `history` (odd) inputs of each parity precede the block; output j is centred on odd[j + (history − 1)/2]. */
function layout(history: number) {
  const slots = history + KERNEL_OUTPUTS + 2;
  const bytes = slots * 16 + (KERNEL_OUTPUTS + 2) * 4;
  /** Bytes from one channel's block to the next (16-byte aligned). */
  const stride = Math.ceil(bytes / 16) * 16;
  return { slots, even: 0, odd: slots * 8, out: slots * 16, bytes, stride };
}

export function decimatorModuleBytes(taps: HalfBandTaps, history: number): Uint8Array<ArrayBuffer> {
  const mem = layout(history);
  const mid = (history - 1) / 2;
  const fn = new FunctionBuilder([I32, I32]);
  const [channel, count] = fn.params as [Local, Local]; // channel: byte address of the channel's block
  const w = fn.local(I32); // 8·j: output j's byte offset into even/odd
  const o = fn.local(I32); // 4·j: its byte offset into out
  const end = fn.local(I32);
  const centre = fn.local(V128);
  const pairTaps = taps.pairs.map(() => fn.local(V128));
  // outputs j and j + 1: centre · odd[j + mid], then + tap k · (even[j + mid − k] + even[j + mid + 1 + k])
  const at = (base: number, index: number): Code => v128.load(get(w), base + 8 * index);
  let acc = f64x2.mul(get(centre), at(mem.odd, mid));
  taps.pairs.forEach((_, k) => {
    const pair = f64x2.add(at(mem.even, mid - k), at(mem.even, mid + 1 + k));
    acc = f64x2.add(acc, f64x2.mul(get(pairTaps[k]!), pair));
  });
  const body = cat(
    set(centre, f64x2.splat(f64.const(taps.centre))),
    ...taps.pairs.map((c, k) => set(pairTaps[k]!, f64x2.splat(f64.const(c)))),
    set(end, i32.add(get(channel), i32.shl(get(count), i32.const(2)))),
    set(w, get(channel)),
    set(o, get(channel)),
    block(
      loop(
        brIf(1, i32.geS(get(o), get(end))),
        v128.store64Lane(get(o), f64x2.demoteToF32x4(acc), 0, mem.out),
        set(w, i32.add(get(w), i32.const(16))),
        set(o, i32.add(get(o), i32.const(8))),
        br(0),
      ),
    ),
  );
  return assemble([{ name: "run", fn, body }], 1);
}

/** `channels` decimator kernels sharing one instance of a module from `decimatorModuleBytes(…, history)`. */
export function decimatorKernels(
  mod: WebAssembly.Module,
  history: number,
  channels: number,
): DecimatorKernel[] {
  const mem = layout(history);
  const { run, f } = leaseInstance(mod, mem.stride * channels);
  return Array.from({ length: channels }, (_, c) => {
    const base = c * mem.stride;
    return {
      even: new Float64Array(f.buffer, base + mem.even, mem.slots),
      odd: new Float64Array(f.buffer, base + mem.odd, mem.slots),
      out: new Float32Array(f.buffer, base + mem.out, KERNEL_OUTPUTS + 2),
      run: (outputs: number) => run(base, outputs),
    };
  });
}
