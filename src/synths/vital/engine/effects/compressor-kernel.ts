// The compressor (compressor.ts) as a WebAssembly SIMD kernel. First the band split (Crossover.splitBlock): the
// Linkwitz-Riley biquads in double precision with the two channels as the lanes of f64x2 — the same IEEE
// arithmetic in the same order as the JavaScript loop, so the same values. Then the gain computers
// (BandCompressor.tick): the six band × channel followers as lanes of two f32x4 ([low L, low R, band L, band R] and [high L, high R, –, –]),
// in single precision. Per sample: the attack/release mean-square followers clamped at the thresholds, and
// the gain (U/h)^ur · (L/l)^lr = exp(ur·ln(U/h) + lr·ln(L/l)), clamped to [0, 32], applied to the band
// signal in place. ln and exp are computed here to single precision: ln(m) = 2·atanh((m − 1)/(m + 1)) to the
// 9th power on the mantissa m ∈ [√½, √2) plus the exponent, exp by 2^n · e^r (|r| ≤ ½ ln 2) to the 7th power.
// Structure and constants of the compressor are facts from Vital (GPL-3.0, Matt Tytel); see compressor.ts.

import {
  assemble,
  block,
  br,
  brIf,
  instantiate,
  lazyModule,
  f32,
  f32x4,
  f64,
  f64x2,
  FunctionBuilder,
  get,
  I32,
  i32,
  i32x4,
  ifThen,
  loop,
  cat,
  set,
  V128,
  v128,
  type Code,
  type Local,
} from "./wasm.ts";
import { flush } from "./common.ts";

/**
 * Per crossover: low-pass then high-pass coefficients (c0 … c4, f64), then the states: 4 biquads × [x1, x2,
 * y1, y2], each an f64x2 [left, right].
 */
const COEF_BYTES = 10 * 8;
const CROSSOVER_BYTES = COEF_BYTES + 16 * 16;

/** Byte offsets in the control block: per vector g (0: lanes low/band, 1: high), slots at +16·g. */
export const CTL = {
  attackSamples: 0,
  attackScale: 32,
  releaseSamples: 64,
  releaseScale: 96,
  upper: 128, // upper threshold (mean square)
  lower: 160,
  upperRatio: 192,
  lowerRatio: 224,
  high: 256, // upper follower (state)
  low: 288, // lower follower (state)
  io: 320, // i32: [band buffer address (per sample: vector 0 then vector 1, 32 bytes), 0, 0, 0]
  split: 336, // i32: [split mode (SPLIT_*), input L address, input R address, 0]
  crossover: 352, // 2 crossovers (the first splits the input, the second the first's high side): CROSSOVER_BYTES
  bytes: 352 + 2 * CROSSOVER_BYTES,
} as const;

export const SPLIT_TWO = 0;
export const SPLIT_ONE = 1;
export const SPLIT_NONE = 2;

const MAX_EXPAND = 32;
const LN2 = Math.LN2;

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const fn = new FunctionBuilder([I32, I32]);
  const [ctl, n] = fn.params as [Local, Local];
  const v = () => fn.local(V128);
  const vs = (count: number) => Array.from({ length: count }, v);
  const addr = fn.local(I32);
  const end = fn.local(I32);
  const [aS, aK, rS, rK, U, Lo, ur, lr, h, l] = [
    vs(2),
    vs(2),
    vs(2),
    vs(2),
    vs(2),
    vs(2),
    vs(2),
    vs(2),
    vs(2),
    vs(2),
  ];
  const [x, sq, hv, lv, e, z, z2, m, ex, g, tmp] = vs(11);
  const C = get(ctl);
  const L = get;
  const add = f32x4.add;
  const sub = f32x4.sub;
  const mul = f32x4.mul;
  const k4 = (c: number) => f32x4.const(c, c, c, c);
  const i4 = (c: number) => i32x4.const(c, c, c, c);
  const code: Code[] = [];
  const emit = (...parts: Code[]) => code.push(...parts);
  /** c0 + zz·(c1 + zz·(c2 + …)) */
  const poly = (zz: Local, cs: number[]): Code =>
    cs.slice(0, -1).reduceRight((acc: Code, c) => add(k4(c), mul(L(zz), acc)), k4(cs[cs.length - 1]!));

  /** Code setting `out` to ln(value) for value > 0 (value in local `src`). */
  const ln = (out: Local, src: Local): Code[] => [
    // exponent and mantissa in [√½, √2)
    set(ex, i32x4.sub(i32x4.shrU(L(src), i32.const(23)), i4(127))),
    set(m, v128.or(v128.and(L(src), i4(0x007fffff)), i4(0x3f800000))),
    set(tmp, f32x4.gt(L(m), k4(Math.SQRT2))),
    set(m, f32x4.mul(L(m), v128.bitselect(k4(0.5), k4(1), L(tmp)))),
    set(ex, i32x4.sub(L(ex), L(tmp))), // a true mask is −1: exponent + 1
    set(z, f32x4.div(sub(L(m), k4(1)), add(L(m), k4(1)))),
    set(z2, mul(L(z), L(z))),
    set(
      out,
      add(
        mul(mul(k4(2), L(z)), poly(z2, [1, 1 / 3, 1 / 5, 1 / 7, 1 / 9])),
        mul(f32x4.convertI32x4S(L(ex)), k4(LN2)),
      ),
    ),
  ];
  /** Code setting `out` to e^x for x in local `src` (clamped to [−80, 8]). */
  const exp = (out: Local, src: Local): Code[] => [
    set(z, f32x4.pmax(f32x4.pmin(L(src), k4(8)), k4(-80))),
    set(tmp, f32x4.nearest(mul(L(z), k4(1 / LN2)))),
    set(z, sub(sub(L(z), mul(L(tmp), k4(0.693145751953125))), mul(L(tmp), k4(1.428606820309417e-6)))),
    set(ex, i32x4.shl(i32x4.add(i32x4.truncSatF32x4S(L(tmp)), i4(127)), i32.const(23))),
    set(out, mul(poly(z, [1, 1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040]), L(ex))),
  ];

  emit(...splitPass(fn, ctl, n));
  for (let q = 0; q < 2; q++) {
    emit(
      set(aS[q]!, v128.load(C, CTL.attackSamples + 16 * q)),
      set(aK[q]!, v128.load(C, CTL.attackScale + 16 * q)),
      set(rS[q]!, v128.load(C, CTL.releaseSamples + 16 * q)),
      set(rK[q]!, v128.load(C, CTL.releaseScale + 16 * q)),
      set(U[q]!, v128.load(C, CTL.upper + 16 * q)),
      set(Lo[q]!, v128.load(C, CTL.lower + 16 * q)),
      set(ur[q]!, v128.load(C, CTL.upperRatio + 16 * q)),
      set(lr[q]!, v128.load(C, CTL.lowerRatio + 16 * q)),
      set(h[q]!, v128.load(C, CTL.high + 16 * q)),
      set(l[q]!, v128.load(C, CTL.low + 16 * q)),
    );
  }
  emit(set(addr, i32.load(C, CTL.io)), set(end, i32.add(L(addr), i32.shl(L(n), i32.const(5)))));
  const body: Code[] = [];
  const b = (...parts: Code[]) => body.push(...parts);
  b(brIf(1, i32.geU(L(addr), L(end))));
  for (let q = 0; q < 2; q++) {
    b(
      set(x, v128.load(L(addr), 16 * q)),
      set(sq, mul(L(x), L(x))),
      // followers: attack while the square is above, release below; clamped at the thresholds
      set(
        hv,
        v128.bitselect(
          mul(add(L(sq), mul(L(h[q]!), L(aS[q]!))), L(aK[q]!)),
          mul(add(L(sq), mul(L(h[q]!), L(rS[q]!))), L(rK[q]!)),
          f32x4.gt(L(sq), L(h[q]!)),
        ),
      ),
      set(hv, f32x4.pmax(L(hv), L(U[q]!))),
      set(h[q]!, L(hv)),
      set(
        lv,
        v128.bitselect(
          mul(add(L(sq), mul(L(l[q]!), L(aS[q]!))), L(aK[q]!)),
          mul(add(L(sq), mul(L(l[q]!), L(rS[q]!))), L(rK[q]!)),
          f32x4.gt(L(sq), L(l[q]!)),
        ),
      ),
      set(lv, f32x4.pmin(L(lv), L(Lo[q]!))),
      set(l[q]!, L(lv)),
      // e = ur·ln(U/h) + lr·ln(L/l) (l = 0 gives +∞ from the division: handled below)
      set(tmp, f32x4.div(L(U[q]!), L(hv))),
      ...ln(e, tmp),
      set(e, mul(L(e), L(ur[q]!))),
      set(g, f32x4.div(L(Lo[q]!), f32x4.pmax(L(lv), k4(1e-37)))),
      ...ln(z2, g),
      set(e, add(L(e), mul(L(z2), L(lr[q]!)))),
      ...exp(g, e),
      // silence below the lower threshold: full expansion for a positive lower ratio, none for a negative one
      set(
        g,
        v128.bitselect(
          v128.bitselect(k4(MAX_EXPAND), k4(0), f32x4.gt(L(lr[q]!), k4(0))),
          L(g),
          v128.and(f32x4.le(L(lv), k4(0)), f32x4.ne(L(lr[q]!), k4(0))),
        ),
      ),
      set(g, f32x4.pmin(f32x4.pmax(L(g), k4(0)), k4(MAX_EXPAND))),
      v128.store(L(addr), mul(L(x), L(g)), 16 * q),
    );
  }
  b(set(addr, i32.add(L(addr), i32.const(32))), br(0));
  emit(block(loop(...body)));
  for (let q = 0; q < 2; q++)
    emit(v128.store(C, L(h[q]!), CTL.high + 16 * q), v128.store(C, L(l[q]!), CTL.low + 16 * q));
  return assemble([{ name: "run", fn, body: ([] as number[]).concat(...code) }], 1);
}

/**
 * The band split into the band records: per sample, [left, right] through the first crossover (low, high), and
 * in SPLIT_TWO its high side through the second; records [low, band | high, –] as f32 (SPLIT_ONE: [low, high],
 * SPLIT_NONE: the input as the one band).
 */
function splitPass(fn: FunctionBuilder, ctl: Local, n: Local): Code[] {
  const L = get;
  const C = get(ctl);
  const v = () => fn.local(V128);
  const mode = fn.local(I32);
  const i = fn.local(I32);
  const rec = fn.local(I32);
  const inL = fn.local(I32);
  const inR = fn.local(I32);
  const [x, lo, hi, band, high, tmp] = [v(), v(), v(), v(), v(), v()];
  const { add, mul } = f64x2;
  /** A crossover's coefficients and states as locals, loaded from and stored back to the control block. */
  const crossover = (k: number) => {
    const base = CTL.crossover + k * CROSSOVER_BYTES;
    const coef = Array.from({ length: 10 }, v);
    const state = Array.from({ length: 16 }, v);
    const load = [
      ...coef.map((c, j) => set(c, f64x2.splat(f64.load(C, base + 8 * j)))),
      ...state.map((st, j) => set(st, v128.load(C, base + COEF_BYTES + 16 * j))),
    ];
    const store = state.map((st, j) => v128.store(C, L(st), base + COEF_BYTES + 16 * j));
    /** One biquad (coefficients c0 … c4 from `co`, states from `so`): out = c0·x + c1·x1 + c2·x2 + c3·y1 + c4·y2. */
    const biquad = (out: Local, input: Local, co: number, so: number): Code[] => {
      const [x1, x2, y1, y2] = state.slice(so, so + 4) as [Local, Local, Local, Local];
      const c = coef.slice(co, co + 5);
      return [
        set(
          out,
          add(
            add(
              add(add(mul(L(c[0]!), L(input)), mul(L(c[1]!), L(x1))), mul(L(c[2]!), L(x2))),
              mul(L(c[3]!), L(y1)),
            ),
            mul(L(c[4]!), L(y2)),
          ),
        ),
        set(x2, L(x1)),
        set(x1, L(input)),
        set(y2, L(y1)),
        set(y1, L(out)),
      ];
    };
    /** Code splitting `input` into `low` and `high` (two cascaded biquads each). */
    const split = (input: Local, low: Local, highOut: Local): Code[] => [
      ...biquad(tmp, input, 0, 0),
      ...biquad(low, tmp, 0, 4),
      ...biquad(tmp, input, 5, 8),
      ...biquad(highOut, tmp, 5, 12),
    ];
    return { load, store, split };
  };
  const first = crossover(0);
  const second = crossover(1);
  const demote = (val: Local) => f64x2.demoteToF32x4(L(val));
  const loopOver = (body: Code[]): Code =>
    block(
      loop(
        brIf(1, i32.geS(L(i), L(n))),
        set(
          x,
          f64x2.promoteLowF32x4(
            f32x4.replaceLane(
              f32x4.splat(f32.load(i32.add(L(inL), i32.shl(L(i), i32.const(2))))),
              1,
              f32.load(i32.add(L(inR), i32.shl(L(i), i32.const(2)))),
            ),
          ),
        ),
        ...body,
        set(rec, i32.add(L(rec), i32.const(32))),
        set(i, i32.add(L(i), i32.const(1))),
        br(0),
      ),
    );
  const zero = f32x4.const(0, 0, 0, 0);
  const two = loopOver([
    ...first.split(x, lo, hi),
    ...second.split(hi, band, high),
    v128.store(L(rec), v128.shuffle32(demote(lo), demote(band), [0, 1, 4, 5])),
    v128.store(L(rec), demote(high), 16),
  ]);
  const one = loopOver([
    ...first.split(x, lo, hi),
    v128.store(L(rec), v128.shuffle32(demote(lo), demote(hi), [0, 1, 4, 5])),
    v128.store(L(rec), zero, 16),
  ]);
  const none = loopOver([v128.store(L(rec), demote(x)), v128.store(L(rec), zero, 16)]);
  return [
    set(mode, i32.load(C, CTL.split)),
    set(inL, i32.load(C, CTL.split + 4)),
    set(inR, i32.load(C, CTL.split + 8)),
    set(rec, i32.load(C, CTL.io)),
    set(i, i32.const(0)),
    ifThen(
      i32.eq(L(mode), i32.const(SPLIT_TWO)),
      cat(...first.load, ...second.load, two, ...first.store, ...second.store),
      ifThen(i32.eq(L(mode), i32.const(SPLIT_ONE)), cat(...first.load, one, ...first.store), none),
    ),
  ];
}

/** The compiled kernel module (once per process; immutable), or null without WebAssembly SIMD. */
export const compressorKernelModule = lazyModule(moduleBytes);

/** Lane of band b (0 low, 1 band, 2 high) and channel c in the per-sample 8-float record. */
export const laneOf = (band: number, channel: number): number => (band === 2 ? 4 : band * 2) + channel;

export interface BandSettings {
  attackSamples: number;
  attackScale: number;
  releaseSamples: number;
  releaseScale: number;
  upper: number;
  lower: number;
  upperRatio: number;
  lowerRatio: number;
}

/** One compressor's kernel instance. `bands` holds 8 floats per sample (see laneOf) for the block. */
export class CompressorKernel {
  private readonly run_: (ctl: number, n: number) => void;
  private readonly f: Float32Array;
  private readonly d: Float64Array;
  private readonly i: Int32Array;
  readonly bands: Float32Array;
  /** The block's input (left, right), split by run(). */
  readonly inL: Float32Array;
  readonly inR: Float32Array;

  constructor(mod: WebAssembly.Module, maxBlock: number) {
    const inputs = CTL.bytes + maxBlock * 32;
    const total = inputs + maxBlock * 8;
    const kernel = instantiate(mod, total);
    this.run_ = kernel.run;
    this.f = kernel.f;
    this.d = new Float64Array(kernel.f.buffer);
    this.i = kernel.i;
    kernel.i[CTL.io / 4] = CTL.bytes;
    kernel.i[CTL.split / 4 + 1] = inputs;
    kernel.i[CTL.split / 4 + 2] = inputs + maxBlock * 4;
    this.bands = this.f.subarray(CTL.bytes / 4, CTL.bytes / 4 + maxBlock * 8);
    this.inL = this.f.subarray(inputs / 4, inputs / 4 + maxBlock);
    this.inR = this.f.subarray(inputs / 4 + maxBlock, inputs / 4 + 2 * maxBlock);
  }

  reset(): void {
    this.f.fill(0, CTL.high / 4, CTL.io / 4);
    for (let k = 0; k < 2; k++) this.d.fill(0, ...this.stateRange(k));
  }

  /**
   * How run() splits the input: SPLIT_TWO through `first` then its high side through `second`, SPLIT_ONE
   * through `first`, SPLIT_NONE not at all; each crossover as its low-pass and high-pass coefficients.
   */
  setSplit(mode: number, first?: readonly Float64Array[], second?: readonly Float64Array[]): void {
    this.i[CTL.split / 4] = mode;
    [first, second].forEach((c, k) => {
      if (!c) return;
      const o = (CTL.crossover + k * CROSSOVER_BYTES) / 8;
      this.d.set(c[0]!, o);
      this.d.set(c[1]!, o + 5);
    });
  }

  set(band: number, channel: number, s: BandSettings): void {
    const k = laneOf(band, channel);
    const F = this.f;
    F[CTL.attackSamples / 4 + k] = s.attackSamples;
    F[CTL.attackScale / 4 + k] = s.attackScale;
    F[CTL.releaseSamples / 4 + k] = s.releaseSamples;
    F[CTL.releaseScale / 4 + k] = s.releaseScale;
    F[CTL.upper / 4 + k] = s.upper;
    F[CTL.lower / 4 + k] = s.lower;
    F[CTL.upperRatio / 4 + k] = s.upperRatio;
    F[CTL.lowerRatio / 4 + k] = s.lowerRatio;
  }

  /** Split the n samples of inL/inR into `bands` and apply the gain computers there. */
  run(n: number): void {
    this.run_(0, n);
    const F = this.f;
    for (let q = CTL.high / 4; q < CTL.io / 4; q++) {
      const y = F[q]!;
      if (y < 1e-30 && y > -1e-30) F[q] = 0;
    }
    // the crossovers' states, as Crossover.flushState
    const D = this.d;
    for (let k = 0; k < 2; k++) {
      const [from, to] = this.stateRange(k);
      for (let q = from; q < to; q++) D[q] = flush(D[q]!);
    }
  }

  /** Float64 indices of crossover k's states. */
  private stateRange(k: number): [number, number] {
    const from = (CTL.crossover + k * CROSSOVER_BYTES + COEF_BYTES) / 8;
    return [from, from + 32];
  }
}
