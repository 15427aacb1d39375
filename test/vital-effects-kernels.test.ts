// The WebAssembly SIMD kernels of the Vital effects against the JavaScript loops they replace: the same
// output to single-precision rounding, at several sample rates and block lengths, with the effects'
// parameters changing between blocks.
import { describe, expect, it } from "vitest";
import { defaultVitalPatch } from "../src/synths/vital/codec.ts";
import { Chorus } from "../src/synths/vital/engine/effects/chorus.ts";
import { chorusKernelModule } from "../src/synths/vital/engine/effects/chorus-kernel.ts";
import type { Effect } from "../src/synths/vital/engine/effects/common.ts";
import { Compressor } from "../src/synths/vital/engine/effects/compressor.ts";
import { Delay } from "../src/synths/vital/engine/effects/delay.ts";
import { delayKernelModule } from "../src/synths/vital/engine/effects/delay-kernel.ts";
import { Flanger } from "../src/synths/vital/engine/effects/flanger.ts";
import { flangerKernelModule } from "../src/synths/vital/engine/effects/flanger-kernel.ts";
import { compressorKernelModule } from "../src/synths/vital/engine/effects/compressor-kernel.ts";
import { Reverb } from "../src/synths/vital/engine/effects/reverb.ts";
import { reverbKernelModule } from "../src/synths/vital/engine/effects/reverb-kernel.ts";
import { pid } from "../src/synths/vital/engine/program.ts";
import { vitalProgram } from "../src/synths/vital/index.ts";

function program(settings: Record<string, number>) {
  const prog = vitalProgram(defaultVitalPatch());
  for (const [k, v] of Object.entries(settings)) prog.values[pid(k)] = v;
  return prog;
}

/** A decaying two-tone burst, then silence, in stereo (different on each side). */
function input(sampleRate: number, seconds: number): [Float32Array, Float32Array] {
  const n = Math.round(sampleRate * seconds);
  const L = new Float32Array(n);
  const R = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    const env = t < seconds / 3 ? Math.exp(-4 * t) : 0;
    L[i] = env * (0.6 * Math.sin(2 * Math.PI * 220 * t) + 0.3 * Math.sin(2 * Math.PI * 1375 * t));
    R[i] = env * 0.5 * Math.sin(2 * Math.PI * 330 * t + 1);
  }
  return [L, R];
}

type Make = (prog: ReturnType<typeof program>, sampleRate: number, useKernel: boolean) => Effect;

function render(
  make: Make,
  settings: Record<string, number>,
  useKernel: boolean,
  sampleRate: number,
  block: number,
  change?: (values: Float64Array, blockIndex: number) => void,
  gain = 1,
  seconds = 0.6,
): [Float32Array, Float32Array] {
  const prog = program(settings);
  // parameters that change() moves count as modulated (effects size their memories for any value of those)
  if (change) prog.modulated = Int32Array.from(prog.values.keys());
  const effect = make(prog, sampleRate, useKernel);
  const [L, R] = input(sampleRate, seconds);
  for (let i = 0; i < L.length; i++) {
    L[i] = L[i]! * gain;
    R[i] = R[i]! * gain;
  }
  const bl = new Float32Array(128);
  const br = new Float32Array(128);
  for (let p = 0, b = 0; p < L.length; p += block, b++) {
    const n = Math.min(block, L.length - p);
    change?.(prog.values, b); // the effect reads its parameters from the program every block
    bl.set(L.subarray(p, p + n));
    br.set(R.subarray(p, p + n));
    effect.process(bl, br, n, { sampleRate, timeSeconds: p / sampleRate, beatsPerSecond: 2, note: 48 });
    L.set(bl.subarray(0, n), p);
    R.set(br.subarray(0, n), p);
  }
  return [L, R];
}

function compare(a: [Float32Array, Float32Array], b: [Float32Array, Float32Array]) {
  let diff = 0;
  let peak = 0;
  let tail = 0;
  for (let c = 0; c < 2; c++) {
    const x = a[c]!;
    const y = b[c]!;
    for (let i = 0; i < x.length; i++) {
      diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
      peak = Math.max(peak, Math.abs(x[i]!));
      if (i > (x.length * 2) / 3) tail = Math.max(tail, Math.abs(x[i]!));
    }
  }
  return { diff, peak, tail };
}

describe("Vital effect kernels (WebAssembly SIMD) match the JavaScript loops", () => {
  it("the kernels are available on this runtime (so the comparisons below compare two implementations)", () => {
    expect(reverbKernelModule()).not.toBeNull();
    expect(chorusKernelModule()).not.toBeNull();
    expect(compressorKernelModule()).not.toBeNull();
    expect(delayKernelModule()).not.toBeNull();
    expect(flangerKernelModule()).not.toBeNull();
  });

  const reverb = { reverb_on: 1, reverb_dry_wet: 0.5, reverb_decay_time: 0.5, reverb_chorus_amount: 0.4 };
  const makeReverb: Make = (prog, sr, k) => new Reverb(prog, sr, 1, 128, k);
  for (const [sampleRate, block] of [
    [88200, 64],
    [44100, 37],
    [96000, 128],
  ] as const) {
    it(`reverb at ${sampleRate} Hz in blocks of ${block}`, () => {
      const a = render(makeReverb, reverb, false, sampleRate, block);
      const b = render(makeReverb, reverb, true, sampleRate, block);
      const { diff, peak, tail } = compare(a, b);
      expect(tail).toBeGreaterThan(1e-3); // a reverb tail after the input stopped
      expect(diff).toBeLessThan(2e-5 * Math.max(1, peak));
    });
  }

  it("reverb at its smallest size with the deepest, fastest chorus (the shortest line reads) in blocks of 128", () => {
    const small = { ...reverb, reverb_size: 0, reverb_chorus_amount: 1, reverb_chorus_frequency: 4 };
    const a = render(makeReverb, small, false, 44100, 128);
    const b = render(makeReverb, small, true, 44100, 128);
    const { diff, peak, tail } = compare(a, b);
    expect(tail).toBeGreaterThan(1e-4);
    expect(diff).toBeLessThan(2e-5 * Math.max(1, peak));
  });

  it("reverb with its size, decay, shelves, pre-delay and mix moving between blocks", () => {
    const change = (v: Float64Array, b: number) => {
      const s = Math.sin(b * 0.05);
      v[pid("reverb_size")] = 0.5 + 0.3 * s;
      v[pid("reverb_decay_time")] = 0.5 * s;
      v[pid("reverb_high_shelf_gain")] = -6 + 5 * s;
      v[pid("reverb_low_shelf_cutoff")] = 40 + 20 * s;
      v[pid("reverb_delay")] = 0.02 + 0.015 * s;
      v[pid("reverb_dry_wet")] = 0.5 + 0.4 * s;
      v[pid("reverb_pre_high_cutoff")] = 100 + 10 * s;
    };
    const a = render(makeReverb, reverb, false, 88200, 64, change);
    const b = render(makeReverb, reverb, true, 88200, 64, change);
    const { diff, peak } = compare(a, b);
    expect(diff).toBeLessThan(2e-5 * Math.max(1, peak));
  });

  const makeChorus: Make = (prog, sr, k) => new Chorus(prog, sr, 128, k);
  const chorus = { chorus_on: 1, chorus_dry_wet: 0.6, chorus_voices: 4, chorus_feedback: 0.5 };
  for (const [sampleRate, block] of [
    [88200, 64],
    [44100, 37],
  ] as const) {
    it(`chorus at ${sampleRate} Hz in blocks of ${block}`, () => {
      const a = render(makeChorus, chorus, false, sampleRate, block);
      const b = render(makeChorus, chorus, true, sampleRate, block);
      const { diff, peak } = compare(a, b);
      expect(peak).toBeGreaterThan(0.1);
      expect(diff).toBeLessThan(2e-5 * Math.max(1, peak));
    });
  }

  it("chorus with units switching on and off, saturating feedback and a moving depth, delay and mix", () => {
    const change = (v: Float64Array, b: number) => {
      const s = Math.sin(b * 0.07);
      v[pid("chorus_voices")] = 1 + ((b >> 5) % 4);
      v[pid("chorus_feedback")] = 0.95 * s;
      v[pid("chorus_mod_depth")] = 0.5 + 0.5 * s;
      v[pid("chorus_delay_1")] = -9 + 2 * s;
      v[pid("chorus_dry_wet")] = 0.5 + 0.5 * s;
    };
    // input up to ±8: the loop's saturation (beyond ±5.28) is reached
    const a = render(makeChorus, chorus, false, 88200, 64, change, 9);
    const b = render(makeChorus, chorus, true, 88200, 64, change, 9);
    const { diff, peak } = compare(a, b);
    expect(peak).toBeGreaterThan(5.3);
    expect(diff).toBeLessThan(2e-5 * Math.max(1, peak));
  });

  const makeFlanger: Make = (prog, sr, k) => new Flanger(prog, sr, 128, k);
  const flanger = { flanger_on: 1, flanger_dry_wet: 0.5, flanger_feedback: 0.6, flanger_mod_depth: 0.8 };
  for (const [sampleRate, block] of [
    [88200, 64],
    [44100, 37],
  ] as const) {
    it(`flanger at ${sampleRate} Hz in blocks of ${block}`, () => {
      const a = render(makeFlanger, flanger, false, sampleRate, block);
      const b = render(makeFlanger, flanger, true, sampleRate, block);
      const { diff, peak } = compare(a, b);
      expect(peak).toBeGreaterThan(0.1);
      expect(diff).toBeLessThan(2e-5 * Math.max(1, peak));
    });
  }

  it("flanger with saturating, sign-changing feedback and a moving centre, depth and mix", () => {
    const change = (v: Float64Array, b: number) => {
      const s = Math.sin(b * 0.07);
      v[pid("flanger_feedback")] = 0.95 * s;
      v[pid("flanger_center")] = 64 + 40 * s;
      v[pid("flanger_mod_depth")] = 0.5 + 0.5 * s;
      v[pid("flanger_dry_wet")] = 0.25 + 0.25 * s;
    };
    // input up to ±2.7: the loop's saturation (beyond ±0.66) is reached
    const a = render(makeFlanger, flanger, false, 88200, 64, change, 3);
    const b = render(makeFlanger, flanger, true, 88200, 64, change, 3);
    const { diff, peak } = compare(a, b);
    expect(peak).toBeGreaterThan(1);
    expect(diff).toBeLessThan(2e-5 * Math.max(1, peak));
  });

  const makeDelay: Make = (prog, sr, k) => new Delay(prog, sr, undefined, 128, k);
  for (const [style, sampleRate, block] of [
    [0, 88200, 64],
    [1, 44100, 37],
    [2, 88200, 128],
    [3, 96000, 50],
  ] as const) {
    it(`delay (style ${style}) at ${sampleRate} Hz in blocks of ${block}, times, feedback and mix moving`, () => {
      const settings = { delay_on: 1, delay_style: style, delay_dry_wet: 0.5, delay_feedback: 0.7 };
      const change = (v: Float64Array, b: number) => {
        const s = Math.sin(b * 0.06);
        v[pid("delay_frequency")] = 4 + 2 * s;
        v[pid("delay_aux_frequency")] = 5 - 2 * s;
        v[pid("delay_feedback")] = 0.95 * s;
        v[pid("delay_dry_wet")] = 0.5 + 0.4 * s;
        v[pid("delay_filter_cutoff")] = 60 + 20 * s;
        // a stretch at the longest time (the line's end: the JavaScript loop takes over the kernel's lines)
        if ((b >> 6) % 3 === 2) v[pid("delay_frequency")] = -12;
      };
      // input up to ±8: the loop's saturation (beyond ±5.28) is reached
      const a = render(makeDelay, settings, false, sampleRate, block, change, 9);
      const b = render(makeDelay, settings, true, sampleRate, block, change, 9);
      const { diff, peak, tail } = compare(a, b);
      expect(peak).toBeGreaterThan(5.3);
      expect(tail).toBeGreaterThan(1e-3); // echoes after the input stopped
      expect(diff).toBeLessThan(2e-5 * Math.max(1, peak));
    });
  }

  for (const [style, block] of [
    [0, 37],
    [1, 128],
    [2, 64],
    [3, 50],
  ] as const) {
    it(`delay (style ${style}) at fixed times (reads a block ahead of the writes) in blocks of ${block}, feedback, mix and filter moving`, () => {
      const settings = { delay_on: 1, delay_style: style, delay_frequency: 4, delay_aux_frequency: 3.3 };
      const change = (v: Float64Array, b: number) => {
        const s = Math.sin(b * 0.06);
        v[pid("delay_feedback")] = 0.95 * s;
        v[pid("delay_dry_wet")] = 0.5 + 0.4 * s;
        v[pid("delay_filter_cutoff")] = 60 + 20 * s;
        v[pid("delay_filter_spread")] = 0.5 + 0.3 * s;
      };
      const a = render(makeDelay, settings, false, 88200, block, change, 9);
      const b = render(makeDelay, settings, true, 88200, block, change, 9);
      const { diff, peak, tail } = compare(a, b);
      expect(peak).toBeGreaterThan(5.3);
      expect(tail).toBeGreaterThan(1e-3);
      expect(diff).toBeLessThan(2e-5 * Math.max(1, peak));
    });
  }

  it("delay with its lines wrapping around (1.5 s echoes read across the line's end after 6 s)", () => {
    const settings = { delay_on: 1, delay_dry_wet: 0.5, delay_feedback: 0.9, delay_frequency: -0.58 };
    const a = render(makeDelay, settings, false, 44100, 64, undefined, 1, 7.6);
    const b = render(makeDelay, settings, true, 44100, 64, undefined, 1, 7.6);
    const { diff, peak, tail } = compare(a, b);
    expect(tail).toBeGreaterThan(0.01);
    expect(diff).toBeLessThan(2e-5 * Math.max(1, peak));
  });

  const makeCompressor: Make = (prog, sr, k) => new Compressor(prog, sr, 128, k);
  for (const bands of [0, 1, 2, 3]) {
    it(`compressor (enabled bands ${bands}) with thresholds, ratios and gains moving, silence at the end`, () => {
      const settings = {
        compressor_on: 1,
        compressor_enabled_bands: bands,
        compressor_band_lower_ratio: -0.6, // upward for the middle band, expanding elsewhere (defaults)
      };
      const change = (v: Float64Array, b: number) => {
        const s = Math.sin(b * 0.06);
        v[pid("compressor_low_upper_threshold")] = -20 + 10 * s;
        v[pid("compressor_band_lower_threshold")] = -40 + 10 * s;
        v[pid("compressor_high_upper_ratio")] = 0.5 + 0.5 * s;
        v[pid("compressor_mix")] = 0.7 + 0.3 * s;
        v[pid("compressor_band_gain")] = 6 * s;
        v[pid("compressor_attack")] = 0.5 + 0.4 * s;
      };
      const a = render(makeCompressor, settings, false, 88200, 64, change, 2);
      const b = render(makeCompressor, settings, true, 88200, 64, change, 2);
      const { diff, peak } = compare(a, b);
      expect(peak).toBeGreaterThan(0.1);
      expect(diff).toBeLessThan(5e-5 * Math.max(1, peak));
    });
  }
});
