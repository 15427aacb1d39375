// The reverb's feedback network (reverb.ts) as a WebAssembly SIMD kernel, the same arithmetic as the JavaScript
// loop in single precision. No line or all-pass read reaches a sample written in the same block (their delays are
// ≥ 340 samples, a block ≤ 128), so within a block only the one-pole filters are recursive; the block runs as short
// loops, each handing its results to the next through a scratch. The memories are read and written linearly over a
// block, past their ends into guards (a memory's start mirrored there before reads that run past its end; writes
// that land there moved to its start after the pass): only the line reads, at moving delays, are masked. Two forms
// of f32x4: lane form (the 4 lines of a group at one sample) and time form (4 consecutive samples of one line or
// lane):
//   1. the band-limited input and the chorus offsets (lane form), then transposed into time form;
//   2. line by line (a loop of its own for each line, eight samples per iteration), in time form: the Catmull-Rom
//      read (four overlapping loads while ⌊delay⌋ holds for the four samples, as for nearly every chunk at slow
//      chorus rates; else one load per sample, transposed) and the diffuser (its neighbour's all-pass memory read and
//      its own written with one load and one store, through pointers that move linearly over the block);
//   3. the Householder ⊗ Householder mix in time form, transposed into lane form;
//   4. per sample, the shelves and the decay (lane form; the four groups in one loop when nothing ramps);
//   5. the feed-forward of the stored values through the same mix, and the network's stereo output (written to the
//      pre-delay ring), with the line writes in the same loop (four samples at a time, transposed; linear from each
//      line's first write position);
//   6. the pre-delay's reads and the dry/wet mix (with both steady: four samples at a time).
// Structure and constants are facts from Vital (GPL-3.0, Matt Tytel); see reverb.ts.

import {
  assemble,
  block,
  br,
  brIf,
  cat,
  leaseInstance,
  lazyModule,
  F32,
  f32,
  f32x4,
  FunctionBuilder,
  get,
  I32,
  i32,
  ifThen,
  i32x4,
  loop,
  set,
  V128,
  v128,
  type Code,
  type Local,
} from "./wasm.ts";
import { copyBlock } from "./common.ts";
import { catmullRom, transpose4 } from "./kernel-math.ts";

/** Byte offsets in the control block (16-byte slots; see ReverbKernel for who writes what). */
export const CTL = {
  lineDelay: 0, // 4 × f32x4: line length − 1 per group, less its integer part (lineInt)
  decay: 64, // 4 × f32x4: decay before the first sample
  decayStep: 128, // 4 × f32x4: per-sample decay increment
  cos: 192, // f32x4: chorus phasor (per lane) before the first sample
  sin: 208,
  amount: 224, // f32x4: chorus depth per lane
  rotLow: 240, // [cos step, sin step, low-shelf coefficient, low-shelf amount]
  high: 256, // [high-shelf coefficient, its step, high-shelf amplitude, its step]
  preCoef: 272, // [low, low, high, high] pre-filter coefficients before the first sample
  preStep: 288, // their per-sample steps
  pos: 304, // i32: [line write position, all-pass write position, longest line's mask, all-pass mask] (all lines and all-pass
  // memories share their write positions)
  io: 320, // i32: [unused, block buffers address, bytes per block buffer, scratch address]:
  // the buffers are input L, input R, output L, output R in that order
  lineBase: 336, // 4 × i32x4: byte address of each line
  apDelay: 400, // 4 × i32x4: all-pass delay read by each lane (its neighbour's)
  apRead: 464, // 4 × i32x4: address of the all-pass memory each lane reads (its neighbour's)
  highState: 544, // 4 × f32x4 (state)
  lowState: 608, // 4 × f32x4 (state)
  preState: 672, // f32x4: [low L, low R, high L, high R] (state)
  mix: 688, // [pre-delay (samples, less its integer part) at the first sample, its step, wet gain before the first
  // sample, its step]
  mixDry: 704, // [dry gain before the first sample, its step, 0, 0]
  ring: 720, // i32: [pre-delay write position (state), its mask, its address (stereo pairs), pre-delay integer part]
  lineInt: 736, // 4 × i32x4: integer part of line length − 1 (positions stay exact in single precision)
  apWrite: 800, // 4 × i32x4: address of each lane's all-pass memory
  apBytes: 864, // i32: bytes per all-pass memory (without guard)
  flags: 880, // i32: FLAG_STEADY | FLAG_LOW_SHELF
  pool: 1152, // 16 × v128: the kernel's vector constants (written by the kernel)
  lineMask: 1472, // i32 × 16: each line's mask (its length − 1; a power of two each, the longest's in pos)
  lineBytes: 1536, // i32 × 16: each line's length in bytes (without guard)
  lineWrite: 1600, // i32 × 16: where the block's first sample is written in each line (written by the kernel)
  bytes: 1664,
} as const;

/** No ramp in this block (shelves and decays fixed): the shelves pass's steady form. */
export const FLAG_STEADY = 1;
/** The low shelf runs (else its amount is 0 and stays 0: the filter is left out). */
export const FLAG_LOW_SHELF = 2;
/** The pre-delay and the dry/wet gains hold for the block, and the pre-delay reads ≥ 2 samples back. */
export const FLAG_PREDELAY_STEADY = 4;

/** The longest block: below the shortest line or all-pass delay (≥ 340 samples at any size and rate). */
const MAX_BLOCK = 256;
/** Samples per chunk of the line pass (the all-pass memories are read and written this many at a time). */
const CHUNK_SPAN = 8;
/**
 * Guard samples after each all-pass memory (its first samples mirrored for a read running past its end, or a
 * write past its end before it moves to the start; see moduleBytes).
 */
const AP_GUARD = MAX_BLOCK + CHUNK_SPAN;
/**
 * Guard samples after each line: its first eight mirrored for the reads, and room for a block's writes past its
 * end before they move to the start (see moduleBytes).
 */
const LINE_GUARD = MAX_BLOCK + 8;

/**
 * The scratch, one region (an f32x4 per sample) per value a pass hands to the next: byte offsets of the
 * regions, `REGION` apart (not a multiple of 4 KiB, so that a load from one region and a store to another at the
 * same sample do not alias in the cache's eyes).
 */
const REGION = MAX_BLOCK * 16 + 64;
const SCRATCH = {
  input: 0, // the band-limited input [L, R, L, R] · ¼
  chorusCos: REGION, // chorus offsets (cos · depth, sin · depth) per lane
  chorusSin: 2 * REGION,
  x: 3 * REGION, // 4 groups: the diffusers' outputs, then the mixed values, then the shelved values
  store: 7 * REGION, // 4 groups: the values written to the lines
  decay: 11 * REGION, // 4 groups: the decays at this sample
  bytes: 15 * REGION,
} as const;
/**
 * The time-form scratch after it (four consecutive samples of one lane per f32x4, a region per lane): the chorus
 * offsets (cos, then sin, per lane), the band-limited input (L, R) and the diffusers' outputs (per line).
 */
const REGION_T = MAX_BLOCK * 4 + 64;
const SCRATCH_T = {
  cos: SCRATCH.bytes,
  sin: SCRATCH.bytes + 4 * REGION_T,
  input: SCRATCH.bytes + 8 * REGION_T,
  x: SCRATCH.bytes + 10 * REGION_T,
  bytes: SCRATCH.bytes + 26 * REGION_T,
} as const;
/** The scratch's address: after the control block and four block buffers of the longest block. */
const SCRATCH_ABS = CTL.bytes + 16 * MAX_BLOCK;

const ALLPASS_GAIN = 0.6;
const LINES = 16;
/**
 * Values below this are flushed to zero where they enter the delay memories and in the filter states kept between
 * blocks (no slow subnormals in long tails or states decaying in silence).
 */
const FLUSH = 1e-20;

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const fn = new FunctionBuilder([I32, I32]);
  // the control block is at address 0 (ReverbKernel.ctl): addressed by constant offsets, which x64 code folds
  // into its loads; the first parameter (that address) is not read
  const n = fn.params[1]!;
  const v = () => fn.local(V128);
  const vs = (count: number) => Array.from({ length: count }, v);
  const s = () => fn.local(I32);
  const [i, rec, scratch, fbW, apW, fbMask, apMask, lineMask, inL, inR, out, outR] = Array.from(
    { length: 12 },
    s,
  );
  const [ringPos, ringMask, ringBase, rd, pdInt, apBytes] = Array.from({ length: 6 }, s);
  const [q, lineAddr, readAt, apNb, apOwn, at0, k, span, past, nBytes] = Array.from({ length: 10 }, s);
  const pd = fn.local(F32);
  const pdFloor = fn.local(F32);
  const pdStep = fn.local(F32);
  const a = vs(4);
  const t = vs(4);
  const yv = vs(4); // y3, y2, y1, y0
  const g = vs(4); // the four groups' values of one sample
  const [fl, decay, decayStep, hs, ls] = vs(5);
  const rowSums = vs(4);
  const colCommon = vs(4);
  const [cos, sin, rc, rs, amount, lc, la, hc, hcStep, ha, haStep, pc, pcStep, pre] = vs(14);
  const [tmp, delay, f, idx, fbRead, apRead, apIn, lineDelay] = vs(8);
  const [rows, cols, total, common, sum, ff, outV, yk, dd, hl, ll, k1, k2, k3] = vs(14);
  const [xin, wetV, wetStep, dryV, dryStep, frac] = vs(6);

  const c = i32.const(0);
  const ld = (off: number) => v128.load(c, off);
  const L = get;
  const add = f32x4.add;
  const sub = f32x4.sub;
  const mul = f32x4.mul;
  // vector constants as loads from the control block (an inline v128 constant costs V8 three instructions at every
  // use): stored there at the start of each run
  const poolKeys: string[] = [];
  const poolValues: Code[] = [];
  const pooled = (value: Code): Code => {
    let at = poolKeys.indexOf(value.join());
    if (at < 0) {
      at = poolKeys.push(value.join()) - 1;
      poolValues.push(value);
    }
    if (at >= 16) throw new RangeError("reverb kernel: more than 16 pooled constants");
    return ld(CTL.pool + 16 * at);
  };
  const k4 = (x: number) => pooled(f32x4.const(x, x, x, x));
  const lane = (vec: Local, l: number) => v128.shuffle32(L(vec), L(vec), [l, l, l, l]);
  const absMask = pooled(i32x4.const(0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff));
  const intBias = k4(1.5 * 2 ** 23);
  const flushed = (x: Local) => v128.and(L(x), f32x4.gt(v128.and(L(x), absMask), k4(FLUSH)));
  const recLoad = (off: number) => v128.load(L(rec), off);
  const recStore = (off: number, val: Code) => v128.store(L(rec), val, off);
  const i4 = i32.shl(L(i), i32.const(2));
  /** Sample i of the input, [L, R, L, R]. */
  const inputLR = v128.shuffle32(
    f32x4.splat(f32.load(i32.add(L(inL), i4))),
    f32x4.splat(f32.load(i32.add(L(inR), i4))),
    [0, 4, 0, 4],
  );
  /**
   * A loop over the samples from `first` (code) on, `step` at a time while a whole step fits in the block (steps
   * of one unrolled by two): `i` counts the samples, `rec` points at sample i's f32x4 in the first region.
   */
  const samplesFrom = (first: Code, step: number, ...body: Code[]): Code => {
    const next = [
      set(i, i32.add(L(i), i32.const(step))),
      set(rec, i32.add(L(rec), i32.const(16 * step))),
      brIf(1, i32.gtS(i32.add(L(i), i32.const(step)), L(n))),
    ];
    const rounds = step === 1 ? [...body, ...next, ...body, ...next] : [...body, ...next];
    return cat(
      set(i, first),
      set(rec, i32.add(L(scratch), i32.shl(L(i), i32.const(4)))),
      block(loop(brIf(1, i32.gtS(i32.add(L(i), i32.const(step)), L(n))), ...rounds, br(0))),
    );
  };
  const eachSample = (...body: Code[]): Code => samplesFrom(i32.const(0), 1, ...body);
  /**
   * A loop over the block's samples four at a time, a last partial chunk included (its extra lanes compute values
   * that nothing keeps): `i` counts the samples, `q` = 4·i is the chunk's byte offset in a time-form region, `rec`
   * points at sample i's f32x4 in the first lane-form region.
   */
  const eachChunk = (...body: Code[]): Code =>
    cat(
      set(i, i32.const(0)),
      set(q, i32.const(0)),
      set(rec, L(scratch)),
      block(
        loop(
          brIf(1, i32.geS(L(i), L(n))),
          ...body,
          set(i, i32.add(L(i), i32.const(4))),
          set(q, i32.add(L(q), i32.const(16))),
          set(rec, i32.add(L(rec), i32.const(64))),
          br(0),
        ),
      ),
    );
  /** The chunk's vector in the time-form region at `offset` of the scratch. */
  const timeLoad = (offset: number) => v128.load(i32.add(L(scratch), L(q)), offset);
  const timeStore = (offset: number, val: Code) => v128.store(i32.add(L(scratch), L(q)), val, offset);
  const code: Code[] = [];
  const emit = (...parts: Code[]) => code.push(...parts);
  /** The byte offset in its neighbour's all-pass memory where line `line` reads the block's first sample. */
  const apReadStart = (line: number) =>
    i32.shl(i32.and(i32.sub(L(apW), i32.load(c, CTL.apDelay + 4 * line)), L(apMask)), i32.const(2));

  emit(
    set(fbW, i32.load(c, CTL.pos)),
    set(apW, i32.load(c, CTL.pos + 4)),
    set(fbMask, i32.load(c, CTL.pos + 8)),
    set(apMask, i32.load(c, CTL.pos + 12)),
    set(inL, i32.load(c, CTL.io + 4)),
    set(inR, i32.add(L(inL), i32.load(c, CTL.io + 8))),
    set(out, i32.add(L(inR), i32.load(c, CTL.io + 8))),
    set(outR, i32.add(L(out), i32.load(c, CTL.io + 8))),
    set(scratch, i32.load(c, CTL.io + 12)),
    set(apBytes, i32.load(c, CTL.apBytes)),
  );
  // the guard samples after each line mirror its first eight, so that reads of 7 samples (four overlapping loads)
  // never wrap: once per block (as Vital for its lines), since no read reaches a sample written in the same block.
  // The lines are written linearly over the block from its first position on, into their guards past their ends
  // (moved to the starts after the writes)
  for (let line = 0; line < LINES; line++) {
    const base = i32.load(c, CTL.lineBase + 4 * line);
    const end = i32.add(base, i32.load(c, CTL.lineBytes + 4 * line));
    emit(
      v128.store(end, v128.load(base)),
      v128.store(end, v128.load(base, 16), 16),
      i32.store(
        c,
        i32.add(base, i32.shl(i32.and(L(fbW), i32.load(c, CTL.lineMask + 4 * line)), i32.const(2))),
        CTL.lineWrite + 4 * line,
      ),
    );
  }
  /** Code copying `bytes` (a multiple of 16, > 0) from `from` to `to`, 16 at a time. */
  const copyVectors = (to: Local, from: Local, bytes: Code): Code =>
    cat(
      set(k, i32.const(0)),
      loop(
        v128.store(i32.add(L(to), L(k)), v128.load(i32.add(L(from), L(k)))),
        set(k, i32.add(L(k), i32.const(16))),
        brIf(0, i32.ltU(L(k), bytes)),
      ),
    );
  // the all-pass memories are read and written linearly over the block, from the block's first position on, into
  // their guards: a read that runs past a memory's end finds its start mirrored there (copied here, in the blocks
  // where it does), a write there is moved to the start after the line pass. The chunks' extra lanes of a partial
  // last chunk read and write up to CHUNK_SPAN samples from the block's first position
  emit(
    set(
      span,
      i32.shl(i32.and(i32.add(L(n), i32.const(CHUNK_SPAN - 1)), i32.const(-CHUNK_SPAN)), i32.const(2)),
    ),
  );
  for (let line = 0; line < LINES; line++) {
    emit(
      set(apNb, i32.load(c, CTL.apRead + 4 * line)),
      set(past, i32.sub(i32.add(apReadStart(line), L(span)), L(apBytes))),
      ifThen(
        i32.gtS(L(past), i32.const(0)),
        cat(set(apOwn, i32.add(L(apNb), L(apBytes))), copyVectors(apOwn, apNb, L(past))),
      ),
    );
  }

  // ---- 1. input band-limiting: [low L, low R, high L, high R] one-pole low-passes, (low − high)·¼; the chorus
  // phasors (per-sample ramps: the value at sample i is the block's start plus (i + 1) steps)
  emit(
    set(pc, ld(CTL.preCoef)),
    set(pcStep, ld(CTL.preStep)),
    set(pre, ld(CTL.preState)),
    set(cos, ld(CTL.cos)),
    set(sin, ld(CTL.sin)),
    set(amount, ld(CTL.amount)),
    set(tmp, ld(CTL.rotLow)),
    set(rc, lane(tmp, 0)),
    set(rs, lane(tmp, 1)),
    eachSample(
      set(pc, add(L(pc), L(pcStep))),
      set(xin, inputLR),
      set(dd, mul(L(pc), sub(L(xin), L(pre)))),
      set(tmp, add(L(pre), L(dd))),
      set(pre, add(L(tmp), L(dd))),
      set(tmp, mul(sub(L(tmp), v128.shuffle32(L(tmp), L(tmp), [2, 3, 0, 1])), k4(0.25))),
      recStore(SCRATCH.input, v128.shuffle32(L(tmp), L(tmp), [0, 1, 0, 1])),
      // groups 0/1 move by ±cos·depth, 2/3 by ±sin·depth
      set(tmp, sub(mul(L(cos), L(rc)), mul(L(sin), L(rs)))),
      set(sin, add(mul(L(sin), L(rc)), mul(L(cos), L(rs)))),
      set(cos, L(tmp)),
      recStore(SCRATCH.chorusCos, mul(L(cos), L(amount))),
      recStore(SCRATCH.chorusSin, mul(L(sin), L(amount))),
    ),
    v128.store(c, flushed(pre), CTL.preState),
  );

  // ---- the chorus offsets and the input in time form (four consecutive samples of one lane per vector)
  emit(
    eachChunk(
      ...[
        [SCRATCH.chorusCos, SCRATCH_T.cos],
        [SCRATCH.chorusSin, SCRATCH_T.sin],
        [SCRATCH.input, SCRATCH_T.input],
      ].flatMap(([from, to]) => [
        ...a.map((aq, q) => set(aq, recLoad(from! + 16 * q))),
        transpose4(a, yv, t),
        ...yv
          .slice(0, to === SCRATCH_T.input ? 2 : 4)
          .map((lane, j) => timeStore(to! + REGION_T * j, L(lane))),
      ]),
    ),
  );

  // ---- 2. line by line, four samples per vector: the line read and the diffuser (which reads its stereo
  // neighbour's all-pass memory). One loop per line, each with its own regions of the scratch as offsets.
  // the pass's vector constants, loaded before each line's loop (as loop invariants TurboFan keeps some in registers
  // and reloads the others from its stack: fewer loads than from the pool at every use)
  const [half, gain, bias, abs, least] = vs(5);
  const [k25, k2x, k15] = vs(3);
  const lineConstants = new Map([
    [0.5, half],
    [2.5, k25],
    [2, k2x],
    [1.5, k15],
  ]);
  const lineRead = catmullRom(yv, f, [k1, k2, k3], (x) => L(lineConstants.get(x)!));
  const loadLineConstants = cat(
    ...[...lineConstants].map(([x, local]) => set(local, k4(x))),
    set(gain, k4(ALLPASS_GAIN)),
    set(bias, intBias),
    set(abs, absMask),
    set(least, k4(FLUSH)),
  );
  const steps = pooled(i32x4.const(0, 1, 2, 3));
  /** The bits of ⌊delay⌋ + 1.5·2^23 (⌊delay⌋ in the mantissa: |⌊delay⌋| < 2^22, an exact conversion). */
  const floorBits = add(L(fl), L(bias));
  /**
   * Line `line`'s loop over the block's chunks: `q` the chunk's byte offset in the time-form regions (its own at
   * constant offsets), `readAt` the position its first sample reads from, less ⌊delay⌋ (see below), `apNb` and
   * `apOwn` the all-pass addresses it reads and writes (moving pointers: TurboFan would recompute their sums with q
   * inside the loop).
   */
  const lineLoop = (line: number): Code => {
    const group = line >> 2;
    const lane = line & 3;
    const chorusAt = SCRATCH_ABS + (group < 2 ? SCRATCH_T.cos : SCRATCH_T.sin) + REGION_T * lane;
    const inputAt = SCRATCH_ABS + SCRATCH_T.input + REGION_T * (lane & 1);
    const xAt = SCRATCH_ABS + SCRATCH_T.x + REGION_T * line;
    /** The chunk `at` bytes on from q (its first sample `at / 4` on from readAt). */
    const chunk = (at: number): Code =>
      cat(
        // groups 1 and 3 move against 0 and 2
        set(delay, (group & 1 ? sub : add)(L(lineDelay), v128.load(L(q), chorusAt + at))),
        set(fl, f32x4.floor(L(delay))),
        set(f, sub(L(delay), L(fl))),
        // yv[0] = oldest (y3) … yv[3] = newest (y0), lanes = samples. With one ⌊delay⌋ for the four samples, four
        // overlapping loads (the guard mirrors the line's start); else one load per sample, transposed
        ifThen(
          i32.eq(i32x4.bitmask(f32x4.eq(L(fl), v128.shuffle32(L(fl), L(fl), [0, 0, 0, 0]))), i32.const(15)),
          cat(
            set(
              at0,
              i32.add(
                L(lineAddr),
                i32.shl(
                  i32.and(
                    i32.sub(i32.add(L(readAt), i32.const(at / 4)), i32x4.extractLane(floorBits, 0)),
                    L(lineMask),
                  ),
                  i32.const(2),
                ),
              ),
            ),
            ...yv.map((y, back) => set(y, v128.load(L(at0), 4 * back))),
          ),
          cat(
            set(
              idx,
              i32x4.add(
                i32x4.shl(
                  v128.and(
                    i32x4.sub(
                      i32x4.add(i32x4.splat(i32.add(L(readAt), i32.const(at / 4))), steps),
                      floorBits,
                    ),
                    i32x4.splat(L(lineMask)),
                  ),
                  i32.const(2),
                ),
                i32x4.splat(L(lineAddr)),
              ),
            ),
            ...a.map((aq, lane) => set(aq, v128.load(i32x4.extractLane(L(idx), lane)))),
            transpose4(a, yv, t),
          ),
        ),
        lineRead.setup,
        set(fbRead, lineRead.value),
        set(apRead, v128.load(L(apNb), at)),
        set(apIn, sub(L(fbRead), mul(L(apRead), L(gain)))),
        set(tmp, add(v128.load(L(q), inputAt + at), L(apIn))),
        // flushed below FLUSH
        v128.store(L(apOwn), v128.and(L(tmp), f32x4.gt(v128.and(L(tmp), L(abs)), L(least))), at),
        v128.store(L(q), add(L(apRead), mul(L(apIn), L(gain))), xAt + at),
      );
    return cat(
      set(lineAddr, i32.load(c, CTL.lineBase + 4 * line)),
      set(lineMask, i32.load(c, CTL.lineMask + 4 * line)),
      // sample i reads the four samples from (write + i − 2 − ⌊length − 1⌋ − ⌊delay⌋) & mask on; ⌊delay⌋ enters as
      // the bits of ⌊delay⌋ + 1.5·2^23
      set(readAt, i32.sub(i32.sub(L(fbW), i32.load(c, CTL.lineInt + 4 * line)), i32.const(2 - 0x4b400000))),
      set(lineDelay, v128.load32Splat(c, CTL.lineDelay + 4 * line)),
      set(apNb, i32.add(i32.load(c, CTL.apRead + 4 * line), apReadStart(line))),
      set(apOwn, i32.add(i32.load(c, CTL.apWrite + 4 * line), i32.shl(L(apW), i32.const(2)))),
      set(q, i32.const(0)),
      loadLineConstants,
      loop(
        ...Array.from({ length: CHUNK_SPAN / 4 }, (_, k) => chunk(16 * k)),
        set(q, i32.add(L(q), i32.const(4 * CHUNK_SPAN))),
        set(readAt, i32.add(L(readAt), i32.const(CHUNK_SPAN))),
        set(apNb, i32.add(L(apNb), i32.const(4 * CHUNK_SPAN))),
        set(apOwn, i32.add(L(apOwn), i32.const(4 * CHUNK_SPAN))),
        brIf(0, i32.ltU(L(q), L(nBytes))),
      ),
    );
  };
  emit(
    set(nBytes, i32.shl(L(n), i32.const(2))),
    ifThen(i32.gtS(L(n), i32.const(0)), cat(...Array.from({ length: LINES }, (_, line) => lineLoop(line)))),
  );
  // the all-pass writes past the memories' ends move from their guards to their starts
  emit(
    set(past, i32.sub(i32.add(i32.shl(L(apW), i32.const(2)), L(span)), L(apBytes))),
    ifThen(
      i32.gtS(L(past), i32.const(0)),
      cat(
        ...Array.from({ length: LINES }, (_, line) =>
          cat(
            set(apOwn, i32.load(c, CTL.apWrite + 4 * line)),
            set(apNb, i32.add(L(apOwn), L(apBytes))),
            copyVectors(apOwn, apNb, L(past)),
          ),
        ),
      ),
    ),
  );

  /** Householder ⊗ Householder mix of the four groups' vectors `g`: code setting rows (½·row sums) and common. */
  const householder = (): Code[] => [
    set(
      t[0]!,
      add(v128.shuffle32(L(g[0]!), L(g[1]!), [0, 4, 1, 5]), v128.shuffle32(L(g[0]!), L(g[1]!), [2, 6, 3, 7])),
    ),
    set(
      t[1]!,
      add(v128.shuffle32(L(g[2]!), L(g[3]!), [0, 4, 1, 5]), v128.shuffle32(L(g[2]!), L(g[3]!), [2, 6, 3, 7])),
    ),
    set(
      rows,
      add(v128.shuffle32(L(t[0]!), L(t[1]!), [0, 1, 4, 5]), v128.shuffle32(L(t[0]!), L(t[1]!), [2, 3, 6, 7])),
    ),
    set(cols, add(add(L(g[0]!), L(g[1]!)), add(L(g[2]!), L(g[3]!)))),
    set(total, add(L(rows), v128.shuffle32(L(rows), L(rows), [2, 3, 0, 1]))),
    set(total, add(L(total), v128.shuffle32(L(total), L(total), [1, 0, 3, 2]))),
    set(common, sub(mul(k4(0.25), L(total)), mul(k4(0.5), L(cols)))),
    set(rows, mul(k4(0.5), L(rows))),
  ];
  /** Group k's value mixed: g[k] − ½·its row sum − ½·its column sum + ¼·total. */
  const mixed = (k: number) => sub(add(L(g[k]!), L(common)), lane(rows, k));
  const loadGroups = (off: number) => g.map((gk, k) => set(gk, recLoad(off + REGION * k)));

  // ---- 3. the mix of the diffusers' outputs, in time form (each line's four samples a vector): x − ½·row sum −
  // ½·column sum + ¼·total, then transposed into the groups' lane-form vectors per sample
  const xOf = (k: number, j: number) => timeLoad(SCRATCH_T.x + REGION_T * (4 * k + j));
  emit(
    eachChunk(
      ...rowSums.map((r, k) => set(r, add(add(xOf(k, 0), xOf(k, 2)), add(xOf(k, 1), xOf(k, 3))))),
      set(total, add(add(L(rowSums[0]!), L(rowSums[2]!)), add(L(rowSums[1]!), L(rowSums[3]!)))),
      set(total, mul(k4(0.25), L(total))),
      ...colCommon.map((cj, j) =>
        set(cj, sub(L(total), mul(k4(0.5), add(add(xOf(0, j), xOf(1, j)), add(xOf(2, j), xOf(3, j)))))),
      ),
      ...rowSums.flatMap((r, k) => [
        set(r, mul(k4(0.5), L(r))),
        ...a.map((aj, j) => set(aj, sub(add(xOf(k, j), L(colCommon[j]!)), L(r)))),
        transpose4(a, yv, t),
        ...yv.map((sample, q) => recStore(SCRATCH.x + REGION * k + 16 * q, L(sample))),
      ]),
    ),
  );

  /**
   * Code replacing `y` by its high shelf (coefficient `hc`, amplitude `ha`, state `hs`), then, with `low`, its low
   * shelf (`lc`, amount `la`, state `ls`): one-pole low-passes, as the JavaScript loop.
   */
  const shelved = (y: Local, hs: Local, ls: Local, low: boolean): Code =>
    cat(
      set(dd, mul(L(hc), sub(L(y), L(hs)))),
      set(hl, add(L(hs), L(dd))),
      set(hs, add(L(hl), L(dd))),
      set(y, add(L(hl), mul(L(ha), sub(L(y), L(hl))))),
      ...(low
        ? [
            set(dd, mul(L(lc), sub(L(y), L(ls)))),
            set(ll, add(L(ls), L(dd))),
            set(ls, add(L(ll), L(dd))),
            set(y, sub(L(y), mul(L(ll), L(la)))),
          ]
        : []),
    );

  /** The address of pre-delay ring position `pos` (stereo pairs). */
  const ringAt = (pos: Code) => i32.add(L(ringBase), i32.shl(i32.and(pos, L(ringMask)), i32.const(3)));
  // ---- 5. feed-forward of the stored values through the same mix, weighted by the decays (`decayOf(k, offset)`),
  // ⅛; the network's output: left = lanes 0 + 2, right = 1 + 3, summed over the groups. Sample i + offset/16
  const feedForward = (decayOf: (k: number, offset: number) => Code, offset: number): Code => {
    let shelvedSum: Code = recLoad(SCRATCH.x + offset);
    for (let k = 1; k < 4; k++) shelvedSum = add(shelvedSum, recLoad(SCRATCH.x + REGION * k + offset));
    let weighted: Code = mul(mixed(0), decayOf(0, offset));
    for (let k = 1; k < 4; k++) weighted = add(weighted, mul(mixed(k), decayOf(k, offset)));
    return cat(
      set(sum, shelvedSum),
      ...loadGroups(SCRATCH.store + offset),
      ...householder(),
      set(ff, weighted),
      set(outV, add(L(sum), mul(L(ff), k4(0.125)))),
      // into the pre-delay ring at the sample's write position
      v128.store64Lane(
        ringAt(i32.add(L(ringPos), i32.add(L(i), i32.const(offset / 16 + 1)))),
        add(L(outV), v128.shuffle32(L(outV), L(outV), [2, 3, 0, 1])),
        0,
      ),
    );
  };
  /** The address of sample i of line j of group k (linear from the block's first write position). */
  const lineSample = (k: number, j: number) => i32.add(i32.load(c, CTL.lineWrite + 16 * k + 4 * j), i4);
  /**
   * 5. and the line writes in one pass: four samples at a time, their feed-forward, then each group's stored
   * values transposed into one store per line; the last n mod 4 samples one by one, lane by lane.
   */
  const feedForwardPass = (decayOf: (k: number, offset: number) => Code): Code =>
    cat(
      samplesFrom(
        i32.const(0),
        4,
        ...[0, 1, 2, 3].map((q) => feedForward(decayOf, 16 * q)),
        ...[0, 1, 2, 3].flatMap((k) => [
          ...a.map((aq, q) => set(aq, recLoad(SCRATCH.store + REGION * k + 16 * q))),
          transpose4(a, yv, t),
          ...yv.map((line, j) => v128.store(lineSample(k, j), L(line))),
        ]),
      ),
      samplesFrom(
        i32.and(L(n), i32.const(-4)),
        1,
        feedForward(decayOf, 0),
        ...[0, 1, 2, 3].flatMap((k) => [
          set(tmp, recLoad(SCRATCH.store + REGION * k)),
          ...[0, 1, 2, 3].map((j) => v128.store32Lane(lineSample(k, j), L(tmp), j)),
        ]),
      ),
    );

  // ---- 4. the shelves (high, then low) and the decays, with 5. feed-forward after them. Steady (no ramp in this
  // block): the four groups in one loop (four independent recursions at once) with the decays fixed, the low shelf
  // left out where it stays off (its amount fixed at 0); else group by group with every ramp
  const hsk = vs(4);
  const lsk = vs(4);
  const steadyShelves = (low: boolean): Code =>
    cat(
      ...hsk.map((h, k) => set(h, ld(CTL.highState + 16 * k))),
      ...(low ? lsk.map((l, k) => set(l, ld(CTL.lowState + 16 * k))) : []),
      eachSample(
        ...g.flatMap((yk, k) => [
          set(yk, recLoad(SCRATCH.x + REGION * k)),
          shelved(yk, hsk[k]!, lsk[k]!, low),
          recStore(SCRATCH.x + REGION * k, L(yk)),
          set(tmp, mul(ld(CTL.decay + 16 * k), L(yk))),
          recStore(SCRATCH.store + REGION * k, flushed(tmp)),
        ]),
      ),
      ...hsk.map((h, k) => v128.store(c, flushed(h), CTL.highState + 16 * k)),
      ...(low ? lsk.map((l, k) => v128.store(c, flushed(l), CTL.lowState + 16 * k)) : []),
    );
  const rampedShelves: Code[] = [];
  for (let k = 0; k < 4; k++) {
    rampedShelves.push(
      set(tmp, ld(CTL.high)),
      set(hcStep, lane(tmp, 1)),
      set(haStep, lane(tmp, 3)),
      set(hc, lane(tmp, 0)),
      set(ha, lane(tmp, 2)),
      set(decay, ld(CTL.decay + 16 * k)),
      set(decayStep, ld(CTL.decayStep + 16 * k)),
      set(hs, ld(CTL.highState + 16 * k)),
      set(ls, ld(CTL.lowState + 16 * k)),
      eachSample(
        set(hc, add(L(hc), L(hcStep))),
        set(ha, add(L(ha), L(haStep))),
        set(decay, add(L(decay), L(decayStep))),
        set(yk, recLoad(SCRATCH.x + REGION * k)),
        shelved(yk, hs, ls, true),
        recStore(SCRATCH.x + REGION * k, L(yk)),
        set(tmp, mul(L(decay), L(yk))),
        set(tmp, flushed(tmp)),
        recStore(SCRATCH.store + REGION * k, L(tmp)),
        recStore(SCRATCH.decay + REGION * k, L(decay)),
      ),
      v128.store(c, flushed(hs), CTL.highState + 16 * k),
      v128.store(c, flushed(ls), CTL.lowState + 16 * k),
    );
  }
  const flag = (bit: number) => i32.and(i32.load(c, CTL.flags), i32.const(bit));
  emit(
    set(ringPos, i32.load(c, CTL.ring)),
    set(ringMask, i32.load(c, CTL.ring + 4)),
    set(ringBase, i32.load(c, CTL.ring + 8)),
    set(tmp, ld(CTL.rotLow)),
    set(lc, lane(tmp, 2)),
    set(la, lane(tmp, 3)),
    set(tmp, ld(CTL.high)),
    set(hc, lane(tmp, 0)),
    set(ha, lane(tmp, 2)),
    ifThen(
      flag(FLAG_STEADY),
      cat(
        ifThen(flag(FLAG_LOW_SHELF), steadyShelves(true), steadyShelves(false)),
        feedForwardPass((k) => ld(CTL.decay + 16 * k)),
      ),
      cat(
        ...rampedShelves,
        feedForwardPass((k, offset) => recLoad(SCRATCH.decay + REGION * k + offset)),
      ),
    ),
  );
  // the line writes past the lines' ends move from their guards to their starts
  for (let line = 0; line < LINES; line++) {
    emit(
      set(lineAddr, i32.load(c, CTL.lineBase + 4 * line)),
      set(at0, i32.add(L(lineAddr), i32.load(c, CTL.lineBytes + 4 * line))),
      set(past, i32.sub(i32.add(i32.load(c, CTL.lineWrite + 4 * line), L(nBytes)), L(at0))),
      ifThen(i32.gtS(L(past), i32.const(0)), copyVectors(lineAddr, at0, L(past))),
    );
  }

  // ---- 6. the pre-delay: read (Catmull-Rom, lanes L and R) at the ramped delay; the dry/wet mix. Sample i's
  // network output is at ring position ringPos + i + 1, written by the feed-forward pass before any read: sample i
  // reads from ⌊delay⌋ ≥ 2 back (the reverb's pre-delay is ≥ 3 samples), so no read reaches a sample written after
  // its own. With the delay and gains steady, four samples at a time (stereo pairs: one load holds a tap's two
  // consecutive samples; the guard after the ring mirrors its first six pairs so that a chunk's seven pairs never
  // wrap)
  const delayRead = catmullRom(yv, frac, [k1, k2, k3], k4);
  const wetDry = (wet: Code, dry: Code) => add(mul(L(wetV), wet), mul(L(dryV), dry));
  /** Sample i: the read at pd (stepped), the dry/wet mix (stepped). */
  const sampleOut = cat(
    // ⌊pd⌋ as an integer by the bits of ⌊pd⌋ + 1.5·2^23, as the line reads do
    set(pdFloor, f32.floor(L(pd))),
    set(
      rd,
      i32.sub(i32.reinterpretF32(f32.add(L(pdFloor), f32.const(1.5 * 2 ** 23))), i32.const(0x4b400000)),
    ),
    set(frac, f32x4.splat(f32.sub(L(pd), L(pdFloor)))),
    set(rd, i32.sub(i32.sub(i32.add(L(ringPos), i32.add(L(i), i32.const(1))), L(pdInt)), L(rd))),
    ...yv.map((y, k) => set(y, v128.load64Zero(ringAt(i32.sub(L(rd), i32.const(2 - k)))))),
    delayRead.setup,
    set(tmp, delayRead.value),
    set(pd, f32.add(L(pd), L(pdStep))),
    set(wetV, add(L(wetV), L(wetStep))),
    set(dryV, add(L(dryV), L(dryStep))),
    set(outV, wetDry(L(tmp), inputLR)),
    v128.store32Lane(i32.add(L(out), i4), L(outV), 0),
    v128.store32Lane(i32.add(L(outR), i4), L(outV), 1),
  );
  /** Pair `pair` (0: samples i, i + 1; 1: i + 2, i + 3) of the chunk from the ring at `at0`, interpolated. */
  const pairRead = (pair: number) =>
    cat(...yv.map((y, k) => set(y, v128.load(L(at0), 16 * pair + 8 * k))), delayRead.setup, delayRead.value);
  const ringEnd = i32.add(L(ringBase), i32.shl(i32.add(L(ringMask), i32.const(1)), i32.const(3)));
  const steadyPredelay = cat(
    ...[0, 16, 32].map((off) => v128.store(ringEnd, v128.load(L(ringBase), off), off)),
    set(frac, f32x4.splat(L(pd))),
    set(wetV, add(L(wetV), L(wetStep))),
    set(dryV, add(L(dryV), L(dryStep))),
    samplesFrom(
      i32.const(0),
      4,
      set(at0, ringAt(i32.sub(i32.add(L(ringPos), L(i)), i32.add(L(pdInt), i32.const(1))))),
      set(a[0]!, pairRead(0)),
      set(a[1]!, pairRead(1)),
      v128.store(
        i32.add(L(out), i4),
        wetDry(v128.shuffle32(L(a[0]!), L(a[1]!), [0, 2, 4, 6]), v128.load(i32.add(L(inL), i4))),
      ),
      v128.store(
        i32.add(L(outR), i4),
        wetDry(v128.shuffle32(L(a[0]!), L(a[1]!), [1, 3, 5, 7]), v128.load(i32.add(L(inR), i4))),
      ),
    ),
    samplesFrom(i32.and(L(n), i32.const(-4)), 1, sampleOut),
  );
  emit(
    set(pd, f32.load(c, CTL.mix)),
    set(pdStep, f32.load(c, CTL.mix + 4)),
    set(pdInt, i32.load(c, CTL.ring + 12)),
    set(wetV, f32x4.splat(f32.load(c, CTL.mix + 8))),
    set(wetStep, f32x4.splat(f32.load(c, CTL.mix + 12))),
    set(dryV, f32x4.splat(f32.load(c, CTL.mixDry))),
    set(dryStep, f32x4.splat(f32.load(c, CTL.mixDry + 4))),
    ifThen(flag(FLAG_PREDELAY_STEADY), steadyPredelay, eachSample(sampleOut)),
    set(ringPos, i32.and(i32.add(L(ringPos), L(n)), L(ringMask))),
  );

  // ---- the write positions move on by the block
  emit(
    i32.store(c, i32.and(i32.add(L(fbW), L(n)), L(fbMask)), CTL.pos),
    i32.store(c, i32.and(i32.add(L(apW), L(n)), L(apMask)), CTL.pos + 4),
    i32.store(c, L(ringPos), CTL.ring),
  );
  const poolInit = poolValues.map((value, at) => v128.store(c, value, CTL.pool + 16 * at));
  return assemble([{ name: "run", fn, body: ([] as number[]).concat(...poolInit, ...code) }], 1);
}

/** The compiled kernel module (once per process; immutable), or null without WebAssembly SIMD. */
export const reverbKernelModule = lazyModule(moduleBytes);

/** For tests: assemble without catching, so an encoding error surfaces. */
export function reverbKernelBytes(): Uint8Array<ArrayBuffer> {
  return moduleBytes();
}

/** Bytes after the pre-delay ring: its first six stereo pairs mirrored (see moduleBytes). */
const RING_GUARD = 48;
/**
 * The bytes between the end of one memory (with its guard) and the start of the next (see ReverbKernel).
 */
const SKEW = 320;

/** One reverb's kernel instance: its memory (control block, block buffers, all-pass and line memories). */
export class ReverbKernel {
  private readonly run_: (ctl: number, n: number) => void;
  private readonly f: Float32Array;
  private readonly i: Int32Array;
  private readonly ctl = 0;
  private readonly ioBase: number;
  private readonly maxBlock: number;
  private readonly memStart: number;
  private readonly memEnd: number;
  private readonly outL: Float32Array;
  private readonly outR: Float32Array;
  private readonly inL: Float32Array;
  private readonly inR: Float32Array;
  /** Whether the decays or the high shelf ramp in this block, and whether the low shelf runs. */
  private decaysRamp = false;
  private highRamp = false;
  private lowShelf = true;
  private predelaySteady = false;
  private readonly ringSize: number;

  /**
   * `lineSizes` (per line), `apSize`, `ringSize`: powers of two (line, all-pass and pre-delay memories); `apDelay`:
   * the 16 all-pass lengths (samples).
   */
  constructor(
    mod: WebAssembly.Module,
    maxBlock: number,
    lineSizes: readonly number[],
    apSize: number,
    requestedRing: number,
    apDelay: Int32Array,
  ) {
    let ringSize = requestedRing;
    // the passes rely on no read reaching a sample written in the same block
    if (maxBlock > MAX_BLOCK) throw new RangeError(`reverb kernel: blocks of at most ${MAX_BLOCK} samples`);
    this.maxBlock = maxBlock;
    // the steady pre-delay writes the block's output before its reads: a block more than the longest read, so
    // that no read reaches a sample written in the block
    while (ringSize < requestedRing + maxBlock) ringSize *= 2;
    this.ringSize = ringSize;
    const blockBytes = maxBlock * 4;
    this.ioBase = CTL.bytes;
    const scratch = SCRATCH_ABS;
    // the all-pass memories longer than their longest delay by a block: the line-by-line pass writes a line's
    // memory for the whole block before its neighbour reads it, so no read may reach a sample written in the block
    const longest = Math.max(...apDelay) + MAX_BLOCK + CHUNK_SPAN;
    while (apSize < longest) apSize *= 2;
    const apBase = scratch + SCRATCH_T.bytes;
    // memories a power of two long, one after the other, would put the 16 samples written at one position in
    // the same cache set: each starts SKEW bytes further on (5 cache lines, so 16 memories fill 16 sets)
    const apStride = (apSize + AP_GUARD) * 4 + SKEW;
    const fbBase = apBase + LINES * apStride;
    // each line as long as it needs (a power of two; they share the write position, modulo the longest): half the
    // memory of one length for all, so more of it stays in the cache between a sample's write and its reads
    const lineBase: number[] = [];
    let end = fbBase;
    for (const size of lineSizes) {
      lineBase.push(end);
      end += (size + LINE_GUARD) * 4 + SKEW;
    }
    const ringBase = end;
    const total = ringBase + ringSize * 8 + RING_GUARD;
    ({ run: this.run_, f: this.f, i: this.i } = leaseInstance(mod, total));
    this.memStart = apBase;
    this.memEnd = total;
    const I = this.i;
    const c = this.ctl / 4;
    I[c + CTL.pos / 4 + 2] = Math.max(...lineSizes) - 1;
    I[c + CTL.pos / 4 + 3] = apSize - 1;
    I[c + CTL.io / 4 + 1] = this.ioBase;
    I[c + CTL.io / 4 + 2] = blockBytes;
    I[c + CTL.io / 4 + 3] = scratch;
    I[c + CTL.ring / 4 + 1] = ringSize - 1;
    I[c + CTL.ring / 4 + 2] = ringBase;
    I[c + CTL.apBytes / 4] = apSize * 4;
    for (let line = 0; line < LINES; line++) {
      const neighbour = line ^ 1; // the stereo neighbour's lane
      I[c + CTL.lineBase / 4 + line] = lineBase[line]!;
      I[c + CTL.lineMask / 4 + line] = lineSizes[line]! - 1;
      I[c + CTL.lineBytes / 4 + line] = lineSizes[line]! * 4;
      I[c + CTL.apWrite / 4 + line] = apBase + line * apStride;
      I[c + CTL.apRead / 4 + line] = apBase + neighbour * apStride;
      I[c + CTL.apDelay / 4 + line] = apDelay[neighbour]!;
    }
    const f0 = this.ioBase / 4;
    this.inL = this.f.subarray(f0, f0 + maxBlock);
    this.inR = this.f.subarray(f0 + maxBlock, f0 + 2 * maxBlock);
    this.outL = this.f.subarray(f0 + 2 * maxBlock, f0 + 3 * maxBlock);
    this.outR = this.f.subarray(f0 + 3 * maxBlock, f0 + 4 * maxBlock);
    // a new instance's memory is zero: states, memories and write positions start cleared
  }

  reset(): void {
    const c = this.ctl / 4;
    this.f.fill(0, c + CTL.highState / 4, c + CTL.preState / 4 + 4);
    this.f.fill(0, this.memStart / 4, this.memEnd / 4);
    this.i[c + CTL.pos / 4] = 0;
    this.i[c + CTL.pos / 4 + 1] = 0;
    this.i[c + CTL.ring / 4] = 0;
  }

  /** Pre-delay (samples) and dry/wet gains, each from the first value to the second over the block. */
  setMix(
    n: number,
    delay0: number,
    delay1: number,
    wet0: number,
    wet1: number,
    dry0: number,
    dry1: number,
  ): void {
    const F = this.f;
    const c = this.ctl / 4;
    const inv = 1 / n;
    const di = Math.floor(delay0);
    this.i[c + CTL.ring / 4 + 3] = di;
    F[c + CTL.mix / 4] = delay0 - di;
    F[c + CTL.mix / 4 + 1] = (delay1 - delay0) * inv;
    F[c + CTL.mix / 4 + 2] = wet0;
    F[c + CTL.mix / 4 + 3] = (wet1 - wet0) * inv;
    F[c + CTL.mixDry / 4] = dry0;
    F[c + CTL.mixDry / 4 + 1] = (dry1 - dry0) * inv;
    this.predelaySteady =
      delay1 === delay0 &&
      wet1 === wet0 &&
      dry1 === dry0 &&
      di >= 2 &&
      di + 2 + n <= this.ringSize &&
      F[c + CTL.mix / 4]! < 1;
  }

  /** Line lengths (samples) and chorus depths per lane. */
  setLines(lineDelay: Float64Array, amount: Float64Array): void {
    const F = this.f;
    const I = this.i;
    const c = this.ctl / 4;
    for (let li = 0; li < LINES; li++) {
      const d = lineDelay[li]! - 1;
      const di = Math.floor(d);
      I[c + CTL.lineInt / 4 + li] = di;
      F[c + CTL.lineDelay / 4 + li] = d - di;
    }
    for (let j = 0; j < 4; j++) F[c + CTL.amount / 4 + j] = amount[j]!;
  }

  /** Line decays, from `decay0` to `decay1` over the block. */
  setDecays(n: number, decay0: Float64Array, decay1: Float64Array): void {
    const F = this.f;
    const c = this.ctl / 4;
    const inv = 1 / n;
    this.decaysRamp = false;
    for (let li = 0; li < LINES; li++) {
      F[c + CTL.decay / 4 + li] = decay0[li]!;
      F[c + CTL.decayStep / 4 + li] = (decay1[li]! - decay0[li]!) * inv;
      if (F[c + CTL.decayStep / 4 + li] !== 0) this.decaysRamp = true;
    }
  }

  /** The chorus phasors per lane before the block's first sample, and their per-sample rotation. */
  setChorus(cos: Float64Array, sin: Float64Array, rotCos: number, rotSin: number): void {
    const F = this.f;
    const c = this.ctl / 4;
    for (let j = 0; j < 4; j++) {
      F[c + CTL.cos / 4 + j] = cos[j]!;
      F[c + CTL.sin / 4 + j] = sin[j]!;
    }
    F[c + CTL.rotLow / 4] = rotCos;
    F[c + CTL.rotLow / 4 + 1] = rotSin;
  }

  /**
   * The shelves: the low one fixed for the block (as Vital), the high one ramped. `lowShelf` false: the low shelf's
   * amount is 0 and stays 0 (its filter is left out; its state would never be heard).
   */
  setFilters(
    n: number,
    lowCoef: number,
    lowAmp: number,
    high0: number,
    high1: number,
    amp0: number,
    amp1: number,
    lowShelf: boolean,
  ): void {
    const F = this.f;
    const c = this.ctl / 4;
    F[c + CTL.rotLow / 4 + 2] = lowCoef;
    F[c + CTL.rotLow / 4 + 3] = lowAmp;
    F[c + CTL.high / 4] = high0;
    F[c + CTL.high / 4 + 1] = (high1 - high0) / n;
    F[c + CTL.high / 4 + 2] = amp0;
    F[c + CTL.high / 4 + 3] = (amp1 - amp0) / n;
    this.highRamp = F[c + CTL.high / 4 + 1] !== 0 || F[c + CTL.high / 4 + 3] !== 0;
    this.lowShelf = lowShelf;
  }

  setPreFilters(n: number, low0: number, low1: number, high0: number, high1: number): void {
    const F = this.f;
    const c = this.ctl / 4 + CTL.preCoef / 4;
    const s = this.ctl / 4 + CTL.preStep / 4;
    F[c] = F[c + 1] = low0;
    F[c + 2] = F[c + 3] = high0;
    F[s] = F[s + 1] = (low1 - low0) / n;
    F[s + 2] = F[s + 3] = (high1 - high0) / n;
  }

  /** Process n ≤ maxBlock samples of L/R in place. */
  run(L: Float32Array, R: Float32Array, n: number): void {
    copyBlock(this.inL, L, n);
    copyBlock(this.inR, R, n);
    const steady = !this.decaysRamp && !this.highRamp;
    this.i[this.ctl / 4 + CTL.flags / 4] =
      (steady ? FLAG_STEADY : 0) |
      (this.lowShelf ? FLAG_LOW_SHELF : 0) |
      (this.predelaySteady ? FLAG_PREDELAY_STEADY : 0);
    this.run_(this.ctl, n);
    copyBlock(L, this.outL, n);
    copyBlock(R, this.outR, n);
  }
}
