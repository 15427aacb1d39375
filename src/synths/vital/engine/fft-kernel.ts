// The inverse complex FFT's butterflies (Fft.transformBitReversed with inverse = true) as a WebAssembly
// kernel, for the real inverse that renders morphed wavetable cycles every block. The same operations in the
// same order as fft.ts, so the same output bits: the radix-2 stage (odd powers of two) and the first radix-4
// stage (twiddles 1) in scalar code, every later radix-4 stage on two neighbouring butterflies per step (one
// per 64-bit lane), which share a block and read consecutive twiddles.
// Memory: re (f64 × size), im (f64 × size), then per SIMD stage the twiddle rows w1r w1i w2r w2i w3r w3i.

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
  F64,
  type Code,
  type Local,
} from "./effects/wasm.ts";

export interface FftKernel {
  /** Real parts, input in bit-reversed order, output in natural order. */
  readonly re: Float64Array;
  readonly im: Float64Array;
  /** Inverse transform of re/im in place. */
  run(): void;
}

/** Stage block sizes h of the radix-4 stages (each joins four blocks of h points), as fft.ts runs them. */
function radix4Stages(size: number): number[] {
  const stages: number[] = [];
  for (let h = Math.log2(size) % 2 === 1 ? 2 : 1; 4 * h <= size; h *= 4) stages.push(h);
  return stages;
}

function layout(size: number) {
  const re = 0;
  const im = size * 8;
  const twiddles = new Map<number, number>();
  let at = size * 16;
  for (const h of radix4Stages(size)) {
    if (h < 2) continue;
    twiddles.set(h, at);
    at += 6 * h * 8;
  }
  return { re, im, twiddles, bytes: at };
}

/** `for (v = from; v < to; v += step) body` over i32 byte offsets. */
function forRange(v: Local, from: Code, to: Code, step: number, ...body: Code[]): Code {
  return cat(
    set(v, from),
    block(loop(brIf(1, i32.geS(get(v), to)), ...body, set(v, i32.add(get(v), i32.const(step))), br(0))),
  );
}

/**
 * One radix-4 butterfly in fft.ts's order on values of one kind (scalar f64 or f64x2 lanes): `x` loads point
 * j's real or imaginary part, `w` a twiddle (1, 2, 3; real or imaginary), `store` writes a result.
 */
interface Ops {
  mul: (a: Code, b: Code) => Code;
  add: (a: Code, b: Code) => Code;
  sub: (a: Code, b: Code) => Code;
  neg: (a: Code) => Code;
}

function butterfly(
  ops: Ops,
  x: (j: number, imag: boolean) => Code,
  w: (j: number, imag: boolean) => Code,
  store: (j: number, imag: boolean, value: Code) => Code,
  t: (name: string) => Local,
): Code {
  const { mul, add, sub, neg } = ops;
  // point 1 · w², point 2 · w, point 3 · w³
  const b = (name: string, j: number, tw: number): Code =>
    cat(
      set(t(`${name}r`), sub(mul(x(j, false), w(tw, false)), mul(x(j, true), w(tw, true)))),
      set(t(`${name}i`), add(mul(x(j, false), w(tw, true)), mul(x(j, true), w(tw, false)))),
    );
  const g = (name: string) => get(t(name));
  return cat(
    b("b1", 1, 2),
    b("b2", 2, 1),
    b("b3", 3, 3),
    set(t("s0r"), add(x(0, false), g("b1r"))),
    set(t("s0i"), add(x(0, true), g("b1i"))),
    set(t("d0r"), sub(x(0, false), g("b1r"))),
    set(t("d0i"), sub(x(0, true), g("b1i"))),
    set(t("s1r"), add(g("b2r"), g("b3r"))),
    set(t("s1i"), add(g("b2i"), g("b3i"))),
    // (b2 − b3) · i for the inverse transform
    set(t("d1r"), neg(sub(g("b2i"), g("b3i")))),
    set(t("d1i"), sub(g("b2r"), g("b3r"))),
    store(0, false, add(g("s0r"), g("s1r"))),
    store(0, true, add(g("s0i"), g("s1i"))),
    store(2, false, sub(g("s0r"), g("s1r"))),
    store(2, true, sub(g("s0i"), g("s1i"))),
    store(1, false, add(g("d0r"), g("d1r"))),
    store(1, true, add(g("d0i"), g("d1i"))),
    store(3, false, sub(g("d0r"), g("d1r"))),
    store(3, true, sub(g("d0i"), g("d1i"))),
  );
}

const TEMPS = [
  "b1r",
  "b1i",
  "b2r",
  "b2i",
  "b3r",
  "b3i",
  "s0r",
  "s0i",
  "d0r",
  "d0i",
  "s1r",
  "s1i",
  "d1r",
  "d1i",
];

export function fftKernelBytes(size: number): Uint8Array<ArrayBuffer> {
  const mem = layout(size);
  const fn = new FunctionBuilder([I32, I32]);
  const a = fn.local(I32); // byte offset of point 0 of the butterfly (or of the lane pair)
  const k = fn.local(I32); // byte offset of the twiddle index k within a stage's rows
  const scalar = new Map(TEMPS.map((n) => [n, fn.local(F64)]));
  const lanes = new Map(TEMPS.map((n) => [n, fn.local(V128)]));
  const tw = ["w1r", "w1i", "w2r", "w2i", "w3r", "w3i"].map(() => fn.local(V128));
  const base = (imag: boolean) => (imag ? mem.im : mem.re);
  const code: Code[] = [];

  if (Math.log2(size) % 2 === 1) {
    // radix-2 stage: sums and differences of neighbours, the second one first (as fft.ts)
    const at = (j: number, imag: boolean) => f64.load(get(a), base(imag) + 8 * j);
    const diff = (imag: boolean) => f64.store(get(a), f64.sub(at(0, imag), at(1, imag)), base(imag) + 8);
    const sum = (imag: boolean, x: Local) => f64.store(get(a), f64.add(at(0, imag), get(x)), base(imag));
    const xr = scalar.get("b1r")!;
    const xi = scalar.get("b1i")!;
    code.push(
      forRange(
        a,
        i32.const(0),
        i32.const(size * 8),
        16,
        set(xr, at(1, false)),
        set(xi, at(1, true)),
        diff(false),
        diff(true),
        sum(false, xr),
        sum(true, xi),
      ),
    );
  }
  const scalarOps: Ops = { mul: f64.mul, add: f64.add, sub: f64.sub, neg: f64.neg };
  const laneOps: Ops = { mul: f64x2.mul, add: f64x2.add, sub: f64x2.sub, neg: f64x2.neg };
  for (const h of radix4Stages(size)) {
    const point = (j: number, imag: boolean) => base(imag) + 8 * j * h;
    if (h === 1) {
      // k = 0 only: every twiddle is 1 + 0i (multiplied all the same, as fft.ts does)
      const w = (_: number, imag: boolean) => f64.const(imag ? 0 : 1);
      const x = (j: number, imag: boolean) => f64.load(get(a), point(j, imag));
      const store = (j: number, imag: boolean, v: Code) => f64.store(get(a), v, point(j, imag));
      code.push(
        forRange(
          a,
          i32.const(0),
          i32.const(size * 8),
          32,
          butterfly(scalarOps, x, w, store, (n) => scalar.get(n)!),
        ),
      );
      continue;
    }
    const rows = mem.twiddles.get(h)!;
    const x = (j: number, imag: boolean) => v128.load(get(a), point(j, imag));
    const store = (j: number, imag: boolean, v: Code) => v128.store(get(a), v, point(j, imag));
    const w = (j: number, imag: boolean) => get(tw[2 * (j - 1) + (imag ? 1 : 0)]!);
    code.push(
      forRange(
        k,
        i32.const(0),
        i32.const(h * 8),
        16,
        ...tw.map((l, r) => set(l, v128.load(get(k), rows + r * h * 8))),
        forRange(
          a,
          get(k),
          i32.const(size * 8),
          4 * h * 8,
          butterfly(laneOps, x, w, store, (n) => lanes.get(n)!),
        ),
      ),
    );
  }
  return assemble([{ name: "run", fn, body: cat(...code) }], Math.ceil(mem.bytes / 65536));
}

/**
 * An instance for `size` points, its twiddle rows filled from `twiddle(h, k)` (cos and the inverse's sin of
 * 2π·j·k/(4h), j = 1 … 3, as fft.ts stores them).
 */
export function fftKernel(
  mod: WebAssembly.Module,
  size: number,
  twiddle: (h: number, k: number) => readonly number[],
): FftKernel {
  const mem = layout(size);
  const { run, f } = instantiate(mod, mem.bytes);
  const all = new Float64Array(f.buffer);
  for (const [h, at] of mem.twiddles) {
    for (let k = 0; k < h; k++) {
      const w = twiddle(h, k);
      for (let r = 0; r < 6; r++) all[at / 8 + r * h + k] = w[r]!;
    }
  }
  return {
    re: new Float64Array(f.buffer, mem.re, size),
    im: new Float64Array(f.buffer, mem.im, size),
    run: () => run(0, 0),
  };
}
