// The sample oscillator's playback buffers and reads (src/synths/vital/engine/sample-levels.ts, voice.ts):
// Vital's level layout (2× upsampled, original, halved levels; padded buffers), the level chosen by speed, and
// what those do to the sound: a slowed-down sample has the images of Vital's interpolation filter, a sped-up
// sample does not alias.
import { describe, expect, it } from "vitest";
import { cloneVitalPatch, defaultVitalPatch } from "../src/synths/vital/codec.ts";
import { synth as vital } from "../src/synths/vital/index.ts";
import { SAMPLE_PAD, sampleLevelIndex, sampleLevels } from "../src/synths/vital/engine/sample-levels.ts";
import type { VitalPatch } from "../src/synths/vital/types.ts";

const SR = 44100;

function samplePatch(data: Float32Array, settings: Record<string, number>): VitalPatch {
  const p = cloneVitalPatch(defaultVitalPatch());
  Object.assign(
    p.settings,
    { osc_1_on: 0, sample_on: 1, sample_level: 0.7, sample_destination: 3 },
    settings,
  );
  p.sample = { ...p.sample, sampleRate: SR, samples: data, samplesStereo: null };
  return p;
}

function render(p: VitalPatch, note: number, seconds = 0.5): Float32Array {
  return vital.render(
    p,
    { note, velocity: 100, noteOffSeconds: seconds, durationSeconds: seconds },
    { sampleRate: SR, seed: 1 },
  )[0]!;
}

function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / Math.max(1, to - from));
}

/** Power of x in [loHz, hiHz) by a direct DFT over `n` samples from `start` (coarse bins are enough here). */
function bandPower(x: Float32Array, start: number, n: number, loHz: number, hiHz: number): number {
  let total = 0;
  for (let k = Math.ceil((loHz * n) / SR); k < Math.min(n / 2, (hiHz * n) / SR); k++) {
    let re = 0;
    let im = 0;
    for (let i = 0; i < n; i++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
      const a = (2 * Math.PI * k * i) / n;
      re += x[start + i]! * w * Math.cos(a);
      im -= x[start + i]! * w * Math.sin(a);
    }
    total += re * re + im * im;
  }
  return total;
}

function noise(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 1.8 - 0.9;
  }
  return out;
}

describe("sample playback levels", () => {
  const data = noise(1001, 3);
  const levels = sampleLevels(data);

  it("level 0 is the sample upsampled 2× (inputs kept on even samples), level 1 the sample, then halves", () => {
    expect(levels.play[0]!.length).toBe(2 * 1001 + 2 * SAMPLE_PAD);
    for (let i = 0; i < 1001; i += 97) expect(levels.play[0]![SAMPLE_PAD + 2 * i]).toBe(data[i]);
    expect(Array.from(levels.play[1]!.subarray(SAMPLE_PAD, SAMPLE_PAD + 1001))).toEqual(Array.from(data));
    let size = 1001;
    for (let k = 2; k < levels.play.length; k++) {
      size = (size + 1) >> 1;
      expect(levels.play[k]!.length).toBe(size + 2 * SAMPLE_PAD);
    }
    expect(size).toBeLessThan(4);
  });

  it("one-shot buffers have silent pads; the looped original wraps around", () => {
    const play = levels.play[1]!;
    const loop = levels.loop[1]!;
    for (let i = 0; i < SAMPLE_PAD; i++) {
      expect(play[i]).toBe(0);
      expect(play[SAMPLE_PAD + 1001 + i]).toBe(0);
      expect(loop[i]).toBe(data[1001 - SAMPLE_PAD + i]);
      expect(loop[SAMPLE_PAD + 1001 + i]).toBe(data[i]);
    }
  });

  it("the level follows the speed in whole octaves and stops at the last one", () => {
    expect(sampleLevelIndex(0.3, 10)).toBe(0);
    expect(sampleLevelIndex(1.99, 10)).toBe(0);
    expect(sampleLevelIndex(2, 10)).toBe(1);
    expect(sampleLevelIndex(7.5, 10)).toBe(2);
    expect(sampleLevelIndex(1e6, 10)).toBe(9);
  });
});

describe("sample oscillator reads", () => {
  it("a sample two octaves up reads a low-passed level instead of aliasing", () => {
    // A tone at 0.4 of the sample rate, sped up 4×, lands far above the voice's Nyquist frequency.
    const n = 44100;
    const tone = new Float32Array(n);
    for (let i = 0; i < n; i++) tone[i] = 0.8 * Math.sin(2 * Math.PI * 0.4 * i);
    const p = samplePatch(tone, { sample_keytrack: 1, sample_loop: 1 });
    const atRoot = render(p, 60);
    const up = render(p, 84);
    expect(rms(atRoot, 2000, 20000)).toBeGreaterThan(0.1);
    expect(rms(up, 2000, 20000)).toBeLessThan(0.01 * rms(atRoot, 2000, 20000));
  });

  it("noise slowed down an octave has the images of Vital's interpolation filter (about 88 dB down)", () => {
    const p = samplePatch(noise(44100, 9), { sample_keytrack: 1, sample_loop: 1 });
    const y = render(p, 48);
    const passband = bandPower(y, 4096, 2048, 2000, 9000) / 7000;
    const images = bandPower(y, 4096, 2048, 13000, 20000) / 7000;
    // Vital's 52-tap half-band leaves images 80–95 dB down, which the mel metric's −80 dB floor still sees;
    // a longer, sharper filter leaves them below −110 dB.
    expect(images / passband).toBeLessThan(1e-8);
    expect(images / passband).toBeGreaterThan(1e-10);
    const edge = bandPower(y, 4096, 2048, 9500, 10500) / 1000;
    expect(edge / passband).toBeGreaterThan(0.5);
  });
});
