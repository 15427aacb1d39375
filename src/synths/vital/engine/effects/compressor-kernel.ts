// The compressor's gain computers (compressor.ts, BandCompressor.tick) as a WebAssembly SIMD kernel: the six
// band × channel followers as lanes of two f32x4 ([low L, low R, band L, band R] and [high L, high R, –, –]),
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
  f32x4,
  FunctionBuilder,
  get,
  I32,
  i32,
  i32x4,
  loop,
  set,
  V128,
  v128,
  type Code,
  type Local,
} from "./wasm.ts";

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
  bytes: 336,
} as const;

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
  readonly bands: Float32Array;

  constructor(mod: WebAssembly.Module, maxBlock: number) {
    const total = CTL.bytes + maxBlock * 32;
    const kernel = instantiate(mod, total);
    this.run_ = kernel.run;
    this.f = kernel.f;
    kernel.i[CTL.io / 4] = CTL.bytes;
    this.bands = this.f.subarray(CTL.bytes / 4, CTL.bytes / 4 + maxBlock * 8);
  }

  reset(): void {
    this.f.fill(0, CTL.high / 4, CTL.io / 4);
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

  /** Apply the gain computers to the n samples in `bands` (in place). */
  run(n: number): void {
    this.run_(0, n);
    const F = this.f;
    for (let q = CTL.high / 4; q < CTL.io / 4; q++) {
      const y = F[q]!;
      if (y < 1e-30 && y > -1e-30) F[q] = 0;
    }
  }
}
