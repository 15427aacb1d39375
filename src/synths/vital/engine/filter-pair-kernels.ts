// Filter models on a stereo pair as WebAssembly SIMD kernels: the left channel in one 64-bit lane, the right in
// the other, with the same operations in the same order as the scalar code in filters.ts and ladder.ts (so the
// same output bits). The cutoff coefficient ramps linearly across the block, so what depends on it is
// recomputed every sample — unless it holds (a step of zero): then once per block. Memory: a control block of (left, right) f64 pairs (each model's slots), then the
// left and right block buffers (f32).

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
  ifThen,
  i32,
  leaseInstance,
  loop,
  set,
  v128,
  V128,
  type Code,
  type Local,
} from "./effects/wasm.ts";

/** Control slots of the analog kernels: lane pairs (left, right), 16 bytes each. */
export const ANALOG_SLOT = {
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
  /** Integrator states, read and written back: the saturating stage's, then the first stage's (two-stage styles). */
  z1: 8,
  z2: 9,
  y1: 10,
  y2: 11,
} as const;

/** The analog model's kernels: 12 dB (one stage), the two-stage styles, notch spread (two stages, dual mix). */
export const ANALOG_12DB = 0;
export const ANALOG_TWO_STAGE = 1;
export const ANALOG_DUAL = 2;

/** Control slots of the ladder kernel. */
export const LADDER_SLOT = {
  /** One-pole coefficient g before the block and its step per sample. */
  g0: 0,
  dg: 1,
  resonance: 2,
  drive: 3,
  post: 4,
  /** Tap weights: input, stages 1 … 4. */
  w0: 5,
  w1: 6,
  w2: 7,
  w3: 8,
  w4: 9,
  /** Per stage: integrator state and its saturated value, read and written back. */
  z0: 10,
  z1: 11,
  z2: 12,
  z3: 13,
  zs0: 14,
  zs1: 15,
  zs2: 16,
  zs3: 17,
} as const;

const SLOTS = 18;
export const KERNEL_BLOCK = 4096;
const BUF_L = SLOTS * 16;
const BUF_R = BUF_L + KERNEL_BLOCK * 4;
const BYTES = BUF_R + KERNEL_BLOCK * 4;

/** A kernel instance: its control block and block buffers. */
export class PairKernel {
  /** The control block as f64 (slot s: left at 2s, right at 2s + 1). */
  readonly ctl: Float64Array;
  private readonly memory: ArrayBuffer;
  private readonly run_: (ctl: number, n: number) => void;
  /** The block buffers, whole … */
  private readonly fullLeft: Float32Array;
  private readonly fullRight: Float32Array;
  /** … and as long as the caller's buffers (remade when that length changes). */
  private left: Float32Array;
  private right: Float32Array;

  constructor(mod: WebAssembly.Module) {
    const { run, f } = leaseInstance(mod, BYTES);
    this.run_ = run;
    this.memory = f.buffer as ArrayBuffer;
    this.ctl = new Float64Array(this.memory, 0, SLOTS * 2);
    this.fullLeft = this.left = new Float32Array(this.memory, BUF_L, KERNEL_BLOCK);
    this.fullRight = this.right = new Float32Array(this.memory, BUF_R, KERNEL_BLOCK);
  }

  set(slot: number, left: number, right: number): void {
    this.ctl[2 * slot] = left;
    this.ctl[2 * slot + 1] = right;
  }

  /**
   * Filter `n` (≤ KERNEL_BLOCK) samples of bufL/bufR in place. Whole buffers (up to KERNEL_BLOCK long) are
   * copied in and out with `set` (a memory copy, where an element loop cost ~2 ns per sample): what lies past
   * `n` goes out as it came in.
   */
  run(bufL: Float32Array, bufR: Float32Array, n: number): void {
    const m = bufL.length;
    if (m !== bufR.length || m > KERNEL_BLOCK) {
      this.runLoop(bufL, bufR, n);
      return;
    }
    if (this.left.length !== m) {
      this.left = new Float32Array(this.memory, BUF_L, m);
      this.right = new Float32Array(this.memory, BUF_R, m);
    }
    this.left.set(bufL);
    this.right.set(bufR);
    this.run_(0, n);
    bufL.set(this.left);
    bufR.set(this.right);
  }

  private runLoop(bufL: Float32Array, bufR: Float32Array, n: number): void {
    const kl = this.fullLeft;
    const kr = this.fullRight;
    for (let i = 0; i < n; i++) {
      kl[i] = bufL[i]!;
      kr[i] = bufR[i]!;
    }
    this.run_(0, n);
    for (let i = 0; i < n; i++) {
      bufL[i] = kl[i]!;
      bufR[i] = kr[i]!;
    }
  }
}

/** What a pair kernel computes per sample, on f64 lane pairs named like locals. */
interface LaneProgram {
  slots: Readonly<Record<string, number>>;
  /** Slots written back after the block (the states). */
  states: readonly string[];
  /**
   * What depends only on `t` (the ramped cutoff): computed every sample while the slot `ramp` (the cutoff's
   * step) is non-zero in a lane, else once before the block — with `t` = 1, the same bits as every sample.
   */
  coefficients: (v: (name: string) => Local) => Code[];
  ramp: string;
  /**
   * One sample: code using `x` (the input pair) and `t` (the sample's index + 1) that leaves the output pair
   * in `y`. `v(name)` is the lane-pair local of that name (a slot's value, or a temporary).
   */
  sample: (v: (name: string) => Local) => Code[];
}

function pairKernelBytes(p: LaneProgram): Uint8Array<ArrayBuffer> {
  const fn = new FunctionBuilder([I32, I32]);
  const n = fn.params[1]!;
  const locals = new Map<string, Local>();
  const v = (name: string): Local => {
    let l = locals.get(name);
    if (!l) {
      l = fn.local(V128);
      locals.set(name, l);
    }
    return l;
  };
  const i4 = fn.local(I32); // 4·i: byte offset of sample i in the buffers
  const end = fn.local(I32);
  const ramping = fn.local(I32);
  const slots = Object.entries(p.slots);
  const coefficients = cat(...p.coefficients(v));
  const body = cat(
    ...slots.map(([name, slot]) => set(v(name), v128.load(i32.const(0), slot * 16))),
    set(ramping, v128.anyTrue(f64x2.ne(get(v(p.ramp)), lanes(0)))),
    set(v("t"), lanes(1)),
    coefficients,
    set(v("t"), lanes(0)),
    set(end, i32.shl(get(n), i32.const(2))),
    set(i4, i32.const(0)),
    block(
      loop(
        brIf(1, i32.geS(get(i4), get(end))),
        set(v("t"), f64x2.add(get(v("t")), lanes(1))),
        ifThen(get(ramping), coefficients),
        // the sample pair (left, right) as f64 lanes
        set(
          v("x"),
          f64x2.promoteLowF32x4(
            v128.load32Lane(get(i4), v128.load32Lane(get(i4), lanes(0), 0, BUF_L), 1, BUF_R),
          ),
        ),
        ...p.sample(v),
        set(v("y"), f64x2.demoteToF32x4(get(v("y")))),
        v128.store32Lane(get(i4), get(v("y")), 0, BUF_L),
        v128.store32Lane(get(i4), get(v("y")), 1, BUF_R),
        set(i4, i32.add(get(i4), i32.const(4))),
        br(0),
      ),
    ),
    ...p.states.map((name) => v128.store(i32.const(0), get(v(name)), p.slots[name]! * 16)),
  );
  return assemble([{ name: "run", fn, body }], Math.ceil(BYTES / 65536));
}

const lanes = (x: number): Code => f64x2.splat(f64.const(x));

/** Lane-wise expression helpers over named locals. */
function ops(v: (name: string) => Local) {
  const g = (name: string) => get(v(name));
  const let_ = (name: string, value: Code) => set(v(name), value);
  return { g, let_, ...f64x2, c: lanes };
}

/** tanhApprox of tanh.ts, lane-wise: the same expression tree. */
function tanhApprox(x: Code, v: (name: string) => Local, prefix: string): Code[] {
  const { g, let_, add, mul, div, abs, c } = ops(v);
  const [xx, ax, x2] = [`${prefix}x`, `${prefix}ax`, `${prefix}x2`];
  return [
    let_(xx, x),
    let_(ax, abs(g(xx))),
    let_(x2, mul(g(xx), g(xx))),
    let_(
      `${prefix}`,
      div(
        mul(
          g(xx),
          add(add(c(2.4555), mul(c(2.4555), g(ax))), mul(g(x2), add(c(0.89323), mul(c(0.82123), g(ax))))),
        ),
        add(c(2.44507), mul(add(c(2.44507), g(x2)), abs(add(g(xx), mul(mul(c(0.81464), g(xx)), g(ax)))))),
      ),
    ),
  ];
}

/**
 * VoiceFilter.processAnalogPair (AnalogCoefficients.set, then for the two-stage styles the linear stage, then the
 * saturating stage) for one of ANALOG_12DB, ANALOG_TWO_STAGE, ANALOG_DUAL.
 */
export function analogPairKernelBytes(variant: number): Uint8Array<ArrayBuffer> {
  const twoStage = variant !== ANALOG_12DB;
  const dual = variant === ANALOG_DUAL;
  const { y1: _y1, y2: _y2, ...oneStageSlots } = ANALOG_SLOT;
  return pairKernelBytes({
    slots: twoStage ? ANALOG_SLOT : oneStageSlots,
    states: twoStage ? ["z1", "z2", "y1", "y2"] : ["z1", "z2"],
    ramp: "dg",
    coefficients: (v) => {
      const { g, let_, add, sub, mul, div, max, c } = ops(v);
      return [
        let_("G", add(g("g0"), mul(g("dg"), g("t")))),
        let_("omg", sub(c(1), g("G"))),
        let_("GG", sub(mul(g("G"), g("G")), g("G"))),
        let_("reff", div(g("r"), max(c(1), add(c(0.97), mul(c(0.18), g("G")))))),
        let_("inv2", div(c(1), add(c(1), mul(g("reff"), g("GG"))))),
        let_("a", sub(c(1), mul(c(2), g("G")))),
        let_("g2", mul(c(2), g("G"))),
        let_("g2omg", mul(g("g2"), g("omg"))),
        let_("g2G", mul(g("g2"), g("G"))),
        ...(twoStage
          ? [
              let_("inv1", div(c(1), add(c(1), g("GG")))),
              let_("fbY2", mul(g("inv1"), g("omg"))),
              let_("fbY1", mul(g("fbY2"), g("omg"))),
            ]
          : []),
        let_("dInv2", mul(g("d"), g("inv2"))),
        let_("fbZ2", mul(mul(g("reff"), g("inv2")), g("omg"))),
        let_("fbZ1", mul(g("fbZ2"), g("omg"))),
      ];
    },
    sample: (v) => {
      const { g, let_, add, sub, mul, c } = ops(v);
      // the linear first stage: x becomes its low/band/high mix
      const firstStage = [
        let_("v", add(mul(g("inv1"), g("x")), sub(mul(g("fbY1"), g("y1")), mul(g("fbY2"), g("y2"))))),
        let_("p1", add(mul(g("omg"), g("y1")), mul(g("G"), g("v")))),
        let_("p2", add(mul(g("omg"), g("y2")), mul(g("G"), g("p1")))),
        let_("y2", add(add(mul(g("a"), g("y2")), mul(g("g2omg"), g("y1"))), mul(g("g2G"), g("v")))),
        let_("y1", add(mul(g("a"), g("y1")), mul(g("g2"), g("v")))),
        let_("pband", sub(g("p1"), g("p2"))),
        let_(
          "x",
          add(
            add(mul(g("lp"), g("p2")), dual ? c(0) : mul(g("bp"), g("pband"))),
            mul(g("hp"), sub(sub(g("v"), g("p1")), g("pband"))),
          ),
        ),
      ];
      // the dual style's second stage swaps low and high
      const mix = dual
        ? add(mul(g("hp"), g("s2")), mul(g("lp"), add(sub(g("u"), mul(c(2), g("s1"))), g("s2"))))
        : add(
            add(mul(g("lp"), g("s2")), mul(g("bp"), g("band"))),
            mul(g("hp"), sub(sub(g("u"), g("s1")), g("band"))),
          );
      return [
        ...(twoStage ? firstStage : []),
        // u = tanh(D·inv2·x + (fbZ1·z1 − fbZ2·z2))
        ...tanhApprox(
          add(mul(g("dInv2"), g("x")), sub(mul(g("fbZ1"), g("z1")), mul(g("fbZ2"), g("z2")))),
          v,
          "u",
        ),
        let_("s1", add(mul(g("omg"), g("z1")), mul(g("G"), g("u")))),
        let_("s2", add(mul(g("omg"), g("z2")), mul(g("G"), g("s1")))),
        let_("z2", add(add(mul(g("a"), g("z2")), mul(g("g2omg"), g("z1"))), mul(g("g2G"), g("u")))),
        let_("z1", add(mul(g("a"), g("z1")), mul(g("g2"), g("u")))),
        let_("band", sub(g("s1"), g("s2"))),
        let_("y", mul(mix, g("outGain"))),
      ];
    },
  });
}

/** LadderFilter.tick (ladder.ts): the tanh at the loop input, four saturating stages, the tap mix. */
export function ladderPairKernelBytes(): Uint8Array<ArrayBuffer> {
  return pairKernelBytes({
    slots: LADDER_SLOT,
    states: ["z0", "z1", "z2", "z3", "zs0", "zs1", "zs2", "zs3"],
    ramp: "dg",
    coefficients: (v) => {
      const { g, let_, add, mul, c } = ops(v);
      return [
        let_("gc", add(g("g0"), mul(g("dg"), g("t")))),
        let_("k1", mul(g("gc"), c(1.66))),
        let_("k2", mul(g("k1"), g("k1"))),
        let_("k3", mul(g("k1"), g("k2"))),
      ];
    },
    sample: (v) => {
      const { g, let_, add, sub, mul, div, c } = ops(v);
      // saturate(x) = x − 0.9·x·x²/(x² + 3)
      const saturate = (to: string, from: string): Code[] => [
        let_("sx2", mul(g(from), g(from))),
        let_(to, sub(g(from), div(mul(mul(c(0.9), g(from)), g("sx2")), add(g("sx2"), c(3))))),
      ];
      const stage = (s: number): Code[] => [
        let_("gz", mul(g("gc"), g(`zs${s}`))),
        let_("st", add(mul(g("gc"), g(`t${s}`)), sub(g(`z${s}`), g("gz")))),
        ...saturate(`t${s + 1}`, "st"),
        let_(`z${s}`, add(g("st"), sub(mul(g("gc"), g(`t${s}`)), g("gz")))),
        ...saturate(`zs${s}`, `z${s}`),
      ];
      return [
        let_(
          "fb",
          add(add(add(g("zs3"), mul(g("k1"), g("zs2"))), mul(g("k2"), g("zs1"))), mul(g("k3"), g("zs0"))),
        ),
        ...tanhApprox(sub(mul(g("x"), g("drive")), mul(g("resonance"), g("fb"))), v, "t0"),
        ...stage(0),
        ...stage(1),
        ...stage(2),
        ...stage(3),
        let_(
          "y",
          mul(
            add(
              add(
                add(add(mul(g("w0"), g("t0")), mul(g("w1"), g("t1"))), mul(g("w2"), g("t2"))),
                mul(g("w3"), g("t3")),
              ),
              mul(g("w4"), g("t4")),
            ),
            g("post"),
          ),
        ),
      ];
    },
  });
}
