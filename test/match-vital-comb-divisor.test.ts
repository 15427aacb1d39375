import { describe, expect, it } from "vitest";
import { bestCombDivisor, combMisfit, spectralPeaks } from "../src/match/analytic/comb-divisor.ts";

const SR = 44100;

/** One second of partials (Hz, amplitude). */
function partials(list: Array<[number, number]>): Float32Array {
  const x = new Float32Array(SR);
  for (const [hz, a] of list)
    for (let i = 0; i < x.length; i++) x[i]! += a * Math.sin((2 * Math.PI * hz * i) / SR);
  return x;
}

const times = [0.25, 0.5, 0.75];

describe("spectral comb divisor", () => {
  it("finds the partials' frequencies", () => {
    const peaks = spectralPeaks(
      partials([
        [131, 1],
        [262, 0.5],
        [393, 0.25],
      ]),
      times,
    );
    for (const hz of [131, 262, 393]) expect(peaks.some((p) => Math.abs(p.hz - hz) < 0.5)).toBe(true);
  });

  it("keeps the smallest divisor for a harmonic sound, and an even one under a sub-octave", () => {
    const f0 = 131;
    const harmonic = partials(Array.from({ length: 12 }, (_, h) => [f0 * (h + 1), 1 / (h + 1)]));
    expect(bestCombDivisor(harmonic, { f0Hz: f0, times, kMin: 7, kMax: 8 })).toBe(7);
    // A layer an octave below the measured f0 lies halfway between two lines of f0/7, on a line of f0/8.
    const sub = partials([
      [f0 / 2, 1],
      [f0, 0.7],
      [(3 * f0) / 2, 0.4],
      [2 * f0, 0.3],
    ]);
    expect(combMisfit(spectralPeaks(sub, times), f0 / 8)).toBeLessThan(0.05);
    expect(combMisfit(spectralPeaks(sub, times), f0 / 7)).toBeGreaterThan(0.2);
    expect(bestCombDivisor(sub, { f0Hz: f0, times, kMin: 7, kMax: 8 })).toBe(8);
  });

  it("fits a fifth above with a divisor that is a multiple of 2", () => {
    const f0 = 220;
    // A chord of f0 and its fifth (equal temperament) with a few harmonics each.
    const fifth = f0 * 2 ** (7 / 12);
    const x = partials([
      [f0, 1],
      [2 * f0, 0.5],
      [fifth, 0.8],
      [2 * fifth, 0.4],
    ]);
    expect(bestCombDivisor(x, { f0Hz: f0, times, kMin: 11, kMax: 16 }) % 2).toBe(0);
  });
});
