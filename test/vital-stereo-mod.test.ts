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
import { cloneVitalPatch, defaultVitalPatch } from "../src/synths/vital/codec.ts";
import { synth as vital } from "../src/synths/vital/index.ts";
import type { VitalPatch, WaveSourceComponent } from "../src/synths/vital/types.ts";

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
    if (b < 30) continue;
    for (let i = 0; i < block; i++) {
      sum += buf[i]! * buf[i]!;
      count++;
    }
  }
  return 20 * Math.log10(Math.sqrt(sum / count) / (0.1 / Math.SQRT2));
}

/** The MIDI note (0.25-semitone grid over 40 … 100) where the response is lowest within [lo, hi]. */
function deepestNote(model: number, blend: number, lo: number, hi: number): number {
  let best = lo;
  let bestDb = Infinity;
  for (let n = lo; n <= hi; n += 0.25) {
    const db = gainDb(model, blend, midiToHz(n));
    if (db < bestDb) {
      bestDb = db;
      best = n;
    }
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

function withSettings(base: VitalPatch, settings: Record<string, number>): VitalPatch {
  const p = cloneVitalPatch(base);
  Object.assign(p.settings, settings);
  return p;
}

function renderStereo(p: VitalPatch, note = 48): Float32Array[] {
  return vital.render(
    p,
    { note, velocity: 100, noteOffSeconds: 0.4, durationSeconds: 0.5 },
    { sampleRate: 44100, seed: 0 },
  );
}

function rmsOf(x: Float32Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / (to - from));
}

describe("stereo modulation of distortion_filter_cutoff", () => {
  // distortion with a low-pass before the shaper at cutoff 60, the note (from a voice) moving it by ±0.3·128
  // semitones·(note/127); with the stereo flag the right channel moves the other way (Vital's stereo slots).
  const base = withSettings(defaultVitalPatch(), {
    osc_1_random_phase: 0,
    distortion_on: 1,
    distortion_type: 0,
    distortion_drive: 0,
    distortion_mix: 1,
    distortion_filter_order: 1,
    distortion_filter_cutoff: 60,
    distortion_filter_blend: 0,
    distortion_filter_resonance: 0.2,
    modulation_1_amount: 0.3,
  });
  base.modulations[0] = {
    source: "note",
    destination: "distortion_filter_cutoff",
    lineMapping: null,
    extra: {},
  };

  it("is the same on both channels without the stereo flag", () => {
    const [l, r] = renderStereo(base);
    expect(rmsOf(l!, 2000, 15000)).toBeGreaterThan(0.01);
    expect(l).toEqual(r);
  });

  it("opens the left and closes the right filter with it, and is no longer reported", () => {
    const [ml] = renderStereo(base);
    const stereo = withSettings(base, { modulation_1_stereo: 1 });
    const [l, r] = renderStereo(stereo);
    expect(l).toEqual(ml); // the left channel is the mono rendering
    expect(rmsOf(l!, 2000, 15000)).toBeGreaterThan(1.3 * rmsOf(r!, 2000, 15000));
    expect(engineDeviations(stereo).filter((x) => x.includes("stereo modulation"))).toEqual([]);
  });
});

describe("stereo modulation of an oscillator's wave frame", () => {
  // a two-keyframe table (sine at 0, square at 255); the macro moves the frame from 128 by ±128 frames
  function framePatch(settings: Record<string, number>): VitalPatch {
    const p = withSettings(defaultVitalPatch(), {
      osc_1_random_phase: 0,
      osc_1_unison_detune: 0,
      osc_1_stereo_spread: 1,
      osc_1_wave_frame: 128,
      macro_control_1: 1,
      modulation_1_amount: 0.5,
      ...settings,
    });
    const sine = new Float32Array(2048);
    const square = new Float32Array(2048);
    for (let i = 0; i < 2048; i++) {
      sine[i] = Math.sin((2 * Math.PI * i) / 2048);
      square[i] = i < 1024 ? 0.8 : -0.8;
    }
    const comp = p.wavetables[0]!.groups[0]!.components[0] as WaveSourceComponent;
    comp.keyframes = [
      { position: 0, wave: sine, extra: {} },
      { position: 255, wave: square, extra: {} },
    ];
    p.modulations[0] = {
      source: "macro_control_1",
      destination: "osc_1_wave_frame",
      lineMapping: null,
      extra: {},
    };
    return p;
  }
  const maxDiff = (a: Float32Array, b: Float32Array) => {
    let d = 0;
    for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
    return d;
  };

  it("even unison: the left lane reads the left frame, the right lane the right frame", () => {
    const mono = framePatch({ osc_1_unison_voices: 2 });
    const [ml, mr] = renderStereo(mono);
    expect(maxDiff(ml!, mr!)).toBe(0);
    const stereo = framePatch({ osc_1_unison_voices: 2, modulation_1_stereo: 1 });
    const [l, r] = renderStereo(stereo);
    expect(maxDiff(l!, ml!)).toBe(0); // left: frame 255 as without the stereo flag
    const [, sineR] = renderStereo(
      framePatch({ osc_1_unison_voices: 2, osc_1_wave_frame: 0, modulation_1_amount: 0 }),
    );
    expect(maxDiff(r!, sineR!)).toBeLessThan(1e-6); // right: frame 0
    expect(maxDiff(l!, r!)).toBeGreaterThan(0.1);
    expect(engineDeviations(stereo)).toEqual([]);
  });

  it("odd unison (the centre voice spans both lanes): still the same on both channels, and reported", () => {
    const stereo = framePatch({ osc_1_unison_voices: 1, modulation_1_stereo: 1 });
    const [l, r] = renderStereo(stereo);
    expect(maxDiff(l!, r!)).toBe(0);
    expect(engineDeviations(stereo).some((x) => x.includes("osc_1_wave_frame"))).toBe(true);
  });
});

describe("stereo random LFOs", () => {
  it("are reported where their two channels' values do not reach the destination apart", () => {
    const deviations = (destination: string) => {
      const p = withSettings(defaultVitalPatch(), { random_1_stereo: 1, modulation_1_amount: 0.5 });
      p.modulations[0] = { source: "random_1", destination, lineMapping: null, extra: {} };
      return engineDeviations(p).filter((x) => x.startsWith("random 1"));
    };
    expect(deviations("osc_1_unison_detune")).toEqual([
      "random 1: stereo values do not reach osc_1_unison_detune (same on both channels)",
    ]);
    expect(deviations("osc_1_pan")).toEqual([]);
  });
});
