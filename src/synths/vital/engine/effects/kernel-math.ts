// Arithmetic shared by the effect kernels, as kernel code: Catmull-Rom interpolation (the delay memories' reads)
// and Vital's hardTanh (common.ts: the identity within ±0.66, a rational tanh knee beyond; the knee is skipped
// when no lane leaves the linear range — the same output, the knee adds exactly 0 there).

import { cat, f32x4, i32x4, ifThen, set, v128, get as L, type Code, type Local } from "./wasm.ts";

const k4 = (x: number) => f32x4.const(x, x, x, x);
const constant = k4;

/** Magnitudes below this (−400 dB) are flushed to zero in loops and states, as common.ts `flush`. */
export const FLUSH = 1e-20;

/** Below this magnitude a float's square is subnormal: √(smallest normal float), √(2^−126) = 2^−63. */
export const SQRT_FLT_MIN = 2 ** -63;

/**
 * `x` with its lanes below `threshold` (default FLUSH) in magnitude zeroed, as an expression. Vital runs with
 * flush-to-zero; WebAssembly cannot, and on x86 an operation on or producing a subnormal takes a slow
 * microcode assist: a feedback loop decaying in silence has its memory pass through 1e-30 … 1e-38, where its
 * products are subnormal, for most of a second. Zeroing at 1e-20 stops the decay long before.
 */
export function flushTiny(x: Local, threshold = FLUSH): Code {
  return v128.and(L(x), f32x4.ge(f32x4.abs(L(x)), k4(threshold)));
}

/**
 * Code splitting a ramped delay period (integer part `int` plus the fraction ramp `frac`, lane-wise) into whole
 * samples `idx` and the fraction `f`, then stepping the ramp by `step`; `fl`: scratch.
 */
export function splitPeriod(
  period: { int: Local; frac: Local; step: Local },
  out: { idx: Local; f: Local; fl: Local },
): Code {
  const { fl, idx, f } = out;
  return cat(
    set(fl, f32x4.floor(L(period.frac))),
    set(idx, i32x4.add(L(period.int), i32x4.truncSatF32x4S(L(fl)))),
    set(f, f32x4.sub(L(period.frac), L(fl))),
    set(period.frac, f32x4.add(L(period.frac), L(period.step))),
  );
}

/** Code transposing 4 × 4 lanes, the vectors `rows` into the vectors `out`, through the scratch vectors `t`. */
export function transpose4(rows: readonly Local[], out: readonly Local[], t: readonly Local[]): Code {
  const pairs = (x: Local, y: Local, lanes: readonly [number, number, number, number]) =>
    v128.shuffle32(L(x), L(y), lanes);
  return cat(
    set(t[0]!, pairs(rows[0]!, rows[1]!, [0, 4, 1, 5])),
    set(t[1]!, pairs(rows[2]!, rows[3]!, [0, 4, 1, 5])),
    set(t[2]!, pairs(rows[0]!, rows[1]!, [2, 6, 3, 7])),
    set(t[3]!, pairs(rows[2]!, rows[3]!, [2, 6, 3, 7])),
    set(out[0]!, pairs(t[0]!, t[1]!, [0, 1, 4, 5])),
    set(out[1]!, pairs(t[0]!, t[1]!, [2, 3, 6, 7])),
    set(out[2]!, pairs(t[2]!, t[3]!, [0, 1, 4, 5])),
    set(out[3]!, pairs(t[2]!, t[3]!, [2, 3, 6, 7])),
  );
}

/**
 * Catmull-Rom between y1 (f = 0) and y2 (f = 1), lane-wise (as DelayLine.read): code setting `k1` … `k3`, and
 * the interpolated value as an expression; `k4(x)`: the code of x in all four lanes (by default a constant).
 */
export function catmullRom(
  [y3, y2, y1, y0]: readonly Local[],
  f: Local,
  [k1, k2, k3]: readonly Local[],
  k4: (x: number) => Code = constant,
): { setup: Code; value: Code } {
  const { add, sub, mul } = f32x4;
  return {
    setup: cat(
      set(k1!, mul(k4(0.5), sub(L(y2!), L(y0!)))),
      set(k2!, sub(add(sub(L(y0!), mul(k4(2.5), L(y1!))), mul(k4(2), L(y2!))), mul(k4(0.5), L(y3!)))),
      set(k3!, add(mul(k4(0.5), sub(L(y3!), L(y0!))), mul(k4(1.5), sub(L(y1!), L(y2!))))),
    ),
    value: add(mul(add(mul(add(mul(L(k3!), L(f)), L(k2!)), L(f)), L(k1!)), L(f)), L(y1!)),
  };
}

/** Code replacing `w` by hardTanh(w), lane-wise; `c`, `r`, `a`: scratch vectors. */
export function hardTanhInPlace(w: Local, c: Local, r: Local, a: Local): Code {
  const { add, mul } = f32x4;
  return ifThen(
    v128.anyTrue(f32x4.gt(f32x4.abs(L(w)), k4(0.66))),
    cat(
      set(c, f32x4.pmax(f32x4.pmin(L(w), k4(0.66)), k4(-0.66))),
      set(r, mul(f32x4.sub(L(w), L(c)), k4(1 / 0.34))),
      set(a, f32x4.abs(L(r))),
      // tanhApprox(r) (../tanh.ts)
      set(
        w,
        f32x4.div(
          mul(
            L(r),
            add(
              add(k4(2.4555), mul(k4(2.4555), L(a))),
              mul(mul(L(r), L(r)), add(k4(0.89323), mul(k4(0.82123), L(a)))),
            ),
          ),
          add(
            k4(2.44507),
            mul(add(k4(2.44507), mul(L(r), L(r))), f32x4.abs(add(L(r), mul(mul(k4(0.81464), L(r)), L(a))))),
          ),
        ),
      ),
      set(w, add(L(c), mul(k4(0.34), L(w)))),
    ),
  );
}

/**
 * Code replacing `w` by the chorus's and the delay's loop band-pass of it (LoopBandPass, lane-wise): a
 * one-pole low-pass of w·gain (coefficient `lc`, state `low`) minus a lower one-pole low-pass of that (`hc`,
 * state `high`), flushed below FLUSH (it is what enters the loop's line); `delta`, `lp`, `hp`: scratch vectors.
 */
export function loopBandPassInPlace(
  w: Local,
  [gain, lc, hc]: readonly Local[],
  [low, high]: readonly Local[],
  [delta, lp, hp]: readonly Local[],
): Code {
  const { add, sub, mul } = f32x4;
  return cat(
    set(delta!, mul(L(lc!), sub(mul(L(w), L(gain!)), L(low!)))),
    set(lp!, add(L(low!), L(delta!))),
    set(low!, add(L(lp!), L(delta!))),
    set(delta!, mul(L(hc!), sub(L(lp!), L(high!)))),
    set(hp!, add(L(high!), L(delta!))),
    set(high!, add(L(hp!), L(delta!))),
    set(w, sub(L(lp!), L(hp!))),
    set(w, flushTiny(w)),
  );
}
