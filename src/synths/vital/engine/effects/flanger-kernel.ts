// The flanger's delay loops (flanger.ts) as a WebAssembly SIMD kernel: the left and right lines are lanes 0
// and 1 of an f32x4 (lanes 2 and 3 repeat them and are never written), the same arithmetic as the JavaScript
// loop in single precision. Per sample: Catmull-Rom reads of both lines at their ramped periods (one 4-sample
// load per line, transposed), the saturated feedback written to the lines, the equal-power dry/wet. Structure
// and constants are facts from Vital (GPL-3.0, Matt Tytel).

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
import { catmullRom, flushTiny, hardTanhInPlace, splitPeriod, transpose4 } from "./kernel-math.ts";
import { StereoLoopKernel } from "./stereo-kernel.ts";

/** Byte offsets in the control block (16-byte slots; lanes [left, right, left, right]). */
export const CTL = {
  periodInt: 0, // i32x4: integer part of (period + 1) at the first sample
  periodFrac: 16, // f32x4: the rest
  periodStep: 32, // f32x4: per-sample step
  lineBase: 48, // i32x4: byte address of each lane's line
  feedback: 64, // [feedback before the first sample, its step, 0, 0]
  mix: 80, // [wet before the first sample, its step, dry before the first sample, its step]
  pos: 96, // i32: [write position (state), mask, bytes per line (without guard), 0]
  io: 112, // i32: [block buffers address (L, then R), bytes per block buffer]
  bytes: 128,
} as const;

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const fn = new FunctionBuilder([I32, I32]);
  const [ctl, n] = fn.params as [Local, Local];
  const v = () => fn.local(V128);
  const vs = (count: number) => Array.from({ length: count }, v);
  const s = () => fn.local(I32);
  const [i, pos, mask, lineBytes, bufL, bufR, lineL, lineR] = Array.from({ length: 8 }, s);
  const [pInt, pFrac, pStep, lineBase, maskV] = vs(5);
  const a = vs(2);
  const t = vs(4);
  const yv = vs(4);
  const [fb, fbStep, wet, wetStep, dry, dryStep, tmp] = vs(7);
  const [xin, fl, idx, f, rd, w, c, r, k1, k2, k3, out] = vs(12);

  const C = get(ctl);
  const L = get;
  const { add, mul } = f32x4;
  const lane = (vec: Local, l: number) => v128.shuffle32(L(vec), L(vec), [l, l, l, l]);
  const i4 = i32.shl(L(i), i32.const(2));
  const input = v128.shuffle32(
    v128.load32Splat(i32.add(L(bufL), i4)),
    v128.load32Splat(i32.add(L(bufR), i4)),
    [0, 4, 0, 4],
  );

  // the byte address of a line's sample at the write position `pos` (plus `extra` bytes)
  const slot = (line: Local, extra: Code = i32.const(0)) =>
    i32.add(i32.add(L(line), i32.shl(L(pos), i32.const(2))), extra);
  const write = (extra?: Code) =>
    cat(v128.store32Lane(slot(lineL, extra), L(w), 0), v128.store32Lane(slot(lineR, extra), L(w), 1));
  const interp = catmullRom(yv, f, [k1, k2, k3]);
  const sample: Code[] = [
    set(xin, input),
    splitPeriod({ int: pInt, frac: pFrac, step: pStep }, { idx, f, fl }),
    // each lane's read window (4 samples) starts 2 samples before pos + 1 − ⌊delay⌋, as byte addresses
    set(idx, i32x4.sub(i32x4.splat(i32.sub(L(pos), i32.const(1))), L(idx))),
    set(idx, i32x4.add(i32x4.shl(v128.and(L(idx), L(maskV)), i32.const(2)), L(lineBase))),
    set(a[0]!, v128.load(i32x4.extractLane(L(idx), 0))),
    set(a[1]!, v128.load(i32x4.extractLane(L(idx), 1))),
    transpose4([a[0]!, a[1]!, a[0]!, a[1]!], yv, t),
    interp.setup,
    set(rd, interp.value),
    set(fb, add(L(fb), L(fbStep))),
    set(wet, add(L(wet), L(wetStep))),
    set(dry, add(L(dry), L(dryStep))),
    set(w, add(L(xin), mul(L(rd), L(fb)))),
    hardTanhInPlace(w, c, r, tmp),
    set(w, flushTiny(w)), // nothing tiny enters the loop
    set(pos, i32.and(i32.add(L(pos), i32.const(1)), L(mask))),
    write(),
    // the guard copies of the line's first samples
    ifThen(i32.ltU(L(pos), i32.const(3)), write(L(lineBytes))),
    set(out, add(mul(L(dry), L(xin)), mul(L(wet), L(rd)))),
    v128.store32Lane(i32.add(L(bufL), i4), L(out), 0),
    v128.store32Lane(i32.add(L(bufR), i4), L(out), 1),
  ];

  const code = [
    set(mask, i32.load(C, CTL.pos + 4)),
    set(lineBytes, i32.load(C, CTL.pos + 8)),
    set(pos, i32.load(C, CTL.pos)),
    set(bufL, i32.load(C, CTL.io)),
    set(bufR, i32.add(L(bufL), i32.load(C, CTL.io + 4))),
    set(maskV, i32x4.splat(L(mask))),
    set(pInt, v128.load(C, CTL.periodInt)),
    set(pFrac, v128.load(C, CTL.periodFrac)),
    set(pStep, v128.load(C, CTL.periodStep)),
    set(lineBase, v128.load(C, CTL.lineBase)),
    set(lineL, i32x4.extractLane(L(lineBase), 0)),
    set(lineR, i32x4.extractLane(L(lineBase), 1)),
    set(tmp, v128.load(C, CTL.feedback)),
    set(fb, lane(tmp, 0)),
    set(fbStep, lane(tmp, 1)),
    set(tmp, v128.load(C, CTL.mix)),
    set(wet, lane(tmp, 0)),
    set(wetStep, lane(tmp, 1)),
    set(dry, lane(tmp, 2)),
    set(dryStep, lane(tmp, 3)),
    set(i, i32.const(0)),
    block(loop(brIf(1, i32.geS(L(i), L(n))), ...sample, set(i, i32.add(L(i), i32.const(1))), br(0))),
    i32.store(C, L(pos), CTL.pos),
  ];
  return assemble([{ name: "run", fn, body: cat(...code) }], 1);
}

/** The compiled kernel module (once per process; immutable), or null without WebAssembly SIMD. */
export const flangerKernelModule = lazyModule(moduleBytes);

/** One flanger's kernel instance: control block, block buffers and its two lines. */
export class FlangerKernel extends StereoLoopKernel {
  constructor(mod: WebAssembly.Module, maxBlock: number, lineSize: number) {
    super(mod, CTL.bytes, CTL.io, maxBlock, 2, lineSize);
    const I = this.i;
    I[CTL.pos / 4 + 1] = lineSize - 1;
    I[CTL.pos / 4 + 2] = lineSize * 4;
    for (let l = 0; l < 4; l++) I[CTL.lineBase / 4 + l] = this.lineBase + (l & 1) * this.stride;
  }

  /** Silence both lines. */
  clear(): void {
    this.f.fill(0, this.lineBase / 4);
  }

  /** Channel c reads `period0 + step·i` samples back at sample i (Vital's period convention). */
  setPeriod(c: number, period0: number, step: number): void {
    const d = period0 + 1;
    const di = Math.floor(d);
    for (const l of [c, c + 2]) {
      this.i[CTL.periodInt / 4 + l] = di;
      this.f[CTL.periodFrac / 4 + l] = d - di;
      this.f[CTL.periodStep / 4 + l] = step;
    }
  }

  /** Feedback and dry/wet gains ramped from their values before the block to theirs at its end. */
  setGains(
    n: number,
    fb0: number,
    fb1: number,
    wet0: number,
    wet1: number,
    dry0: number,
    dry1: number,
  ): void {
    const F = this.f;
    F[CTL.feedback / 4] = fb0;
    F[CTL.feedback / 4 + 1] = (fb1 - fb0) / n;
    F[CTL.mix / 4] = wet0;
    F[CTL.mix / 4 + 1] = (wet1 - wet0) / n;
    F[CTL.mix / 4 + 2] = dry0;
    F[CTL.mix / 4 + 3] = (dry1 - dry0) / n;
  }
}
