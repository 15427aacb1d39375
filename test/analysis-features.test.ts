// analyzeSound on made signals with known answers: loudness (BS.1770 reference values), onsets, note-off,
// levels, spectral descriptors, and the shared matrices matching the metric definitions.
import { describe, expect, it } from "vitest";
import { analyzeSound } from "../src/audio/analyze.ts";
import { highPass, highShelf, integratedLoudness } from "../src/audio/loudness.ts";
import { melFeatures } from "../src/metrics/spectral.ts";

const SR = 44100;
const sine = (n: number, hz: number, amp: number, sr = SR, start = 0) =>
  Float32Array.from({ length: n }, (_, i) =>
    i < start ? 0 : amp * Math.sin((2 * Math.PI * hz * (i - start)) / sr),
  );

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("integrated loudness (ITU-R BS.1770-4)", () => {
  it("K-weighting at 48 kHz reproduces the standard's coefficients", () => {
    const s = highShelf(48000);
    const h = highPass(48000);
    expect(s.b0).toBeCloseTo(1.53512485958697, 9);
    expect(s.b1).toBeCloseTo(-2.69169618940638, 9);
    expect(s.b2).toBeCloseTo(1.19839281085285, 9);
    expect(s.a1).toBeCloseTo(-1.69065929318241, 9);
    expect(s.a2).toBeCloseTo(0.73248077421585, 9);
    expect(h.a1).toBeCloseTo(-1.99004745483398, 9);
    expect(h.a2).toBeCloseTo(0.99007225036621, 9);
  });
  it("a 0 dBFS 997 Hz sine in one channel reads −3.01 LUFS; two channels +3 LU", () => {
    const x = sine(48000 * 3, 997, 1, 48000);
    expect(integratedLoudness([x], 48000)).toBeCloseTo(-3.01, 2);
    expect(integratedLoudness([x, x], 48000)).toBeCloseTo(0, 2);
    expect(integratedLoudness([sine(SR * 3, 997, 0.1)], SR)).toBeCloseTo(-23.01, 1);
  });
  it("gates: 4 s of silence or of −90 dBFS noise after a tone count the same (absolute gate)", () => {
    const tone = sine(SR * 2, 500, 0.3);
    const silent = new Float32Array(SR * 6);
    silent.set(tone);
    const r = rng(5);
    const quiet = Float32Array.from({ length: SR * 6 }, (_, i) =>
      i < tone.length ? tone[i]! : 3e-5 * (2 * r() - 1),
    );
    const a = integratedLoudness([silent], SR);
    expect(integratedLoudness([quiet], SR)).toBeCloseTo(a, 2);
    // Without gating the mean would fall by 10·log10(6/2) = 4.8 dB; only the blocks straddling the end
    // of the tone (partly silent, still above the relative gate) lower it, by well under 1 dB.
    const toneOnly = integratedLoudness([tone], SR);
    expect(toneOnly - a).toBeGreaterThan(0);
    expect(toneOnly - a).toBeLessThan(1);
    expect(integratedLoudness([new Float32Array(SR)], SR)).toBe(-Infinity);
  });
});

describe("analyzeSound: timing and levels", () => {
  it("finds a delayed onset to the millisecond and reports peak and RMS of the sound", () => {
    const x = sine(SR * 2, 220, 0.5, SR, Math.round(0.25 * SR));
    const s = analyzeSound(x, SR).summary;
    expect(Math.abs(s.onsetSeconds - 0.25)).toBeLessThan(0.002);
    expect(s.peakDbfs).toBeCloseTo(-6.02, 1);
    expect(s.rmsDbfs).toBeCloseTo(-9.03, 1);
    expect(s.onsets.some((t) => Math.abs(t - 0.25) < 0.003)).toBe(true);
    expect(s.pitched).toBe(true);
    expect(s.noteName).toBe("A3");
    expect(Math.abs(s.cents!)).toBeLessThan(1);
  });

  it("does not take the abrupt end of a note for an onset", () => {
    const x = sine(SR * 2, 261.6, 0.3, SR, Math.round(0.1 * SR)).map((v, i) => (i < 1.2 * SR ? v : 0));
    const s = analyzeSound(x, SR).summary;
    expect(s.onsets.length).toBe(1);
    expect(Math.abs(s.onsets[0]! - 0.1)).toBeLessThan(0.003);
    expect(Math.abs(s.noteOffSeconds! - 1.2)).toBeLessThan(0.011);
  });

  it("finds each of three separated bursts as an onset", () => {
    const r = rng(3);
    const x = new Float32Array(SR * 2);
    for (const t0 of [0.2, 0.8, 1.4]) {
      const s0 = Math.round(t0 * SR);
      for (let i = 0; i < 0.15 * SR; i++) x[s0 + i] = Math.exp(-i / 2000) * (2 * r() - 1);
    }
    const s = analyzeSound(x, SR).summary;
    for (const t0 of [0.2, 0.8, 1.4])
      expect(
        s.onsets.some((t) => Math.abs(t - t0) < 0.003),
        `onset near ${t0}`,
      ).toBe(true);
    expect(s.onsets.length).toBe(3);
    expect(s.pitched).toBe(false);
  });

  it("estimates the note-off of a held note with a 150 ms release, and the end", () => {
    const n = SR * 2;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const t = i / SR;
      const env =
        t < 0.01 ? t / 0.01 : t < 1.2 ? 1 - 0.2 * (t - 0.01) : (1 - 0.2 * 1.19) * Math.exp(-(t - 1.2) / 0.03);
      x[i] = 0.4 * env * (Math.sin(2 * Math.PI * 330 * t) + 0.3 * Math.sin(2 * Math.PI * 660 * t));
    }
    const s = analyzeSound(x, SR).summary;
    expect(s.noteOffSeconds).not.toBeNull();
    expect(Math.abs(s.noteOffSeconds! - 1.2)).toBeLessThan(0.03);
    // 60 dB below the peak: 1.2 s + 0.03·ln(10^3)·… ≈ 1.2 + 0.2 s
    expect(s.endSeconds).toBeGreaterThan(1.3);
    expect(s.endSeconds).toBeLessThan(1.5);
  });

  it("reports no note-off for a plain exponential decay", () => {
    const x = Float32Array.from(
      { length: SR * 2 },
      (_, i) => 0.5 * Math.exp(-i / SR / 0.25) * Math.sin((2 * Math.PI * 440 * i) / SR),
    );
    expect(analyzeSound(x, SR).summary.noteOffSeconds).toBeNull();
  });
});

describe("analyzeSound: degenerate input", () => {
  it("silence, a constant (DC) signal and an empty signal have no pitch; silence has no duration", () => {
    const silent = analyzeSound(new Float32Array(SR), SR).summary;
    expect(silent.pitched).toBe(false);
    expect(silent.durationSeconds).toBe(0);
    expect(silent.loudnessLufs).toBeNull();
    const dc = analyzeSound(new Float32Array(SR).fill(0.5), SR).summary;
    expect(dc.pitched).toBe(false);
    expect(dc.f0Hz).toBeNull();
    const empty = analyzeSound(new Float32Array(0), SR).summary;
    expect(empty.lengthSeconds).toBe(0);
    expect(empty.durationSeconds).toBe(0);
  });
  it("throws bad-audio on NaN samples", () => {
    const x = sine(1000, 440, 0.5);
    x[10] = NaN;
    expect(() => analyzeSound(x, SR)).toThrow(/audio must be finite/);
  });
});

describe("analyzeSound: spectral descriptors", () => {
  it("a 1 kHz sine has its centroid and roll-off at 1 kHz and flatness near 0", () => {
    const s = analyzeSound(sine(SR, 1000, 0.5), SR).summary;
    expect(Math.abs(s.spectralCentroidHz - 1000)).toBeLessThan(25);
    expect(Math.abs(s.spectralRolloffHz - 1000)).toBeLessThan(25);
    expect(s.spectralFlatness).toBeLessThan(1e-3);
  });
  it("white noise has flatness near e^−γ ≈ 0.56 and its centroid near sr/4", () => {
    const r = rng(11);
    const x = Float32Array.from({ length: SR }, () => 0.3 * (2 * r() - 1));
    const s = analyzeSound(x, SR).summary;
    expect(Math.abs(s.spectralFlatness - 0.5615)).toBeLessThan(0.03);
    expect(Math.abs(s.spectralCentroidHz - SR / 4)).toBeLessThan(500);
    expect(s.pitched).toBe(false);
  });
});

describe("analyzeSound: shared matrices and channels", () => {
  it("mel matrices equal the metric definition, so the matcher can reuse them", () => {
    const x = Float32Array.from({ length: 30000 }, (_, i) => Math.sin(i * 0.03) * Math.exp(-i / 9000));
    const a = analyzeSound(x, SR);
    const m = melFeatures(x);
    expect(a.mel.frames).toBe(m.frames);
    let worst = 0;
    for (let i = 0; i < m.db.length; i++) worst = Math.max(worst, Math.abs(a.mel.db[i]! - m.db[i]!));
    expect(worst).toBeLessThan(1e-3);
    expect(a.mfcc.data.length).toBe(m.frames * 20);
  });
  it("stereo input is analysed as the channel mean, loudness sums the channels", () => {
    const l = sine(SR, 440, 0.4);
    const r = sine(SR, 440, 0.2);
    const st = analyzeSound({ sampleRate: SR, channels: [l, r] }).summary;
    const mono = analyzeSound(sine(SR, 440, 0.3), SR).summary;
    expect(st.channels).toBe(2);
    expect(st.rmsDbfs).toBeCloseTo(mono.rmsDbfs, 3);
    expect(st.f0Hz!).toBeCloseTo(mono.f0Hz!, 3);
    // Channel powers add: 10·log10(10^(L/10) + 10^(R/10)) + 0.691 (the −0.691 offset is counted twice).
    const lr = [integratedLoudness([l], SR), integratedLoudness([r], SR)];
    const expectedLufs =
      10 * Math.log10(10 ** ((lr[0]! + 0.691) / 10) + 10 ** ((lr[1]! + 0.691) / 10)) - 0.691;
    expect(st.loudnessLufs!).toBeCloseTo(expectedLufs, 2);
  });
});
