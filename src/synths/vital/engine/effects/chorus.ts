// Vital's chorus (vital.md §8; facts from Vital, GPL-3.0): 1 … 4 delay units, each with two stereo taps
// (base delays `chorus_delay_1/2` = 2^v s, moved towards their average for later units) modulated by a sine
// LFO aligned to the transport (+¼ cycle on the right, +½ for tap 2, +i/(4n) for unit i), depth
// mod_depth·30 ms. Each tap is a delay loop with feedback and the delay effect's band-pass
// (`chorus_cutoff`, `chorus_spread`); the wet signal is ½·(tap 1 + tap 2) summed over the units, mixed
// equal-power with the dry signal.

import { pid, type VitalProgram } from "../program.ts";
import {
  clamp,
  dryGain,
  flush,
  hardTanh,
  LoopBandPass,
  syncedHz,
  transportPhase,
  wetGain,
  type BlockContext,
  type Effect,
} from "./common.ts";
import { ChorusKernel, chorusKernelModule } from "./chorus-kernel.ts";
import { DelayLine, DelayLoop } from "./delay-line.ts";

const P = {
  voices: pid("chorus_voices"),
  frequency: pid("chorus_frequency"),
  sync: pid("chorus_sync"),
  tempo: pid("chorus_tempo"),
  feedback: pid("chorus_feedback"),
  mix: pid("chorus_dry_wet"),
  cutoff: pid("chorus_cutoff"),
  spread: pid("chorus_spread"),
  depth: pid("chorus_mod_depth"),
  delay1: pid("chorus_delay_1"),
  delay2: pid("chorus_delay_2"),
};

const MAX_MODULATION = 0.03;
const MAX_DELAY = 0.08;
const HALF_LIFE = 0.02;
const TAPS = 4; // per unit: tap 1 L, tap 1 R, tap 2 L, tap 2 R

export class Chorus implements Effect {
  private readonly taps: DelayLoop[] = [];
  private started = false;
  private wet = 0;
  private dry = 1;
  private lastVoices = 0;
  private readonly wetL: Float32Array;
  private readonly wetR: Float32Array;

  /** The WebAssembly SIMD delay loops (chorus-kernel.ts), when available and wanted; else runTap below. */
  private readonly kernel: ChorusKernel | undefined;
  private readonly maxDelay: number;
  private readonly bandPass = new LoopBandPass();
  /** Per tap, the kernel's period at the block's start and its step per sample (see ChorusKernel.setTaps). */
  private readonly periods = new Float64Array(2 * 4 * TAPS);

  /** `useKernel`: run the delay loops in the WebAssembly kernel where available (false: JavaScript). */
  constructor(
    private readonly program: VitalProgram,
    sampleRate: number,
    maxBlock: number,
    useKernel = true,
  ) {
    const max = Math.ceil(MAX_DELAY * sampleRate) + 8;
    const mod = useKernel ? chorusKernelModule() : null;
    // with the kernel the taps only keep their rates and periods; their lines live in the kernel's memory
    for (let i = 0; i < 4 * TAPS; i++) this.taps.push(new DelayLoop(mod ? 0 : max));
    const line = new DelayLine(max);
    this.maxDelay = line.maxDelay;
    if (mod) this.kernel = new ChorusKernel(mod, maxBlock, line.size);
    this.wetL = new Float32Array(maxBlock);
    this.wetR = new Float32Array(maxBlock);
  }

  reset(): void {
    for (const t of this.taps) t.clear();
    if (this.kernel) for (let u = 0; u < 4; u++) this.kernel.clearUnit(u);
    this.started = false;
    this.lastVoices = 0;
  }

  process(L: Float32Array, R: Float32Array, n: number, ctx: BlockContext): void {
    const v = this.program.values;
    const sr = ctx.sampleRate;
    const voices = clamp(Math.round(v[P.voices]!), 1, 4);
    for (let i = this.lastVoices; i < voices; i++) {
      for (let k = 0; k < TAPS; k++) this.taps[i * TAPS + k]!.clear();
      this.kernel?.clearUnit(i);
    }
    this.lastVoices = voices;
    const hz = syncedHz(v[P.frequency]!, v[P.sync]!, v[P.tempo]!, ctx.beatsPerSecond);
    // measured against Vital's renders: the phase leads the block's start by two blocks (re-aligned to the
    // block-end transport time, then advanced by one block before use)
    const phase = transportPhase(hz, ctx.timeSeconds + (2 * n) / sr);
    const depth = clamp(v[P.depth]!, 0, 1) * MAX_MODULATION;
    const d1 = Math.pow(2, v[P.delay1]!);
    const d2 = Math.pow(2, v[P.delay2]!);
    const avg = 0.5 * (d1 + d2);
    const fb = clamp(v[P.feedback]!, -1, 1);
    const bandPass = this.bandPass;
    bandPass.update(v[P.cutoff]!, v[P.spread]!, sr);
    const { lowCoef: lc, highCoef: hc, gain } = bandPass;
    const decay = Math.pow(0.5, n / (HALF_LIFE * sr));
    const first = !this.started;
    const kernel = this.kernel;
    const wl = this.wetL;
    const wr = this.wetR;
    const periods = this.periods;
    if (!kernel) {
      wl.fill(0, 0, n);
      wr.fill(0, 0, n);
    }
    for (let u = 0; u < voices; u++) {
      const unitOffset = (u * 0.25) / voices;
      const t = u > 0 ? u / (voices - 1) : 0;
      for (let k = 0; k < TAPS; k++) {
        const right = (k & 1) === 1;
        const second = k >= 2;
        const base = second ? d2 + (avg - d2) * t : d1 + (avg - d1) * t;
        const ph = phase + (right ? 0.25 : 0) + (second ? 0.5 : 0) + unitOffset;
        const mod = Math.sin(2 * Math.PI * ph) * 0.5 + 1;
        const seconds = Math.max(1e-5, mod * depth + base);
        const tap = this.taps[u * TAPS + k]!;
        const target = 1 / seconds;
        tap.hz = first || tap.hz === 0 ? target : target + (tap.hz - target) * decay;
        const p = clamp(sr / tap.hz, 3, this.maxDelay);
        const p0 = first || tap.period === 0 ? p : tap.period;
        const p1 = 0.5 * (p0 + p);
        if (kernel) {
          periods[2 * (u * TAPS + k)] = p0;
          periods[2 * (u * TAPS + k) + 1] = (p1 - p0) / n;
        } else this.runTap(tap, right ? R : L, right ? wr : wl, n, p0, p1, fb, gain, lc, hc);
        tap.period = p1;
      }
    }
    const mix = clamp(v[P.mix]!, 0, 1);
    const wet = wetGain(mix);
    const dry = dryGain(mix);
    if (first) {
      this.wet = wet;
      this.dry = dry;
      this.started = true;
    }
    if (kernel) {
      kernel.setTaps(periods, voices * TAPS);
      kernel.setLoop(voices, fb, gain, lc, hc);
      kernel.setMix(n, this.wet, wet, this.dry, dry);
      kernel.run(L, R, n);
      this.wet = wet;
      this.dry = dry;
      return;
    }
    const dW = (wet - this.wet) / n;
    const dD = (dry - this.dry) / n;
    for (let i = 0; i < n; i++) {
      const w = (this.wet + dW * (i + 1)) * 0.5;
      const d = this.dry + dD * (i + 1);
      L[i] = d * L[i]! + w * wl[i]!;
      R[i] = d * R[i]! + w * wr[i]!;
    }
    this.wet = wet;
    this.dry = dry;
  }

  private runTap(
    tap: DelayLoop,
    input: Float32Array,
    out: Float32Array,
    n: number,
    p0: number,
    p1: number,
    fb: number,
    gain: number,
    lc: number,
    hc: number,
  ): void {
    const dp = (p1 - p0) / n;
    let low = tap.low;
    let high = tap.high;
    const line = tap.line;
    for (let i = 0; i < n; i++) {
      const read = line.readVital(p0 + dp * i);
      const w = 8 * hardTanh((input[i]! + read * fb) / 8);
      let delta = lc * (w * gain - low);
      const lp = low + delta;
      low = lp + delta;
      delta = hc * (lp - high);
      const hp = high + delta;
      high = hp + delta;
      line.push(flush(lp - hp)); // as the kernel: nothing tiny enters the line
      out[i] = out[i]! + read;
    }
    tap.low = flush(low);
    tap.high = flush(high);
  }
}
