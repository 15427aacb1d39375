// Operator kernels over one shared Int32 memory: the sine table at word 0, then buses and feedback histories
// allocated by the voices. Three implementations with identical results: scalar WebAssembly assembled here from
// a few dozen opcodes (64-bit products as msfa computes them; the default), a variant with 128-bit SIMD for the
// plain and modulated operators (four samples per step; fewer instructions, but measured slower), and plain
// JavaScript (about 4× slower; the fallback where WebAssembly is unavailable, and the reference the tests
// compare the others with).
// Integer behaviour of msfa's fm_op_kernel.cc (Google, Apache-2.0); see ../shared/reference/dx7.md §2.9.
import { SIN_TD } from "./tables.ts";
import { section, sleb, uleb } from "../../../util/wasm-binary.ts";

export const N = 64;
/** Words of the sine table at the start of the memory. */
const TABLE_WORDS = 2048;

/** "wasm-simd": WebAssembly with 128-bit SIMD; "wasm": scalar WebAssembly; "js": plain JavaScript. */
export type KernelKind = "wasm-simd" | "wasm" | "js";
/**
 * What to use: "wasm" scalar WebAssembly (the default: measured fastest), "wasm-simd" the SIMD variant (fewer
 * instructions but slower on the project machine: the table reads must be moved lane by lane), each falling
 * back to what is available; "js" plain JavaScript.
 */
export type KernelPreference = "wasm" | "wasm-simd" | "js";

/** Words per operator command: kernel, out, in, shift, phase, freq, g, dg (addresses in bytes). */
export const CMD_WORDS = 8;
/** Kernel numbers: variant · 2 + add. */
export const K_PLAIN = 0;
export const K_MODULATED = 2;
export const K_FEEDBACK = 4;
/** Command words reserved per block (six operators). */
export const BLOCK_CMD_WORDS = 6 * CMD_WORDS;

/**
 * The kernels work on one Int32 memory. A voice block is a list of operator commands (CMD_WORDS words each, at
 * word `cmd`): `run` clears the accumulator at word `acc`, renders each command — 64 samples of SIN(φ + input)
 * · g ≫ 24 with the gain stepped by dg before every sample, written or added to `out`; the input is a bus, the
 * operator's own feedback ((y[−2] + y[−1]) ≫ shift, history at `in`) or nothing — and quantises the
 * accumulator to 16 bits (Dexed's output stage) at halfword `q` of `mem16`.
 */
export interface FmKernels {
  readonly kind: KernelKind;
  readonly mem: Int32Array;
  readonly mem16: Int16Array;
  /** Reserve `words` zeroed words; returns their offset. */
  alloc(words: number): number;
  /**
   * Render `blocks` consecutive blocks: block b takes its commands from word cmd + b · BLOCK_CMD_WORDS (their
   * number at word counts + b) and writes its 16-bit samples at halfword q + 64 · b.
   */
  run(blocks: number, cmd: number, counts: number, acc: number, q: number): void;
}

class Allocator {
  next = TABLE_WORDS;
  constructor(readonly capacityWords: number) {}
  alloc(words: number): number {
    const at = this.next;
    if (at + words > this.capacityWords) throw new Error("dx7 kernel memory exhausted");
    this.next += words;
    return at;
  }
}

// ---- JavaScript ------------------------------------------------------------------------------------------

/** (s · g) ≫ 24 exactly for |s| ≤ 2^25 and any i32 g (split so partial products stay below 2^53). */
function mulShift24(s: number, g: number): number {
  const gh = Math.floor(g / 4096);
  const gl = g - gh * 4096;
  return Math.floor((s * gh + Math.floor((s * gl) / 4096)) / 4096) | 0;
}

function jsKernels(words: number): FmKernels {
  const mem = new Int32Array(words);
  const mem16 = new Int16Array(mem.buffer);
  mem.set(SIN_TD, 0);
  const a = new Allocator(words);
  const op = (
    kernel: number,
    out: number,
    inp: number,
    shift: number,
    phase: number,
    freq: number,
    g: number,
    dg: number,
  ) => {
    const add = (kernel & 1) === 1;
    const variant = kernel >> 1;
    let y1 = variant === 2 ? mem[inp]! : 0;
    let y2 = variant === 2 ? mem[inp + 1]! : 0;
    for (let j = 0; j < N; j++) {
      g = (g + dg) | 0;
      const p =
        variant === 0
          ? phase
          : variant === 1
            ? (phase + mem[inp + j]!) | 0
            : (phase + ((y2 + y1) >> shift)) | 0;
      const i = (p >> 13) & 2046;
      const y = mulShift24(mem[i]! + ((mem[i + 1]! * (p & 16383)) >> 14), g);
      y2 = y1;
      y1 = y;
      mem[out + j] = add ? (mem[out + j]! + y) | 0 : y;
      phase = (phase + freq) | 0;
    }
    if (variant === 2) {
      mem[inp] = y1;
      mem[inp + 1] = y2;
    }
  };
  return {
    kind: "js",
    mem,
    mem16,
    alloc: (w) => a.alloc(w),
    run(blocks, cmd0, counts, acc, q0) {
      for (let blk = 0; blk < blocks; blk++)
        runBlock(cmd0 + blk * BLOCK_CMD_WORDS, mem[counts + blk]!, acc, q0 + blk * N);
    },
  };
  function runBlock(cmd: number, count: number, acc: number, q: number): void {
    mem.fill(0, acc, acc + N);
    for (let c = 0; c < count; c++) {
      const b = cmd + c * CMD_WORDS;
      op(
        mem[b]!,
        mem[b + 1]! >> 2,
        mem[b + 2]! >> 2,
        mem[b + 3]!,
        mem[b + 4]!,
        mem[b + 5]!,
        mem[b + 6]!,
        mem[b + 7]!,
      );
    }
    for (let j = 0; j < N; j++) {
      const v = mem[acc + j]! >> 4;
      mem16[q + j] = v < -(1 << 24) ? -32768 : v >= 1 << 24 ? 32767 : v >> 9;
    }
  }
}

// ---- WebAssembly -----------------------------------------------------------------------------------------

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

const I32 = 0x7f;
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const tee = (i: number) => [0x22, i];
const i32c = (n: number) => [0x41, ...sleb(n)];
const load = (offset = 0) => [0x28, 2, ...uleb(offset)];
const store = (offset = 0) => [0x36, 2, ...uleb(offset)];
const ADD = 0x6a;
const MUL = 0x6c;
const AND = 0x71;
const SHR_S = 0x75;
const LT_U = 0x49;

// Parameters (all i32, byte addresses): 0 out, 1 in (input bus or feedback history), 2 shift, 3 phase, 4 freq,
// 5 g, 6 dg. Locals: 7 end, 8 p, 9 table offset, 10 y, 11 y1, 12 y2.
const UNROLL = 4;

function kernelBody(variant: "plain" | "modulated" | "feedback", add: boolean): number[] {
  const code: number[] = [];
  code.push(...get(0), ...i32c(N * 4), ADD, ...set(7));
  if (variant === "feedback") code.push(...get(1), ...load(0), ...set(11), ...get(1), ...load(4), ...set(12));
  code.push(0x03, 0x40); // loop, UNROLL samples per iteration
  for (let u = 0; u < UNROLL; u++) {
    code.push(...get(5), ...get(6), ADD, ...set(5));
    if (variant === "plain") code.push(...get(3), ...set(8));
    if (variant === "modulated") code.push(...get(3), ...get(1), ...load(4 * u), ADD, ...set(8));
    if (variant === "feedback")
      code.push(...get(3), ...get(12), ...get(11), ADD, ...get(2), SHR_S, ADD, ...set(8));
    code.push(...get(8), ...i32c(11), SHR_S, ...i32c(8184), AND, ...set(9));
    // s = T[i] + ((D[i] · (p & 16383)) ≫ 14); y = wrap((i64 s · i64 g) ≫ 24)
    code.push(
      ...get(9),
      ...load(0),
      ...get(9),
      ...load(4),
      ...get(8),
      ...i32c(16383),
      AND,
      MUL,
      ...i32c(14),
      SHR_S,
      ADD,
    );
    code.push(0xac, ...get(5), 0xac, 0x7e, 0x42, 24, 0x87, 0xa7, ...set(10));
    if (variant === "feedback") code.push(...get(11), ...set(12), ...get(10), ...set(11));
    code.push(...get(0));
    if (add) code.push(...get(0), ...load(4 * u), ...get(10), ADD);
    else code.push(...get(10));
    code.push(...store(4 * u));
    code.push(...get(3), ...get(4), ADD, ...set(3));
  }
  if (variant === "modulated") code.push(...get(1), ...i32c(4 * UNROLL), ADD, ...set(1));
  code.push(...get(0), ...i32c(4 * UNROLL), ADD, ...tee(0), ...get(7), LT_U, 0x0d, 0); // br_if loop
  code.push(0x0b); // end loop
  if (variant === "feedback")
    code.push(...get(1), ...get(11), ...store(0), ...get(1), ...get(12), ...store(4));
  code.push(0x0b); // end function
  return [...vec([[6, I32]]), ...code];
}

const EQ = 0x46;
const GE_U = 0x4f;
const GE_S = 0x4e;
const LT_S = 0x48;

// run(cmd, count, acc, q). Locals: 4 end of commands, 5 kernel number, 6 pointer, 7 value.
function runBody(): number[] {
  const code: number[] = [];
  // clear the accumulator, 8 words per iteration
  code.push(...get(2), ...set(6), 0x03, 0x40);
  for (let u = 0; u < 8; u++) code.push(...get(6), ...i32c(0), ...store(4 * u));
  code.push(...get(6), ...i32c(32), ADD, ...tee(6), ...get(2), ...i32c(N * 4), ADD, LT_U, 0x0d, 0, 0x0b);
  // commands
  code.push(...get(0), ...get(1), ...i32c(CMD_WORDS * 4), MUL, ADD, ...set(4));
  code.push(0x02, 0x40, 0x03, 0x40);
  code.push(...get(0), ...get(4), GE_U, 0x0d, 1);
  code.push(...get(0), ...load(0), ...set(5));
  for (let f = 0; f < KERNELS.length; f++) {
    code.push(...get(5), ...i32c(f), EQ, 0x04, 0x40);
    for (let w = 1; w < CMD_WORDS; w++) code.push(...get(0), ...load(w * 4));
    code.push(0x10, f, 0x0b);
  }
  code.push(...get(0), ...i32c(CMD_WORDS * 4), ADD, ...set(0), 0x0c, 0, 0x0b, 0x0b);
  // quantise: s = v < −2^24 ? −32768 : v ≥ 2^24 ? 32767 : v ≫ 9, with v = acc ≫ 4
  code.push(...get(2), ...i32c(N * 4), ADD, ...set(4));
  code.push(0x03, 0x40); // 4 samples per iteration
  for (let u = 0; u < 4; u++) {
    code.push(...get(2), ...load(4 * u), ...i32c(4), SHR_S, ...set(7));
    code.push(...get(3), ...i32c(-32768), ...i32c(32767), ...get(7), ...i32c(9), SHR_S);
    code.push(...get(7), ...i32c(1 << 24), GE_S, 0x1b);
    code.push(...get(7), ...i32c(-(1 << 24)), LT_S, 0x1b, 0x3b, 1, 2 * u);
  }
  code.push(...get(3), ...i32c(8), ADD, ...set(3));
  code.push(...get(2), ...i32c(16), ADD, ...tee(2), ...get(4), LT_U, 0x0d, 0, 0x0b);
  code.push(0x0b);
  return [...vec([[4, I32]]), ...code];
}

// batch(blocks, cmd, counts, acc, q): run() for each block. Locals: 5 end of counts.
function batchBody(): number[] {
  const code: number[] = [];
  code.push(...get(2), ...get(0), ...i32c(4), MUL, ADD, ...set(5));
  code.push(0x02, 0x40, 0x03, 0x40);
  code.push(...get(2), ...get(5), GE_U, 0x0d, 1);
  code.push(...get(1), ...get(2), ...load(0), ...get(3), ...get(4), 0x10, KERNELS.length);
  code.push(...get(1), ...i32c(BLOCK_CMD_WORDS * 4), ADD, ...set(1));
  code.push(...get(2), ...i32c(4), ADD, ...set(2));
  code.push(...get(4), ...i32c(N * 2), ADD, ...set(4));
  code.push(0x0c, 0, 0x0b, 0x0b, 0x0b);
  return [...vec([[1, I32]]), ...code];
}

// SIMD variant of the plain and modulated kernels: four samples per step. The table lookups stay scalar (no
// gathers in WebAssembly SIMD); the interpolation, the 64-bit products and the stores are vector operations.
const V128 = 0x7b;
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
const V_LOAD = (offset = 0) => simd(0x00, 4, ...uleb(offset));
const V_STORE = (offset = 0) => simd(0x0b, 4, ...uleb(offset));
const I32X4_SPLAT = simd(0x11);
const I32X4_EXTRACT = (lane: number) => simd(0x1b, lane);
const I32X4_REPLACE = (lane: number) => simd(0x1c, lane);
const V_AND = simd(0x4e);
const I32X4_SHR_S = simd(0xac);
const I32X4_ADD = simd(0xae);
const I32X4_MUL = simd(0xb5);
const I64X2_SHR_S = simd(0xcc);
const I64X2_EXTMUL_LOW_S = simd(0xdc);
const I64X2_EXTMUL_HIGH_S = simd(0xdd);
/** Low 32 bits of each 64-bit lane of two vectors → one i32x4. */
const NARROW64 = simd(0x0d, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);

// Parameters as kernelBody. Locals (v128): 7 phases, 8 gains, 9 4·freq, 10 4·dg, 11 p, 12 T, 13 D, 14 s;
// (i32): 15 end, 16 table address.
function simdBody(variant: "plain" | "modulated", add: boolean): number[] {
  const code: number[] = [];
  code.push(...get(0), ...i32c(N * 4), ADD, ...set(15));
  // phases φ, φ+f, φ+2f, φ+3f and gains g+dg … g+4dg
  code.push(...get(3), ...I32X4_SPLAT);
  for (let l = 1; l < 4; l++) code.push(...get(3), ...get(4), ...i32c(l), MUL, ADD, ...I32X4_REPLACE(l));
  code.push(...set(7));
  code.push(...get(5), ...get(6), ADD, ...I32X4_SPLAT);
  for (let l = 1; l < 4; l++) code.push(...get(5), ...get(6), ...i32c(l + 1), MUL, ADD, ...I32X4_REPLACE(l));
  code.push(...set(8));
  code.push(...get(4), ...i32c(4), MUL, ...I32X4_SPLAT, ...set(9));
  code.push(...get(6), ...i32c(4), MUL, ...I32X4_SPLAT, ...set(10));
  code.push(0x03, 0x40);
  code.push(...get(7));
  if (variant === "modulated") code.push(...get(1), ...V_LOAD(0), ...I32X4_ADD);
  code.push(...set(11));
  for (let l = 0; l < 4; l++) {
    code.push(...get(11), ...I32X4_EXTRACT(l), ...i32c(11), SHR_S, ...i32c(8184), AND, ...set(16));
    if (l === 0) {
      code.push(...get(16), ...load(0), ...I32X4_SPLAT, ...set(12));
      code.push(...get(16), ...load(4), ...I32X4_SPLAT, ...set(13));
    } else {
      code.push(...get(12), ...get(16), ...load(0), ...I32X4_REPLACE(l), ...set(12));
      code.push(...get(13), ...get(16), ...load(4), ...I32X4_REPLACE(l), ...set(13));
    }
  }
  // s = T + ((D · (p & 16383)) ≫ 14)
  code.push(...get(12), ...get(13), ...get(11), ...i32c(16383), ...I32X4_SPLAT, ...V_AND, ...I32X4_MUL);
  code.push(...i32c(14), ...I32X4_SHR_S, ...I32X4_ADD, ...set(14));
  // y = (s · g) ≫ 24 in 64 bits, low halves
  code.push(...get(0));
  code.push(...get(14), ...get(8), ...I64X2_EXTMUL_LOW_S, ...i32c(24), ...I64X2_SHR_S);
  code.push(...get(14), ...get(8), ...I64X2_EXTMUL_HIGH_S, ...i32c(24), ...I64X2_SHR_S);
  code.push(...NARROW64);
  if (add) code.push(...get(0), ...V_LOAD(0), ...I32X4_ADD);
  code.push(...V_STORE(0));
  code.push(...get(7), ...get(9), ...I32X4_ADD, ...set(7));
  code.push(...get(8), ...get(10), ...I32X4_ADD, ...set(8));
  if (variant === "modulated") code.push(...get(1), ...i32c(16), ADD, ...set(1));
  code.push(...get(0), ...i32c(16), ADD, ...tee(0), ...get(15), LT_U, 0x0d, 0, 0x0b);
  code.push(0x0b);
  return [
    ...vec([
      [8, V128],
      [2, I32],
    ]),
    ...code,
  ];
}

const KERNELS: Array<[string, "plain" | "modulated" | "feedback", boolean]> = [
  ["plainSet", "plain", false],
  ["plainAdd", "plain", true],
  ["modSet", "modulated", false],
  ["modAdd", "modulated", true],
  ["fbSet", "feedback", false],
  ["fbAdd", "feedback", true],
];

/** The kernels as a WebAssembly binary (about 2.9 kB, below the 4 kB browsers allow to compile synchronously). */
export function assemble(useSimd = true): Uint8Array<ArrayBuffer> {
  const type = [0x60, ...vec(Array.from({ length: 7 }, () => [I32])), 0];
  const runType = [0x60, ...vec(Array.from({ length: 4 }, () => [I32])), 0];
  const batchType = [0x60, ...vec(Array.from({ length: 5 }, () => [I32])), 0];
  const bodies = [
    ...KERNELS.map(([, v, add]) => (v === "feedback" || !useSimd ? kernelBody(v, add) : simdBody(v, add))),
    runBody(),
    batchBody(),
  ];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([type, runType, batchType])),
    ...section(2, vec([[...name("e"), ...name("m"), 0x02, 0x00, 0x01]])),
    ...section(3, vec([...KERNELS.map(() => [0]), [1], [2]])),
    ...section(7, vec([[...name("batch"), 0x00, KERNELS.length + 1]])),
    ...section(10, vec(bodies.map((b) => [...uleb(b.length), ...b]))),
  ];
  return new Uint8Array(bytes);
}

const compiled = new Map<boolean, WebAssembly.Module | null>();

function wasmModule(useSimd: boolean): WebAssembly.Module | null {
  let m = compiled.get(useSimd);
  if (m === undefined) {
    try {
      const bytes = assemble(useSimd);
      m =
        typeof WebAssembly === "object" && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      m = null;
    }
    compiled.set(useSimd, m);
  }
  return m;
}

function wasmKernels(words: number, module: WebAssembly.Module, kind: KernelKind): FmKernels {
  const pages = Math.ceil((words * 4) / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const batch = new WebAssembly.Instance(module, { e: { m: memory } }).exports.batch as (
    blocks: number,
    cmd: number,
    counts: number,
    acc: number,
    q: number,
  ) => void;
  const mem = new Int32Array(memory.buffer);
  mem.set(SIN_TD, 0);
  const a = new Allocator(mem.length);
  return {
    kind,
    mem,
    mem16: new Int16Array(memory.buffer),
    alloc: (w) => a.alloc(w),
    run(blocks, cmd, counts, acc, q) {
      batch(blocks, cmd * 4, counts * 4, acc * 4, q * 2);
    },
  };
}

/** Words one voice allocates for batches of up to `blocks` blocks. */
export function voiceWords(blocks: number): number {
  return 3 * N + 2 + blocks * (BLOCK_CMD_WORDS + 1 + N / 2);
}

/** Kernels with room for `voices` voices rendering up to `blocks` blocks per call. `prefer` "js" forces JavaScript. */
export function createKernels(voices: number, blocks: number, prefer: KernelPreference = "wasm"): FmKernels {
  const words = TABLE_WORDS + voices * voiceWords(blocks);
  if (prefer === "wasm-simd") {
    const simd = wasmModule(true);
    if (simd) return wasmKernels(words, simd, "wasm-simd");
  }
  const scalar = prefer === "js" ? null : wasmModule(false);
  return scalar ? wasmKernels(words, scalar, "wasm") : jsKernels(words);
}
