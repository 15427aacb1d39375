// Vital's hardTanh (common.ts) as kernel code shared by the delay-loop kernels: the identity within ±0.66 and a
// rational tanh knee beyond. The knee is skipped when no lane leaves the linear range (the same output: the
// knee adds exactly 0 there).

import { cat, f32x4, ifThen, set, v128, get as L, type Code, type Local } from "./wasm.ts";

const k4 = (x: number) => f32x4.const(x, x, x, x);

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
