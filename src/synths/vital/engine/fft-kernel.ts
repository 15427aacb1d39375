// The real inverse FFT that renders morphed wavetable cycles every block (RealInverseFft.inverse in fft.ts) as a
// WebAssembly kernel: the half spectrum folded into a half-size complex spectrum, the inverse complex
// butterflies (Fft.transformBitReversed), and the interleaved scaled output. The same operations in the same
// order as fft.ts, so the same output bits: the fold, the radix-2 stage (odd powers of two) and the first
// radix-4 stage (twiddles 1) in scalar code, every later radix-4 stage on two neighbouring butterflies per step
// (one per 64-bit lane: they share a block and read consecutive twiddles), the output two samples per step.
// Memory (f64 unless said): z re and im (m each), per SIMD stage the twiddle rows w1r w1i w2r w2i w3r w3i, the
// spectrum re and im (m + 2 each), the fold's twiddles wr and wi (m each), the bit-reversed byte offsets (i32 ×
// m), the output scale, the output (f32 × 2m).

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

export interface RealInverseKernel {
  /** Spectrum bins 0 … m (real and imaginary parts; m + 2 slots). */
  readonly re: Float64Array;
  readonly im: Float64Array;
  /** The 2m output samples of the last run. */
  readonly out: Float32Array;
  /** Transform the spectrum into `out`, multiplied by `scale` (RealInverseFft.inverse's 2 · scale). */
  run(scale: number): void;
}

/** Stage block sizes h of the radix-4 stages (each joins four blocks of h points), as fft.ts runs them. */
function radix4Stages(size: number): number[] {
  const stages: number[] = [];
  for (let h = Math.log2(size) % 2 === 1 ? 2 : 1; 4 * h <= size; h *= 4) stages.push(h);
  return stages;
}

/** Byte addresses of the kernel's arrays for a half-size (complex) transform of `size` points. */
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
  const specRe = at;
  const specIm = specRe + (size + 2) * 8;
  const wr = specIm + (size + 2) * 8;
  const wi = wr + size * 8;
  const rev = wi + size * 8;
  const scale = rev + size * 4;
  const out = scale + 8;
  return { re, im, twiddles, specRe, specIm, wr, wi, rev, scale, out, bytes: out + size * 8 };
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

/** The first ten of TEMPS, named for another use. */
type TenNames = [string, string, string, string, string, string, string, string, string, string];

export function realInverseKernelBytes(size: number): Uint8Array<ArrayBuffer> {
  const mem = layout(size);
  const fn = new FunctionBuilder([I32, I32]);
  const a = fn.local(I32); // byte offset of point 0 of the butterfly (or of the lane pair)
  const k = fn.local(I32); // byte offset of the twiddle index k within a stage's rows
  const scalar = new Map(TEMPS.map((n) => [n, fn.local(F64)]));
  const lanes = new Map(TEMPS.map((n) => [n, fn.local(V128)]));
  const tw = ["w1r", "w1i", "w2r", "w2i", "w3r", "w3i"].map(() => fn.local(V128));
  const base = (imag: boolean) => (imag ? mem.im : mem.re);
  const code: Code[] = [fold(size, mem, a, k, (n) => scalar.get(n)!)];

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
  code.push(output(size, mem, a, lanes.get("b1r")!, lanes.get("b1i")!, lanes.get("b2r")!));
  return assemble([{ name: "run", fn, body: cat(...code) }], Math.ceil(mem.bytes / 65536));
}

/**
 * Bins k and m − k of the half spectrum → point k of the half-size spectrum Z = E + j·O (E, O: the even and odd
 * samples' spectra, O = d · e^{+2πjk/n}), stored at its bit-reversed position.
 */
function fold(
  size: number,
  mem: ReturnType<typeof layout>,
  kb: Local,
  mk: Local,
  t: (n: string) => Local,
): Code {
  const { add, sub, mul, neg } = f64;
  const half = (x: Code) => mul(f64.const(0.5), x);
  const g = (n: string) => get(t(n));
  // temporaries ar ai br bi er ei dr di or oi: the butterfly's first ten scalar locals, reused
  const [ar, ai, br, bi, er, ei, dr, di, or, oi] = TEMPS as TenNames;
  const position = i32.load(i32.shrS(get(kb), i32.const(1)), mem.rev);
  return forRange(
    kb,
    i32.const(0),
    i32.const(size * 8),
    8,
    set(mk, i32.sub(i32.const(size * 8), get(kb))),
    set(t(ar!), f64.load(get(kb), mem.specRe)),
    set(t(ai!), f64.load(get(kb), mem.specIm)),
    set(t(br!), f64.load(get(mk), mem.specRe)),
    set(t(bi!), neg(f64.load(get(mk), mem.specIm))),
    set(t(er!), half(add(g(ar!), g(br!)))),
    set(t(ei!), half(add(g(ai!), g(bi!)))),
    set(t(dr!), half(sub(g(ar!), g(br!)))),
    set(t(di!), half(sub(g(ai!), g(bi!)))),
    set(t(or!), sub(mul(g(dr!), f64.load(get(kb), mem.wr)), mul(g(di!), f64.load(get(kb), mem.wi)))),
    set(t(oi!), add(mul(g(dr!), f64.load(get(kb), mem.wi)), mul(g(di!), f64.load(get(kb), mem.wr)))),
    // stored at the bit-reversed position (the table holds its byte offset)
    f64.store(position, sub(g(er!), g(oi!)), mem.re),
    f64.store(position, add(g(ei!), g(or!)), mem.im),
  );
}

/** out[2i] = z_re[i] · scale, out[2i + 1] = z_im[i] · scale (as f32), two i per step. */
function output(size: number, mem: ReturnType<typeof layout>, a: Local, s: Local, x: Local, y: Local): Code {
  return cat(
    set(s, f64x2.splat(f64.load(i32.const(0), mem.scale))),
    forRange(
      a,
      i32.const(0),
      i32.const(size * 8),
      16,
      set(x, f64x2.demoteToF32x4(f64x2.mul(v128.load(get(a), mem.re), get(s)))),
      set(y, f64x2.demoteToF32x4(f64x2.mul(v128.load(get(a), mem.im), get(s)))),
      // the output's byte offset for samples 2i, 2i + 1 is 8i, the z arrays' offset for i
      v128.store(get(a), v128.shuffle32(get(x), get(y), [0, 4, 1, 5]), mem.out),
    ),
  );
}

/**
 * An instance for a real inverse of 2·`size` points: `twiddle(h, k)` gives the butterflies' twiddle rows (cos
 * and the inverse's sin of 2π·j·k/(4h), j = 1 … 3, as fft.ts stores them), `wr`/`wi` the fold's twiddles and
 * `rev` the bit-reversed positions.
 */
export function realInverseKernel(
  mod: WebAssembly.Module,
  size: number,
  twiddle: (h: number, k: number) => readonly number[],
  wr: Float64Array,
  wi: Float64Array,
  rev: Uint32Array,
): RealInverseKernel {
  const mem = layout(size);
  const { run, f, i } = instantiate(mod, mem.bytes);
  const all = new Float64Array(f.buffer);
  for (const [h, at] of mem.twiddles) {
    for (let k = 0; k < h; k++) {
      const w = twiddle(h, k);
      for (let r = 0; r < 6; r++) all[at / 8 + r * h + k] = w[r]!;
    }
  }
  all.set(wr, mem.wr / 8);
  all.set(wi, mem.wi / 8);
  for (let k = 0; k < size; k++) i[mem.rev / 4 + k] = rev[k]! * 8;
  const scale = new Float64Array(f.buffer, mem.scale, 1);
  return {
    re: new Float64Array(f.buffer, mem.specRe, size + 2),
    im: new Float64Array(f.buffer, mem.specIm, size + 2),
    out: new Float32Array(f.buffer, mem.out, 2 * size),
    run: (s) => {
      scale[0] = s;
      run(0, 0);
    },
  };
}
