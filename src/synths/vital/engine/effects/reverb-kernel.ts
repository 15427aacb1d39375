// The reverb's feedback network (reverb.ts) as a WebAssembly SIMD kernel: the 16 lines as 4 groups × 4 lanes
// (f32x4), the same arithmetic as the JavaScript loop in single precision. Per sample: the band-limited input,
// the chorus phasors, Catmull-Rom reads of the 16 lines (one 4-sample load per line, transposed), the all-pass
// diffusers (each reading its stereo neighbour), the Householder ⊗ Householder mix, the shelves, the decays and
// the feed-forward; it writes the network's stereo output (before the pre-delay) for reverb.ts to finish.
// Structure and constants are facts from Vital (GPL-3.0, Matt Tytel); see reverb.ts.

import {
  assemble,
  block,
  br,
  brIf,
  instantiate,
  lazyModule,
  F32,
  f32,
  f32x4,
  FunctionBuilder,
  get,
  I32,
  i32,
  i32x4,
  loop,
  set,
  V128,
  v128,
  type Code,
  type Local,
} from "./wasm.ts";
import { copyBlock } from "./common.ts";
import { catmullRom } from "./kernel-math.ts";

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
  pos: 304, // i32: [line write position, all-pass write position, line mask, all-pass mask]
  io: 320, // i32: [bytes per line (without guard), block buffers address, bytes per block buffer, 0]: the buffers
  // are input L, input R, output L, output R in that order
  lineBase: 336, // 4 × i32x4: byte address of each line
  apDelay: 400, // 4 × i32x4: all-pass delay read by each lane (its neighbour's)
  apLane: 464, // 4 × i32x4: group buffer address + neighbour lane byte offset
  apGroup: 528, // i32x4: all-pass group buffer addresses
  highState: 544, // 4 × f32x4 (state)
  lowState: 608, // 4 × f32x4 (state)
  preState: 672, // f32x4: [low L, low R, high L, high R] (state)
  mix: 688, // [pre-delay (samples, less its integer part) at the first sample, its step, wet gain before the first
  // sample, its step]
  mixDry: 704, // [dry gain before the first sample, its step, 0, 0]
  ring: 720, // i32: [pre-delay write position (state), its mask, its address (stereo pairs), pre-delay integer part]
  lineInt: 736, // 4 × i32x4: integer part of line length − 1 (positions stay exact in single precision)
  bytes: 800,
} as const;

const ALLPASS_GAIN = 0.6;
const LINES = 16;
/** Values below this are flushed to zero where they enter the delay memories (no subnormals in long tails). */
const FLUSH = 1e-20;

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const fn = new FunctionBuilder([I32, I32]);
  const [ctl, n] = fn.params as [Local, Local];
  const v = () => fn.local(V128);
  const vs = (count: number) => Array.from({ length: count }, v);
  const s = () => fn.local(I32);
  const i = s();
  const fbW = s();
  const apW = s();
  const fbMask = s();
  const apMask = s();
  const lineBytes = s();
  const inL = s();
  const inR = s();
  const out = s();
  const outR = s();
  const ringPos = s();
  const ringMask = s();
  const ringBase = s();
  const rd = s();
  const pd = fn.local(F32);
  const pdInt = s();
  const pdStep = fn.local(F32);
  const lineDelay = [v(), v(), v(), v()];
  const lineInt = [v(), v(), v(), v()];
  const decay = [v(), v(), v(), v()];
  const decayStep = [v(), v(), v(), v()];
  const lineBase = [v(), v(), v(), v()];
  const apDelay = [v(), v(), v(), v()];
  const apLane = [v(), v(), v(), v()];
  const hs = [v(), v(), v(), v()];
  const ls = [v(), v(), v(), v()];
  const x = [v(), v(), v(), v()];
  const st = [v(), v(), v(), v()];
  const a = [v(), v(), v(), v()];
  const t = [v(), v(), v(), v()];
  const yv = [v(), v(), v(), v()]; // y3, y2, y1, y0
  const [cos, sin, amount, rot, lc, la, hc, hcStep, ha, haStep, pc, pcStep, pre, apGroup] = vs(14);
  const [mask, apMaskV, readBase, apPosV, writeOff, flushV] = [v(), v(), v(), v(), v(), v()];
  const [tmp, inVec, chorusC, chorusS, delay, f, idx, fbRead, apRead, apIn, w] = vs(11);
  const [rows, cols, total, common, ysum, ff, outV, yk, dd, hl, ll, k1, k2, k3] = vs(14);
  const [xin, wetV, wetStep, dryV, dryStep, frac] = [v(), v(), v(), v(), v(), v()];

  const c = get(ctl);
  const ld = (off: number) => v128.load(c, off);
  const L = get;
  const add = f32x4.add;
  const sub = f32x4.sub;
  const mul = f32x4.mul;
  const k4 = (x: number) => f32x4.const(x, x, x, x);
  const lane = (vec: Local, l: number) => v128.shuffle32(L(vec), L(vec), [l, l, l, l]);
  const flushed = (val: Code) => v128.and(val, f32x4.gt(f32x4.abs(val), L(flushV)));
  const code: Code[] = [];
  const emit = (...parts: Code[]) => code.push(...parts);

  // ---- load the block's constants and states
  emit(
    set(fbW, i32.load(c, CTL.pos)),
    set(apW, i32.load(c, CTL.pos + 4)),
    set(fbMask, i32.load(c, CTL.pos + 8)),
    set(apMask, i32.load(c, CTL.pos + 12)),
    set(lineBytes, i32.load(c, CTL.io)),
    set(inL, i32.load(c, CTL.io + 4)),
    set(inR, i32.add(L(inL), i32.load(c, CTL.io + 8))),
    set(out, i32.add(L(inR), i32.load(c, CTL.io + 8))),
    set(outR, i32.add(L(out), i32.load(c, CTL.io + 8))),
  );
  for (let k = 0; k < 4; k++) {
    emit(
      set(lineDelay[k]!, ld(CTL.lineDelay + 16 * k)),
      set(lineInt[k]!, ld(CTL.lineInt + 16 * k)),
      set(decay[k]!, ld(CTL.decay + 16 * k)),
      set(decayStep[k]!, ld(CTL.decayStep + 16 * k)),
      set(lineBase[k]!, ld(CTL.lineBase + 16 * k)),
      set(apDelay[k]!, ld(CTL.apDelay + 16 * k)),
      set(apLane[k]!, ld(CTL.apLane + 16 * k)),
      set(hs[k]!, ld(CTL.highState + 16 * k)),
      set(ls[k]!, ld(CTL.lowState + 16 * k)),
    );
  }
  emit(
    set(cos, ld(CTL.cos)),
    set(sin, ld(CTL.sin)),
    set(amount, ld(CTL.amount)),
    set(rot, ld(CTL.rotLow)),
    set(lc, lane(rot, 2)),
    set(la, lane(rot, 3)),
    set(tmp, ld(CTL.high)),
    set(hc, lane(tmp, 0)),
    set(hcStep, lane(tmp, 1)),
    set(ha, lane(tmp, 2)),
    set(haStep, lane(tmp, 3)),
    set(pc, ld(CTL.preCoef)),
    set(pcStep, ld(CTL.preStep)),
    set(pre, ld(CTL.preState)),
    set(apGroup, ld(CTL.apGroup)),
    set(mask, i32x4.splat(L(fbMask))),
    set(apMaskV, i32x4.splat(L(apMask))),
    set(flushV, k4(FLUSH)),
    set(pd, f32.load(c, CTL.mix)),
    set(pdStep, f32.load(c, CTL.mix + 4)),
    set(pdInt, i32.load(c, CTL.ring + 12)),
    set(wetV, f32x4.splat(f32.load(c, CTL.mix + 8))),
    set(wetStep, f32x4.splat(f32.load(c, CTL.mix + 12))),
    set(dryV, f32x4.splat(f32.load(c, CTL.mixDry))),
    set(dryStep, f32x4.splat(f32.load(c, CTL.mixDry + 4))),
    set(ringPos, i32.load(c, CTL.ring)),
    set(ringMask, i32.load(c, CTL.ring + 4)),
    set(ringBase, i32.load(c, CTL.ring + 8)),
    set(i, i32.const(0)),
  );
  // the guard samples after each line mirror its first four, so that 4-sample reads never wrap: once per block
  // (as Vital), since no read reaches a sample written in the same block (lines are ≥ 340 samples long)
  for (let line = 0; line < LINES; line++) {
    const base = i32.load(c, CTL.lineBase + 4 * line);
    emit(v128.store(i32.add(base, L(lineBytes)), v128.load(base)));
  }

  const body: Code[] = [];
  const b = (...parts: Code[]) => body.push(...parts);
  b(brIf(1, i32.geS(L(i), L(n))));
  // per-sample ramps (the value at sample i is the block's start plus (i + 1) steps)
  b(set(pc, add(L(pc), L(pcStep))), set(hc, add(L(hc), L(hcStep))), set(ha, add(L(ha), L(haStep))));
  for (let k = 0; k < 4; k++) b(set(decay[k]!, add(L(decay[k]!), L(decayStep[k]!))));
  // input band-limiting: [low L, low R, high L, high R] one-pole low-passes, (low − high)·¼
  const i4 = i32.shl(L(i), i32.const(2));
  b(
    set(
      xin,
      v128.shuffle32(
        f32x4.splat(f32.load(i32.add(L(inL), i4))),
        f32x4.splat(f32.load(i32.add(L(inR), i4))),
        [0, 4, 0, 4],
      ),
    ),
    set(dd, mul(L(pc), sub(L(xin), L(pre)))),
    set(tmp, add(L(pre), L(dd))),
    set(pre, add(L(tmp), L(dd))),
    set(tmp, mul(sub(L(tmp), v128.shuffle32(L(tmp), L(tmp), [2, 3, 0, 1])), k4(0.25))),
    set(inVec, v128.shuffle32(L(tmp), L(tmp), [0, 1, 0, 1])),
  );
  // chorus phasors: groups 0/1 move by ±cos·depth, 2/3 by ±sin·depth
  b(
    set(tmp, sub(mul(L(cos), lane(rot, 0)), mul(L(sin), lane(rot, 1)))),
    set(sin, add(mul(L(sin), lane(rot, 0)), mul(L(cos), lane(rot, 1)))),
    set(cos, L(tmp)),
    set(chorusC, mul(L(cos), L(amount))),
    set(chorusS, mul(L(sin), L(amount))),
    set(readBase, i32x4.splat(i32.sub(L(fbW), i32.const(2)))),
    set(apPosV, i32x4.splat(L(apW))),
  );
  for (let k = 0; k < 4; k++) {
    const m = k < 2 ? chorusC : chorusS;
    b(
      set(delay, (k & 1) === 0 ? add(L(lineDelay[k]!), L(m)) : sub(L(lineDelay[k]!), L(m))),
      set(f, f32x4.floor(L(delay))),
      set(idx, i32x4.add(L(lineInt[k]!), i32x4.truncSatF32x4S(L(f)))),
      set(f, sub(L(delay), L(f))),
      // four consecutive samples of each line (oldest first), from (write − 2 − ⌊delay⌋) & mask
      set(
        idx,
        i32x4.add(
          i32x4.shl(v128.and(i32x4.sub(L(readBase), L(idx)), L(mask)), i32.const(2)),
          L(lineBase[k]!),
        ),
      ),
    );
    for (let j = 0; j < 4; j++) b(set(a[j]!, v128.load(i32x4.extractLane(L(idx), j))));
    // transpose: yv[0] = oldest (y3) … yv[3] = newest (y0), lanes = lines
    b(
      set(t[0]!, v128.shuffle32(L(a[0]!), L(a[1]!), [0, 4, 1, 5])),
      set(t[1]!, v128.shuffle32(L(a[2]!), L(a[3]!), [0, 4, 1, 5])),
      set(t[2]!, v128.shuffle32(L(a[0]!), L(a[1]!), [2, 6, 3, 7])),
      set(t[3]!, v128.shuffle32(L(a[2]!), L(a[3]!), [2, 6, 3, 7])),
      set(yv[0]!, v128.shuffle32(L(t[0]!), L(t[1]!), [0, 1, 4, 5])),
      set(yv[1]!, v128.shuffle32(L(t[0]!), L(t[1]!), [2, 3, 6, 7])),
      set(yv[2]!, v128.shuffle32(L(t[2]!), L(t[3]!), [0, 1, 4, 5])),
      set(yv[3]!, v128.shuffle32(L(t[2]!), L(t[3]!), [2, 3, 6, 7])),
    );
    const lineRead = catmullRom(yv, f, [k1, k2, k3]);
    b(lineRead.setup, set(fbRead, lineRead.value));
    // the diffusers: each lane reads its stereo neighbour's all-pass memory
    b(
      set(
        idx,
        i32x4.add(
          i32x4.shl(v128.and(i32x4.sub(L(apPosV), L(apDelay[k]!)), L(apMaskV)), i32.const(4)),
          L(apLane[k]!),
        ),
      ),
    );
    let gather: Code = k4(0);
    for (let j = 0; j < 4; j++) gather = v128.load32Lane(i32x4.extractLane(L(idx), j), gather, j);
    b(
      set(apRead, gather),
      set(apIn, sub(L(fbRead), mul(L(apRead), k4(ALLPASS_GAIN)))),
      set(w, add(L(inVec), L(apIn))),
      v128.store(i32.add(i32x4.extractLane(L(apGroup), k), i32.shl(L(apW), i32.const(4))), flushed(L(w))),
      set(x[k]!, add(L(apRead), mul(L(apIn), k4(ALLPASS_GAIN)))),
    );
  }
  b(set(apW, i32.and(i32.add(L(apW), i32.const(1)), L(apMask))));

  /** Householder ⊗ Householder mix of four group vectors: returns code setting rows (½·row sums) and common. */
  const householder = (g: Local[]): Code[] => [
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

  b(...householder(x), set(ysum, k4(0)), set(writeOff, i32x4.splat(i32.shl(L(fbW), i32.const(2)))));
  for (let k = 0; k < 4; k++) {
    b(
      set(yk, sub(add(L(x[k]!), L(common)), lane(rows, k))),
      // high shelf, then low shelf (one-pole low-passes)
      set(dd, mul(L(hc), sub(L(yk), L(hs[k]!)))),
      set(hl, add(L(hs[k]!), L(dd))),
      set(hs[k]!, add(L(hl), L(dd))),
      set(yk, add(L(hl), mul(L(ha), sub(L(yk), L(hl))))),
      set(dd, mul(L(lc), sub(L(yk), L(ls[k]!)))),
      set(ll, add(L(ls[k]!), L(dd))),
      set(ls[k]!, add(L(ll), L(dd))),
      set(yk, sub(L(yk), mul(L(ll), L(la)))),
      set(ysum, add(L(ysum), L(yk))),
      set(st[k]!, flushed(mul(L(decay[k]!), L(yk)))),
      set(idx, i32x4.add(L(lineBase[k]!), L(writeOff))),
    );
    for (let j = 0; j < 4; j++) b(v128.store32Lane(i32x4.extractLane(L(idx), j), L(st[k]!), j));
  }
  // feed-forward of the stored values through the same mix, weighted by the decays, ⅛
  b(...householder(st), set(ff, k4(0)));
  for (let k = 0; k < 4; k++)
    b(set(ff, add(L(ff), mul(sub(add(L(st[k]!), L(common)), lane(rows, k)), L(decay[k]!)))));
  b(
    set(outV, add(L(ysum), mul(L(ff), k4(0.125)))),
    set(outV, add(L(outV), v128.shuffle32(L(outV), L(outV), [2, 3, 0, 1]))),
  );
  // the pre-delay: read (Catmull-Rom, lanes L and R) at the ramped delay, then write the network's output
  const at = (back: number) =>
    v128.load64Zero(
      i32.add(L(ringBase), i32.shl(i32.and(i32.sub(L(rd), i32.const(back)), L(ringMask)), i32.const(3))),
    );
  b(
    set(rd, i32.truncF32S(f32.floor(L(pd)))),
    set(frac, f32x4.splat(f32.sub(L(pd), f32.convertI32S(L(rd))))),
    set(rd, i32.sub(i32.sub(i32.add(L(ringPos), i32.const(1)), L(pdInt)), L(rd))),
    set(yv[3]!, at(-1)),
    set(yv[2]!, at(0)),
    set(yv[1]!, at(1)),
    set(yv[0]!, at(2)),
  );
  const delayRead = catmullRom(yv, frac, [k1, k2, k3]);
  b(delayRead.setup, set(tmp, delayRead.value));
  b(
    set(ringPos, i32.and(i32.add(L(ringPos), i32.const(1)), L(ringMask))),
    v128.store64Lane(i32.add(L(ringBase), i32.shl(L(ringPos), i32.const(3))), L(outV), 0),
    set(pd, f32.add(L(pd), L(pdStep))),
    set(wetV, add(L(wetV), L(wetStep))),
    set(dryV, add(L(dryV), L(dryStep))),
    set(outV, add(mul(L(wetV), L(tmp)), mul(L(dryV), L(xin)))),
    v128.store32Lane(i32.add(L(out), i4), L(outV), 0),
    v128.store32Lane(i32.add(L(outR), i4), L(outV), 1),
    set(fbW, i32.and(i32.add(L(fbW), i32.const(1)), L(fbMask))),
    set(i, i32.add(L(i), i32.const(1))),
    br(0),
  );
  emit(block(loop(...body)));

  // ---- store the states back
  emit(
    i32.store(c, L(fbW), CTL.pos),
    i32.store(c, L(apW), CTL.pos + 4),
    i32.store(c, L(ringPos), CTL.ring),
    v128.store(c, L(pre), CTL.preState),
  );
  for (let k = 0; k < 4; k++)
    emit(v128.store(c, L(hs[k]!), CTL.highState + 16 * k), v128.store(c, L(ls[k]!), CTL.lowState + 16 * k));
  return assemble([{ name: "run", fn, body: ([] as number[]).concat(...code) }], 1);
}

/** The compiled kernel module (once per process; immutable), or null without WebAssembly SIMD. */
export const reverbKernelModule = lazyModule(moduleBytes);

/** For tests: assemble without catching, so an encoding error surfaces. */
export function reverbKernelBytes(): Uint8Array<ArrayBuffer> {
  return moduleBytes();
}

/** Guard samples after each line (copies of its first three) so that 4-sample reads never wrap. */
const GUARD = 4;

/** One reverb's kernel instance: its memory (control block, block buffers, all-pass and line memories). */
export class ReverbKernel {
  private readonly run_: (ctl: number, n: number) => void;
  private readonly f: Float32Array;
  private readonly i: Int32Array;
  private readonly ctl = 0;
  private readonly lineBytes: number;
  private readonly ioBase: number;
  private readonly maxBlock: number;
  private readonly memStart: number;
  private readonly memEnd: number;
  private readonly outL: Float32Array;
  private readonly outR: Float32Array;
  private readonly inL: Float32Array;
  private readonly inR: Float32Array;

  /**
   * `lineSize`, `apSize`, `ringSize`: powers of two (line, all-pass and pre-delay memories); `apDelay`: the 16
   * all-pass lengths (samples).
   */
  constructor(
    mod: WebAssembly.Module,
    maxBlock: number,
    lineSize: number,
    apSize: number,
    ringSize: number,
    apDelay: Int32Array,
  ) {
    this.maxBlock = maxBlock;
    const blockBytes = maxBlock * 4;
    this.ioBase = CTL.bytes;
    const apBase = this.ioBase + 4 * blockBytes;
    const apGroupBytes = apSize * 16;
    const fbBase = apBase + 4 * apGroupBytes;
    const lineStride = (lineSize + GUARD) * 4;
    const ringBase = fbBase + LINES * lineStride;
    const total = ringBase + ringSize * 8;
    ({ run: this.run_, f: this.f, i: this.i } = instantiate(mod, total));
    this.lineBytes = lineSize * 4;
    this.memStart = apBase;
    this.memEnd = total;
    const I = this.i;
    const c = this.ctl / 4;
    I[c + CTL.pos / 4 + 2] = lineSize - 1;
    I[c + CTL.pos / 4 + 3] = apSize - 1;
    I[c + CTL.io / 4] = this.lineBytes;
    I[c + CTL.io / 4 + 1] = this.ioBase;
    I[c + CTL.io / 4 + 2] = blockBytes;
    I[c + CTL.ring / 4 + 1] = ringSize - 1;
    I[c + CTL.ring / 4 + 2] = ringBase;
    for (let k = 0; k < 4; k++) {
      I[c + CTL.apGroup / 4 + k] = apBase + k * apGroupBytes;
      for (let j = 0; j < 4; j++) {
        const nb = j ^ 1; // the stereo neighbour's lane
        I[c + CTL.lineBase / 4 + 4 * k + j] = fbBase + (4 * k + j) * lineStride;
        I[c + CTL.apDelay / 4 + 4 * k + j] = apDelay[4 * k + nb]!;
        I[c + CTL.apLane / 4 + 4 * k + j] = apBase + k * apGroupBytes + nb * 4;
      }
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
  }

  /** Line lengths, decays (from `decay0` to `decay1` over the block) and the chorus phasors and depths. */
  setBlock(
    n: number,
    lineDelay: Float64Array,
    decay0: Float64Array,
    decay1: Float64Array,
    cos: Float64Array,
    sin: Float64Array,
    amount: Float64Array,
    rotCos: number,
    rotSin: number,
  ): void {
    const F = this.f;
    const c = this.ctl / 4;
    const inv = 1 / n;
    const I = this.i;
    for (let li = 0; li < LINES; li++) {
      const d = lineDelay[li]! - 1;
      const di = Math.floor(d);
      I[c + CTL.lineInt / 4 + li] = di;
      F[c + CTL.lineDelay / 4 + li] = d - di;
      F[c + CTL.decay / 4 + li] = decay0[li]!;
      F[c + CTL.decayStep / 4 + li] = (decay1[li]! - decay0[li]!) * inv;
    }
    for (let j = 0; j < 4; j++) {
      F[c + CTL.cos / 4 + j] = cos[j]!;
      F[c + CTL.sin / 4 + j] = sin[j]!;
      F[c + CTL.amount / 4 + j] = amount[j]!;
    }
    F[c + CTL.rotLow / 4] = rotCos;
    F[c + CTL.rotLow / 4 + 1] = rotSin;
  }

  /** The shelves: the low one fixed for the block (as Vital), the high one ramped. */
  setFilters(
    n: number,
    lowCoef: number,
    lowAmp: number,
    high0: number,
    high1: number,
    amp0: number,
    amp1: number,
  ): void {
    const F = this.f;
    const c = this.ctl / 4;
    F[c + CTL.rotLow / 4 + 2] = lowCoef;
    F[c + CTL.rotLow / 4 + 3] = lowAmp;
    F[c + CTL.high / 4] = high0;
    F[c + CTL.high / 4 + 1] = (high1 - high0) / n;
    F[c + CTL.high / 4 + 2] = amp0;
    F[c + CTL.high / 4 + 3] = (amp1 - amp0) / n;
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
    this.run_(this.ctl, n);
    copyBlock(L, this.outL, n);
    copyBlock(R, this.outR, n);
    // states decaying in silence would otherwise reach slow subnormals
    const F = this.f;
    const c = this.ctl / 4;
    for (let q = c + CTL.highState / 4; q < c + CTL.preState / 4 + 4; q++) {
      const x = F[q]!;
      if (x < 1e-20 && x > -1e-20) F[q] = 0;
    }
  }
}
