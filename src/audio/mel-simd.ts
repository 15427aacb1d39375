// The hot loops of mel.ts as a small WebAssembly module (f64x2 SIMD), assembled here from its instructions
// like the resampler's kernel (resample-simd.ts): one frame of the mel power spectrogram (the periodic-Hann
// power of an FFT frame, then the filterbank's dot products) and powerToDb (log10Positive, the floor). Each
// computes exactly what the JavaScript loop computes: the same double-precision operations in the same order
// (no fused multiply-add in either), so the results are equal to the last bit. mel.ts falls back to
// JavaScript where WebAssembly SIMD is missing.

import { localGet as get, localSet as set, section, sleb, uleb } from "../util/wasm-binary.ts";
import type { MelFilterbank } from "./mel.ts";

const I32 = 0x7f;
const F32 = 0x7d;
const F64 = 0x7c;
const V128 = 0x7b;
const I32_CONST = 0x41;
const F64_CONST = 0x44;
const I32_EQZ = 0x45;
const I32_GE_S = 0x4e;
const I32_GT_S = 0x4a;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_MUL = 0x6c;
const I32_LOAD = 0x28;
const F64_LOAD = 0x2b;
const F32_STORE = 0x38;
const F64_STORE = 0x39;
const F64_ADD = 0xa0;
const F64_MUL = 0xa2;
const F64_SUB = 0xa1;
const F64_DIV = 0xa3;
const F64_LT = 0x63;
const F64_GT = 0x64;
const I32_AND = 0x71;
const I32_OR = 0x72;
const I32_SHR_U = 0x76;
const F32_LOAD = 0x2a;
const I32_REINTERPRET_F32 = 0xbc;
const F32_REINTERPRET_I32 = 0xbe;
const F64_CONVERT_I32_S = 0xb7;
const F64_PROMOTE_F32 = 0xbb;
const IF = 0x04;
const ELSE = 0x05;
const F32_DEMOTE_F64 = 0xb6;
const BLOCK = 0x02;
const LOOP = 0x03;
const VOID = 0x40;
const BR = 0x0c;
const BR_IF = 0x0d;
const END = 0x0b;
const SIMD = 0xfd;
const V128_LOAD64_ZERO = [SIMD, ...uleb(0x5d)];
const F64X2_PROMOTE_LOW_F32X4 = [SIMD, ...uleb(0x5f)];
const F64X2_SPLAT = [SIMD, ...uleb(0x14)];
const F64X2_EXTRACT_LANE = [SIMD, ...uleb(0x21)];
const F64X2_ADD = [SIMD, ...uleb(0xf0)];
const F64X2_SUB = [SIMD, ...uleb(0xf1)];
const F64X2_MUL = [SIMD, ...uleb(0xf2)];

// Parameters of `frame`.
const SPEC = 0; // byte address of the frame's spectrum as complex f32 pairs X[−1], X[0] … X[n/2 + 1]
const FIRST = 1; // first and last bins computed
const LAST = 2;
const POWER = 3; // byte address of the f64 power row (bins 0 … n/2)
const BANDS = 4;
const TABLE = 5; // byte address of the bands' table: per band i32 power byte address, weights byte address, count
const OUT = 6; // byte address of the f32 mel row
// Locals.
const K = 7;
const ADDR = 8;
const M = 9;
const PP = 10;
const WP = 11;
const CNT = 12;
const ACC = 13;
const W = 14;

const f64 = (v: number) => [F64_CONST, ...new Uint8Array(new Float64Array([v]).buffer)];
/** X at byte address ADDR + offset, promoted to (re, im) in f64. */
const complexAt = (offset: number) => [
  ...get(ADDR),
  ...V128_LOAD64_ZERO,
  3,
  offset,
  ...F64X2_PROMOTE_LOW_F32X4,
];

// powerToDb: parameters, then locals.
const DB_P = 0; // byte address of the f32 powers
const DB_N = 1;
const DB_OUT = 2; // byte address of the f32 dB values (may equal DB_P)
const DB_AMIN = 3; // f64
const DB_OF_AMIN = 4; // f64: 10·log10Positive(amin), the value of every power ≤ amin (silence)
const DB_TOP = 5; // f64
const DB_I = 6;
const DB_BITS = 7;
const DB_X = 8; // f32
const DB_M = 9;
const DB_E = 10;
const DB_T = 11;
const DB_T2 = 12;
const DB_DB = 13;
const DB_MAX = 14;
const DB_FLOOR = 15;

/** Byte address of element I (f32) of the array at byte address `base`. */
const elementAt = (base: number) => [...get(base), ...get(DB_I), I32_CONST, 4, I32_MUL, I32_ADD];

function toDbBody(): number[] {
  // prettier-ignore
  return [
    // locals: 2 × i32 (I, BITS), 1 × f32 (X), 7 × f64 (M … FLOOR)
    3, 2, I32, 1, F32, 7, F64,
    ...f64(-Infinity), ...set(DB_MAX),
    I32_CONST, 0, ...set(DB_I),
    BLOCK, VOID, LOOP, VOID,
    ...get(DB_I), ...get(DB_N), I32_GE_S, BR_IF, 1,
    // p ≤ amin (silent frames: many): the dB of amin, computed once by the caller
    ...elementAt(DB_P), F32_LOAD, 2, 0, ...set(DB_X),
    ...get(DB_X), F64_PROMOTE_F32, ...get(DB_AMIN), F64_GT,
    IF, F64,
    // log10Positive: exponent from the bits, mantissa folded into [√½, √2], atanh series to t⁹
    ...get(DB_X), I32_REINTERPRET_F32, ...set(DB_BITS),
    ...get(DB_BITS), I32_CONST, 23, I32_SHR_U, I32_CONST, ...sleb(127), I32_SUB, F64_CONVERT_I32_S, ...set(DB_E),
    ...get(DB_BITS), I32_CONST, ...sleb(0x7fffff), I32_AND, I32_CONST, ...sleb(0x3f800000), I32_OR,
    F32_REINTERPRET_I32, F64_PROMOTE_F32, ...set(DB_M),
    ...get(DB_M), ...f64(Math.SQRT2), F64_GT,
    IF, VOID,
    ...get(DB_M), ...f64(0.5), F64_MUL, ...set(DB_M),
    ...get(DB_E), ...f64(1), F64_ADD, ...set(DB_E),
    END,
    ...get(DB_M), ...f64(1), F64_SUB, ...get(DB_M), ...f64(1), F64_ADD, F64_DIV, ...set(DB_T),
    ...get(DB_T), ...get(DB_T), F64_MUL, ...set(DB_T2),
    // ln = 2t · (1 + t²(1/3 + t²(1/5 + t²(1/7 + t²/9))))
    ...f64(2), ...get(DB_T), F64_MUL,
    ...f64(1), ...get(DB_T2),
    ...f64(1 / 3), ...get(DB_T2),
    ...f64(1 / 5), ...get(DB_T2),
    ...f64(1 / 7), ...get(DB_T2), ...f64(9), F64_DIV, F64_ADD,
    F64_MUL, F64_ADD,
    F64_MUL, F64_ADD,
    F64_MUL, F64_ADD,
    F64_MUL,
    // db = 10 · (e·log10 2 + ln·log10 e)
    ...f64(LOG10_E), F64_MUL, ...get(DB_E), ...f64(LOG10_2), F64_MUL, F64_ADD,
    ...f64(10), F64_MUL,
    ELSE, ...get(DB_OF_AMIN),
    END, ...set(DB_DB),
    ...elementAt(DB_OUT), ...get(DB_DB), F32_DEMOTE_F64, F32_STORE, 2, 0,
    ...get(DB_DB), ...get(DB_MAX), F64_GT, IF, VOID, ...get(DB_DB), ...set(DB_MAX), END,
    ...get(DB_I), I32_CONST, 1, I32_ADD, ...set(DB_I),
    BR, 0,
    END, END,
    // The floor: max − topDb.
    ...get(DB_MAX), ...get(DB_TOP), F64_SUB, ...set(DB_FLOOR),
    I32_CONST, 0, ...set(DB_I),
    BLOCK, VOID, LOOP, VOID,
    ...get(DB_I), ...get(DB_N), I32_GE_S, BR_IF, 1,
    ...elementAt(DB_OUT), F32_LOAD, 2, 0, F64_PROMOTE_F32, ...get(DB_FLOOR), F64_LT,
    IF, VOID, ...elementAt(DB_OUT), ...get(DB_FLOOR), F32_DEMOTE_F64, F32_STORE, 2, 0, END,
    ...get(DB_I), I32_CONST, 1, I32_ADD, ...set(DB_I),
    BR, 0,
    END, END,
    END,
  ];
}

const LOG10_2 = Math.log10(2);
const LOG10_E = Math.log10(Math.E);

function moduleBytes(): Uint8Array<ArrayBuffer> {
  // prettier-ignore
  const body: number[] = [
    // locals: 6 × i32 (K … CNT), 1 × f64 (ACC), 1 × v128 (W)
    3, 6, I32, 1, F64, 1, V128,
    // Power: Xw[k] = ½X[k] − ¼(X[k−1] + X[k+1]); P[k] = re² + im².
    ...get(FIRST), ...set(K),
    BLOCK, VOID, LOOP, VOID,
    ...get(K), ...get(LAST), I32_GT_S, BR_IF, 1,
    ...get(SPEC), ...get(K), I32_CONST, 8, I32_MUL, I32_ADD, ...set(ADDR),
    ...complexAt(8), ...f64(0.5), ...F64X2_SPLAT, ...F64X2_MUL,
    ...complexAt(0), ...complexAt(16), ...F64X2_ADD, ...f64(0.25), ...F64X2_SPLAT, ...F64X2_MUL,
    ...F64X2_SUB, ...set(W),
    ...get(W), ...get(W), ...F64X2_MUL, ...set(W),
    ...get(POWER), ...get(K), I32_CONST, 8, I32_MUL, I32_ADD,
    ...get(W), ...F64X2_EXTRACT_LANE, 0, ...get(W), ...F64X2_EXTRACT_LANE, 1, F64_ADD,
    F64_STORE, 3, 0,
    ...get(K), I32_CONST, 1, I32_ADD, ...set(K),
    BR, 0,
    END, END,
    // Bands: acc = Σ_j P[start + j] · w[j], in order.
    I32_CONST, 0, ...set(M),
    BLOCK, VOID, LOOP, VOID,
    ...get(M), ...get(BANDS), I32_GE_S, BR_IF, 1,
    ...get(TABLE), ...get(M), I32_CONST, 12, I32_MUL, I32_ADD, ...set(ADDR),
    ...get(ADDR), I32_LOAD, 2, 0, ...set(PP),
    ...get(ADDR), I32_LOAD, 2, 4, ...set(WP),
    ...get(ADDR), I32_LOAD, 2, 8, ...set(CNT),
    ...f64(0), ...set(ACC),
    BLOCK, VOID, LOOP, VOID,
    ...get(CNT), I32_EQZ, BR_IF, 1,
    ...get(ACC), ...get(PP), F64_LOAD, 3, 0, ...get(WP), F64_LOAD, 3, 0, F64_MUL, F64_ADD, ...set(ACC),
    ...get(PP), I32_CONST, 8, I32_ADD, ...set(PP),
    ...get(WP), I32_CONST, 8, I32_ADD, ...set(WP),
    ...get(CNT), I32_CONST, 1, I32_SUB, ...set(CNT),
    BR, 0,
    END, END,
    ...get(OUT), ...get(M), I32_CONST, 4, I32_MUL, I32_ADD, ...get(ACC), F32_DEMOTE_F64, F32_STORE, 2, 0,
    ...get(M), I32_CONST, 1, I32_ADD, ...set(M),
    BR, 0,
    END, END,
    END,
  ];
  const toDb = toDbBody();
  const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
  // prettier-ignore
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [
      2,
      0x60, 7, I32, I32, I32, I32, I32, I32, I32, 0, // frame: (7 × i32) → ()
      0x60, 6, I32, I32, I32, F64, F64, F64, 0, // todb: (p, n, out, amin, dB of amin, topDb) → ()
    ]),
    ...section(3, [2, 0, 1]),
    ...section(5, [1, 0x00, 1]), // one memory, min 1 page
    ...section(7, [3, ...name("frame"), 0x00, 0, ...name("todb"), 0x00, 1, ...name("mem"), 0x02, 0]),
    ...section(10, [2, ...uleb(body.length), ...body, ...uleb(toDb.length), ...toDb]),
  ];
  return new Uint8Array(bytes);
}

interface Instance {
  frame: (...a: number[]) => void;
  todb: (...a: number[]) => void;
  mem: WebAssembly.Memory;
  /** A view of the memory (replaced when it grows). */
  f32: Float32Array;
  /** Bytes used so far (regions are bump-allocated and never freed: one per filterbank and FFT size). */
  used: number;
  /** powerToDb's buffer (f32 values), reallocated larger when needed. */
  scratch: number;
  scratchLength: number;
}

let instance: Instance | null | undefined;

/** This thread's kernel instance, or null when this runtime has no WebAssembly SIMD. */
function kernel(): Instance | null {
  if (instance === undefined) {
    try {
      const inst = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes()), {});
      const mem = inst.exports.mem as WebAssembly.Memory;
      instance = {
        frame: inst.exports.frame as (...a: number[]) => void,
        todb: inst.exports.todb as (...a: number[]) => void,
        mem,
        f32: new Float32Array(mem.buffer),
        used: 0,
        scratch: 0,
        scratchLength: 0,
      };
    } catch {
      instance = null;
    }
  }
  return instance;
}

function alloc(k: Instance, bytes: number): number {
  const at = (k.used + 15) & ~15;
  k.used = at + bytes;
  const need = Math.ceil(k.used / 65536) - k.mem.buffer.byteLength / 65536;
  if (need > 0) {
    k.mem.grow(need);
    k.f32 = new Float32Array(k.mem.buffer);
  }
  return at;
}

/** A filterbank's frame kernel for one FFT size: fill `spectrum()` from an ordered real FFT, then `run()`. */
export class MelFrameKernel {
  private readonly k: Instance;
  private readonly spec: number;
  private readonly power: number;
  private readonly table: number;
  private readonly out: number;
  private readonly first: number;
  private readonly last: number;

  constructor(
    k: Instance,
    private readonly fb: MelFilterbank,
    private readonly nFft: number,
  ) {
    this.k = k;
    const bins = nFft / 2 + 1;
    this.spec = alloc(k, (nFft + 6) * 4);
    this.power = alloc(k, bins * 8);
    this.table = alloc(k, fb.bands * 12);
    const weights = alloc(k, fb.weights.length * 8);
    this.out = alloc(k, fb.bands * 4);
    new Float64Array(k.mem.buffer, weights, fb.weights.length).set(fb.weights);
    const table = new Int32Array(k.mem.buffer, this.table, fb.bands * 3);
    let first = bins - 1;
    let last = 0;
    for (let m = 0; m < fb.bands; m++) {
      const count = fb.count[m]!;
      table[3 * m] = this.power + 8 * fb.start[m]!;
      table[3 * m + 1] = weights + 8 * fb.offset[m]!;
      table[3 * m + 2] = count;
      if (count > 0) {
        first = Math.min(first, fb.start[m]!);
        last = Math.max(last, fb.start[m]! + count - 1);
      }
    }
    this.first = first <= last ? first : 0;
    this.last = first <= last ? last : -1;
  }

  /**
   * One frame: `fft` holds an ordered real FFT of size nFft (pffft layout: X[0], X[n/2], then re/im pairs of
   * X[1] … X[n/2 − 1]) at fft[at …]; the frame's mel powers (f32) are written to out[outAt …].
   */
  run(fft: Float32Array, at: number, out: Float32Array, outAt: number): void {
    const n = this.nFft;
    const half = n >> 1;
    const h = this.k.f32;
    const s = this.spec >> 2;
    // Complex pairs from X[−1] = conj X[1] to X[n/2 + 1] = conj X[n/2 − 1]; X[0] and X[n/2] are real.
    h.set(fft.subarray(at, at + n), s + 2);
    const xn = h[s + 3]!;
    h[s + 3] = 0;
    h[s] = h[s + 4]!;
    h[s + 1] = -h[s + 5]!;
    h[s + 2 + 2 * half] = xn;
    h[s + 3 + 2 * half] = 0;
    h[s + 4 + 2 * half] = h[s + 2 * half]!;
    h[s + 5 + 2 * half] = -h[s + 2 * half + 1]!;
    this.k.frame(this.spec, this.first, this.last, this.power, this.fb.bands, this.table, this.out);
    out.set(h.subarray(this.out >> 2, (this.out >> 2) + this.fb.bands), outAt);
  }
}

const kernels = new WeakMap<MelFilterbank, Map<number, MelFrameKernel>>();

/** The frame kernel of `fb` at FFT size `nFft` (built once per thread), or null without WebAssembly SIMD. */
export function melFrameKernel(fb: MelFilterbank, nFft: number): MelFrameKernel | null {
  const k = kernel();
  if (!k) return null;
  let bySize = kernels.get(fb);
  if (!bySize) kernels.set(fb, (bySize = new Map()));
  let mk = bySize.get(nFft);
  if (!mk) bySize.set(nFft, (mk = new MelFrameKernel(k, fb, nFft)));
  return mk;
}

/**
 * powerToDb (mel.ts) in the kernel: the same values to the last bit (`dbOfAmin` = 10·log10Positive(amin), the
 * value of every power ≤ amin). Returns false (and does nothing) when WebAssembly SIMD is unavailable.
 */
export function powerToDbKernel(
  p: Float32Array,
  n: number,
  out: Float32Array,
  amin: number,
  topDb: number,
  dbOfAmin: number,
): boolean {
  const k = kernel();
  if (!k) return false;
  if (n > k.scratchLength) {
    k.scratchLength = Math.max(n, 2 * k.scratchLength);
    k.scratch = alloc(k, k.scratchLength * 4);
  }
  const at = k.scratch >> 2;
  k.f32.set(n === p.length ? p : p.subarray(0, n), at);
  k.todb(k.scratch, n, k.scratch, amin, dbOfAmin, topDb);
  out.set(k.f32.subarray(at, at + n));
  return true;
}
