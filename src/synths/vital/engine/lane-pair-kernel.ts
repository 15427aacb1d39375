// The per-sample pitch path of an oscillator with one or two unison voices as WebAssembly SIMD: Vital's left
// and right lanes side by side as the two lanes of an f64x2. `multipliers` turns the lanes' per-sample
// transposes into increment multipliers (voice.ts's exp2Fast), `read` advances the two voice lanes' phases by
// them and reads the band-limited cycles (osc-distortion.ts's readPlain). Double precision, the same
// operations in the same order as the JavaScript loops, so the same output bits. Part of the unison kernel's
// module (unison-kernel.ts), whose memory holds the cycles. exp2 polynomial and cubic read as described in
// ../shared/reference/vital.md (facts from Vital, GPL-3.0, Matt Tytel).

import {
  block,
  brIf,
  cat,
  f64,
  f64x2,
  FunctionBuilder,
  get as L,
  I32,
  i32,
  i32x4,
  i64x2,
  ifThen,
  loop,
  set,
  V128,
  v128,
  type Code,
  type Local,
  type ModuleFunction,
} from "./effects/wasm.ts";
import { FRAME_SIZE } from "./wavetable.ts";

const MAX_BLOCK = 128;
/** Whole powers of two exp2Fast takes from its table; beyond them it calls Math.pow (the caller's loop). */
export const EXP2_RANGE = 64;

/**
 * One copy of a loop per combination of the flag bits `first` … `last` (powers of two) set in `flags`, chosen
 * at run time by nested ifs: `copy(mode)` builds the copy for the bits in `mode`, its branches taken out.
 */
function loopPerFlags(flags: Local, first: number, last: number, copy: (mode: number) => Code): Code {
  const byFlags = (bit: number, mode: number): Code =>
    bit > last
      ? copy(mode)
      : ifThen(i32.and(L(flags), i32.const(bit)), byFlags(bit * 2, mode | bit), byFlags(bit * 2, mode));
  return byFlags(first, 0);
}

/** Byte offsets in the kernel's region (16-byte aligned where a vector is read). */
export const PAIR = {
  // f64 scalars
  midi: 0,
  trBase: 8,
  pitchEnd: 16,
  offStart: 24,
  offStep: 32,
  fadeStep: 40,
  /** f64x2: the left and right lanes' tune. */
  tune: 48,
  // i32: addresses of the left and right lanes' transposes (f32), and of the voice lanes' cycles
  trL: 64,
  trR: 68,
  cycle0: 72,
  cycle1: 76,
  prev0: 80,
  prev1: 84,
  // f64x2 per voice lane: phase (state), increment and its per-sample step, cross-fade position (state), gains
  phase: 96,
  inc: 112,
  incStep: 128,
  fade: 144,
  gainL: 160,
  gainR: 176,
  // f64x2 per lane: a free-running audio-rate LFO's loop inputs (lfo.ts AudioBlockStart); value and time
  // passed are its state (written back)
  lfoOffset: 192,
  lfoPhase: 208,
  lfoDPhase: 224,
  lfoDelta: 240,
  lfoSmooth: 256,
  lfoValue: 272,
  lfoPassed: 288,
  /** f64: seconds per sample, and the LFO table's last index. */
  lfoTick: 304,
  lfoSize: 312,
  // f64x2 per lane: a per-sample slot's amount ramp (from, step per sample) and its destination's control-rate
  // ramp (from, step) when the slot is the destination's first
  slotFrom: 320,
  slotStep: 336,
  slotBase: 352,
  slotBaseStep: 368,
  /** The increment multipliers, left and right interleaved (f64x2 per sample). */
  mults: 384,
  bytes: 384 + 16 * MAX_BLOCK,
} as const;

/** One lane of a free-running audio-rate LFO's block (lfo.ts AudioBlockStart): `value` and `passed` are state. */
export interface FreeRunningLane {
  offset: number;
  phase: number;
  dPhase: number;
  delta: number;
  smoothMult: number;
  value: number;
  passed: number;
}

/** `slot` flags: the source is bipolar; the destination holds nothing yet (its ramp is written too). */
export const SLOT_BIPOLAR = 1;
export const SLOT_FRESH = 2;

/** `multipliers` result bits. */
export const MULT_OUT_OF_RANGE = 1;
export const MULT_LANES_DIFFER = 2;
/** `read` flags. */
export const READ_FADING = 1;
/** Only voice lane 0 sounds (one voice, lanes not apart). */
export const READ_SINGLE = 2;
/** A phase offset ramp is added (else it is zero throughout). */
export const READ_OFFSETS = 4;

const k2 = (x: number) => f64x2.const(x, x);
/** 64-bit lanes of a and b picked by index (0–1 from a, 2–3 from b). */
const pick64 = (a: Code, b: Code, x: number, y: number): Code =>
  v128.shuffle32(a, b, [2 * x, 2 * x + 1, 2 * y, 2 * y + 1]);

/**
 * exp2Fast lane-wise: 2 to the nearest whole power (Math.round: ties up, as ceil minus one when the ceiling
 * is more than half above) times the fifth-order polynomial of the rest, both as voice.ts computes them.
 */
function exp2Lanes(x: Local, c: Local, whole: Local, t: Local): Code {
  const { add, sub, mul } = f64x2;
  const cubic = add(
    mul(L(t), add(mul(L(t), add(mul(L(t), k2(32 / 24483)), k2(80 / 8161))), k2(1360 / 24483))),
    k2(1960 / 8161),
  );
  const poly = add(mul(L(t), add(mul(L(t), cubic), k2(16970 / 24483))), k2(1));
  const wholeInt = i64x2.extendLowI32x4S(i32x4.truncSatF64x2SZero(L(whole)));
  const power = i64x2.shl(i64x2.add(wholeInt, v128Const64(1023)), i32.const(52));
  return cat(
    set(c, f64x2.ceil(L(x))),
    set(whole, v128.bitselect(sub(L(c), k2(1)), L(c), f64x2.gt(sub(L(c), k2(0.5)), L(x)))),
    set(t, sub(L(x), L(whole))),
    mul(power, poly),
  );
}

function v128Const64(x: number): Code {
  return i32x4.const(x, 0, x, 0);
}

/** multipliers(n) → MULT_* bits: the lanes' multipliers for n samples into `mults`. */
function multipliersFunction(base: number): ModuleFunction {
  const fn = new FunctionBuilder([I32], [I32]);
  const [n] = fn.params as [Local];
  const [i4, i16, trL, trR] = Array.from({ length: 4 }, () => fn.local(I32));
  const [midi, trBase, tune, pitchEnd, x, c, whole, t, m, outside, differ] = Array.from({ length: 11 }, () =>
    fn.local(V128),
  );
  const { add, sub, div } = f64x2;
  const at = (offset: number) => i32.const(base + offset);
  const transpose = f64x2.promoteLowF32x4(
    v128.load32Lane(i32.add(L(trR), L(i4)), v128.load32Splat(i32.add(L(trL), L(i4))), 1),
  );
  const body = cat(
    set(midi, f64x2.splat(f64.load(at(PAIR.midi)))),
    set(trBase, f64x2.splat(f64.load(at(PAIR.trBase)))),
    set(pitchEnd, f64x2.splat(f64.load(at(PAIR.pitchEnd)))),
    set(tune, v128.load(at(PAIR.tune))),
    set(trL, i32.load(at(PAIR.trL))),
    set(trR, i32.load(at(PAIR.trR))),
    set(outside, k2(0)),
    set(differ, k2(0)),
    set(i4, i32.const(0)),
    set(i16, i32.const(0)),
    block(
      brIf(0, i32.eqz(L(n))),
      loop(
        // ((midi + (trBase + transpose)) + tune − pitchEnd) / 12
        set(x, div(sub(add(add(L(midi), add(L(trBase), transpose)), L(tune)), L(pitchEnd)), k2(12))),
        set(m, exp2Lanes(x, c, whole, t)),
        set(
          outside,
          v128.or(
            L(outside),
            v128.or(f64x2.lt(L(whole), k2(-EXP2_RANGE)), f64x2.gt(L(whole), k2(EXP2_RANGE))),
          ),
        ),
        set(differ, v128.or(L(differ), f64x2.ne(L(m), pick64(L(m), L(m), 1, 0)))),
        v128.store(L(i16), L(m), base + PAIR.mults),
        set(i4, i32.add(L(i4), i32.const(4))),
        set(i16, i32.add(L(i16), i32.const(16))),
        brIf(0, i32.ltS(L(i4), i32.shl(L(n), i32.const(2)))),
      ),
    ),
    i32.or(
      i32.mul(v128.anyTrue(L(outside)), i32.const(MULT_OUT_OF_RANGE)),
      i32.mul(v128.anyTrue(L(differ)), i32.const(MULT_LANES_DIFFER)),
    ),
  );
  return { name: "multipliers", fn, body };
}

/** A vector type's lane-wise arithmetic and its constant in every lane. */
export interface VectorOps {
  add: (a: Code, b: Code) => Code;
  sub: (a: Code, b: Code) => Code;
  mul: (a: Code, b: Code) => Code;
  k: (x: number) => Code;
}

/**
 * The cubic read between x1 and x2, `f` of the way, lane-wise: x1 + ½f(x2 − x0 + f(2x0 − 5x1 + 4x2 − x3 +
 * f(3(x1 − x2) + x3 − x0))), grouped as osc-distortion.ts's cubicAt (and voice.ts's loops).
 */
export function cubicRead(
  { add, sub, mul, k }: VectorOps,
  [x0, x1, x2, x3]: readonly Local[],
  f: Local,
): Code {
  // 2x, 4x and 5x as sums (exact, or one rounding as the product's): three fewer constants held in registers
  const twice = (x: Local) => add(L(x), L(x));
  const inner = sub(add(mul(k(3), sub(L(x1!), L(x2!))), L(x3!)), L(x0!));
  const middle = add(
    sub(add(sub(twice(x0!), add(add(twice(x1!), twice(x1!)), L(x1!))), add(twice(x2!), twice(x2!))), L(x3!)),
    mul(L(f), inner),
  );
  return add(L(x1!), mul(mul(k(0.5), L(f)), add(sub(L(x2!), L(x0!)), mul(L(f), middle))));
}
const F64X2: VectorOps = { add: f64x2.add, sub: f64x2.sub, mul: f64x2.mul, k: k2 };
const cubic = (x: readonly Local[], f: Local): Code => cubicRead(F64X2, x, f);

/**
 * read(n, flags): the two voice lanes over n samples, as readPlain per lane: the increment ramps, the phase
 * advances by it times the lane's multiplier (wrapped), the block-rate phase offset ramp is added, the cubic
 * read is cross-faded from the previous cycle while a fade runs, and the gains' products are added into the
 * raw output lane 0 first (each sum rounded to single precision as a Float32Array store).
 */
function readFunction(base: number, accL: number, accR: number): ModuleFunction {
  const fn = new FunctionBuilder([I32, I32]);
  const [n, flags] = fn.params as [Local, Local];
  const s = () => fn.local(I32);
  const v = () => fn.local(V128);
  const [i4, i16, end, cycle0, cycle1, prev0, prev1] = Array.from({ length: 7 }, s);
  const [k, phase, inc, incStep, fade, fadeStep, gainL, gainR, offStart, offStep] = Array.from(
    { length: 10 },
    v,
  );
  const [pos, idx, fr, y, yOld, fading, next, sum] = Array.from({ length: 8 }, v);
  const [ra, rb, lo, hi] = [v(), v(), v(), v()];
  const x = Array.from({ length: 4 }, v);
  const { add, sub, mul } = f64x2;
  const at = (offset: number) => i32.const(base + offset);

  /** x0 … x3 of the two lanes' 4-sample reads at c0 + 4·idx₀ and c1 + 4·idx₁. */
  const readAt = (c0: Local, c1: Local): Code =>
    cat(
      set(ra, v128.load(i32.add(L(c0), i32.shl(i32x4.extractLane(L(idx), 0), i32.const(2))))),
      set(rb, v128.load(i32.add(L(c1), i32.shl(i32x4.extractLane(L(idx), 1), i32.const(2))))),
      // each lane's halves promoted ([a0, a1], [b0, b1], then [a2, a3], [b2, b3]) and paired lane by lane
      set(lo, f64x2.promoteLowF32x4(L(ra))),
      set(hi, f64x2.promoteLowF32x4(L(rb))),
      set(x[0]!, pick64(L(lo), L(hi), 0, 2)),
      set(x[1]!, pick64(L(lo), L(hi), 1, 3)),
      set(lo, f64x2.promoteLowF32x4(v128.shuffle32(L(ra), L(ra), [2, 3, 2, 3]))),
      set(hi, f64x2.promoteLowF32x4(v128.shuffle32(L(rb), L(rb), [2, 3, 2, 3]))),
      set(x[2]!, pick64(L(lo), L(hi), 0, 2)),
      set(x[3]!, pick64(L(lo), L(hi), 1, 3)),
    );
  const sample = (mode: number): Code => {
    const withFade = (mode & READ_FADING) !== 0;
    const single = (mode & READ_SINGLE) !== 0;
    // phase + 0 wrapped is the phase itself (already in [0, 1))
    const offsetPhase =
      (mode & READ_OFFSETS) !== 0
        ? cat(
            set(k, add(L(k), k2(1))),
            set(pos, add(L(phase), add(L(offStart), mul(L(offStep), L(k))))),
            set(pos, mul(sub(L(pos), f64x2.floor(L(pos))), k2(FRAME_SIZE))),
          )
        : set(pos, mul(L(phase), k2(FRAME_SIZE)));
    const fadeIn = withFade
      ? cat(
          set(yOld, cat(readAt(prev0, prev1), cubic(x, fr))),
          set(fading, f64x2.lt(L(fade), k2(1))),
          set(next, add(L(fade), L(fadeStep))),
          set(
            fade,
            v128.bitselect(v128.bitselect(L(next), k2(1), f64x2.lt(L(next), k2(1))), L(fade), L(fading)),
          ),
          set(y, v128.bitselect(add(L(yOld), mul(sub(L(y), L(yOld)), L(fade))), L(y), L(fading))),
        )
      : [];
    const products = (lane: number) => pick64(mul(L(y), L(gainL)), mul(L(y), L(gainR)), lane, lane + 2);
    // [left, right] of voice lane 0 added to the zeroed output, then voice lane 1's
    const first = f64x2.demoteToF32x4(add(k2(0), products(0)));
    const total = single ? first : f64x2.demoteToF32x4(add(f64x2.promoteLowF32x4(first), products(1)));
    return loop(
      set(inc, add(L(inc), L(incStep))),
      set(phase, add(L(phase), mul(L(inc), v128.load(L(i16), base + PAIR.mults)))),
      set(phase, v128.bitselect(sub(L(phase), f64x2.floor(L(phase))), L(phase), f64x2.ge(L(phase), k2(1)))),
      offsetPhase,
      set(idx, i32x4.truncSatF64x2SZero(L(pos))),
      set(fr, sub(L(pos), f64x2.convertLowI32x4S(L(idx)))),
      readAt(cycle0, cycle1),
      set(y, cubic(x, fr)),
      fadeIn,
      set(sum, total),
      v128.store32Lane(L(i4), L(sum), 0, accL),
      v128.store32Lane(L(i4), L(sum), 1, accR),
      set(i4, i32.add(L(i4), i32.const(4))),
      set(i16, i32.add(L(i16), i32.const(16))),
      brIf(0, i32.ltS(L(i4), L(end))),
    );
  };
  const body = cat(
    set(phase, v128.load(at(PAIR.phase))),
    set(inc, v128.load(at(PAIR.inc))),
    set(incStep, v128.load(at(PAIR.incStep))),
    set(fade, v128.load(at(PAIR.fade))),
    set(gainL, v128.load(at(PAIR.gainL))),
    set(gainR, v128.load(at(PAIR.gainR))),
    set(offStart, f64x2.splat(f64.load(at(PAIR.offStart)))),
    set(offStep, f64x2.splat(f64.load(at(PAIR.offStep)))),
    set(fadeStep, f64x2.splat(f64.load(at(PAIR.fadeStep)))),
    set(cycle0, i32.load(at(PAIR.cycle0))),
    set(cycle1, i32.load(at(PAIR.cycle1))),
    set(prev0, i32.load(at(PAIR.prev0))),
    set(prev1, i32.load(at(PAIR.prev1))),
    set(k, k2(0)),
    set(i4, i32.const(0)),
    set(i16, i32.const(0)),
    set(end, i32.shl(L(n), i32.const(2))),
    block(brIf(0, i32.eqz(L(n))), loopPerFlags(flags, READ_FADING, READ_OFFSETS, sample)),
    v128.store(at(PAIR.phase), L(phase)),
    v128.store(at(PAIR.fade), L(fade)),
  );
  return { name: "read", fn, body };
}

/**
 * lfo(table, outL, outR, n): both lanes of a free-running audio-rate LFO over n samples, as lfo.ts's
 * renderFreeRunning per lane: the phase wraps, the table (f32, `lfoSize` + 1 points) is read with linear
 * interpolation (curves.ts readLine), the value is smoothed and flushed below 1e-20 (common.ts flush), and
 * each lane's output stored as f32.
 */
function lfoFunction(base: number): ModuleFunction {
  const fn = new FunctionBuilder([I32, I32, I32, I32]);
  const [table, outL, outR, n] = fn.params as [Local, Local, Local, Local];
  const [i4, end] = [fn.local(I32), fn.local(I32)];
  const v = () => fn.local(V128);
  const [offset, phase, dPhase, delta, smooth, value, passed, tick, size, last] = Array.from(
    { length: 10 },
    v,
  );
  const [x, pos, idx, pair, t0, y] = Array.from({ length: 6 }, v);
  const { add, sub, mul } = f64x2;
  const at = (offset: number) => i32.const(base + offset);
  const entry = (lane: number) => i32.add(L(table), i32.shl(i32x4.extractLane(L(idx), lane), i32.const(2)));
  const body = cat(
    set(offset, v128.load(at(PAIR.lfoOffset))),
    set(phase, v128.load(at(PAIR.lfoPhase))),
    set(dPhase, v128.load(at(PAIR.lfoDPhase))),
    set(delta, v128.load(at(PAIR.lfoDelta))),
    set(smooth, v128.load(at(PAIR.lfoSmooth))),
    set(value, v128.load(at(PAIR.lfoValue))),
    set(passed, v128.load(at(PAIR.lfoPassed))),
    set(tick, f64x2.splat(f64.load(at(PAIR.lfoTick)))),
    set(size, f64x2.splat(f64.load(at(PAIR.lfoSize)))),
    set(last, f64x2.sub(L(size), k2(1))),
    set(i4, i32.const(0)),
    set(end, i32.shl(L(n), i32.const(2))),
    block(
      brIf(0, i32.eqz(L(n))),
      loop(
        set(passed, add(L(passed), L(tick))),
        set(x, add(L(offset), L(phase))),
        set(x, sub(L(x), f64x2.floor(L(x)))),
        set(offset, add(L(offset), L(delta))),
        set(offset, sub(L(offset), f64x2.floor(L(offset)))),
        // readLine: position clamped to [0, 1], index below the last point, linear between two points
        set(pos, mul(f64x2.min(k2(1), f64x2.max(k2(0), L(x))), L(size))),
        set(y, f64x2.min(L(last), f64x2.floor(L(pos)))),
        set(idx, i32x4.truncSatF64x2SZero(L(y))),
        set(pair, v128.load64Lane(entry(1), v128.load64Zero(entry(0)), 1)),
        set(t0, f64x2.promoteLowF32x4(v128.shuffle32(L(pair), L(pair), [0, 2, 0, 2]))),
        set(x, sub(f64x2.promoteLowF32x4(v128.shuffle32(L(pair), L(pair), [1, 3, 1, 3])), L(t0))),
        set(y, add(L(t0), mul(L(x), sub(L(pos), L(y))))),
        set(value, add(L(y), mul(sub(L(value), L(y)), L(smooth)))),
        set(
          value,
          v128.and(L(value), v128.or(f64x2.gt(L(value), k2(1e-20)), f64x2.lt(L(value), k2(-1e-20)))),
        ),
        set(y, f64x2.demoteToF32x4(L(value))),
        v128.store32Lane(i32.add(L(outL), L(i4)), L(y), 0),
        v128.store32Lane(i32.add(L(outR), L(i4)), L(y), 1),
        set(phase, add(L(phase), L(dPhase))),
        set(i4, i32.add(L(i4), i32.const(4))),
        brIf(0, i32.ltS(L(i4), L(end))),
      ),
    ),
    v128.store(at(PAIR.lfoValue), L(value)),
    v128.store(at(PAIR.lfoPassed), L(passed)),
  );
  return { name: "lfo", fn, body };
}

/**
 * slot(srcL, srcR, outL, outR, n, flags): one per-sample slot without remap or power curve added into its
 * destination in both lanes, as voice.ts's addSlot per lane: the source (made bipolar and halved when
 * bipolar) times the amount ramped across the block, onto the destination (SLOT_FRESH: onto its control-rate
 * ramp, rounded to f32 as rampInto stores it); each sum stored as f32.
 */
function slotFunction(base: number): ModuleFunction {
  const fn = new FunctionBuilder([I32, I32, I32, I32, I32, I32]);
  const [srcL, srcR, outL, outR, n, flags] = fn.params as [Local, Local, Local, Local, Local, Local];
  const [i4, end] = [fn.local(I32), fn.local(I32)];
  const v = () => fn.local(V128);
  const [from, step, rampFrom, rampStep, k, x, y] = Array.from({ length: 7 }, v);
  const { add, sub, mul } = f64x2;
  const at = (offset: number) => i32.const(base + offset);
  const lanes = (left: Local, right: Local) =>
    f64x2.promoteLowF32x4(
      v128.load32Lane(i32.add(L(right), L(i4)), v128.load32Splat(i32.add(L(left), L(i4))), 1),
    );
  const sample = (mode: number): Code => {
    const source = lanes(srcL, srcR);
    const shaped = (mode & SLOT_BIPOLAR) !== 0 ? mul(sub(mul(k2(2), source), k2(1)), k2(0.5)) : source;
    const onto =
      (mode & SLOT_FRESH) !== 0
        ? f64x2.promoteLowF32x4(f64x2.demoteToF32x4(add(L(rampFrom), mul(L(rampStep), L(k)))))
        : lanes(outL, outR);
    return loop(
      set(k, add(L(k), k2(1))),
      set(x, mul(shaped, add(L(from), mul(L(step), L(k))))),
      set(y, f64x2.demoteToF32x4(add(onto, L(x)))),
      v128.store32Lane(i32.add(L(outL), L(i4)), L(y), 0),
      v128.store32Lane(i32.add(L(outR), L(i4)), L(y), 1),
      set(i4, i32.add(L(i4), i32.const(4))),
      brIf(0, i32.ltS(L(i4), L(end))),
    );
  };
  const body = cat(
    set(from, v128.load(at(PAIR.slotFrom))),
    set(step, v128.load(at(PAIR.slotStep))),
    set(rampFrom, v128.load(at(PAIR.slotBase))),
    set(rampStep, v128.load(at(PAIR.slotBaseStep))),
    set(k, k2(0)),
    set(i4, i32.const(0)),
    set(end, i32.shl(L(n), i32.const(2))),
    block(brIf(0, i32.eqz(L(n))), loopPerFlags(flags, SLOT_BIPOLAR, SLOT_FRESH, sample)),
  );
  return { name: "slot", fn, body };
}

/** The kernel's functions for a region at byte `base`, writing the raw output at `accL` / `accR` (f32). */
export function lanePairFunctions(base: number, accL: number, accR: number): ModuleFunction[] {
  return [multipliersFunction(base), readFunction(base, accL, accR), lfoFunction(base), slotFunction(base)];
}
