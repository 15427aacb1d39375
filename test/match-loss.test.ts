import { describe, expect, it } from "vitest";
import { levelMatch, loss, lossTerms, mixToMono, prepareLossTarget } from "../src/match/loss.ts";
import { melLsd, spectralConvergence } from "../src/metrics/index.ts";

const sr = 44100;

/** A decaying harmonic tone: f0 Hz, `partials` harmonics with 1/h amplitudes, decay time constant tau s. */
function tone(
  f0: number,
  seconds: number,
  tau: number,
  partials = 6,
  delaySeconds = 0,
  gain = 0.5,
): Float32Array {
  const n = Math.round(seconds * sr);
  const x = new Float32Array(n);
  const d = Math.round(delaySeconds * sr);
  for (let i = d; i < n; i++) {
    const t = (i - d) / sr;
    let s = 0;
    for (let h = 1; h <= partials; h++) s += Math.sin(2 * Math.PI * f0 * h * t) / h;
    x[i] = gain * s * Math.exp(-t / tau) * Math.min(1, t / 0.005);
  }
  return x;
}

describe("the matcher's loss", () => {
  const target = tone(220, 1, 0.4);
  const t = prepareLossTarget(target);

  it("is zero for the target itself and for a louder or quieter copy (level matching)", () => {
    expect(loss(t, target)).toBeLessThan(1e-3);
    const quieter = target.map((v) => v * 0.1);
    const terms = lossTerms(t, quieter);
    expect(terms.loss).toBeLessThan(0.05);
    expect(terms.gainDb).toBeCloseTo(20, 1);
  });

  it("its mel-LSD term is the §5 mel-LSD of the level-matched candidate", () => {
    const cand = tone(233, 1, 0.3, 4, 0, 0.2);
    const terms = lossTerms(t, cand);
    const matched = Float32Array.from(levelMatch(t, cand).audio);
    expect(terms.melLsd).toBeCloseTo(melLsd(target, matched), 4);
    expect(terms.sc).toBeCloseTo(spectralConvergence(target, matched), 4);
    expect(terms.sc).toBeGreaterThan(0.01);
  });

  it("grows with the pitch error", () => {
    const near = loss(t, tone(223, 1, 0.4));
    const semitone = loss(t, tone(233.08, 1, 0.4));
    const fifth = loss(t, tone(329.6, 1, 0.4));
    expect(near).toBeGreaterThan(0);
    expect(near).toBeLessThan(semitone);
    expect(semitone).toBeLessThan(fifth);
  });

  it("penalises a wrong envelope and a late onset", () => {
    const base = loss(t, tone(220, 1, 0.35));
    expect(loss(t, tone(220, 1, 0.05))).toBeGreaterThan(base);
    expect(loss(t, tone(220, 1, 0.4, 6, 0.1))).toBeGreaterThan(loss(t, tone(220, 1, 0.4, 6, 0.01)));
  });

  it("penalises a wrong timbre (harmonic content)", () => {
    expect(loss(t, tone(220, 1, 0.4, 1))).toBeGreaterThan(loss(t, tone(220, 1, 0.4, 5)));
  });

  it("cuts or pads candidates to the target's length and gives silence a finite, worse score", () => {
    expect(loss(t, tone(220, 2, 0.4))).toBeLessThan(1e-3);
    const short = loss(t, tone(220, 0.5, 0.4));
    expect(short).toBeGreaterThan(0.5);
    const silent = lossTerms(t, new Float32Array(sr));
    expect(Number.isFinite(silent.loss)).toBe(true);
    expect(silent.loss).toBeGreaterThan(loss(t, tone(440, 1, 0.1)));
    expect(silent.gainDb).toBe(0);
  });

  it("mixes channels to mono", () => {
    const l = Float32Array.of(1, 0, 0.5);
    const r = Float32Array.of(0, 1, 0.5);
    expect(Array.from(mixToMono([l, r]))).toEqual([0.5, 0.5, 0.5]);
    expect(mixToMono([l])).toBe(l);
  });
});
