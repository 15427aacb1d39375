// The delay effect's two feedback loops (delay.ts) as a WebAssembly SIMD kernel, the same arithmetic as the
// JavaScript loop in single precision. Two paths:
// - per sample (the period moves, or is shorter than the block): the left and right loop are lanes 0 and 1 of
//   an f32x4; per sample the Catmull-Rom reads of both lines at their ramped periods (one 4-sample load per
//   line), the saturated feedback, the sides swapped for ping-pong, the loop's band-pass, the writes and the
//   dry/wet;
// - per block (BLOCK_READS: the period is constant and longer than the block, so every read of the block
//   precedes its writes): the reads, the saturation and the dry/wet run four samples of one side at a time
//   (the four reads of a sample are four consecutive loads); only the loop's band-pass, a recursion, runs
//   sample by sample on the two sides' lanes.
// Structure and constants are facts from Vital (GPL-3.0, Matt Tytel); see delay.ts.

import {
  assemble,
  block,
  br,
  brIf,
  cat,
  f32,
  f32x4,
  FunctionBuilder,
  get as L,
  I32,
  i32,
  i32x4,
  ifThen,
  lazyModule,
  loop,
  set,
  V128,
  v128,
  type Code,
  type Local,
} from "./wasm.ts";
import { catmullRom, hardTanhInPlace, loopBandPassInPlace, splitPeriod } from "./kernel-math.ts";
import { StereoLoopKernel } from "./stereo-kernel.ts";

/** Byte offsets in the control block (16-byte slots; lanes 0 and 1 = left and right loop). */
export const CTL = {
  periodInt: 0, // i32x4: integer part of (period + 1) at the first sample
  periodFrac: 16, // f32x4: the rest
  periodStep: 32, // f32x4: per-sample step
  feedback: 48, // f32x4: feedback before the first sample
  feedbackStep: 64,
  gain: 80, // [band-pass gain, low-pass coefficient, high-pass coefficient, 0] before the first sample
  gainStep: 96,
  mix: 112, // [wet before the first sample, its step, dry before the first sample, its step]
  low: 128, // f32x4: loop low-pass states (state)
  high: 144, // f32x4: loop high-pass states (state)
  pos: 160, // i32: [write position (state), mask, bytes per line (without guard), style flags]
  io: 176, // i32: [block buffers address (L, then R), bytes per block buffer, left line, right line addresses]
  bytes: 192, // then the per-block path's saturated loop inputs, [left, right] per sample
} as const;

/** Samples after each line mirroring its first ones: a 4-sample read of 4 samples in a row never wraps. */
export const DELAY_GUARD = 8;

/** What the JavaScript loops keep of one side's loop (delay-line.ts DelayLoop). */
interface LoopState {
  line: { pos: number };
  low: number;
  high: number;
}

/**
 * Style flags: the left input is the mono sum and the right input silent (ping-pong); the sides swap; the
 * per-block path (the period constant and at least the block's length + 4).
 */
export const MONO_IN = 1;
export const SWAP = 2;
export const BLOCK_READS = 4;

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const fn = new FunctionBuilder([I32, I32]);
  const [ctl, n] = fn.params as [Local, Local];
  const vs = (count: number) => Array.from({ length: count }, () => fn.local(V128));
  const [i, pos, mask, lineBytes, style, bufL, bufR, lineL, lineR, rdL, rdR, at] = Array.from(
    { length: 12 },
    () => fn.local(I32),
  ) as Local[];
  const [pInt, pFrac, pStep, fb, fbStep, coefs, coefStep, wet, wetStep, dry, dryStep, low, high] = vs(13);
  const [xin, x, fl, idx, f, a, b, y0, y1, y2, y3, rd, w, c, r, s, k1, k2, k3, g, lc, hc, delta, lp, hp] =
    vs(25);
  const [t, fR, xR, rdR4, wR] = vs(5);

  const C = L(ctl);
  const { add, mul } = f32x4;
  const k4 = (v: number) => f32x4.const(v, v, v, v);
  const lane = (vec: Local, l: number) => v128.shuffle32(L(vec), L(vec), [l, l, l, l]);
  const flag = (bit: number) => i32.and(L(style), i32.const(bit));
  const code: Code[] = [];
  const emit = (...parts: Code[]) => code.push(...parts);

  emit(
    set(pos, i32.load(C, CTL.pos)),
    set(mask, i32.load(C, CTL.pos + 4)),
    set(lineBytes, i32.load(C, CTL.pos + 8)),
    set(style, i32.load(C, CTL.pos + 12)),
    set(bufL, i32.load(C, CTL.io)),
    set(bufR, i32.add(L(bufL), i32.load(C, CTL.io + 4))),
    set(lineL, i32.load(C, CTL.io + 8)),
    set(lineR, i32.load(C, CTL.io + 12)),
    set(pInt, v128.load(C, CTL.periodInt)),
    set(pFrac, v128.load(C, CTL.periodFrac)),
    set(pStep, v128.load(C, CTL.periodStep)),
    set(fb, v128.load(C, CTL.feedback)),
    set(fbStep, v128.load(C, CTL.feedbackStep)),
    set(coefs, v128.load(C, CTL.gain)),
    set(coefStep, v128.load(C, CTL.gainStep)),
    set(s, v128.load(C, CTL.mix)),
    set(wet, lane(s, 0)),
    set(wetStep, lane(s, 1)),
    set(dry, lane(s, 2)),
    set(dryStep, lane(s, 3)),
    set(low, v128.load(C, CTL.low)),
    set(high, v128.load(C, CTL.high)),
    set(i, i32.const(0)),
  );

  const i4 = i32.shl(L(i), i32.const(2));
  // the loop's band-pass of w (lanes: left, right loop) and the writes, the coefficients ramped per sample
  const filterAndWrite = cat(
    set(coefs, add(L(coefs), L(coefStep))),
    set(g, lane(coefs, 0)),
    set(lc, lane(coefs, 1)),
    set(hc, lane(coefs, 2)),
    loopBandPassInPlace(w, [g, lc, hc], [low, high], [delta, lp, hp]),
    set(pos, i32.and(i32.add(L(pos), i32.const(1)), L(mask))),
    v128.store32Lane(i32.add(L(lineL), i32.shl(L(pos), i32.const(2))), L(w), 0),
    v128.store32Lane(i32.add(L(lineR), i32.shl(L(pos), i32.const(2))), L(w), 1),
    // the guard samples after each line mirror its first ones
    ifThen(
      i32.ltU(L(pos), i32.const(DELAY_GUARD)),
      cat(
        v128.store32Lane(i32.add(i32.add(L(lineL), L(lineBytes)), i32.shl(L(pos), i32.const(2))), L(w), 0),
        v128.store32Lane(i32.add(i32.add(L(lineR), L(lineBytes)), i32.shl(L(pos), i32.const(2))), L(w), 1),
      ),
    ),
  );

  // ---- per sample: both sides in lanes 0 and 1 ----
  const interp = catmullRom([y3, y2, y1, y0], f, [k1, k2, k3]);
  const perSample = loop(
    brIf(1, i32.geS(L(i), L(n))),
    // the ramps: the value at sample i is the block's start plus (i + 1) steps (the period: plus i steps)
    set(fb, add(L(fb), L(fbStep))),
    set(wet, add(L(wet), L(wetStep))),
    set(dry, add(L(dry), L(dryStep))),
    set(
      x,
      v128.shuffle32(
        f32x4.splat(f32.load(i32.add(L(bufL), i4))),
        f32x4.splat(f32.load(i32.add(L(bufR), i4))),
        [0, 4, 0, 4],
      ),
    ),
    // four consecutive samples of each line (oldest first) from (pos − 1 − ⌊delay⌋) & mask
    splitPeriod({ int: pInt, frac: pFrac, step: pStep }, { idx, f, fl }),
    set(
      idx,
      i32x4.shl(
        v128.and(i32x4.sub(i32x4.splat(i32.sub(L(pos), i32.const(1))), L(idx)), i32x4.splat(L(mask))),
        i32.const(2),
      ),
    ),
    set(rdL, i32.add(L(lineL), i32x4.extractLane(L(idx), 0))),
    set(rdR, i32.add(L(lineR), i32x4.extractLane(L(idx), 1))),
    set(a, v128.load(L(rdL))),
    set(b, v128.load(L(rdR))),
    set(y3, v128.shuffle32(L(a), L(b), [0, 4, 0, 4])),
    set(y2, v128.shuffle32(L(a), L(b), [1, 5, 1, 5])),
    set(y1, v128.shuffle32(L(a), L(b), [2, 6, 2, 6])),
    set(y0, v128.shuffle32(L(a), L(b), [3, 7, 3, 7])),
    interp.setup,
    set(rd, interp.value),
    // ping-pong: the mono sum into the left loop only
    set(xin, L(x)),
    ifThen(
      flag(MONO_IN),
      set(
        xin,
        v128.and(
          mul(add(L(x), v128.shuffle32(L(x), L(x), [1, 0, 3, 2])), k4(Math.SQRT1_2)),
          i32x4.const(-1, 0, 0, 0),
        ),
      ),
    ),
    // w = 8·hardTanh((input + read·feedback)/8)
    set(w, mul(add(L(xin), mul(L(rd), L(fb))), k4(0.125))),
    hardTanhInPlace(w, c, r, s),
    set(w, mul(L(w), k4(8))),
    ifThen(flag(SWAP), set(w, v128.shuffle32(L(w), L(w), [1, 0, 3, 2]))),
    filterAndWrite,
    set(s, add(mul(L(dry), L(x)), mul(L(wet), L(rd)))),
    v128.store32Lane(i32.add(L(bufL), i4), L(s), 0),
    v128.store32Lane(i32.add(L(bufR), i4), L(s), 1),
    set(i, i32.add(L(i), i32.const(1))),
    br(0),
  );

  // ---- per block: samples i … i+3 of one side in the lanes ----
  /** Samples i … i+3 read from a line at the constant period (lane `side` of the period's split). */
  const readSide = (line: Local, side: number, frac: Local, out: Local): Code => {
    const rd4 = catmullRom([y3, y2, y1, y0], frac, [k1, k2, k3]);
    return cat(
      set(frac, lane(pFrac, side)),
      set(
        at,
        i32.add(
          L(line),
          i32.shl(
            i32.and(
              i32.sub(i32.add(L(pos), L(i)), i32.add(i32x4.extractLane(L(pInt), side), i32.const(1))),
              L(mask),
            ),
            i32.const(2),
          ),
        ),
      ),
      set(y3, v128.load(L(at))),
      set(y2, v128.load(L(at), 4)),
      set(y1, v128.load(L(at), 8)),
      set(y0, v128.load(L(at), 12)),
      rd4.setup,
      set(out, rd4.value),
    );
  };
  /** w = 8·hardTanh((input + read·feedback)/8) for samples i … i+3 of one side (feedback lane `side`). */
  const saturate = (input: Code, read: Local, side: number, out: Local): Code =>
    cat(
      set(out, mul(add(input, mul(L(read), add(lane(fb, side), mul(lane(fbStep, side), L(t))))), k4(0.125))),
      hardTanhInPlace(out, c, r, s),
      set(out, mul(L(out), k4(8))),
    );
  const ramped = (start: Local, step: Local) => add(L(start), mul(L(step), L(t)));
  const scratch = (i32Offset: number) =>
    i32.add(C, i32.add(i32.const(CTL.bytes + i32Offset), i32.shl(L(i), i32.const(3))));
  const perBlock = cat(
    set(t, f32x4.const(1, 2, 3, 4)),
    block(
      loop(
        brIf(1, i32.geS(L(i), L(n))),
        readSide(lineL, 0, f, rd),
        readSide(lineR, 1, fR, rdR4),
        set(x, v128.load(i32.add(L(bufL), i4))),
        set(xR, v128.load(i32.add(L(bufR), i4))),
        ifThen(
          flag(MONO_IN),
          cat(saturate(mul(add(L(x), L(xR)), k4(Math.SQRT1_2)), rd, 0, w), saturate(k4(0), rdR4, 1, wR)),
          cat(saturate(L(x), rd, 0, w), saturate(L(xR), rdR4, 1, wR)),
        ),
        // the loops' inputs as [left, right] pairs (swapped for ping-pong)
        ifThen(flag(SWAP), cat(set(a, L(wR)), set(wR, L(w)), set(w, L(a)))),
        v128.store(scratch(0), v128.shuffle32(L(w), L(wR), [0, 4, 1, 5])),
        v128.store(scratch(16), v128.shuffle32(L(w), L(wR), [2, 6, 3, 7])),
        v128.store(
          i32.add(L(bufL), i4),
          add(mul(ramped(dry, dryStep), L(x)), mul(ramped(wet, wetStep), L(rd))),
        ),
        v128.store(
          i32.add(L(bufR), i4),
          add(mul(ramped(dry, dryStep), L(xR)), mul(ramped(wet, wetStep), L(rdR4))),
        ),
        set(t, add(L(t), k4(4))),
        set(i, i32.add(L(i), i32.const(4))),
        br(0),
      ),
    ),
    set(i, i32.const(0)),
    block(
      loop(
        brIf(1, i32.geS(L(i), L(n))),
        set(w, v128.load64Zero(scratch(0))),
        filterAndWrite,
        set(i, i32.add(L(i), i32.const(1))),
        br(0),
      ),
    ),
  );

  emit(
    ifThen(flag(BLOCK_READS), perBlock, block(perSample)),
    i32.store(C, L(pos), CTL.pos),
    v128.store(C, L(low), CTL.low),
    v128.store(C, L(high), CTL.high),
  );
  return assemble([{ name: "run", fn, body: cat(...code) }], 1);
}

/** The compiled kernel module (once per process; immutable), or null without WebAssembly SIMD. */
export const delayKernelModule = lazyModule(moduleBytes);

/** Slots of the per-block values `DelayKernel.setRamps` reads (delay.ts keeps each block's start and target). */
export const RAMP = { wet: 0, dry: 1, fbL: 2, fbR: 3, gain: 4, low: 5, high: 6 } as const;
export const RAMP_SLOTS = 7;
/** Per RAMP slot: the float index of its value at the block's start in the control block, then of its step. */
const RAMP_AT = Int32Array.of(
  CTL.mix / 4, // wet
  CTL.mix / 4 + 1,
  CTL.mix / 4 + 2, // dry
  CTL.mix / 4 + 3,
  CTL.feedback / 4, // feedback, left
  CTL.feedbackStep / 4,
  CTL.feedback / 4 + 1, // feedback, right
  CTL.feedbackStep / 4 + 1,
  CTL.gain / 4, // band-pass gain
  CTL.gainStep / 4,
  CTL.gain / 4 + 1, // low-pass coefficient
  CTL.gainStep / 4 + 1,
  CTL.gain / 4 + 2, // high-pass coefficient
  CTL.gainStep / 4 + 2,
);

/** One delay's kernel instance: control block, block buffers and the two lines (`lines`, for delay.ts too). */
export class DelayKernel extends StereoLoopKernel {
  /** The left and right lines (each `lineSize` + DELAY_GUARD long), in the kernel's memory. */
  readonly lines: [Float32Array, Float32Array];

  /** `lineSize`: a power of two. */
  constructor(mod: WebAssembly.Module, maxBlock: number, lineSize: number) {
    // the per-block path runs whole groups of four samples: blocks padded to a multiple of 4
    const block = Math.ceil(maxBlock / 4) * 4;
    super(mod, CTL.bytes + block * 8, CTL.io, block, 2, lineSize, DELAY_GUARD);
    const I = this.i;
    I[CTL.pos / 4 + 1] = lineSize - 1;
    I[CTL.pos / 4 + 2] = lineSize * 4;
    I[CTL.io / 4 + 2] = this.lineBase;
    I[CTL.io / 4 + 3] = this.lineBase + this.stride;
    const l0 = this.lineBase / 4;
    const s = lineSize + DELAY_GUARD;
    this.lines = [this.f.subarray(l0, l0 + s), this.f.subarray(l0 + s, l0 + 2 * s)];
  }

  /** Forget the loop filters' states and the write position. */
  clearStates(): void {
    this.f.fill(0, CTL.low / 4, CTL.high / 4 + 4);
    this.i[CTL.pos / 4] = 0;
  }

  /** Flush the loop filters' states (in silence they would otherwise reach slow subnormals). */
  flushStates(): void {
    this.flush(CTL.low / 4, CTL.high / 4 + 4);
  }

  /** Hand the write position and filter states to the JavaScript loops (left, right)… */
  exportState(left: LoopState, right: LoopState): void {
    left.line.pos = right.line.pos = this.i[CTL.pos / 4]!;
    left.low = this.f[CTL.low / 4]!;
    left.high = this.f[CTL.high / 4]!;
    right.low = this.f[CTL.low / 4 + 1]!;
    right.high = this.f[CTL.high / 4 + 1]!;
  }

  /** … and take them back (and the lines' first samples, which their guard samples mirror). */
  importState(left: LoopState, right: LoopState): void {
    for (const line of this.lines) line.copyWithin(line.length - DELAY_GUARD, 0, DELAY_GUARD);
    this.i[CTL.pos / 4] = left.line.pos;
    this.f[CTL.low / 4] = left.low;
    this.f[CTL.high / 4] = left.high;
    this.f[CTL.low / 4 + 1] = right.low;
    this.f[CTL.high / 4 + 1] = right.high;
  }

  /**
   * Side s (0 left, 1 right) reads `periods[2s] + periods[2s + 1]·i` samples back at sample i (Vital's period
   * convention). An array rather than arguments: no number is boxed per block.
   */
  setPeriods(periods: Float64Array): void {
    for (let side = 0; side < 2; side++) {
      const d = periods[2 * side]! + 1;
      const di = Math.floor(d);
      this.i[CTL.periodInt / 4 + side] = di;
      this.f[CTL.periodFrac / 4 + side] = d - di;
      this.f[CTL.periodStep / 4 + side] = periods[2 * side + 1]!;
    }
  }

  /** Style flags (MONO_IN, SWAP, BLOCK_READS) for the next blocks. */
  setStyle(flags: number): void {
    this.i[CTL.pos / 4 + 3] = flags;
  }

  /**
   * The block's ramps, each value from `from[slot]` to `to[slot]` over the block (slots: RAMP): the feedback of
   * each side, the band-pass gain and its two coefficients, the dry/wet. Arrays rather than arguments: no number
   * is boxed per block.
   */
  setRamps(n: number, from: Float64Array, to: Float64Array): void {
    const F = this.f;
    for (let k = 0; k < RAMP_SLOTS; k++) {
      const first = from[k]!;
      F[RAMP_AT[2 * k]!] = first;
      F[RAMP_AT[2 * k + 1]!] = (to[k]! - first) / n;
    }
  }
}
