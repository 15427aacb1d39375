// An oscillator's unison voices as a WebAssembly SIMD kernel: four voices are the four lanes of a vector, as
// Vital runs its voices (poly_float). Per sample and group of four: the phase advances by the voice's ramped
// increment times its lane's per-sample pitch multiplier (32-bit wrapping phase, as Vital's), its lane's phase
// offset is added, the four 4-sample reads of the band-limited cycles are transposed and interpolated (the
// same cubic as voice.ts), cross-faded from the previous cycle while a fade runs, and the panned sum is added
// to the oscillator's raw output. Single precision where voice.ts computes in double: the same output to
// float rounding. Interpolation as described in ../shared/reference/vital.md §6 (facts from Vital, GPL-3.0,
// Matt Tytel).

import {
  assemble,
  block,
  brIf,
  cat,
  f32,
  f32x4,
  FunctionBuilder,
  get as L,
  I32,
  i32,
  i32x4,
  ifThen,
  leaseInstance,
  lazyModule,
  loop,
  set,
  V128,
  v128,
  type Code,
  type Local,
} from "./effects/wasm.ts";
import {
  cubicRead,
  lanePairFunctions,
  PAIR,
  type FreeRunningLane,
  type VectorOps,
} from "./lane-pair-kernel.ts";
import { CYCLE_LENGTH, FRAME_SIZE } from "./wavetable.ts";

const MAX_BLOCK = 128;
/** Voices per vector. */
const LANES = 4;
/** Up to 16 unison voices plus the right lane of an odd count's centre voice. */
const MAX_VOICES = 17;
const MAX_GROUPS = Math.ceil(MAX_VOICES / LANES);
/** Phase bits below the cycle index: FRAME_SIZE = 2^11 positions in a 32-bit phase. */
const FRACTION_BITS = 32 - Math.log2(FRAME_SIZE);
export const PHASE_SCALE = 4294967296;

/** Byte offsets of one group's block (16-byte vectors, one lane per voice). */
const G = {
  phase: 0, // u32 phases (state)
  incWhole: 16, // the increment before the first sample in phase units (2^32 per cycle), rounded (u32)
  incRest: 32, // the rounding's remainder (f32)
  incFrom: 48, // the increment before the first sample (f32)
  incStep: 64, // its per-sample step (f32)
  fade: 80, // cross-fade position, previous cycle → cycle (state)
  gainL: 96,
  gainR: 112,
  cycle: 128, // byte address of each voice's cycle
  prev: 144, // … and of the cycle it fades from
  right: 160, // all ones: the voice reads the right lane's multipliers and offsets
  carry: 176, // the phase's part below one unit, in units (f32; state)
  bytes: 192,
} as const;

/** Byte layout of the memory. */
const M = {
  groups: 0,
  /**
   * i32: addresses of the left and right lanes' pitch multipliers (stored minus 1) and phase offsets (u32),
   * then the cross-fade step (f32).
   */
  lanes: MAX_GROUPS * G.bytes,
  incL: 1024,
  incR: 1024 + 4 * MAX_BLOCK,
  offL: 1024 + 8 * MAX_BLOCK,
  offR: 1024 + 12 * MAX_BLOCK,
  zeros: 1024 + 16 * MAX_BLOCK,
  accL: 1024 + 20 * MAX_BLOCK,
  accR: 1024 + 24 * MAX_BLOCK,
  silent: 1024 + 28 * MAX_BLOCK,
} as const;
const SLOT_BYTES = Math.ceil((CYCLE_LENGTH * 4) / 16) * 16;
/** The lane-pair kernel's region (lane-pair-kernel.ts: one- and two-voice oscillators on the per-sample path). */
const PAIR_START = M.silent + SLOT_BYTES;
const SLOTS_START = PAIR_START + PAIR.bytes;
const OSCILLATORS = 3;

const k4 = (x: number) => f32x4.const(x, x, x, x);

/**
 * The run's flags, one loop per combination (a lane buffer the block does not use is not read, and unsplit
 * lanes are read once for all four voices; the same arithmetic otherwise).
 */
const FADING = 1;
/** The voices' increments follow the lanes' per-sample pitch multipliers (offsets are then read too). */
const PITCHED = 2;
/** The lanes' phase offsets are added. */
const OFFSETS = 4;
/** Left and right lanes differ: each voice reads its own lane's buffers. */
const SPLIT = 8;

const F32X4: VectorOps = { add: f32x4.add, sub: f32x4.sub, mul: f32x4.mul, k: k4 };
const cubic = (x: readonly Local[], f: Local): Code => cubicRead(F32X4, x, f);

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const fn = new FunctionBuilder([I32, I32, I32, I32]);
  const [g, groups, n, flags] = fn.params as [Local, Local, Local, Local];
  const v = () => fn.local(V128);
  const s = () => fn.local(I32);
  const [i4, end, incL, incR, offL, offR] = Array.from({ length: 6 }, s) as Local[];
  const [phase, incWhole, incRest, incFrom, incStep, fade, fadeStep, gainL, gainR, cycle, prev, right] =
    Array.from({ length: 12 }, v);
  const [k, ramp, carry, whole, q, fr, idx4, y, yOld, sum] = Array.from({ length: 10 }, v);
  const rows = Array.from({ length: 4 }, v);
  const x = Array.from({ length: 4 }, v);
  const { add, sub, mul } = f32x4;
  const G0 = L(g);

  /** The four voices' 4-sample reads at byte addresses base + idx4 (lane-wise), transposed into x0 … x3. */
  const read = (base: Local): Code => {
    const addr = i32x4.add(L(idx4), L(base));
    const loads = rows.map((r, lane) => set(r, v128.load(i32x4.extractLane(addr, lane))));
    const [a, b, c, d] = rows as [Local, Local, Local, Local];
    const lo1 = v128.shuffle32(L(a), L(b), [0, 4, 1, 5]);
    const lo2 = v128.shuffle32(L(c), L(d), [0, 4, 1, 5]);
    const hi1 = v128.shuffle32(L(a), L(b), [2, 6, 3, 7]);
    const hi2 = v128.shuffle32(L(c), L(d), [2, 6, 3, 7]);
    return cat(
      ...loads,
      set(x[0]!, v128.shuffle32(lo1, lo2, [0, 1, 4, 5])),
      set(x[1]!, v128.shuffle32(lo1, lo2, [2, 3, 6, 7])),
      set(x[2]!, v128.shuffle32(hi1, hi2, [0, 1, 4, 5])),
      set(x[3]!, v128.shuffle32(hi1, hi2, [2, 3, 6, 7])),
    );
  };
  const sample = (mode: number): Code => {
    const withFade = (mode & FADING) !== 0;
    /** This sample's value of a lane buffer: a lane-wise pick between the left and right lanes' when split. */
    const laneValue = (left: Local, rightAddr: Local): Code =>
      (mode & SPLIT) === 0
        ? v128.load32Splat(i32.add(L(left), L(i4)))
        : v128.bitselect(
            v128.load32Splat(i32.add(L(rightAddr), L(i4))),
            v128.load32Splat(i32.add(L(left), L(i4))),
            L(right),
          );
    // increment = (from + step·k)·multiplier as a whole part exact in 32 bits plus a small rest in float,
    // rest + step·k + (from + step·k)·(multiplier − 1); the rest goes through the carry (no drift)
    const rest =
      (mode & PITCHED) === 0
        ? add(L(incRest), L(ramp))
        : add(add(L(incRest), L(ramp)), mul(add(L(incFrom), L(ramp)), laneValue(incL, incR)));
    const fraction = f32x4.convertI32x4S(v128.and(L(q), i32x4.const(...rep4((1 << FRACTION_BITS) - 1))));
    const crossFade = withFade
      ? cat(
          set(y, cubic(x, fr)),
          read(prev),
          set(yOld, cubic(x, fr)),
          set(fade, f32x4.pmin(add(L(fade), L(fadeStep)), k4(1))),
          set(y, add(L(yOld), mul(sub(L(y), L(yOld)), L(fade)))),
        )
      : set(y, cubic(x, fr));
    const l = mul(L(y), L(gainL));
    const r = mul(L(y), L(gainR));
    // [l0 + l2, l1 + l3, r0 + r2, r1 + r3], then lane 0 = Σl, lane 2 = Σr
    const pairs = add(v128.shuffle32(l, r, [0, 1, 4, 5]), v128.shuffle32(l, r, [2, 3, 6, 7]));
    const accumulate = (acc: number, lane: number) =>
      f32.store(L(i4), f32.add(f32.load(L(i4), acc), f32x4.extractLane(L(sum), lane)), acc);
    return loop(
      set(k, add(L(k), k4(1))),
      set(ramp, mul(L(incStep), L(k))),
      set(carry, add(L(carry), rest)),
      set(whole, f32x4.nearest(L(carry))),
      set(carry, sub(L(carry), L(whole))),
      set(phase, i32x4.add(L(phase), i32x4.add(L(incWhole), i32x4.truncSatF32x4S(L(whole))))),
      set(q, (mode & (OFFSETS | PITCHED)) === 0 ? L(phase) : i32x4.add(L(phase), laneValue(offL, offR))),
      set(fr, mul(fraction, k4(Math.pow(2, -FRACTION_BITS)))),
      set(idx4, i32x4.shl(i32x4.shrU(L(q), i32.const(FRACTION_BITS)), i32.const(2))),
      read(cycle),
      crossFade,
      set(sum, pairs),
      set(sum, add(L(sum), v128.shuffle32(L(sum), L(sum), [1, 0, 3, 2]))),
      accumulate(M.accL, 0),
      accumulate(M.accR, 2),
      set(i4, i32.add(L(i4), i32.const(4))),
      brIf(0, i32.ltS(L(i4), L(end))),
    );
  };

  /** One loop per combination of the flags from `bit` up (PITCHED implies OFFSETS, SPLIT implies either). */
  const byFlags = (bit: number, mode: number): Code => {
    if (bit > SPLIT) return sample(mode);
    if (bit === OFFSETS && (mode & PITCHED) !== 0) return byFlags(SPLIT, mode | OFFSETS);
    if (bit === SPLIT && (mode & (PITCHED | OFFSETS)) === 0) return sample(mode);
    const on = i32.and(L(flags), i32.const(bit));
    return ifThen(on, byFlags(bit * 2, mode | bit), byFlags(bit * 2, mode));
  };

  const group = cat(
    set(phase, v128.load(G0, G.phase)),
    set(incWhole, v128.load(G0, G.incWhole)),
    set(incRest, v128.load(G0, G.incRest)),
    set(incFrom, v128.load(G0, G.incFrom)),
    set(incStep, v128.load(G0, G.incStep)),
    set(fade, v128.load(G0, G.fade)),
    set(carry, v128.load(G0, G.carry)),
    set(gainL, v128.load(G0, G.gainL)),
    set(gainR, v128.load(G0, G.gainR)),
    set(cycle, v128.load(G0, G.cycle)),
    set(prev, v128.load(G0, G.prev)),
    set(right, v128.load(G0, G.right)),
    set(incL, i32.load(i32.const(M.lanes))),
    set(incR, i32.load(i32.const(M.lanes), 4)),
    set(offL, i32.load(i32.const(M.lanes), 8)),
    set(offR, i32.load(i32.const(M.lanes), 12)),
    set(fadeStep, v128.load32Splat(i32.const(M.lanes), 16)),
    set(k, k4(0)),
    set(i4, i32.const(0)),
    set(end, i32.shl(L(n), i32.const(2))),
    block(brIf(0, i32.eqz(L(n))), byFlags(FADING, 0)),
    v128.store(G0, L(phase), G.phase),
    v128.store(G0, L(fade), G.fade),
    v128.store(G0, L(carry), G.carry),
  );
  // the groups one after another in one call (a call from JavaScript costs more than a group's setup)
  const body = block(
    brIf(0, i32.eqz(L(groups))),
    loop(
      group,
      set(g, i32.add(L(g), i32.const(G.bytes))),
      set(groups, i32.sub(L(groups), i32.const(1))),
      brIf(0, i32.gtS(L(groups), i32.const(0))),
    ),
  );
  return assemble([{ name: "run", fn, body }, ...lanePairFunctions(PAIR_START, M.accL, M.accR)], 1);
}

function rep4(x: number): [number, number, number, number] {
  return [x, x, x, x];
}

/** The compiled kernel (once per process), or null where WebAssembly SIMD is missing. */
export const unisonKernelModule = lazyModule(moduleBytes);

/**
 * One voice's instance of the kernel: the oscillators' cycles live in its memory (a pool of slots per
 * oscillator, each cycle copied once while voices use it). Per block, per oscillator: each voice's values in
 * the per-voice arrays (`phase` … `right`), the lanes' buffers, `run`, then the voices' `phase` and `fade` are
 * the ones at the block's end. (Arrays rather than arguments: no number is boxed per voice and block.)
 */
export class UnisonKernel {
  private readonly run_: (g: number, groups: number, n: number, flags: number) => void;
  private readonly f: Float32Array;
  private readonly i: Int32Array;
  private readonly u: Uint32Array;
  /** Per oscillator: its first slot and its slot count (twice its unison voices; 0 when it never runs here). */
  private readonly slotBase: number[] = [];
  /** The cycle each slot holds, per oscillator. */
  private readonly slotCycle: (Float32Array | null)[][] = [];
  /** Stamp of the last `resolve` that needed the slot. */
  private readonly slotStamp: Int32Array[] = [];
  private stamp = 0;
  /** Per oscillator: the arrays of the last `resolve` and their addresses (reused while nothing changes). */
  private readonly lastCycles: (Float32Array | null)[][] = [];
  private readonly lastAddr: Int32Array[] = [];
  private readonly lastCount = new Int32Array(OSCILLATORS);
  /**
   * The left and right lanes' pitch multipliers minus 1 and phase offsets (32-bit phases) for this block
   * (views of the memory).
   */
  readonly incL: Float32Array;
  readonly incR: Float32Array;
  readonly offL: Uint32Array;
  readonly offR: Uint32Array;
  /** The raw output of the last `run`. */
  readonly accL: Float32Array;
  readonly accR: Float32Array;
  /** Per voice: phase in cycles (at the block's start; after `run`, at its end). */
  readonly phase = new Float64Array(MAX_VOICES);
  /** Per voice: the increment at sample 0 and its per-sample step (cycles per sample). */
  readonly incFrom = new Float64Array(MAX_VOICES);
  readonly incStep = new Float64Array(MAX_VOICES);
  /** Per voice: cross-fade position (at the block's start; after `run`, at its end). */
  readonly fade = new Float64Array(MAX_VOICES);
  readonly gainL = new Float64Array(MAX_VOICES);
  readonly gainR = new Float64Array(MAX_VOICES);
  /** Per voice: byte addresses of its cycle and the one it fades from (from `resolve`). */
  readonly cycle = new Int32Array(MAX_VOICES);
  readonly prev = new Int32Array(MAX_VOICES);
  /** Per voice: 1 when it reads the right lane's multipliers and offsets. */
  readonly right = new Uint8Array(MAX_VOICES);
  private fading = false;
  /** The block's lane flags (PITCHED, OFFSETS, SPLIT), from `begin`. */
  private lanes = 0;

  /** The lane-pair kernel's region as doubles and as 32-bit integers (PAIR offsets / 8, / 4). */
  private readonly pair64: Float64Array;
  private readonly pair32: Int32Array;
  private readonly multipliers_: (n: number) => number;
  private readonly read_: (n: number, flags: number) => void;

  private readonly lfo_: (table: number, outL: number, outR: number, n: number) => void;
  /** Per LFO run here: the byte address of its table copy (-1: not run here), its length, and its output. */
  private readonly lfoTable: Int32Array;
  private readonly lfoSize: Float64Array;
  /** Per LFO run here: its per-sample output, left and right lane (views of the memory; null: not run here). */
  readonly lfoOutL: (Float32Array | null)[];
  readonly lfoOutR: (Float32Array | null)[];

  private readonly slot_: (sL: number, sR: number, oL: number, oR: number, n: number, flags: number) => void;
  /** Block buffers (MAX_BLOCK floats each) in the memory, for the voice's per-sample signals (`slotSum`). */
  readonly blocks: Float32Array[] = [];

  /**
   * `voices[o]`: oscillator o's unison count when it runs in the kernel, else 0 (sizes the cycle slots);
   * `lfoTables[i]`: LFO i's table when the kernel runs it per sample in both lanes (`lfoPair`), else null;
   * `blockCount`: how many `blocks` to make.
   */
  constructor(
    mod: WebAssembly.Module,
    voices: readonly number[],
    lfoTables: readonly (Float32Array | null)[] = [],
    blockCount = 0,
  ) {
    let slots = 0;
    for (let o = 0; o < OSCILLATORS; o++) {
      const count = 2 * Math.min(16, voices[o] ?? 0);
      this.slotBase.push(slots);
      slots += count;
      this.slotCycle.push(new Array<Float32Array | null>(count).fill(null));
      this.slotStamp.push(new Int32Array(count).fill(-1));
      this.lastCycles.push(new Array<Float32Array | null>(2 * MAX_VOICES).fill(null));
      this.lastAddr.push(new Int32Array(2 * MAX_VOICES));
    }
    // after the cycle slots, per LFO run here: its table, then its left and right output
    const lfoStart = SLOTS_START + slots * SLOT_BYTES;
    let bytes = lfoStart;
    this.lfoTable = new Int32Array(lfoTables.length).fill(-1);
    this.lfoSize = new Float64Array(lfoTables.length);
    lfoTables.forEach((table, i) => {
      if (table === null) return;
      this.lfoTable[i] = bytes;
      this.lfoSize[i] = table.length - 1;
      bytes += Math.ceil((table.length * 4) / 16) * 16 + 8 * MAX_BLOCK;
    });
    const blocksStart = bytes;
    bytes += blockCount * 4 * MAX_BLOCK;
    const k = leaseInstance(mod, bytes);
    this.run_ = (k as unknown as { run: (g: number, groups: number, n: number, flags: number) => void }).run;
    this.f = k.f;
    this.i = k.i;
    this.u = new Uint32Array(k.f.buffer);
    const f32 = (byte: number) => this.f.subarray(byte / 4, byte / 4 + MAX_BLOCK);
    const u32 = (byte: number) => this.u.subarray(byte / 4, byte / 4 + MAX_BLOCK);
    this.incL = f32(M.incL);
    this.incR = f32(M.incR);
    this.offL = u32(M.offL);
    this.offR = u32(M.offR);
    this.accL = f32(M.accL);
    this.accR = f32(M.accR);
    this.pair64 = new Float64Array(k.f.buffer, PAIR_START, PAIR.bytes / 8);
    this.pair32 = new Int32Array(k.f.buffer, PAIR_START, PAIR.bytes / 4);
    this.multipliers_ = k.exports.multipliers as (n: number) => number;
    this.read_ = k.exports.read as (n: number, flags: number) => void;
    this.lfo_ = k.exports.lfo as (table: number, outL: number, outR: number, n: number) => void;
    this.slot_ = k.exports.slot as typeof this.slot_;
    for (let j = 0; j < blockCount; j++) this.blocks.push(f32(blocksStart + 4 * MAX_BLOCK * j));
    this.lfoOutL = lfoTables.map((table, i) => (table === null ? null : f32(this.lfoOutAddress(i, 0))));
    this.lfoOutR = lfoTables.map((table, i) => (table === null ? null : f32(this.lfoOutAddress(i, 1))));
    lfoTables.forEach((table, i) => {
      if (table !== null) this.f.set(table, this.lfoTable[i]! / 4);
    });
  }

  /** Whether `x` lies in this kernel's memory (one of its views), so that its functions can read it. */
  holds(x: Float32Array): boolean {
    return x.buffer === this.f.buffer;
  }

  /**
   * A per-sample slot (no remap, no power curve) added into its destination in both lanes, as voice.ts's
   * addSlot per lane (`flags`: SLOT_*; the amount ramps from `from` by `step` per sample, the destination's
   * control-rate ramp from `base` by `baseStep` when SLOT_FRESH). All four buffers must be held here.
   */
  slotSum(
    srcL: Float32Array,
    srcR: Float32Array,
    outL: Float32Array,
    outR: Float32Array,
    n: number,
    flags: number,
    from: Float64Array,
    step: Float64Array,
    base: Float64Array,
    baseStep: Float64Array,
  ): void {
    this.putLanes(PAIR.slotFrom, from[0]!, from[1]!);
    this.putLanes(PAIR.slotStep, step[0]!, step[1]!);
    this.putLanes(PAIR.slotBase, base[0]!, base[1]!);
    this.putLanes(PAIR.slotBaseStep, baseStep[0]!, baseStep[1]!);
    this.slot_(srcL.byteOffset, srcR.byteOffset, outL.byteOffset, outR.byteOffset, n, flags);
  }

  /** An f64x2 of the lane-pair region: left lane `a`, right lane `b`. */
  private putLanes(offset: number, a: number, b: number): void {
    this.pair64[offset / 8] = a;
    this.pair64[offset / 8 + 1] = b;
  }

  private lfoOutAddress(i: number, lane: number): number {
    const tableBytes = Math.ceil(((this.lfoSize[i]! + 1) * 4) / 16) * 16;
    return this.lfoTable[i]! + tableBytes + 4 * MAX_BLOCK * lane;
  }

  /**
   * LFO i's free-running per-sample block in both lanes (each lane's loop inputs as lfo.ts's audioStart gives
   * them) into lfoOutL / lfoOutR; the lanes' last value and time passed are written back into `l` and `r`.
   */
  lfoPair(i: number, n: number, tick: number, l: FreeRunningLane, r: FreeRunningLane): void {
    const d = this.pair64;
    this.putLanes(PAIR.lfoOffset, l.offset, r.offset);
    this.putLanes(PAIR.lfoPhase, l.phase, r.phase);
    this.putLanes(PAIR.lfoDPhase, l.dPhase, r.dPhase);
    this.putLanes(PAIR.lfoDelta, l.delta, r.delta);
    this.putLanes(PAIR.lfoSmooth, l.smoothMult, r.smoothMult);
    this.putLanes(PAIR.lfoValue, l.value, r.value);
    this.putLanes(PAIR.lfoPassed, l.passed, r.passed);
    d[PAIR.lfoTick / 8] = tick;
    d[PAIR.lfoSize / 8] = this.lfoSize[i]!;
    this.lfo_(this.lfoTable[i]!, this.lfoOutAddress(i, 0), this.lfoOutAddress(i, 1), n);
    l.value = d[PAIR.lfoValue / 8]!;
    r.value = d[PAIR.lfoValue / 8 + 1]!;
    l.passed = d[PAIR.lfoPassed / 8]!;
    r.passed = d[PAIR.lfoPassed / 8 + 1]!;
  }

  /**
   * The lane-pair kernel's increment multipliers for n samples from the lanes' transposes `trL` / `trR` (held
   * here: `blocks`), as voice.ts's transposeMultipliers per lane. Returns MULT_* bits.
   */
  pairMultipliers(
    n: number,
    midi: number,
    trBase: number,
    tuneL: number,
    tuneR: number,
    pitchEnd: number,
    trL: Float32Array,
    trR: Float32Array,
  ): number {
    const d = this.pair64;
    d[PAIR.midi / 8] = midi;
    d[PAIR.trBase / 8] = trBase;
    d[PAIR.pitchEnd / 8] = pitchEnd;
    d[PAIR.tune / 8] = tuneL;
    d[PAIR.tune / 8 + 1] = tuneR;
    this.pair32[PAIR.trL / 4] = trL.byteOffset;
    this.pair32[PAIR.trR / 4] = trR.byteOffset;
    return this.multipliers_(n);
  }

  /** Stage voice lane `lane` (0 or 1) of the lane-pair read; `cycle` / `prev`: addresses from `resolve`. */
  pairVoice(
    lane: number,
    phase: number,
    inc: number,
    incStep: number,
    fade: number,
    gainL: number,
    gainR: number,
    cycle: number,
    prev: number,
  ): void {
    const d = this.pair64;
    d[PAIR.phase / 8 + lane] = phase;
    d[PAIR.inc / 8 + lane] = inc;
    d[PAIR.incStep / 8 + lane] = incStep;
    d[PAIR.fade / 8 + lane] = fade;
    d[PAIR.gainL / 8 + lane] = gainL;
    d[PAIR.gainR / 8 + lane] = gainR;
    this.pair32[PAIR.cycle0 / 4 + lane] = cycle;
    this.pair32[PAIR.prev0 / 4 + lane] = prev;
  }

  /**
   * The staged voice lanes over n samples, their output into accL / accR (READ_* flags; the phase offset
   * ramps from offStart by offStep per sample); then `pairPhase` / `pairFade` hold the lanes' end values.
   */
  pairRead(n: number, offStart: number, offStep: number, fadeStep: number, flags: number): void {
    const d = this.pair64;
    d[PAIR.offStart / 8] = offStart;
    d[PAIR.offStep / 8] = offStep;
    d[PAIR.fadeStep / 8] = fadeStep;
    this.read_(n, flags);
  }

  /** Lane `lane`'s increment multiplier at sample i from the last `pairMultipliers`. */
  pairMultiplier(i: number, lane: number): number {
    return this.pair64[PAIR.mults / 8 + 2 * i + lane]!;
  }

  pairPhase(lane: number): number {
    return this.pair64[PAIR.phase / 8 + lane]!;
  }

  pairFade(lane: number): number {
    return this.pair64[PAIR.fade / 8 + lane]!;
  }

  /**
   * Where the voices of oscillator `o` read this block: the byte address of each array's slot (`addr[k]` for
   * `cycles[k]`), copying a cycle into a free slot when no slot holds it.
   */
  resolve(o: number, cycles: Float32Array[], count: number, addr: Int32Array): void {
    const last = this.lastCycles[o]!;
    const lastAddr = this.lastAddr[o]!;
    let same = count === this.lastCount[o];
    for (let c = 0; same && c < count; c++) same = cycles[c] === last[c];
    if (same) {
      for (let c = 0; c < count; c++) addr[c] = lastAddr[c]!;
      return;
    }
    this.resolveSlots(o, cycles, count, addr);
    for (let c = 0; c < count; c++) {
      last[c] = cycles[c]!;
      lastAddr[c] = addr[c]!;
    }
    this.lastCount[o] = count;
  }

  private resolveSlots(o: number, cycles: Float32Array[], count: number, addr: Int32Array): void {
    const held = this.slotCycle[o]!;
    const stamps = this.slotStamp[o]!;
    const stamp = ++this.stamp;
    for (let c = 0; c < count; c++) {
      addr[c] = -1;
      const slot = held.indexOf(cycles[c]!);
      if (slot >= 0) {
        stamps[slot] = stamp;
        addr[c] = this.slotAddress(o, slot);
      }
    }
    let free = 0;
    for (let c = 0; c < count; c++) {
      if (addr[c]! >= 0) continue;
      const same = cycles.indexOf(cycles[c]!);
      if (same < c) {
        addr[c] = addr[same]!;
        continue;
      }
      while (stamps[free] === stamp) free++;
      if (free >= held.length) throw new Error(`unison kernel: oscillator ${o + 1} has no free cycle slot`);
      held[free] = cycles[c]!;
      stamps[free] = stamp;
      const a = this.slotAddress(o, free);
      this.f.set(cycles[c]!, a / 4);
      addr[c] = a;
    }
  }

  /** Drop oscillator o's copy of `cycle` (its contents changed). */
  forget(o: number, cycle: Float32Array): void {
    const held = this.slotCycle[o]!;
    const slot = held.indexOf(cycle);
    if (slot >= 0) held[slot] = null;
    this.lastCount[o] = -1;
  }

  private slotAddress(o: number, slot: number): number {
    return SLOTS_START + (this.slotBase[o]! + slot) * SLOT_BYTES;
  }

  /** Start a block of one oscillator: the lanes' buffers (null: multipliers all 1, offsets all 0). */
  begin(pitched: boolean, offsets: boolean, split: boolean, fadeStep: number): void {
    const I = this.i;
    const w = M.lanes / 4;
    I[w] = pitched ? M.incL : M.zeros;
    I[w + 1] = pitched ? (split ? M.incR : M.incL) : M.zeros;
    I[w + 2] = offsets ? M.offL : M.zeros;
    I[w + 3] = offsets ? (split ? M.offR : M.offL) : M.zeros;
    this.f[w + 4] = fadeStep;
    this.lanes = (pitched ? PITCHED : 0) | (offsets ? OFFSETS : 0) | (split ? SPLIT : 0);
    this.accL.fill(0);
    this.accR.fill(0);
  }

  /** Render the block of voices 0 … voices − 1 (as staged in the per-voice arrays): their panned sum into accL / accR. */
  run(n: number, voices: number): void {
    this.fading = false;
    for (let v = 0; v < voices; v++) this.stage(v);
    for (let v = voices; v % LANES !== 0; v++) this.stageSilent(v);
    const groups = Math.ceil(voices / LANES);
    const flags = this.lanes | (this.fading ? FADING : 0);
    this.run_(M.groups, groups, n, flags);
    for (let v = 0; v < voices; v++) {
      const base = (M.groups + Math.floor(v / LANES) * G.bytes) / 4 + (v % LANES);
      const units = this.u[base + G.phase / 4]! + this.f[base + G.carry / 4]!;
      this.phase[v] =
        units >= PHASE_SCALE
          ? units / PHASE_SCALE - 1
          : units < 0
            ? units / PHASE_SCALE + 1
            : units / PHASE_SCALE;
      this.fade[v] = this.f[base + G.fade / 4]!;
    }
  }

  /** Voice v's values into its lane of the memory. */
  private stage(v: number): void {
    const base = (M.groups + Math.floor(v / LANES) * G.bytes) / 4 + (v % LANES);
    const units = this.phase[v]! * PHASE_SCALE;
    const unit = Math.floor(units);
    this.u[base + G.phase / 4] = unit;
    this.f[base + G.carry / 4] = units - unit;
    const from = this.incFrom[v]! * PHASE_SCALE;
    const whole = Math.round(from);
    this.u[base + G.incWhole / 4] = whole;
    this.f[base + G.incRest / 4] = from - whole;
    this.f[base + G.incFrom / 4] = from;
    this.f[base + G.incStep / 4] = this.incStep[v]! * PHASE_SCALE;
    const fade = this.fade[v]!;
    this.f[base + G.fade / 4] = fade;
    this.f[base + G.gainL / 4] = this.gainL[v]!;
    this.f[base + G.gainR / 4] = this.gainR[v]!;
    this.i[base + G.cycle / 4] = this.cycle[v]!;
    this.i[base + G.prev / 4] = fade < 1 ? this.prev[v]! : this.cycle[v]!;
    this.i[base + G.right / 4] = this.right[v] === 1 ? -1 : 0;
    if (fade < 1) this.fading = true;
  }

  /** A silent voice filling the last group (phase 0, no increment, gain 0, reading the silent cycle). */
  private stageSilent(v: number): void {
    const base = (M.groups + Math.floor(v / LANES) * G.bytes) / 4 + (v % LANES);
    this.u[base + G.phase / 4] = 0;
    this.f[base + G.carry / 4] = 0;
    this.u[base + G.incWhole / 4] = 0;
    this.f[base + G.incRest / 4] = 0;
    this.f[base + G.incFrom / 4] = 0;
    this.f[base + G.incStep / 4] = 0;
    this.f[base + G.fade / 4] = 1;
    this.f[base + G.gainL / 4] = 0;
    this.f[base + G.gainR / 4] = 0;
    this.i[base + G.right / 4] = 0;
    this.i[base + G.cycle / 4] = M.silent;
    this.i[base + G.prev / 4] = M.silent;
  }
}
