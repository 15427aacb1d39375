import { describe, expect, it } from "vitest";
import {
  defaultFilterSettings,
  MODEL_ANALOG,
  MODEL_DIGITAL,
  MODEL_LADDER,
  STYLE_12DB,
  STYLE_24DB,
  STYLE_BPN,
  STYLE_NOTCH_BLEND,
  STYLE_NOTCH_SPREAD,
  VoiceFilter,
  type FilterSettings,
} from "../src/synths/vital/engine/filters.ts";

const SR = 44100;
const BLOCK = 128;
const BLOCKS = 24;

/** A made stereo signal: a detuned saw pair plus a noise burst, different on the two channels. */
function signal(): [Float32Array, Float32Array] {
  const n = BLOCK * BLOCKS;
  const l = new Float32Array(n);
  const r = new Float32Array(n);
  let seed = 12345;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const noise = i < 400 ? (seed / 2 ** 32 - 0.5) * 1.5 : 0;
    l[i] = (((i * 110) / SR) % 1) - 0.5 + noise;
    r[i] = (((i * 111.3) / SR) % 1) - 0.5 - noise;
  }
  return [l, r];
}

/**
 * Block-wise settings with a sweeping cutoff and resonance; the right channel is offset (stereo modulation). The
 * cutoff then holds — the right channel's from block 8, the left's from block 12 — so the kernels' blocks with
 * one lane ramping and with none (coefficients computed once per block) are compared too.
 */
function settings(model: number, style: number, b: number, right: boolean): FilterSettings {
  const s = defaultFilterSettings();
  s.model = model;
  s.style = style;
  s.cutoffNote = 40 + Math.min(b, right ? 8 : 12) * 3 + (right ? 7 : 0);
  s.resonance = Math.min(1, 0.2 + b * 0.035 + (right ? 0.1 : 0));
  s.driveDb = right ? 12 : 4;
  s.blend = (b % 5) * 0.5;
  return s;
}

function run(model: number, style: number, paired: boolean, scalar = false): [Float32Array, Float32Array] {
  const [l, r] = signal();
  const fl = new VoiceFilter(SR);
  const fr = new VoiceFilter(SR);
  // the scalar pair loops, which run where WebAssembly SIMD is missing (the analog and ladder models have kernels)
  if (scalar) Object.assign(fl, { analogKernels: [null, null, null], ladderKernel: null });
  for (let b = 0; b < BLOCKS; b++) {
    const bl = l.subarray(b * BLOCK, (b + 1) * BLOCK);
    const br = r.subarray(b * BLOCK, (b + 1) * BLOCK);
    const sL = settings(model, style, b, false);
    const sR = settings(model, style, b, true);
    if (paired) fl.processPair(bl, br, BLOCK, sL, sR, fr);
    else {
      fl.process(bl, BLOCK, sL);
      fr.process(br, BLOCK, sR);
    }
  }
  return [l, r];
}

describe("VoiceFilter.processPair", () => {
  for (const [model, style] of [
    [MODEL_ANALOG, STYLE_12DB],
    [MODEL_ANALOG, STYLE_24DB],
    [MODEL_ANALOG, STYLE_NOTCH_BLEND],
    [MODEL_ANALOG, STYLE_NOTCH_SPREAD],
    [MODEL_ANALOG, STYLE_BPN],
    [MODEL_LADDER, STYLE_12DB],
    [MODEL_LADDER, STYLE_NOTCH_SPREAD],
  ] as const) {
    it(`model ${model} style ${style}: the WebAssembly kernel and the scalar pair loop give the same bits`, () => {
      const [kl, kr] = run(model, style, true);
      const [sl, sr] = run(model, style, true, true);
      expect(Array.from(kl)).toEqual(Array.from(sl));
      expect(Array.from(kr)).toEqual(Array.from(sr));
    });
  }

  const styles = [STYLE_12DB, STYLE_24DB, STYLE_NOTCH_BLEND, STYLE_NOTCH_SPREAD, STYLE_BPN];
  for (const model of [MODEL_ANALOG, MODEL_DIGITAL, MODEL_LADDER]) {
    for (const style of styles) {
      it(`model ${model} style ${style}: equals two single-channel passes`, () => {
        const [pl, pr] = run(model, style, true);
        const [sl, sr] = run(model, style, false);
        let energy = 0;
        for (let i = 0; i < pl.length; i++) energy += pl[i]! * pl[i]! + pr[i]! * pr[i]!;
        expect(energy).toBeGreaterThan(1);
        expect(Array.from(pl)).toEqual(Array.from(sl));
        expect(Array.from(pr)).toEqual(Array.from(sr));
        // the channels were filtered differently (their settings differ), so the test sees both paths
        expect(Array.from(pl)).not.toEqual(Array.from(pr));
      });
    }
  }
});
