// The analog filter model's 12 dB style on a stereo pair as a WebAssembly SIMD kernel: the left channel in one
// 64-bit lane, the right in the other, with the same operations in the same order as VoiceFilter's scalar loop
// and AnalogCoefficients.set in filters.ts (so the same output bits). The cutoff coefficient ramps linearly
// across the block, so the coefficients are recomputed every sample.
// Memory: the control block (f64 lane pairs, see SLOT), then the left and right block buffers (f32).

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
  instantiate,
  loop,
  set,
  v128,
  V128,
  type Code,
  type Local,
} from "./effects/wasm.ts";

/** Lane pairs (left, right) of the control block, 16 bytes each. */
export const SLOT = {
  /** Cutoff coefficient G before the block and its step per sample. */
  g0: 0,
  dg: 1,
  /** Resonance (R) and drive (D) of the analog gains. */
  r: 2,
  d: 3,
  lp: 4,
  bp: 5,
  hp: 6,
  outGain: 7,
  /** Integrator states, read and written back. */
  z1: 8,
  z2: 9,
} as const;
const SLOTS = 10;
export const KERNEL_BLOCK = 4096;
const BUF_L = SLOTS * 16;
const BUF_R = BUF_L + KERNEL_BLOCK * 4;
const BYTES = BUF_R + KERNEL_BLOCK * 4;

export interface AnalogPairKernel {
  /** The control block as f64 (slot s: left at 2s, right at 2s + 1). */
  readonly ctl: Float64Array;
  readonly left: Float32Array;
  readonly right: Float32Array;
  /** Filter `n` (≤ KERNEL_BLOCK) samples of left/right in place. */
  run(n: number): void;
}

/** tanhApprox of filters.ts (tanh.ts) lane-wise: the same expression tree. */
function tanhApprox(x: Local, ax: Local, x2: Local): Code {
  const { add, mul, div } = f64x2;
  const c = (v: number) => f64x2.splat(f64.const(v));
  const num = mul(
    get(x),
    add(add(c(2.4555), mul(c(2.4555), get(ax))), mul(get(x2), add(c(0.89323), mul(c(0.82123), get(ax))))),
  );
  const den = add(
    c(2.44507),
    mul(add(c(2.44507), get(x2)), f64x2.abs(add(get(x), mul(mul(c(0.81464), get(x)), get(ax))))),
  );
  return div(num, den);
}

export function analogPairKernelBytes(): Uint8Array<ArrayBuffer> {
  const fn = new FunctionBuilder([I32, I32]);
  const n = fn.params[1]!;
  const v = (name: string) => [name, fn.local(V128)] as const;
  const L = new Map(
    ["g0", "dg", "r", "d", "lp", "bp", "hp", "outGain", "z1", "z2", "t", "G", "omg", "GG", "reff", "inv2"]
      .concat(["a", "g2", "g2omg", "g2G", "dInv2", "fbZ2", "fbZ1", "x", "ax", "x2", "u", "s1", "s2", "band"])
      .map(v),
  );
  const l = (name: string) => L.get(name)!;
  const g = (name: string) => get(l(name));
  const i4 = fn.local(I32); // 4·i: byte offset of sample i in the buffers
  const end = fn.local(I32);
  const { add, sub, mul, div } = f64x2;
  const c = (x: number) => f64x2.splat(f64.const(x));
  const load = (slot: number) => v128.load(i32.const(0), slot * 16);
  const slots = Object.entries(SLOT) as [string, number][];
  const body = cat(
    ...slots.map(([name, slot]) => set(l(name), load(slot))),
    set(l("t"), c(0)),
    set(end, i32.shl(get(n), i32.const(2))),
    set(i4, i32.const(0)),
    block(
      loop(
        brIf(1, i32.geS(get(i4), get(end))),
        // t = i + 1, G = G0 + dG · t; AnalogCoefficients.set(G)
        set(l("t"), add(g("t"), c(1))),
        set(l("G"), add(g("g0"), mul(g("dg"), g("t")))),
        set(l("omg"), sub(c(1), g("G"))),
        set(l("GG"), sub(mul(g("G"), g("G")), g("G"))),
        set(l("reff"), div(g("r"), f64x2.max(c(1), add(c(0.97), mul(c(0.18), g("G")))))),
        set(l("inv2"), div(c(1), add(c(1), mul(g("reff"), g("GG"))))),
        set(l("a"), sub(c(1), mul(c(2), g("G")))),
        set(l("g2"), mul(c(2), g("G"))),
        set(l("g2omg"), mul(g("g2"), g("omg"))),
        set(l("g2G"), mul(g("g2"), g("G"))),
        set(l("dInv2"), mul(g("d"), g("inv2"))),
        set(l("fbZ2"), mul(mul(g("reff"), g("inv2")), g("omg"))),
        set(l("fbZ1"), mul(g("fbZ2"), g("omg"))),
        // the sample pair (left, right) as f64 lanes
        set(
          l("x"),
          f64x2.promoteLowF32x4(v128.load32Lane(get(i4), v128.load32Lane(get(i4), c(0), 0, BUF_L), 1, BUF_R)),
        ),
        // u = tanh(D·inv2·x + (fbZ1·z1 − fbZ2·z2))
        set(l("x"), add(mul(g("dInv2"), g("x")), sub(mul(g("fbZ1"), g("z1")), mul(g("fbZ2"), g("z2"))))),
        set(l("ax"), f64x2.abs(g("x"))),
        set(l("x2"), mul(g("x"), g("x"))),
        set(l("u"), tanhApprox(l("x"), l("ax"), l("x2"))),
        set(l("s1"), add(mul(g("omg"), g("z1")), mul(g("G"), g("u")))),
        set(l("s2"), add(mul(g("omg"), g("z2")), mul(g("G"), g("s1")))),
        set(l("z2"), add(add(mul(g("a"), g("z2")), mul(g("g2omg"), g("z1"))), mul(g("g2G"), g("u")))),
        set(l("z1"), add(mul(g("a"), g("z1")), mul(g("g2"), g("u")))),
        set(l("band"), sub(g("s1"), g("s2"))),
        set(
          l("x"),
          f64x2.demoteToF32x4(
            mul(
              add(
                add(mul(g("lp"), g("s2")), mul(g("bp"), g("band"))),
                mul(g("hp"), sub(sub(g("u"), g("s1")), g("band"))),
              ),
              g("outGain"),
            ),
          ),
        ),
        v128.store32Lane(get(i4), g("x"), 0, BUF_L),
        v128.store32Lane(get(i4), g("x"), 1, BUF_R),
        set(i4, i32.add(get(i4), i32.const(4))),
        br(0),
      ),
    ),
    v128.store(i32.const(0), g("z1"), SLOT.z1 * 16),
    v128.store(i32.const(0), g("z2"), SLOT.z2 * 16),
  );
  return assemble([{ name: "run", fn, body }], Math.ceil(BYTES / 65536));
}

export function analogPairKernel(mod: WebAssembly.Module): AnalogPairKernel {
  const { run, f } = instantiate(mod, BYTES);
  return {
    ctl: new Float64Array(f.buffer, 0, SLOTS * 2),
    left: new Float32Array(f.buffer, BUF_L, KERNEL_BLOCK),
    right: new Float32Array(f.buffer, BUF_R, KERNEL_BLOCK),
    run: (n) => run(0, n),
  };
}
