// The compressor (compressor.ts) as a WebAssembly SIMD kernel, the whole effect per block in three passes.
// The band split (Crossover.split): per crossover, both sides' Linkwitz-Riley sections at once as the lanes
// of an f32x4 (the trapezoidal SVF keeps single precision accurate at the 120 Hz split). The gain computers
// (BandCompressor.tick): the band × channel followers as lanes of f32x4 ([low L, low R, band L, band R] and
// [high L, high R], the second only with three bands), in single precision. Per sample: the attack/release
// mean-square followers clamped at the thresholds, and the gain (U/h)^ur · (L/l)^lr =
// exp(ur·(ln U − ln h) + lr·(ln L − ln l)), clamped to [0, 32], applied to the band signal. ln and exp are
// computed here to single precision: ln(m) = 2·atanh((m − 1)/(m + 1)) to the 9th power on the mantissa
// m ∈ [√½, √2) plus the exponent, exp by 2^n · e^r (|r| ≤ ½ ln 2) to the 7th power. The output: the bands
// times their ramped gains, summed, and the ramped dry/wet mix. Structure and constants of the compressor are
// facts from Vital (GPL-3.0, Matt Tytel); see compressor.ts.

import {
  assemble,
  block,
  br,
  brIf,
  leaseInstance,
  lazyModule,
  f32x4,
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
import { copyBlock, flush } from "./common.ts";
import { flushTiny, SQRT_FLT_MIN, transpose4 } from "./kernel-math.ts";

/**
 * Per crossover: [a1, a2, g, –] (f32), then the states: the two sections' ic1 and ic2, each an f32x4 [low
 * left, low right, high left, high right].
 */
const CROSSOVER_BYTES = 16 + 4 * 16;

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
  // i32: [band records address (per sample: vector 0 then vector 1, 32 bytes), followers' scratch, compressed
  // bands (a row of the block per lane, laneOf), bytes per row]
  io: 320,
  split: 336, // i32: [split mode (SPLIT_*), input L address, input R address, 0]
  // the output ramps, per vector: [low, low, band, band] gains and [high, high, mix, mix], at the block's
  // start and their steps per sample
  ramp: 352,
  rampStep: 384,
  // ln of the thresholds, per vector (computed by the kernel; read from here in the loop: TurboFan would
  // otherwise recompute them beside each follower's ln there)
  lnUpper: 416,
  lnLower: 448,
  crossover: 480, // 2 crossovers (the first splits the input, the second the first's high side): CROSSOVER_BYTES
  bytes: 480 + 2 * CROSSOVER_BYTES,
} as const;

export const SPLIT_TWO = 0;
export const SPLIT_ONE = 1;
export const SPLIT_NONE = 2;

const MAX_EXPAND = 32;
const LN2 = Math.LN2;

const k4 = (c: number) => f32x4.const(c, c, c, c);
const i4 = (c: number) => i32x4.const(c, c, c, c);
const { add, sub, mul } = f32x4;
const L = get;

/**
 * c0 + c1·x + c2·x² + … by Estrin's scheme: pairs c_k + c_(k+1)·x, then pairs of those with x², x⁴, … (short
 * dependency chains: the gain loop is bound by the latency of its ln and exp). `powers`: locals that `setup`
 * sets to x², x⁴, … as needed.
 */
function estrin(x: Local, cs: number[], powers: Local[]): { setup: Code[]; value: Code } {
  const setup: Code[] = [];
  let terms: Code[] = [];
  for (let k = 0; k < cs.length; k += 2)
    terms.push(k + 1 < cs.length ? add(k4(cs[k]!), mul(k4(cs[k + 1]!), L(x))) : k4(cs[k]!));
  let power = x;
  for (let level = 0; terms.length > 1; level++) {
    const next = powers[level]!;
    setup.push(set(next, mul(L(power), L(power))));
    power = next;
    const pairs: Code[] = [];
    for (let k = 0; k < terms.length; k += 2)
      pairs.push(k + 1 < terms.length ? add(terms[k]!, mul(terms[k + 1]!, L(power))) : terms[k]!);
    terms = pairs;
  }
  return { setup, value: terms[0]! };
}

/** ln and exp to single precision on f32x4 lanes, with the scratch vectors they need. */
function transcendentals(fn: FunctionBuilder) {
  const [m, z, z2, ex, tmp] = Array.from({ length: 5 }, () => fn.local(V128));
  const powers = [fn.local(V128), fn.local(V128), fn.local(V128)];
  const lnSeries = estrin(z2, [1, 1 / 3, 1 / 5, 1 / 7, 1 / 9], powers);
  const expSeries = estrin(z, [1, 1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040], powers);
  /** Code setting `out` to ln(value) for value > 0: 2·atanh((m − 1)/(m + 1)) on the mantissa m ∈ [√½, √2). */
  const ln = (out: Local, value: Code): Code[] => [
    set(out, value),
    set(ex, i32x4.sub(i32x4.shrU(L(out), i32.const(23)), i4(127))),
    set(m, v128.or(v128.and(L(out), i4(0x007fffff)), i4(0x3f800000))),
    set(tmp, f32x4.gt(L(m), k4(Math.SQRT2))),
    set(m, mul(L(m), v128.bitselect(k4(0.5), k4(1), L(tmp)))),
    set(ex, i32x4.sub(L(ex), L(tmp))), // a true mask is −1: exponent + 1
    set(z, f32x4.div(sub(L(m), k4(1)), add(L(m), k4(1)))),
    set(z2, mul(L(z), L(z))),
    ...lnSeries.setup,
    set(out, add(mul(mul(k4(2), L(z)), lnSeries.value), mul(f32x4.convertI32x4S(L(ex)), k4(LN2)))),
  ];
  /** Code setting `out` to e^x for x in local `src` (clamped to [−80, 8]): 2^n · e^r, |r| ≤ ½ ln 2. */
  const exp = (out: Local, src: Local): Code[] => [
    set(z, f32x4.pmax(f32x4.pmin(L(src), k4(8)), k4(-80))),
    set(tmp, f32x4.nearest(mul(L(z), k4(1 / LN2)))),
    set(z, sub(sub(L(z), mul(L(tmp), k4(0.693145751953125))), mul(L(tmp), k4(1.428606820309417e-6)))),
    set(ex, i32x4.shl(i32x4.add(i32x4.truncSatF32x4S(L(tmp)), i4(127)), i32.const(23))),
    ...expSeries.setup,
    set(out, mul(expSeries.value, L(ex))),
  ];
  return { ln, exp };
}

/** Bytes per sample of the followers' scratch: [upper, lower] of vector 0, then of vector 1. */
const FOLLOWER_BYTES = 64;

/**
 * The gain computers of vector q (four band × channel lanes) over the block's band records: `step`, one step
 * of the mean-square followers (attack while the square is above, release below) clamped at the thresholds,
 * the only recursion, for the sample at `addr` into the scratch at `followers` (the loop: followersLoop, both
 * vectors' recursions side by side); then `gainLoop`, four samples of one lane at a time (records transposed),
 * the gain (U/h)^ur · (L/l)^lr = exp(ur·(ln U − ln h) + lr·(ln L − ln l)) clamped to [0, 32] times the band
 * signal, into the lane's row of the compressed bands (so no lane computes for nothing: vector 1's lanes 2–3
 * carry the input, and with one band vector 0's lanes 2–3 a copy; and a lane's follower mostly stays on or off
 * its threshold over four samples, where a term is skipped).
 */
function gainPass(
  fn: FunctionBuilder,
  ctl: Local,
  n: Local,
  q: number,
  [addr, followers]: Local[],
): { setup: Code[]; step: Code[]; finish: Code[]; gainLoop: Code[] } {
  const C = get(ctl);
  const v = () => fn.local(V128);
  const [aS, aK, rS, rK, U, Lo, h, l] = Array.from({ length: 8 }, v);
  const [x, sq, att, e, g, lnv] = Array.from({ length: 6 }, v);
  const [rows, t] = [Array.from({ length: 4 }, v), Array.from({ length: 4 }, v)];
  const [xs, hs, ls] = [0, 1, 2].map(() => Array.from({ length: 4 }, v)) as [Local[], Local[], Local[]];
  const [end, row, terms] = Array.from({ length: 3 }, () => fn.local(I32));
  const { ln, exp } = transcendentals(fn);
  const at = (slot: number) => v128.load(C, slot + 16 * q);
  /** The follower `f` after one step with the square `sq`, clamped by `bound` (pmax: from below). */
  const follow = (f: Local, bound: Local, clamp: typeof f32x4.pmax): Code[] => [
    set(att, f32x4.gt(L(sq), L(f))),
    set(
      f,
      mul(add(L(sq), mul(L(f), v128.bitselect(L(aS), L(rS), L(att)))), v128.bitselect(L(aK), L(rK), L(att))),
    ),
    set(f, clamp(L(f), L(bound))),
  ];
  /** A loop over the block's records (`addr`) and the followers' scratch (`followers`), four samples at a time. */
  const overBlock = (...body: Code[]): Code[] => [
    set(addr, i32.load(C, CTL.io)),
    set(followers, i32.load(C, CTL.io + 4)),
    set(row, i32.add(i32.load(C, CTL.io + 8), i32.mul(i32.const(4 * q), i32.load(C, CTL.io + 12)))),
    block(
      loop(
        brIf(1, i32.geU(L(addr), L(end))),
        ...body,
        set(addr, i32.add(L(addr), i32.const(32 * 4))),
        set(followers, i32.add(L(followers), i32.const(FOLLOWER_BYTES * 4))),
        set(row, i32.add(L(row), i32.const(4 * 4))),
        br(0),
      ),
    ),
  ];
  const step = [
    set(x, v128.load(L(addr), 16 * q)),
    // a square that would be subnormal is 0, as under Vital's flush-to-zero (and no slow subnormal product)
    set(x, flushTiny(x, SQRT_FLT_MIN)),
    set(sq, mul(L(x), L(x))),
    ...follow(h, U, f32x4.pmax),
    ...follow(l, Lo, f32x4.pmin),
    v128.store(L(followers), L(h), 32 * q),
    v128.store(L(followers), L(l), 32 * q + 16),
  ];
  /** Four samples' values at `offset` of records `bytes` apart from `base`, transposed: one vector per lane. */
  const lanes = (base: Local, bytes: number, offset: number, out: Local[]): Code =>
    cat(...rows.map((r, k) => set(r, v128.load(L(base), bytes * k + offset))), transpose4(rows, out, t));
  /** Lane j's gain over the four samples, times its band signal, into its row of the compressed bands. */
  const laneGain = (j: number): Code => {
    const param = (slot: number) => v128.load32Splat(C, slot + 16 * q + 4 * j);
    const [hv, lv] = [hs[j]!, ls[j]!];
    return cat(
      // each term only when the follower is off its threshold (at it the term is exactly 0); with neither,
      // the gain is exactly exp(0) = 1
      set(e, k4(0)),
      set(terms, i32.const(0)),
      ifThen(
        v128.anyTrue(f32x4.ne(L(hv), param(CTL.upper))),
        cat(
          ...ln(lnv, L(hv)),
          set(e, mul(sub(param(CTL.lnUpper), L(lnv)), param(CTL.upperRatio))),
          set(terms, i32.const(1)),
        ),
      ),
      // (l = 0 gives an infinite ln L − ln l: handled below)
      ifThen(
        v128.anyTrue(f32x4.ne(L(lv), param(CTL.lower))),
        cat(
          ...ln(lnv, f32x4.pmax(L(lv), k4(1e-37))),
          set(e, add(L(e), mul(sub(param(CTL.lnLower), L(lnv)), param(CTL.lowerRatio)))),
          set(terms, i32.const(1)),
        ),
      ),
      set(g, k4(1)),
      ifThen(
        L(terms),
        cat(
          ...exp(g, e),
          // silence below the lower threshold: full expansion for a positive lower ratio, none for a negative one
          set(
            g,
            v128.bitselect(
              v128.bitselect(k4(MAX_EXPAND), k4(0), f32x4.gt(param(CTL.lowerRatio), k4(0))),
              L(g),
              v128.and(f32x4.le(L(lv), k4(0)), f32x4.ne(param(CTL.lowerRatio), k4(0))),
            ),
          ),
          set(g, f32x4.pmin(f32x4.pmax(L(g), k4(0)), k4(MAX_EXPAND))),
        ),
      ),
      v128.store(i32.add(L(row), i32.mul(i32.const(j), i32.load(C, CTL.io + 12))), mul(L(xs[j]!), L(g))),
    );
  };
  const oneBand = i32.eq(i32.load(C, CTL.split), i32.const(SPLIT_NONE));
  const gainLoop = overBlock(
    lanes(addr, 32, 16 * q, xs),
    lanes(followers, FOLLOWER_BYTES, 32 * q, hs),
    lanes(followers, FOLLOWER_BYTES, 32 * q + 16, ls),
    laneGain(0),
    laneGain(1),
    // vector 1's lanes 2–3 carry the input; with one band, vector 0's lanes 2–3 are a copy (its gain is 0)
    q === 0 ? ifThen(i32.eqz(oneBand), cat(laneGain(2), laneGain(3))) : [],
  );
  const setup = [
    set(aS, at(CTL.attackSamples)),
    set(aK, at(CTL.attackScale)),
    set(rS, at(CTL.releaseSamples)),
    set(rK, at(CTL.releaseScale)),
    set(U, at(CTL.upper)),
    set(Lo, at(CTL.lower)),
    set(h, at(CTL.high)),
    set(l, at(CTL.low)),
    ...ln(lnv, L(U)),
    v128.store(C, L(lnv), CTL.lnUpper + 16 * q),
    ...ln(lnv, L(Lo)),
    v128.store(C, L(lnv), CTL.lnLower + 16 * q),
  ];
  const finish = [v128.store(C, L(h), CTL.high + 16 * q), v128.store(C, L(l), CTL.low + 16 * q)];
  return {
    setup,
    step,
    finish,
    gainLoop: [
      // (whole groups of four: the records and followers beyond n are stale, their results unused)
      set(
        end,
        i32.add(
          i32.load(C, CTL.io),
          i32.shl(i32.and(i32.add(L(n), i32.const(3)), i32.const(-4)), i32.const(5)),
        ),
      ),
      ...gainLoop,
    ],
  };
}

/** The followers' loop over the block's records: the given vectors' steps in one body (side by side). */
function followersLoop(ctl: Local, n: Local, [addr, followers]: Local[], steps: Code[][]): Code[] {
  const C = get(ctl);
  return [
    set(addr, i32.load(C, CTL.io)),
    set(followers, i32.load(C, CTL.io + 4)),
    block(
      loop(
        brIf(1, i32.geU(L(addr), i32.add(i32.load(C, CTL.io), i32.shl(L(n), i32.const(5))))),
        ...steps.flat(),
        set(addr, i32.add(L(addr), i32.const(32))),
        set(followers, i32.add(L(followers), i32.const(FOLLOWER_BYTES))),
        br(0),
      ),
    ),
  ];
}

/**
 * The output, four samples of a channel at a time: the compressed bands times their (ramped) gains, summed,
 * mixed with the input (ramped), written over the input buffers.
 */
function mixPass(fn: FunctionBuilder, ctl: Local, n: Local): Code[] {
  const C = get(ctl);
  const [t, dry, y] = Array.from({ length: 3 }, () => fn.local(V128));
  const [i, mode, inL, inR, bands, stride] = Array.from({ length: 6 }, () => fn.local(I32));
  /** A ramp (lane `k` of the ramps: start + step·t) at the four samples. */
  const ramp = (k: number) =>
    add(v128.load32Splat(C, CTL.ramp + 4 * k), mul(v128.load32Splat(C, CTL.rampStep + 4 * k), L(t)));
  /** Band b of channel c at the four samples times its gain. */
  const band = (b: number, c: number) => {
    const k = laneOf(b, c);
    return mul(
      v128.load(i32.add(L(bands), i32.add(i32.mul(i32.const(k), L(stride)), i32.shl(L(i), i32.const(2))))),
      ramp(k),
    );
  };
  // the bands a mode splits off (the others add nothing: their gain is 0)
  const sum = (c: number, count: number) =>
    count === 3
      ? add(add(band(0, c), band(1, c)), band(2, c))
      : count === 2
        ? add(band(0, c), band(1, c))
        : band(0, c);
  const channel = (c: number, input: Local, count: number): Code =>
    cat(
      set(dry, v128.load(i32.add(L(input), i32.shl(L(i), i32.const(2))))),
      set(y, sum(c, count)),
      v128.store(
        i32.add(L(input), i32.shl(L(i), i32.const(2))),
        add(L(dry), mul(sub(L(y), L(dry)), ramp(6))),
      ),
    );
  const loopOver = (count: number): Code =>
    block(
      loop(
        brIf(1, i32.geS(L(i), L(n))),
        channel(0, inL, count),
        channel(1, inR, count),
        set(t, add(L(t), k4(4))),
        set(i, i32.add(L(i), i32.const(4))),
        br(0),
      ),
    );
  return [
    set(t, f32x4.const(1, 2, 3, 4)),
    set(mode, i32.load(C, CTL.split)),
    set(inL, i32.load(C, CTL.split + 4)),
    set(inR, i32.load(C, CTL.split + 8)),
    set(bands, i32.load(C, CTL.io + 8)),
    set(stride, i32.load(C, CTL.io + 12)),
    set(i, i32.const(0)),
    ifThen(
      i32.eq(L(mode), i32.const(SPLIT_TWO)),
      loopOver(3),
      ifThen(i32.eq(L(mode), i32.const(SPLIT_ONE)), loopOver(2), loopOver(1)),
    ),
  ];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const fn = new FunctionBuilder([I32, I32]);
  const [ctl, n] = fn.params as [Local, Local];
  const pointers = [fn.local(I32), fn.local(I32)];
  const [v0, v1] = [0, 1].map((q) => gainPass(fn, ctl, n, q, pointers)) as [
    ReturnType<typeof gainPass>,
    ReturnType<typeof gainPass>,
  ];
  const code = [
    ...splitPass(fn, ctl, n),
    // the high band's lanes only when there are three bands
    ifThen(
      i32.eq(i32.load(get(ctl), CTL.split), i32.const(SPLIT_TWO)),
      cat(
        ...v0.setup,
        ...v1.setup,
        ...followersLoop(ctl, n, pointers, [v0.step, v1.step]),
        ...v0.finish,
        ...v1.finish,
        ...v0.gainLoop,
        ...v1.gainLoop,
      ),
      cat(...v0.setup, ...followersLoop(ctl, n, pointers, [v0.step]), ...v0.finish, ...v0.gainLoop),
    ),
    ...mixPass(fn, ctl, n),
  ];
  return assemble([{ name: "run", fn, body: cat(...code) }], 1);
}

/**
 * The band split into the band records. A crossover runs on [left, right, left, right]: lanes 0–1 its low
 * side, lanes 2–3 its high side, each two trapezoidal SVF sections (Crossover.section) whose output takes the
 * low-pass (v2) or the high-pass (x − √2·v1 − v2) per lane. Records per sample: [low, band | high, input]
 * (SPLIT_TWO: the first crossover's high side through the second), [low, high | –, input] (SPLIT_ONE),
 * [input, input | –, input] (SPLIT_NONE: the copy follows the same settings, its gain is 0).
 */
function splitPass(fn: FunctionBuilder, ctl: Local, n: Local): Code[] {
  const C = get(ctl);
  const v = () => fn.local(V128);
  const [mode, i, rec, inL, inR] = Array.from({ length: 5 }, () => fn.local(I32));
  const [x, y, y2, mid, v1, v2] = Array.from({ length: 6 }, v);
  // per lane: output = c0·x + c1·v1 + c2·v2 (low-pass on lanes 0–1, high-pass on 2–3)
  const c0 = f32x4.const(0, 0, 1, 1);
  const c1 = f32x4.const(0, 0, -Math.SQRT2, -Math.SQRT2);
  const c2 = f32x4.const(1, 1, -1, -1);
  /** A crossover's coefficients and states as locals, loaded from and stored back to the control block. */
  const crossover = (k: number) => {
    const base = CTL.crossover + k * CROSSOVER_BYTES;
    const [a1, a2, g] = Array.from({ length: 3 }, v);
    const state = Array.from({ length: 4 }, v);
    const load = [
      ...[a1, a2, g].map((c, j) => set(c, v128.load32Splat(C, base + 4 * j))),
      ...state.map((st, j) => set(st, v128.load(C, base + 16 * (j + 1)))),
    ];
    const store = state.map((st, j) => v128.store(C, L(st), base + 16 * (j + 1)));
    /** One section step with states ic1, ic2 from `input` into `out`. */
    const section = (out: Local, input: Local, [ic1, ic2]: Local[]): Code[] => [
      set(v1, add(mul(L(a1), L(ic1!)), mul(L(a2), sub(L(input), L(ic2!))))),
      set(v2, add(L(ic2!), mul(L(g), L(v1)))),
      set(ic1!, sub(mul(k4(2), L(v1)), L(ic1!))),
      set(ic2!, sub(mul(k4(2), L(v2)), L(ic2!))),
      set(out, add(add(mul(c0, L(input)), mul(c1, L(v1))), mul(c2, L(v2)))),
    ];
    const split = (out: Local, input: Local): Code[] => [
      ...section(mid, input, state.slice(0, 2)),
      ...section(out, mid, state.slice(2, 4)),
    ];
    return { load, store, split };
  };
  const first = crossover(0);
  const second = crossover(1);
  const zero = k4(0);
  const loopOver = (body: Code[]): Code =>
    block(
      loop(
        brIf(1, i32.geS(L(i), L(n))),
        set(
          x,
          v128.shuffle32(
            v128.load32Splat(i32.add(L(inL), i32.shl(L(i), i32.const(2)))),
            v128.load32Splat(i32.add(L(inR), i32.shl(L(i), i32.const(2)))),
            [0, 4, 0, 4],
          ),
        ),
        ...body,
        set(rec, i32.add(L(rec), i32.const(32))),
        set(i, i32.add(L(i), i32.const(1))),
        br(0),
      ),
    );
  const two = loopOver([
    ...first.split(y, x),
    set(mid, v128.shuffle32(L(y), L(y), [2, 3, 2, 3])),
    ...second.split(y2, mid),
    v128.store(L(rec), v128.shuffle32(L(y), L(y2), [0, 1, 4, 5])),
    v128.store(L(rec), v128.shuffle32(L(y2), L(x), [2, 3, 4, 5]), 16),
  ]);
  const one = loopOver([
    ...first.split(y, x),
    v128.store(L(rec), L(y)),
    v128.store(L(rec), v128.shuffle32(zero, L(x), [0, 1, 4, 5]), 16),
  ]);
  const none = loopOver([
    v128.store(L(rec), L(x)),
    v128.store(L(rec), v128.shuffle32(zero, L(x), [0, 1, 4, 5]), 16),
  ]);
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

/** One compressor's kernel instance: control block, band records, the block's input and output. */
export class CompressorKernel {
  private readonly run_: (ctl: number, n: number) => void;
  private readonly f: Float32Array;
  private readonly i: Int32Array;
  private readonly bufL: Float32Array;
  private readonly bufR: Float32Array;

  constructor(mod: WebAssembly.Module, maxBlock: number) {
    // the gain and mix loops run whole groups of four samples: blocks padded to a multiple of 4
    maxBlock = Math.ceil(maxBlock / 4) * 4;
    const inputs = CTL.bytes + maxBlock * 32;
    const scratch = inputs + maxBlock * 8;
    const bands = scratch + maxBlock * FOLLOWER_BYTES;
    const total = bands + maxBlock * 24;
    const kernel = leaseInstance(mod, total);
    this.run_ = kernel.run;
    this.f = kernel.f;
    this.i = kernel.i;
    kernel.i[CTL.io / 4] = CTL.bytes;
    kernel.i[CTL.io / 4 + 1] = scratch;
    kernel.i[CTL.io / 4 + 2] = bands;
    kernel.i[CTL.io / 4 + 3] = maxBlock * 4;
    kernel.i[CTL.split / 4 + 1] = inputs;
    kernel.i[CTL.split / 4 + 2] = inputs + maxBlock * 4;
    this.bufL = this.f.subarray(inputs / 4, inputs / 4 + maxBlock);
    this.bufR = this.f.subarray(inputs / 4 + maxBlock, inputs / 4 + 2 * maxBlock);
    // vector 1's lanes 2–3 carry the input past the gain computers: settings that keep them finite and their
    // followers at the thresholds there
    for (const k of [6, 7]) {
      this.setLane(k, {
        attackSamples: 5,
        attackScale: 1 / 6,
        releaseSamples: 5,
        releaseScale: 1 / 6,
        upper: 1,
        lower: 0,
        upperRatio: 0,
        lowerRatio: 0,
      });
    }
  }

  reset(): void {
    this.f.fill(0, CTL.high / 4, CTL.io / 4);
    for (let k = 0; k < 2; k++) this.f.fill(0, ...this.stateRange(k));
  }

  /**
   * How run() splits the input: SPLIT_TWO through `first` then its high side through `second`, SPLIT_ONE
   * through `first`, SPLIT_NONE not at all; each crossover as its sections' [a1, a2, g].
   */
  setSplit(mode: number, first?: Float64Array, second?: Float64Array): void {
    this.i[CTL.split / 4] = mode;
    [first, second].forEach((c, k) => {
      if (c) this.f.set(c, (CTL.crossover + k * CROSSOVER_BYTES) / 4);
    });
  }

  /** The gain computer settings of band `band` (0 low, 1 band, 2 high) on channel `channel`. */
  set(band: number, channel: number, s: BandSettings): void {
    this.setLane(laneOf(band, channel), s);
  }

  /**
   * This block's output ramps: band b's gain from `from[b]` to `to[b]` (b < 3), the mix from `from[3]` to
   * `to[3]` (reached at the block's last sample). Arrays rather than arguments: no number is boxed per block.
   */
  setRamps(n: number, from: Float64Array, to: Float64Array): void {
    const F = this.f;
    const r = CTL.ramp / 4;
    const d = CTL.rampStep / 4;
    for (let b = 0; b < 3; b++) {
      for (let c = 0; c < 2; c++) {
        F[r + laneOf(b, c)] = from[b]!;
        F[d + laneOf(b, c)] = (to[b]! - from[b]!) / n;
      }
    }
    F[r + 6] = F[r + 7] = from[3]!;
    F[d + 6] = F[d + 7] = (to[3]! - from[3]!) / n;
  }

  /** Compress n ≤ maxBlock samples of L/R in place. */
  run(L: Float32Array, R: Float32Array, n: number): void {
    copyBlock(this.bufL, L, n);
    copyBlock(this.bufR, R, n);
    this.run_(0, n);
    copyBlock(L, this.bufL, n);
    copyBlock(R, this.bufR, n);
    const F = this.f;
    for (let q = CTL.high / 4; q < CTL.io / 4; q++) {
      const y = F[q]!;
      if (y < 1e-30 && y > -1e-30) F[q] = 0;
    }
    // the crossovers' states, as Crossover.flushState
    for (let k = 0; k < 2; k++) {
      const [from, to] = this.stateRange(k);
      for (let q = from; q < to; q++) F[q] = flush(F[q]!);
    }
  }

  private setLane(k: number, s: BandSettings): void {
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

  /** Float32 indices of crossover k's states. */
  private stateRange(k: number): [number, number] {
    const from = (CTL.crossover + k * CROSSOVER_BYTES + 16) / 4;
    return [from, from + 16];
  }
}
