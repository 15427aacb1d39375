// Vital's delay effect (vital.md §8; facts from Vital, GPL-3.0): a stereo line whose time follows
// 1/`delay_frequency` (or the tempo) with a 20 ms half-life glide, soft saturation of what is written
// (8·hardTanh(x/8)), a one-pole band-pass in the loop (cutoff ± spread·96 semitones, gain 1 + f_high/f_low)
// and an equal-power dry/wet. Styles: mono, stereo (right uses the aux time), ping-pong (mono input into the
// left side, sides swap each repeat), mid ping-pong (stereo input, sides swap, left time = sum of both).

import { pid, type VitalProgram } from "../program.ts";
import {
  clamp,
  dryGain,
  flush,
  hardTanh,
  LoopBandPass,
  syncedHz,
  wetGain,
  type BlockContext,
  type Effect,
} from "./common.ts";
import {
  BLOCK_READS,
  DelayKernel,
  delayKernelModule,
  MONO_IN,
  RAMP,
  RAMP_SLOTS,
  SWAP,
} from "./delay-kernel.ts";
import { DelayLoop, lineSize, readLine } from "./delay-line.ts";

const P = {
  on: pid("delay_on"),
  style: pid("delay_style"),
  frequency: pid("delay_frequency"),
  sync: pid("delay_sync"),
  tempo: pid("delay_tempo"),
  auxFrequency: pid("delay_aux_frequency"),
  auxSync: pid("delay_aux_sync"),
  auxTempo: pid("delay_aux_tempo"),
  feedback: pid("delay_feedback"),
  mix: pid("delay_dry_wet"),
  cutoff: pid("delay_filter_cutoff"),
  spread: pid("delay_filter_spread"),
};

const MAX_SECONDS = 4;
const HALF_LIFE = 0.02;

export const STYLE_MONO = 0;
export const STYLE_STEREO = 1;
export const STYLE_PING_PONG = 2;
export const STYLE_MID_PING_PONG = 3;

const TIMING = [P.style, P.frequency, P.sync, P.tempo, P.auxFrequency, P.auxSync, P.auxTempo];

/**
 * Samples of history the lines need: the patch's own (fixed) periods when no slot moves the delay's time and
 * the tempo is known, else MAX_SECONDS. A line only ever reads a few samples beyond the period, so a shorter
 * line gives the same output with less memory to allocate and clear (4 s at 88.2 kHz is 4 MB per delay).
 */
function historyNeeded(program: VitalProgram, sampleRate: number, beatsPerSecond?: number): number {
  const max = Math.ceil(MAX_SECONDS * sampleRate) + 8;
  if (beatsPerSecond === undefined || TIMING.some((p) => program.modulated.includes(p))) return max;
  const v = program.values;
  const style = Math.round(v[P.style]!);
  const hzMain = syncedHz(v[P.frequency]!, v[P.sync]!, v[P.tempo]!, beatsPerSecond);
  const hzAux = syncedHz(v[P.auxFrequency]!, v[P.auxSync]!, v[P.auxTempo]!, beatsPerSecond);
  let periodL = sampleRate / Math.max(hzMain, 1e-3);
  const periodR = sampleRate / Math.max(style === STYLE_MONO ? hzMain : hzAux, 1e-3);
  if (style === STYLE_MID_PING_PONG) periodL += periodR;
  return Math.min(max, Math.ceil(Math.max(periodL, periodR)) + 8);
}

export class Delay implements Effect {
  private readonly lanes: DelayLoop[];
  private readonly bandPass = new LoopBandPass();
  private started = false;
  /**
   * The ramped values (slots: RAMP) at the block's start (the last block's targets) and this block's targets:
   * typed arrays, so no number is boxed per block on the way into the kernel.
   */
  private readonly from = new Float64Array(RAMP_SLOTS);
  private readonly to = new Float64Array(RAMP_SLOTS);
  /** The kernel's read periods at the block's start and their steps: [left, step, right, step]. */
  private readonly periods = new Float64Array(4);

  /** The WebAssembly SIMD loops (delay-kernel.ts), when available and wanted; the lanes' lines live in it. */
  private readonly kernel: DelayKernel | undefined;

  /**
   * `beatsPerSecond`: the tempo the chain runs at (fixed); without it the lines hold MAX_SECONDS. `useKernel`:
   * run the loops in the WebAssembly kernel where available (false: the JavaScript loop).
   */
  constructor(
    private readonly program: VitalProgram,
    sampleRate: number,
    beatsPerSecond?: number,
    maxBlock = 128,
    useKernel = true,
  ) {
    const history = historyNeeded(program, sampleRate, beatsPerSecond);
    const mod = useKernel ? delayKernelModule() : null;
    if (mod) this.kernel = new DelayKernel(mod, maxBlock, lineSize(history));
    const lines = this.kernel?.lines;
    this.lanes = [new DelayLoop(history, lines?.[0]), new DelayLoop(history, lines?.[1])];
  }

  reset(): void {
    for (const l of this.lanes) l.clear();
    this.kernel?.clearStates();
    this.started = false;
  }

  process(L: Float32Array, R: Float32Array, n: number, ctx: BlockContext): void {
    const v = this.program.values;
    const sr = ctx.sampleRate;
    const style = Math.round(v[P.style]!);
    const bps = ctx.beatsPerSecond;
    const hzMain = syncedHz(v[P.frequency]!, v[P.sync]!, v[P.tempo]!, bps);
    const hzAux = syncedHz(v[P.auxFrequency]!, v[P.auxSync]!, v[P.auxTempo]!, bps);
    const targetL = Math.max(hzMain, 1e-3);
    const targetR = Math.max(style === STYLE_MONO ? hzMain : hzAux, 1e-3);
    const a = this.lanes[0]!;
    const b = this.lanes[1]!;
    const decay = Math.pow(0.5, n / (HALF_LIFE * sr));
    const first = !this.started;
    a.hz = first ? targetL : targetL + (a.hz - targetL) * decay;
    b.hz = first ? targetR : targetR + (b.hz - targetR) * decay;
    let samplesL = sr / a.hz;
    const samplesR = sr / b.hz;
    if (style === STYLE_MID_PING_PONG) samplesL += samplesR;
    const maxP = a.line.maxDelay;
    const pL = clamp(samplesL, 3, maxP);
    const pR = clamp(samplesR, 3, maxP);
    const p0L = first ? pL : a.period;
    const p0R = first ? pR : b.period;
    const p1L = 0.5 * (p0L + pL);
    const p1R = 0.5 * (p0R + pR);

    const mix = clamp(v[P.mix]!, 0, 1);
    const wet = wetGain(mix);
    const dry = dryGain(mix);
    const fb = clamp(v[P.feedback]!, -1, 1);
    const fbL = fb;
    const fbR = style === STYLE_PING_PONG ? 1 : fb;
    const bandPass = this.bandPass;
    bandPass.update(v[P.cutoff]!, v[P.spread]!, sr);
    const to = this.to;
    to[RAMP.wet] = wet;
    to[RAMP.dry] = dry;
    to[RAMP.fbL] = fbL;
    to[RAMP.fbR] = fbR;
    to[RAMP.gain] = bandPass.gain;
    to[RAMP.low] = bandPass.lowCoef;
    to[RAMP.high] = bandPass.highCoef;
    if (first) {
      this.from.set(to);
      this.started = true;
    }
    const inv = 1 / n;
    const dPL = (p1L - p0L) * inv;
    const dPR = (p1R - p0R) * inv;
    const swap = style === STYLE_PING_PONG || style === STYLE_MID_PING_PONG;
    const monoIn = style === STYLE_PING_PONG;
    const kernel = this.kernel;
    // the kernel reads without clamping the read position: periods within the line (all but the longest)
    if (kernel && Math.max(p0L, p1L, p0R, p1R) + 1 <= a.line.mask - 3) {
      const periods = this.periods;
      periods[0] = p0L;
      periods[1] = dPL;
      periods[2] = p0R;
      periods[3] = dPR;
      kernel.setPeriods(periods);
      // a constant period longer than the block: all the block's reads precede its writes
      const blockReads = dPL === 0 && dPR === 0 && Math.min(p0L, p0R) >= n + 4;
      kernel.setStyle((monoIn ? MONO_IN : 0) | (swap ? SWAP : 0) | (blockReads ? BLOCK_READS : 0));
      kernel.setRamps(n, this.from, to);
      kernel.run(L, R, n);
      this.finish(p1L, p1R);
      return;
    }
    // (with the kernel, on its lines, states and write position)
    this.processLoops(L, R, n, p0L, dPL, p0R, dPR, monoIn, swap);
    this.finish(p1L, p1R);
  }

  /**
   * The JavaScript loops, from the block's start values to its targets (`from`, `to`); a method of its own, so
   * that `process` (every block) stays small.
   */
  private processLoops(
    L: Float32Array,
    R: Float32Array,
    n: number,
    p0L: number,
    dPL: number,
    p0R: number,
    dPR: number,
    monoIn: boolean,
    swap: boolean,
  ): void {
    const kernel = this.kernel;
    const a = this.lanes[0]!;
    const b = this.lanes[1]!;
    const from = this.from;
    const to = this.to;
    const inv = 1 / n;
    const step = (slot: number) => (to[slot]! - from[slot]!) * inv;
    const dWet = step(RAMP.wet);
    const dDry = step(RAMP.dry);
    const dFbL = step(RAMP.fbL);
    const dFbR = step(RAMP.fbR);
    const dGain = step(RAMP.gain);
    const dLow = step(RAMP.low);
    const dHigh = step(RAMP.high);
    const wet0 = from[RAMP.wet]!;
    const dry0 = from[RAMP.dry]!;
    const fbL0 = from[RAMP.fbL]!;
    const fbR0 = from[RAMP.fbR]!;
    const gain0 = from[RAMP.gain]!;
    const low0 = from[RAMP.low]!;
    const high0 = from[RAMP.high]!;
    if (kernel) kernel.exportState(a, b);
    let lowL = a.low;
    let highL = a.high;
    let lowR = b.low;
    let highR = b.high;
    // the two lines' reads and pushes inlined (DelayLine.readVital(p) = read(p + 1), then push)
    const bufA = a.line.buf;
    const bufB = b.line.buf;
    const mA = a.line.mask;
    const mB = b.line.mask;
    let posA = a.line.pos;
    let posB = b.line.pos;
    for (let i = 0; i < n; i++) {
      const t = i + 1;
      const w = wet0 + dWet * t;
      const d = dry0 + dDry * t;
      const g = gain0 + dGain * t;
      const lc = low0 + dLow * t;
      const hc = high0 + dHigh * t;
      const xl = L[i]!;
      const xr = R[i]!;
      // DelayLine.read's arithmetic (the two lines have the same length: each read clamped to [1, mask − 3])
      const readL = readLine(bufA, mA, posA, p0L + dPL * i + 1);
      const readR = readLine(bufB, mB, posB, p0R + dPR * i + 1);
      let inL = xl;
      let inR = xr;
      if (monoIn) {
        inL = (xl + xr) * Math.SQRT1_2;
        inR = 0;
      }
      // hardTanh is the identity within ±0.66 (checked here so the common case needs no call)
      const ql = (inL + readL * (fbL0 + dFbL * t)) / 8;
      const qr = (inR + readR * (fbR0 + dFbR * t)) / 8;
      let wl = 8 * (ql <= 0.66 && ql >= -0.66 ? ql : hardTanh(ql));
      let wr = 8 * (qr <= 0.66 && qr >= -0.66 ? qr : hardTanh(qr));
      if (swap) {
        const tmp = wl;
        wl = wr;
        wr = tmp;
      }
      // one-pole low-pass then the difference from a second low-pass = band-pass, as Vital's loop filter
      let delta = lc * (wl * g - lowL);
      const lpL = lowL + delta;
      lowL = lpL + delta;
      delta = hc * (lpL - highL);
      const hpL = highL + delta;
      highL = hpL + delta;
      delta = lc * (wr * g - lowR);
      const lpR = lowR + delta;
      lowR = lpR + delta;
      delta = hc * (lpR - highR);
      const hpR = highR + delta;
      highR = hpR + delta;
      posA = (posA + 1) & mA;
      bufA[posA] = flush(lpL - hpL); // as the kernel: nothing tiny enters the lines
      posB = (posB + 1) & mB;
      bufB[posB] = flush(lpR - hpR);
      L[i] = d * xl + w * readL;
      R[i] = d * xr + w * readR;
    }
    a.line.pos = posA;
    b.line.pos = posB;
    a.low = lowL;
    a.high = highL;
    b.low = lowR;
    b.high = highR;
    if (kernel) kernel.importState(a, b);
  }

  /** The block's end: filter states flushed, this block's values kept as the next block's start. */
  private finish(p1L: number, p1R: number): void {
    const a = this.lanes[0]!;
    const b = this.lanes[1]!;
    if (this.kernel) this.kernel.flushStates();
    else {
      a.low = flush(a.low);
      a.high = flush(a.high);
      b.low = flush(b.low);
      b.high = flush(b.high);
    }
    a.period = p1L;
    b.period = p1R;
    this.from.set(this.to);
  }
}
