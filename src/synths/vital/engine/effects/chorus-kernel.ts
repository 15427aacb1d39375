// The chorus's delay loops (chorus.ts) as a WebAssembly SIMD kernel: each unit's four taps (tap 1 left and
// right, tap 2 left and right) are the four lanes of an f32x4, the same arithmetic as the JavaScript loop in
// single precision. Unit by unit over the block (few live vectors, so few spills): per sample, Catmull-Rom
// reads of the four lines at their ramped periods (one 4-sample load per line, transposed), the saturated
// feedback, the loop's band-pass, the write, the reads added to the block's wet sums; then the wet sum and
// the equal-power dry/wet. Structure and constants are facts from Vital (GPL-3.0, Matt Tytel).

import {
  assemble,
  block,
  br,
  brIf,
  lazyModule,
  cat,
  f32x4,
  FunctionBuilder,
  get,
  I32,
  i32,
  i32x4,
  ifThen,
  loop,
  set,
  V128,
  v128,
  type Code,
  type Local,
} from "./wasm.ts";
import {
  catmullRom,
  flushTiny,
  hardTanhInPlace,
  loopBandPassInPlace,
  splitPeriod,
  transpose4,
} from "./kernel-math.ts";
import { GUARD, StereoLoopKernel } from "./stereo-kernel.ts";

const UNITS = 4;
/** Byte offsets in the control block (16-byte slots). Per unit u, the unit slots are at +16·u. */
export const CTL = {
  periodInt: 0, // 4 × i32x4: integer part of (period + 1) at the first sample, per tap
  periodFrac: 64, // 4 × f32x4: the rest
  periodStep: 128, // 4 × f32x4: per-sample step
  low: 192, // 4 × f32x4: loop low-pass states (state, flushed at the block's end)
  high: 256, // 4 × f32x4: loop high-pass states (state)
  lineBase: 320, // 4 × i32x4: byte address of each tap's line
  loopParams: 384, // [feedback, band-pass gain, low-pass coefficient, high-pass coefficient]
  mix: 400, // [wet before the first sample, its step, dry before the first sample, its step]
  pos: 416, // i32: [write position (state), mask, bytes per line (without guard), active units]
  io: 432, // i32: [block buffers address (L, then R), bytes per block buffer, wet sums address, 0]
  bytes: 448,
} as const;

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const fn = new FunctionBuilder([I32, I32]);
  const [ctl, n] = fn.params as [Local, Local];
  const v = () => fn.local(V128);
  const vs = (count: number) => Array.from({ length: count }, v);
  const s = () => fn.local(I32);
  const [i, u, unit, pos, wpos, mask, lineBytes, units, bufL, bufR, wetAt] = Array.from({ length: 11 }, s);
  const [pInt, pFrac, pStep, low, high, lineBase] = vs(6);
  const a = vs(4);
  const t = vs(4);
  const yv = vs(4);
  const [params, fb, gain, lc, hc, wet, wetStep, dry, dryStep, maskV, readBase, writeOff] = vs(12);
  const [xin, sum, fl, idx, f, rd, w, c, r, delta, lp, hp, k1, k2, k3, tmp] = vs(16);

  const C = get(ctl);
  const L = get;
  const add = f32x4.add;
  const mul = f32x4.mul;
  const k4 = (x: number) => f32x4.const(x, x, x, x);
  const lane = (vec: Local, l: number) => v128.shuffle32(L(vec), L(vec), [l, l, l, l]);
  const i4 = i32.shl(L(i), i32.const(2));
  const wetSlot = i32.add(L(wetAt), i32.shl(L(i), i32.const(4)));
  /** [left, right, left, right] of the block's sample i */
  const input = v128.shuffle32(
    v128.load32Splat(i32.add(L(bufL), i4)),
    v128.load32Splat(i32.add(L(bufR), i4)),
    [0, 4, 0, 4],
  );
  /** A loop over the block's samples. */
  const overBlock = (...body: Code[]): Code =>
    cat(
      set(i, i32.const(0)),
      block(loop(brIf(1, i32.geS(L(i), L(n))), ...body, set(i, i32.add(L(i), i32.const(1))), br(0))),
    );
  const at = (slot: number) => v128.load(L(unit), slot);

  // one unit's sample: its four taps read, saturated, filtered and written; their reads added to the wet sum
  const sample: Code[] = [];
  const e = (...parts: Code[]) => sample.push(...parts);
  e(
    set(xin, input),
    set(wpos, i32.and(i32.add(L(pos), i32.const(1)), L(mask))),
    // the read window starts 2 samples before base = pos + 1 − ⌊delay⌋
    set(readBase, i32x4.splat(i32.sub(L(pos), i32.const(1)))),
    set(writeOff, i32x4.splat(i32.shl(L(wpos), i32.const(2)))),
    splitPeriod({ int: pInt, frac: pFrac, step: pStep }, { idx, f, fl }),
    set(
      idx,
      i32x4.add(i32x4.shl(v128.and(i32x4.sub(L(readBase), L(idx)), L(maskV)), i32.const(2)), L(lineBase)),
    ),
  );
  for (let j = 0; j < 4; j++) e(set(a[j]!, v128.load(i32x4.extractLane(L(idx), j))));
  e(transpose4(a, yv, t));
  const interp = catmullRom(yv, f, [k1, k2, k3]);
  e(
    interp.setup,
    set(rd, interp.value),
    v128.store(wetSlot, add(v128.load(wetSlot), L(rd))),
    // w = 8·hardTanh((input + read·feedback)/8)
    set(w, mul(add(L(xin), mul(L(rd), L(fb))), k4(0.125))),
    hardTanhInPlace(w, c, r, tmp),
    set(w, mul(L(w), k4(8))),
    loopBandPassInPlace(w, [gain, lc, hc], [low, high], [delta, lp, hp]),
    set(idx, i32x4.add(L(lineBase), L(writeOff))),
  );
  for (let j = 0; j < 4; j++) e(v128.store32Lane(i32x4.extractLane(L(idx), j), L(w), j));
  const guard: Code[] = [];
  for (let j = 0; j < 4; j++)
    guard.push(v128.store32Lane(i32.add(i32x4.extractLane(L(idx), j), L(lineBytes)), L(w), j));
  e(ifThen(i32.ltU(L(wpos), i32.const(3)), cat(...guard)), set(pos, L(wpos)));

  const code = [
    set(mask, i32.load(C, CTL.pos + 4)),
    set(lineBytes, i32.load(C, CTL.pos + 8)),
    set(units, i32.load(C, CTL.pos + 12)),
    set(bufL, i32.load(C, CTL.io)),
    set(bufR, i32.add(L(bufL), i32.load(C, CTL.io + 4))),
    set(wetAt, i32.load(C, CTL.io + 8)),
    set(params, v128.load(C, CTL.loopParams)),
    set(fb, lane(params, 0)),
    set(gain, lane(params, 1)),
    set(lc, lane(params, 2)),
    set(hc, lane(params, 3)),
    set(maskV, i32x4.splat(L(mask))),
    overBlock(v128.store(wetSlot, k4(0))),
    // the units one after another, each over the whole block (their lines all start at the same position)
    set(u, i32.const(0)),
    block(
      loop(
        brIf(1, i32.geS(L(u), L(units))),
        set(unit, i32.add(L(ctl), i32.shl(L(u), i32.const(4)))),
        set(pInt, at(CTL.periodInt)),
        set(pFrac, at(CTL.periodFrac)),
        set(pStep, at(CTL.periodStep)),
        set(low, at(CTL.low)),
        set(high, at(CTL.high)),
        set(lineBase, at(CTL.lineBase)),
        set(pos, i32.load(C, CTL.pos)),
        overBlock(...sample),
        // the states kept for the next block, flushed (no slow subnormals in states decaying in silence)
        v128.store(L(unit), flushTiny(low), CTL.low),
        v128.store(L(unit), flushTiny(high), CTL.high),
        set(u, i32.add(L(u), i32.const(1))),
        br(0),
      ),
    ),
    i32.store(C, L(pos), CTL.pos),
    // the wet sum (tap 1 + tap 2 per side, halved) and the equal-power dry/wet
    set(tmp, v128.load(C, CTL.mix)),
    set(wet, lane(tmp, 0)),
    set(wetStep, lane(tmp, 1)),
    set(dry, lane(tmp, 2)),
    set(dryStep, lane(tmp, 3)),
    overBlock(
      set(sum, v128.load(wetSlot)),
      set(sum, add(L(sum), v128.shuffle32(L(sum), L(sum), [2, 3, 0, 1]))),
      set(wet, add(L(wet), L(wetStep))),
      set(dry, add(L(dry), L(dryStep))),
      set(sum, add(mul(L(dry), input), mul(mul(L(wet), k4(0.5)), L(sum)))),
      v128.store32Lane(i32.add(L(bufL), i4), L(sum), 0),
      v128.store32Lane(i32.add(L(bufR), i4), L(sum), 1),
    ),
  ];
  return assemble([{ name: "run", fn, body: cat(...code) }], 1);
}

/** The compiled kernel module (once per process; immutable), or null without WebAssembly SIMD. */
export const chorusKernelModule = lazyModule(moduleBytes);

/** One chorus's kernel instance: control block, block buffers and the 16 lines. */
export class ChorusKernel extends StereoLoopKernel {
  private readonly lineFloats: number;
  private readonly lineStart: number;

  constructor(mod: WebAssembly.Module, maxBlock: number, lineSize: number) {
    // the wet sums (an f32x4 per sample) between the control block and the block buffers
    super(mod, CTL.bytes + maxBlock * 16, CTL.io, maxBlock, UNITS * 4, lineSize);
    this.lineFloats = lineSize + GUARD;
    this.lineStart = this.lineBase / 4;
    const I = this.i;
    I[CTL.io / 4 + 2] = CTL.bytes;
    I[CTL.pos / 4 + 1] = lineSize - 1;
    I[CTL.pos / 4 + 2] = lineSize * 4;
    for (let l = 0; l < UNITS * 4; l++) I[CTL.lineBase / 4 + l] = this.lineBase + l * this.stride;
  }

  /** Silence unit u's four lines and loop filters. */
  clearUnit(u: number): void {
    const s = this.lineStart + u * 4 * this.lineFloats;
    this.f.fill(0, s, s + 4 * this.lineFloats);
    this.f.fill(0, CTL.low / 4 + 4 * u, CTL.low / 4 + 4 * u + 4);
    this.f.fill(0, CTL.high / 4 + 4 * u, CTL.high / 4 + 4 * u + 4);
  }

  /**
   * Taps 0 … count − 1 (unit·4 + k): tap t reads `periods[2t] + periods[2t + 1]·i` samples back at sample i
   * (Vital's period convention). An array rather than arguments: no number is boxed per tap and block.
   */
  setTaps(periods: Float64Array, count: number): void {
    for (let tap = 0; tap < count; tap++) {
      const d = periods[2 * tap]! + 1;
      const di = Math.floor(d);
      this.i[CTL.periodInt / 4 + tap] = di;
      this.f[CTL.periodFrac / 4 + tap] = d - di;
      this.f[CTL.periodStep / 4 + tap] = periods[2 * tap + 1]!;
    }
  }

  setLoop(units: number, feedback: number, gain: number, lowCoef: number, highCoef: number): void {
    this.i[CTL.pos / 4 + 3] = units;
    const o = CTL.loopParams / 4;
    this.f[o] = feedback;
    this.f[o + 1] = gain;
    this.f[o + 2] = lowCoef;
    this.f[o + 3] = highCoef;
  }

  setMix(n: number, wet0: number, wet1: number, dry0: number, dry1: number): void {
    const o = CTL.mix / 4;
    this.f[o] = wet0;
    this.f[o + 1] = (wet1 - wet0) / n;
    this.f[o + 2] = dry0;
    this.f[o + 3] = (dry1 - dry0) / n;
  }
}
