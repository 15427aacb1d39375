// Vital's flanger (vital.md §8; facts from Vital, GPL-3.0): a stereo delay without loop filter whose time is
// (1/f_centre − 0.5 ms)·m + 0.5 ms with m = 1 + depth·(2·triangle(phase) − 1); the LFO is aligned to the
// transport, the left channel is offset by −offset/2 and the right by +offset/2 cycles; the loop saturates
// with hardTanh; equal-power dry/wet (`flanger_dry_wet` 0 … 0.5).

import { pid, type VitalProgram } from "../program.ts";
import {
  clamp,
  dryGain,
  flush,
  hardTanh,
  midiToHz,
  syncedHz,
  transportPhase,
  wetGain,
  type BlockContext,
  type Effect,
} from "./common.ts";
import { DelayLine, readLine } from "./delay-line.ts";
import { FlangerKernel, flangerKernelModule } from "./flanger-kernel.ts";

const P = {
  frequency: pid("flanger_frequency"),
  sync: pid("flanger_sync"),
  tempo: pid("flanger_tempo"),
  center: pid("flanger_center"),
  feedback: pid("flanger_feedback"),
  mix: pid("flanger_dry_wet"),
  depth: pid("flanger_mod_depth"),
  offset: pid("flanger_phase_offset"),
};

const BUFFER_SECONDS = 0.0005;
const MAX_HZ = 20000;
const HALF_LIFE = 0.02;

function triangle(t: number): number {
  const r = t + 0.75 - Math.floor(t + 0.75);
  return Math.abs(2 * r - 1);
}

/** The identity within ±0.66 (most samples) without a call, else hardTanh. */
function saturate(x: number): number {
  return x <= 0.66 && x >= -0.66 ? x : hardTanh(x);
}

export class Flanger implements Effect {
  private readonly lines: DelayLine[];
  private readonly hz = [0, 0];
  private readonly period = [0, 0];
  /** This block's periods at its first sample (the ramp's start; `period` is its end). */
  private readonly ramp = [0, 0];
  private started = false;
  private wet = 0;
  private dry = 1;
  private fb = 0;

  /** The WebAssembly SIMD loop (flanger-kernel.ts), when available and wanted; else the JavaScript loop. */
  private readonly kernel: FlangerKernel | undefined;

  /** `useKernel`: run the loop in the WebAssembly kernel where available (false: JavaScript). */
  constructor(
    private readonly program: VitalProgram,
    sampleRate: number,
    maxBlock: number,
    useKernel = true,
  ) {
    // Vital keeps 40000 samples; enough for the lowest centre at full depth at 88.2 kHz. With the centre and
    // depth fixed, the lines hold the longest period they can reach (the same reads; a memory that stays in cache)
    let max = Math.max(40000, Math.ceil(sampleRate * 0.16)) + 8;
    if (!program.modulated.includes(P.center) && !program.modulated.includes(P.depth)) {
      const v = program.values;
      const base = 1 / midiToHz(v[P.center]!);
      const longest = Math.abs(base - BUFFER_SECONDS) * (1 + Math.abs(v[P.depth]!)) + BUFFER_SECONDS;
      max = Math.min(max, Math.ceil(longest * sampleRate) + 8);
    }
    const mod = useKernel ? flangerKernelModule() : null;
    // with the kernel the lines live in its memory; these only give their size
    this.lines = mod ? [new DelayLine(max, new Float32Array(0))] : [new DelayLine(max), new DelayLine(max)];
    if (mod) this.kernel = new FlangerKernel(mod, maxBlock, this.lines[0]!.size);
  }

  reset(): void {
    for (const l of this.lines) l.clear();
    this.kernel?.clear();
    this.started = false;
  }

  process(L: Float32Array, R: Float32Array, n: number, ctx: BlockContext): void {
    const v = this.program.values;
    const sr = ctx.sampleRate;
    const rate = syncedHz(v[P.frequency]!, v[P.sync]!, v[P.tempo]!, ctx.beatsPerSecond);
    // as the chorus: re-aligned to the block-end transport time, then advanced by one block (measured)
    const phase = transportPhase(rate, ctx.timeSeconds + (2 * n) / sr);
    const offset = v[P.offset]!;
    const depth = v[P.depth]!;
    const base = 1 / midiToHz(v[P.center]!);
    const first = !this.started;
    const decay = Math.pow(0.5, n / (HALF_LIFE * sr));
    const mix = clamp(v[P.mix]!, 0, 1);
    const wet = wetGain(mix);
    const dry = dryGain(mix);
    const fb = clamp(v[P.feedback]!, -1, 1);
    if (first) {
      this.wet = wet;
      this.dry = dry;
      this.fb = fb;
    }
    const dW = (wet - this.wet) / n;
    const dD = (dry - this.dry) / n;
    const dF = (fb - this.fb) / n;
    const lines = this.lines;
    for (let c = 0; c < 2; c++) {
      const ph = phase - offset / 2 + (c === 1 ? offset : 0);
      const m = depth * (triangle(ph) * 2 - 1) + 1;
      const seconds = (base - BUFFER_SECONDS) * m + BUFFER_SECONDS;
      const target = 1 / Math.max(seconds, 1 / MAX_HZ);
      this.hz[c] = first ? target : target + (this.hz[c]! - target) * decay;
      const p = clamp(sr / this.hz[c]!, 3, lines[0]!.maxDelay);
      const p0 = first ? p : this.period[c]!;
      this.ramp[c] = p0;
      this.period[c] = 0.5 * (p0 + p);
    }
    const kernel = this.kernel;
    if (kernel) {
      for (let c = 0; c < 2; c++) kernel.setPeriod(c, this.ramp[c]!, (this.period[c]! - this.ramp[c]!) / n);
      kernel.setGains(n, this.fb, fb, this.wet, wet, this.dry, dry);
      kernel.run(L, R, n);
    } else this.runLoop(L, R, n, dF, dW, dD);
    this.started = true;
    this.wet = wet;
    this.dry = dry;
    this.fb = fb;
  }

  private runLoop(L: Float32Array, R: Float32Array, n: number, dF: number, dW: number, dD: number): void {
    const lines = this.lines;
    // both channels in one loop: their lines are pushed together, so they share the write position
    const lineL = lines[0]!.buf;
    const lineR = lines[1]!.buf;
    const mask = lines[0]!.mask;
    let pos = lines[0]!.pos;
    const pL = this.ramp[0]!;
    const pR = this.ramp[1]!;
    const dL = (this.period[0]! - pL) / n;
    const dR = (this.period[1]! - pR) / n;
    const fb0 = this.fb;
    const dry0 = this.dry;
    const wet0 = this.wet;
    for (let i = 0; i < n; i++) {
      const t = i + 1;
      const x = L[i]!;
      const y = R[i]!;
      // Vital's reads of period p: p + 1 samples back before the push (DelayLine.readVital)
      const readL = readLine(lineL, mask, pos, pL + dL * i + 1);
      const readR = readLine(lineR, mask, pos, pR + dR * i + 1);
      const g = fb0 + dF * t;
      pos = (pos + 1) & mask;
      lineL[pos] = flush(saturate(x + readL * g)); // nothing tiny enters the loop
      lineR[pos] = flush(saturate(y + readR * g));
      const d = dry0 + dD * t;
      const w = wet0 + dW * t;
      L[i] = d * x + w * readL;
      R[i] = d * y + w * readR;
    }
    lines[0]!.pos = pos;
    lines[1]!.pos = pos;
  }
}
