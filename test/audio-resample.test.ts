import { describe, expect, it } from "vitest";
import { resample } from "../src/audio/resample.ts";
import { PatchsmithError } from "../src/errors.ts";
import { rng } from "./audio-build.ts";

function tone(n: number, rate: number, hz: number, phase = 0): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sin((2 * Math.PI * hz * i) / rate + phase);
  return x;
}

/** Largest deviation from the ideal tone at the output rate, away from the edges (where input is zero). */
function maxErrorVsIdeal(y: Float32Array, rate: number, hz: number, phase: number, edge: number): number {
  let err = 0;
  for (let i = edge; i < y.length - edge; i++) {
    err = Math.max(err, Math.abs(y[i]! - Math.sin((2 * Math.PI * hz * i) / rate + phase)));
  }
  return err;
}

function rmsDb(y: Float32Array, edge: number): number {
  let s = 0;
  for (let i = edge; i < y.length - edge; i++) s += y[i]! * y[i]!;
  return 10 * Math.log10(s / (y.length - 2 * edge) + 1e-30);
}

const PAIRS: [number, number][] = [
  [48000, 44100],
  [22050, 44100],
  [96000, 44100],
  [8000, 44100],
  [44100, 48000],
  [44100, 16000],
  [192000, 44100],
];

describe("resample", () => {
  it("output length is round(n · to / from)", () => {
    for (const [from, to] of [
      ...PAIRS,
      [44100, 44101] as [number, number],
      [11025, 7350] as [number, number],
    ]) {
      for (const n of [0, 1, 2, 3, 99, 1000, 4411]) {
        expect(resample(new Float32Array(n), from, to).length).toBe(Math.round((n * to) / from));
      }
    }
  });

  it("keeps the amplitude and phase of tones across the passband (no time shift)", () => {
    for (const [from, to] of PAIRS) {
      const min = Math.min(from, to);
      for (const rel of [0.01, 0.1, 0.3, 0.44]) {
        const hz = rel * min;
        const phase = 0.7;
        const y = resample(tone(from, from, hz, phase), from, to);
        // Within 1e-4 of the ideal sine sampled at the new rate: < 0.001 dB of gain error and a
        // timing error below 1e-4 / (2π·hz) seconds.
        expect(maxErrorVsIdeal(y, to, hz, phase, Math.ceil(0.01 * to))).toBeLessThan(1e-4);
      }
    }
  });

  it("rejects tones above the new Nyquist frequency by at least 90 dB", () => {
    for (const [from, to] of PAIRS.filter(([f, t]) => f > t)) {
      for (const rel of [0.5, 0.55, 0.7, 0.95]) {
        const hz = rel * to;
        if (hz >= from / 2) continue;
        const y = resample(tone(from / 2, from, hz), from, to);
        // A full-scale sine has an RMS of −3 dB.
        expect(rmsDb(y, Math.ceil(0.01 * to))).toBeLessThan(-3 - 90);
      }
    }
  });

  it("adds no images when upsampling: a tone's residual after removing it is below −90 dB", () => {
    for (const [from, to] of PAIRS.filter(([f, t]) => f < t)) {
      const hz = 0.37 * from;
      const y = resample(tone(from, from, hz), from, to);
      const edge = Math.ceil(0.01 * to);
      const r = new Float32Array(y.length);
      for (let i = 0; i < y.length; i++) r[i] = y[i]! - Math.sin((2 * Math.PI * hz * i) / to);
      expect(rmsDb(r, edge)).toBeLessThan(-3 - 90);
    }
  });

  it("an impulse lands at the same time at the new rate, symmetric around it", () => {
    const x = new Float32Array(4800);
    x[2400] = 1;
    const y = resample(x, 48000, 16000);
    let peak = 0;
    for (let i = 1; i < y.length; i++) if (Math.abs(y[i]!) > Math.abs(y[peak]!)) peak = i;
    expect(peak).toBe(800);
    for (let d = 1; d < 40; d++) expect(y[800 + d]).toBeCloseTo(y[800 - d]!, 6);
  });

  it("handles ratios without a small common factor (interpolated kernel)", () => {
    for (const [from, to] of [
      [44100, 44101],
      [44100, 30011],
      [48000, 44100.5],
    ] as [number, number][]) {
      const hz = 0.2 * Math.min(from, to);
      const y = resample(tone(Math.round(from / 2), from, hz, 0.3), from, to);
      expect(maxErrorVsIdeal(y, to, hz, 0.3, Math.ceil(0.01 * to))).toBeLessThan(1e-4);
    }
  });

  it("the WebAssembly SIMD loop and the JavaScript loop agree", () => {
    const r = rng(5);
    const x = Float32Array.from({ length: 5000 }, () => r() * 2 - 1);
    for (const [from, to] of PAIRS) {
      const a = resample(x, from, to);
      const b = resample(x, from, to, { simd: false });
      let d = 0;
      for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
      expect(d).toBeLessThan(1e-5);
    }
  });

  it("returns a copy at the same rate and refuses bad rates", () => {
    const x = tone(100, 44100, 440);
    const y = resample(x, 44100, 44100);
    expect(y).toEqual(x);
    expect(y).not.toBe(x);
    expect(() => resample(tone(44100, 44100, 5), 44100, 3.5)).toThrow(
      expect.objectContaining({ code: "bad-sample-rate" }),
    );
    expect(resample(tone(44100, 44100, 5), 44100, 40).length).toBe(40); // extreme but affordable
    for (const bad of [0, -1, NaN, Infinity]) {
      expect(() => resample(x, bad, 44100)).toThrow(PatchsmithError);
      expect(() => resample(x, 44100, bad)).toThrow(PatchsmithError);
    }
  });
});
