// The matcher's target analysis (src/match/target.ts): which pitch a sound is played at, and whether it is
// pitched at all, on made sounds with the traps real one-shots have (a low rumble under a high note, a hum
// in a drum's tail, a tracker locked to a harmonic), and on real one-shots from ../shared when present.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readAudioMono } from "../src/audio/decode.ts";
import { hzToMidi } from "../src/audio/pitch.ts";
import { analyseTarget, detectPitch, dominantPitch } from "../src/match/target.ts";
import { hasShared, sharedDir } from "./helpers.ts";

const SR = 44100;

function noise(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

describe("dominant pitch", () => {
  it("takes the pitch held by the most weight, not the median of alternating frames", () => {
    // 5 frames near 102.3, 6 quieter frames near 24: the median would fall on the low cluster.
    const midi = [102.3, 24.1, 102.4, 23.9, 102.35, 24.0, 24.2, 102.3, 24.1, 102.4, 24.0];
    const weight = midi.map((m) => (m > 50 ? 1 : 0.4));
    expect(dominantPitch(midi, weight)).toBeCloseTo(102.35, 1);
    expect(
      dominantPitch(
        midi,
        midi.map(() => 1),
      ),
    ).toBeCloseTo(24.05, 5);
    expect(dominantPitch([], [])).toBeNaN();
  });
});

describe("target pitch", () => {
  it("finds a high tone that a low rumble interrupts, in more frames but quieter", () => {
    // The CP80's trap: the tracker follows the rumble wherever the rumble dominates; a median over frames
    // then falls on (or between) the rumble's frames.
    const n = 2 * SR;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const t = i / SR;
      const rumble = t % 0.4 < 0.22;
      const tone = rumble ? 0.004 : 0.2;
      x[i] = tone * Math.sin(2 * Math.PI * 3020 * t) + (rumble ? 0.1 : 0) * Math.sin(2 * Math.PI * 31 * t);
    }
    const free = detectPitch(x, SR);
    expect(free.pitched).toBe(true);
    expect(Math.abs(1200 * Math.log2(free.f0Hz / 3020))).toBeLessThan(10);
    // With the labelled note (F#7 = 102), the fine tune is the tone's, not half an octave off.
    const t = analyseTarget(x, { note: 102 });
    expect(t.note).toBe(102);
    expect(Math.abs(t.fineTuneCents - 100 * (hzToMidi(3020) - 102))).toBeLessThan(10);
  });

  it("calls a noise hit with a quiet hum in its tail unpitched", () => {
    const n = Math.round(0.4 * SR);
    const x = new Float32Array(n);
    const r = noise(3);
    for (let i = 0; i < n; i++) {
      const t = i / SR;
      x[i] = 0.9 * r() * Math.exp(-t / 0.02) + 0.008 * Math.sin(2 * Math.PI * 60 * t);
    }
    const t = analyseTarget(x, {});
    expect(t.pitched).toBe(false);
    expect(t.note).toBe(60);
    // The hum alone is pitched (the criterion is the voiced frames' share of the sound, not the hum).
    const hum = Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 60 * i) / SR));
    expect(detectPitch(hum, SR).pitched).toBe(true);
  });

  it("with a known note, folds a pitch locked to one of its harmonics, and keeps the note when nothing fits", () => {
    const f0 = 110 * 2 ** (20 / 1200); // A2 + 20 cents
    // Strong 3rd harmonic, a weak fundamental: a tracker may report 3·f0.
    const x = Float32Array.from({ length: SR }, (_, i) => {
      const t = i / SR;
      return 0.05 * Math.sin(2 * Math.PI * f0 * t) + 0.6 * Math.sin(2 * Math.PI * 3 * f0 * t);
    });
    const t = analyseTarget(x, { note: 45 });
    expect(t.note).toBe(45);
    expect(Math.abs(t.fineTuneCents - 20)).toBeLessThan(8);
    // A tone a tritone away from the given note: the note's own frequency, no fine tune.
    const off = Float32Array.from(
      { length: SR },
      (_, i) => 0.5 * Math.sin((2 * Math.PI * 110 * 2 ** 0.5 * i) / SR),
    );
    const u = analyseTarget(off, { note: 45 });
    expect(u.pitched).toBe(true);
    expect(u.fineTuneCents).toBe(0);
  });
});

describe.skipIf(!hasShared)("target pitch on real one-shots", () => {
  const sound = async (p: string) =>
    (await readAudioMono(path.join(sharedDir, "data/sounds", p), SR)).samples;

  it("a CP80 F#7 over its own mechanical rumble", async () => {
    const t = analyseTarget(await sound("instruments/keys/epianos__102-Fs7-PP.flac"), { note: 102 });
    expect(Math.abs(t.fineTuneCents)).toBeLessThan(50);
    const free = analyseTarget(await sound("instruments/keys/epianos__102-Fs7-PP.flac"), {});
    expect(free.note).toBe(102);
  });

  it("a closed hi-hat with a hum in its tail is unpitched, a tom is pitched", async () => {
    expect(analyseTarget(await sound("drums/hihat_closed/muldjord__HihatClosed_hit14.flac")).pitched).toBe(
      false,
    );
    const tom = analyseTarget(await sound("drums/tom/muldjord__Tom2_hit01.flac"));
    expect(tom.pitched).toBe(true);
    expect(Math.abs(tom.f0Hz - 86)).toBeLessThan(5);
  });
});
