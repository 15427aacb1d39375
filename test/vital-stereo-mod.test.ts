import { describe, expect, it } from "vitest";
import {
  VoiceFilter,
  defaultFilterSettings,
  midiToHz,
  MODEL_ANALOG,
  MODEL_DIGITAL,
  STYLE_NOTCH_SPREAD,
} from "../src/synths/vital/engine/filters.ts";
import { engineDeviations } from "../src/synths/vital/engine/deviations.ts";

const RATE = 48000;

/** Steady-state gain in dB of the notch-spread filter (cutoff 440 Hz, resonance 0) for a sine at `hz`. */
function gainDb(model: number, blend: number, hz: number, blendTranspose = 42): number {
  const f = new VoiceFilter(RATE);
  const s = defaultFilterSettings();
  s.model = model;
  s.style = STYLE_NOTCH_SPREAD;
  s.cutoffNote = 69;
  s.resonance = 0;
  s.blend = blend;
  s.blendTranspose = blendTranspose;
  const block = 256;
  const buf = new Float32Array(block);
  let sum = 0;
  let count = 0;
  for (let b = 0; b < 60; b++) {
    for (let i = 0; i < block; i++) buf[i] = 0.1 * Math.sin((2 * Math.PI * hz * (b * block + i)) / RATE);
    f.process(buf, block, s);
    if (b >= 30) for (let i = 0; i < block; i++) (sum += buf[i]! * buf[i]!), count++;
  }
  return 20 * Math.log10(Math.sqrt(sum / count) / (0.1 / Math.SQRT2));
}

/** The MIDI note (0.25-semitone grid over 40 … 100) where the response is lowest within [lo, hi]. */
function deepestNote(model: number, blend: number, lo: number, hi: number): number {
  let best = lo;
  let bestDb = Infinity;
  for (let n = lo; n <= hi; n += 0.25) {
    const db = gainDb(model, blend, midiToHz(n));
    if (db < bestDb) (bestDb = db), (best = n);
  }
  return best;
}

describe("notch spread style", () => {
  // Vital's analog notch spread cascades a t·low + high stage and a low + t·high stage at the same cutoff
  // (t = blend/2 for blend ≤ 1), so the notches sit at fc·√t and fc/√t: ±6·log2(1/t) semitones.
  it("analog: two notches symmetric about the cutoff, spaced by blend", () => {
    for (const [blend, semis] of [
      [0.5, 12],
      [1, 6],
    ] as const) {
      const lower = deepestNote(MODEL_ANALOG, blend, 69 - semis - 3, 69 - semis + 3);
      const upper = deepestNote(MODEL_ANALOG, blend, 69 + semis - 3, 69 + semis + 3);
      expect(Math.abs(lower - (69 - semis))).toBeLessThanOrEqual(0.5);
      expect(Math.abs(upper - (69 + semis))).toBeLessThanOrEqual(0.5);
      expect(gainDb(MODEL_ANALOG, blend, midiToHz(lower))).toBeLessThan(-35);
      expect(gainDb(MODEL_ANALOG, blend, midiToHz(69))).toBeGreaterThan(-20);
    }
  });

  it("digital: the upper notch at the prewarped fc/√t", () => {
    const g = Math.tan((Math.PI * midiToHz(69)) / RATE);
    const hz = (Math.atan(g * 2) * RATE) / Math.PI; // t = 0.25
    expect(gainDb(MODEL_DIGITAL, 0.5, hz)).toBeLessThan(-35);
    expect(gainDb(MODEL_DIGITAL, 0.5, hz * 1.06)).toBeGreaterThan(-30);
  });

  it("does not depend on blend transpose (Vital plugs it only into comb, phaser and formant)", () => {
    for (const model of [MODEL_ANALOG, MODEL_DIGITAL])
      expect(gainDb(model, 0.5, 700, 0)).toBeCloseTo(gainDb(model, 0.5, 700, 84), 9);
  });

  it("is no longer reported as a deviation", () => {
    const settings: Record<string, number> = { filter_1_on: 1, filter_1_model: 0, filter_1_style: 3 };
    const p = { settings, modulations: [] } as unknown as Parameters<typeof engineDeviations>[0];
    expect(engineDeviations(p).some((x) => x.includes("notch spread"))).toBe(false);
  });
});
