// A small WebAssembly assembler for the effect kernels: instructions as functions that take their operands as
// code and return code (so a kernel reads as nested expressions), a function builder for locals, and a
// module builder. The kernels are assembled at run time from these instructions, so there is no build step
// and no binary file. Encodings: the WebAssembly core and SIMD (128-bit) binary format specifications.

import { section, sleb, uleb } from "../../../../util/wasm-binary.ts";

export type Code = number[];

export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** Concatenated code. */
export const cat = (...parts: Code[]): Code => {
  const out: Code = [];
  for (const p of parts) for (const b of p) out.push(b);
  return out;
};
const simd = (op: number): Code => [0xfd, ...uleb(op)];
/** memarg: alignment exponent and byte offset. */
const memarg = (align: number, offset: number): Code => [align, ...uleb(offset)];

/** A local variable (or parameter) of the function being built. */
export interface Local {
  readonly index: number;
  readonly type: ValType;
}

export const get = (l: Local): Code => [0x20, ...uleb(l.index)];
export const set = (l: Local, value: Code): Code => cat(value, [0x21, ...uleb(l.index)]);
export const tee = (l: Local, value: Code): Code => cat(value, [0x22, ...uleb(l.index)]);

// ---- control ---------------------------------------------------------------------------------------------
export const block = (...body: Code[]): Code => cat([0x02, 0x40], ...body, [0x0b]);
export const loop = (...body: Code[]): Code => cat([0x03, 0x40], ...body, [0x0b]);
export const br = (depth: number): Code => [0x0c, ...uleb(depth)];
export const brIf = (depth: number, cond: Code): Code => cat(cond, [0x0d, ...uleb(depth)]);
export const ifThen = (cond: Code, then: Code, otherwise?: Code): Code =>
  otherwise
    ? cat(cond, [0x04, 0x40], then, [0x05], otherwise, [0x0b])
    : cat(cond, [0x04, 0x40], then, [0x0b]);
export const call = (fn: number, ...args: Code[]): Code => cat(...args, [0x10, ...uleb(fn)]);

// ---- scalars ---------------------------------------------------------------------------------------------
const bin =
  (op: number) =>
  (a: Code, b: Code): Code =>
    cat(a, b, [op]);
const un =
  (op: number) =>
  (a: Code): Code =>
    cat(a, [op]);

export const i32 = {
  const: (n: number): Code => [0x41, ...sleb(n | 0)],
  load: (addr: Code, offset = 0): Code => cat(addr, [0x28], memarg(2, offset)),
  store: (addr: Code, value: Code, offset = 0): Code => cat(addr, value, [0x36], memarg(2, offset)),
  eqz: un(0x45),
  eq: bin(0x46),
  ne: bin(0x47),
  ltS: bin(0x48),
  ltU: bin(0x49),
  gtS: bin(0x4a),
  gtU: bin(0x4b),
  geS: bin(0x4e),
  geU: bin(0x4f),
  add: bin(0x6a),
  sub: bin(0x6b),
  mul: bin(0x6c),
  and: bin(0x71),
  or: bin(0x72),
  shl: bin(0x74),
  shrS: bin(0x75),
  truncF32S: un(0xa8),
  /** The bits of an f32. */
  reinterpretF32: un(0xbc),
};

function f32Bytes(x: number): Code {
  return Array.from(new Uint8Array(new Float32Array([x]).buffer));
}
function f64Bytes(x: number): Code {
  return Array.from(new Uint8Array(new Float64Array([x]).buffer));
}

export const f32 = {
  const: (x: number): Code => [0x43, ...f32Bytes(x)],
  load: (addr: Code, offset = 0): Code => cat(addr, [0x2a], memarg(2, offset)),
  store: (addr: Code, value: Code, offset = 0): Code => cat(addr, value, [0x38], memarg(2, offset)),
  lt: bin(0x5d),
  gt: bin(0x5e),
  le: bin(0x5f),
  ge: bin(0x60),
  abs: un(0x8b),
  neg: un(0x8c),
  floor: un(0x8e),
  add: bin(0x92),
  sub: bin(0x93),
  mul: bin(0x94),
  div: bin(0x95),
  min: bin(0x96),
  max: bin(0x97),
  convertI32S: un(0xb2),
  demoteF64: un(0xb6),
};

export const f64 = {
  const: (x: number): Code => [0x44, ...f64Bytes(x)],
  load: (addr: Code, offset = 0): Code => cat(addr, [0x2b], memarg(3, offset)),
  store: (addr: Code, value: Code, offset = 0): Code => cat(addr, value, [0x39], memarg(3, offset)),
  add: bin(0xa0),
  sub: bin(0xa1),
  mul: bin(0xa2),
  neg: un(0x9a),
  promoteF32: un(0xbb),
};

// ---- 128-bit SIMD ----------------------------------------------------------------------------------------
const vbin =
  (op: number) =>
  (a: Code, b: Code): Code =>
    cat(a, b, simd(op));
const vun =
  (op: number) =>
  (a: Code): Code =>
    cat(a, simd(op));

export const v128 = {
  load: (addr: Code, offset = 0): Code => cat(addr, simd(0x00), memarg(0, offset)),
  store: (addr: Code, value: Code, offset = 0): Code => cat(addr, value, simd(0x0b), memarg(0, offset)),
  /** Replace lane `lane` of `vec` with the 32-bit value at addr + offset. */
  load32Lane: (addr: Code, vec: Code, lane: number, offset = 0): Code =>
    cat(addr, vec, simd(0x56), memarg(0, offset), [lane]),
  /** Replace 64-bit lane `lane` of `vec` with the 64 bits at addr + offset. */
  load64Lane: (addr: Code, vec: Code, lane: number, offset = 0): Code =>
    cat(addr, vec, simd(0x57), memarg(0, offset), [lane]),
  /** Store lane `lane` of `vec` (32 bits) at addr + offset. */
  store32Lane: (addr: Code, vec: Code, lane: number, offset = 0): Code =>
    cat(addr, vec, simd(0x5a), memarg(0, offset), [lane]),
  /** The 32-bit value at addr + offset in all four lanes. */
  load32Splat: (addr: Code, offset = 0): Code => cat(addr, simd(0x09), memarg(0, offset)),
  /** Load 64 bits into lanes 0–1 (as 32-bit lanes), zeroing the rest. */
  load64Zero: (addr: Code, offset = 0): Code => cat(addr, simd(0x5d), memarg(0, offset)),
  /** Store 64-bit lane `lane` (32-bit lanes 2·lane, 2·lane + 1) of `vec` at addr + offset. */
  store64Lane: (addr: Code, vec: Code, lane: number, offset = 0): Code =>
    cat(addr, vec, simd(0x5b), memarg(0, offset), [lane]),
  /** 1 if any bit of `a` is set, else 0 (an i32). */
  anyTrue: vun(0x53),
  and: vbin(0x4e),
  or: vbin(0x50),
  xor: vbin(0x51),
  bitselect: (a: Code, b: Code, mask: Code): Code => cat(a, b, mask, simd(0x52)),
  /** Lanes picked by index: 0–3 from `a`, 4–7 from `b` (32-bit lanes). */
  shuffle32: (a: Code, b: Code, lanes: readonly [number, number, number, number]): Code =>
    cat(
      a,
      b,
      simd(0x0d),
      lanes.flatMap((l) => [l * 4, l * 4 + 1, l * 4 + 2, l * 4 + 3]),
    ),
};

export const f32x4 = {
  const: (a: number, b: number, c: number, d: number): Code =>
    cat(simd(0x0c), f32Bytes(a), f32Bytes(b), f32Bytes(c), f32Bytes(d)),
  splat: vun(0x13),
  extractLane: (v: Code, lane: number): Code => cat(v, simd(0x1f), [lane]),
  replaceLane: (v: Code, lane: number, x: Code): Code => cat(v, x, simd(0x20), [lane]),
  eq: vbin(0x41),
  lt: vbin(0x43),
  gt: vbin(0x44),
  le: vbin(0x45),
  ge: vbin(0x46),
  floor: vun(0x68),
  /** Round to nearest, ties to even. */
  nearest: vun(0x6a),
  ne: vbin(0x42),
  abs: vun(0xe0),
  neg: vun(0xe1),
  add: vbin(0xe4),
  sub: vbin(0xe5),
  mul: vbin(0xe6),
  div: vbin(0xe7),
  min: vbin(0xe8),
  max: vbin(0xe9),
  /** Lane-wise b < a ? b : a (pseudo-minimum: no NaN or signed-zero handling, one instruction). */
  pmin: vbin(0xea),
  pmax: vbin(0xeb),
  convertI32x4S: vun(0xfa),
};

export const i32x4 = {
  const: (a: number, b: number, c: number, d: number): Code =>
    cat(simd(0x0c), ...[a, b, c, d].map((x) => Array.from(new Uint8Array(new Int32Array([x]).buffer)))),
  splat: vun(0x11),
  extractLane: (v: Code, lane: number): Code => cat(v, simd(0x1b), [lane]),
  shl: (v: Code, bits: Code): Code => cat(v, bits, simd(0xab)),
  shrU: (v: Code, bits: Code): Code => cat(v, bits, simd(0xad)),
  add: vbin(0xae),
  sub: vbin(0xb1),
  mul: vbin(0xb5),
  truncSatF32x4S: vun(0xf8),
  /** The lanes' sign bits as the low 4 bits of an i32. */
  bitmask: vun(0xa4),
  /** Both f64 lanes truncated to i32 (saturating) in lanes 0–1; 2–3 zero. */
  truncSatF64x2SZero: vun(0xfc),
};

/** Two 64-bit integer lanes. */
export const i64x2 = {
  /** Lanes 0–1 of an i32x4, sign-extended. */
  extendLowI32x4S: vun(0xc7),
  shl: (v: Code, bits: Code): Code => cat(v, bits, simd(0xcb)),
  add: vbin(0xce),
};

/** Two 64-bit float lanes (the same IEEE operations as JS numbers, lane by lane). */
export const f64x2 = {
  const: (a: number, b: number): Code => cat(simd(0x0c), f64Bytes(a), f64Bytes(b)),
  splat: vun(0x14),
  extractLane: (v: Code, lane: number): Code => cat(v, simd(0x21), [lane]),
  ne: vbin(0x48),
  lt: vbin(0x49),
  /** Lane-wise IEEE minimum (NaN if either is NaN; −0 below +0). */
  min: vbin(0xf4),
  gt: vbin(0x4a),
  ge: vbin(0x4c),
  ceil: vun(0x74),
  floor: vun(0x75),
  replaceLane: (v: Code, lane: number, x: Code): Code => cat(v, x, simd(0x22), [lane]),
  abs: vun(0xec),
  neg: vun(0xed),
  add: vbin(0xf0),
  sub: vbin(0xf1),
  mul: vbin(0xf2),
  div: vbin(0xf3),
  /** Lane-wise IEEE maximum (NaN if either is NaN; +0 above −0). */
  max: vbin(0xf5),
  /** Both lanes rounded to f32 (round to nearest even, as a store to a Float32Array) in lanes 0–1; 2–3 zero. */
  demoteToF32x4: vun(0x5e),
  /** Lanes 0–1 of an f32x4 as doubles (exact). */
  promoteLowF32x4: vun(0x5f),
  /** Lanes 0–1 of an i32x4 as doubles (exact). */
  convertLowI32x4S: vun(0xfe),
};

// ---- functions and modules -------------------------------------------------------------------------------

export class FunctionBuilder {
  private readonly localTypes: ValType[] = [];
  readonly params: Local[];

  constructor(
    paramTypes: ValType[],
    readonly results: ValType[] = [],
  ) {
    this.params = paramTypes.map((type, index) => ({ index, type }));
  }

  local(type: ValType): Local {
    const l = { index: this.params.length + this.localTypes.length, type };
    this.localTypes.push(type);
    return l;
  }

  /** The function body: locals declaration, code, end. */
  encode(body: Code): Code {
    const groups: number[][] = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]!++;
      else groups.push([1, t]);
    }
    return cat(uleb(groups.length), ...groups.map(([n, t]) => [...uleb(n!), t!]), body, [0x0b]);
  }

  get type(): Code {
    return cat(
      [0x60],
      uleb(this.params.length),
      this.params.map((p) => p.type),
      uleb(this.results.length),
      this.results,
    );
  }
}

export interface ModuleFunction {
  name: string;
  fn: FunctionBuilder;
  body: Code;
}

const name = (s: string): Code =>
  cat(
    uleb(s.length),
    Array.from(s, (c) => c.charCodeAt(0)),
  );

/** A module with one exported memory ("mem", `pages` initial 64 KiB pages) and the given exported functions. */
export function assemble(functions: ModuleFunction[], pages: number): Uint8Array<ArrayBuffer> {
  const types = section(1, cat(uleb(functions.length), ...functions.map((f) => f.fn.type)));
  const funcs = section(3, cat(uleb(functions.length), ...functions.map((_, i) => uleb(i))));
  const memory = section(5, cat([1, 0x00], uleb(pages)));
  const exports = section(
    7,
    cat(
      uleb(functions.length + 1),
      name("mem"),
      [0x02, 0],
      ...functions.map((f, i) => cat(name(f.name), [0x00], uleb(i))),
    ),
  );
  const bodies = functions.map((f) => {
    const b = f.fn.encode(f.body);
    return cat(uleb(b.length), b);
  });
  const code = section(10, cat(uleb(functions.length), ...bodies));
  return new Uint8Array(
    cat([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], types, funcs, memory, exports, code),
  );
}

/** Compile once; null when this runtime lacks WebAssembly or its SIMD. */
export function compileOrNull(bytes: () => Uint8Array<ArrayBuffer>): WebAssembly.Module | null {
  try {
    if (typeof WebAssembly === "undefined") return null;
    return new WebAssembly.Module(bytes());
  } catch {
    return null;
  }
}

/** A getter that compiles the module on first use (once per process; immutable), or null without SIMD. */
export function lazyModule(bytes: () => Uint8Array<ArrayBuffer>): () => WebAssembly.Module | null {
  let compiled: WebAssembly.Module | null | undefined;
  return () => {
    if (compiled === undefined) compiled = compileOrNull(bytes);
    return compiled;
  };
}

/** A kernel's instance: its `run(ctl, n)` export, all its exports, and views of its whole memory. */
export interface KernelInstance {
  run: (ctl: number, n: number) => void;
  exports: WebAssembly.Exports;
  f: Float32Array;
  i: Int32Array;
}

/** A fresh instance of `mod` with at least `bytes` of memory (all zero: a new instance has no other state). */
export function instantiate(mod: WebAssembly.Module, bytes: number): KernelInstance {
  const instance = new WebAssembly.Instance(mod, {});
  const mem = instance.exports.mem as WebAssembly.Memory;
  const pages = Math.ceil(bytes / 65536);
  if (pages > 1) mem.grow(pages - 1);
  return {
    run: instance.exports.run as (ctl: number, n: number) => void,
    exports: instance.exports,
    f: new Float32Array(mem.buffer),
    i: new Int32Array(mem.buffer),
  };
}

/**
 * Instances given back by finished renders, per module, for the next render to reuse: a reused instance's memory
 * is already mapped (no page faults while it runs), no new memory counts against V8's external-memory budget (which
 * otherwise starts a full garbage collection every few renders), and its `run` export is the same function as
 * before. At most POOLED are kept per module (the latest given back).
 */
const free = new WeakMap<WebAssembly.Module, KernelInstance[]>();
const POOLED = 8;
/** The scope instances are leased to now (see KernelScope.run); null: leases are fresh instances, never pooled. */
const active: { scope: KernelScope | null } = { scope: null };

/**
 * The kernel instances of one owner (an offline render's instrument), given back together when it is done. The
 * instances it leases are indistinguishable from fresh ones: no globals or tables, only memory, zeroed on lease.
 */
export class KernelScope {
  private readonly held: { mod: WebAssembly.Module; instance: KernelInstance }[] = [];
  private released = false;

  /** Run `fn` with this scope active: the instances leased inside (leaseInstance) belong to this scope. */
  run<T>(fn: () => T): T {
    if (this.released) throw new Error("kernel scope: used after release");
    const outer = active.scope;
    active.scope = this;
    try {
      return fn();
    } finally {
      active.scope = outer;
    }
  }

  /** Give every instance back for reuse; the owner must not run them afterwards. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const { mod, instance } of this.held) {
      let list = free.get(mod);
      if (!list) free.set(mod, (list = []));
      if (list.length === POOLED) list.shift(); // the oldest goes
      list.push(instance);
    }
    this.held.length = 0;
  }

  /**
   * The smallest free instance of `mod` with at least `bytes` of memory (the least to zero), zeroed, else a fresh
   * one; held by this scope.
   */
  lease(mod: WebAssembly.Module, bytes: number): KernelInstance {
    const list = free.get(mod) ?? [];
    let pick = -1;
    for (let k = 0; k < list.length; k++) {
      const size = list[k]!.f.byteLength;
      if (size >= bytes && (pick < 0 || size < list[pick]!.f.byteLength)) pick = k;
    }
    let instance: KernelInstance;
    if (pick >= 0) {
      instance = list.splice(pick, 1)[0]!;
      instance.i.fill(0);
    } else instance = instantiate(mod, bytes);
    this.held.push({ mod, instance });
    return instance;
  }
}

/**
 * An instance of `mod` with at least `bytes` of zeroed memory for a kernel owned by an instrument: leased from the
 * active KernelScope (reused after an earlier render released it), or fresh outside any scope.
 */
export function leaseInstance(mod: WebAssembly.Module, bytes: number): KernelInstance {
  return active.scope === null ? instantiate(mod, bytes) : active.scope.lease(mod, bytes);
}
