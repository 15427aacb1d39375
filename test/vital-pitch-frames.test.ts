// Vital oscillator pitch quantize and unison frame choice (src/synths/vital/engine/transpose-snap.ts and
// unisonFrameIndex in spectral-morph.ts), on patches built here and on the CC BY presets that use them: the
// transpose snaps to the allowed semitones of `osc_N_transpose_quantize` (bit 12: the played note too) before
// the tune is added, and the frame spread only spreads unison pairs upwards from the frame when spectral unison
// is on (Vital ignores it otherwise).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readAudioFile } from "../src/audio/decode.ts";
import { toMono } from "../src/audio/types.ts";
import { melLsd } from "../src/metrics/index.ts";
import { cloneVitalPatch, defaultVitalPatch, readVital } from "../src/synths/vital/codec.ts";
import { synth as vital, vitalProgram } from "../src/synths/vital/index.ts";
import { renderProgramNote } from "../src/synths/vital/engine/instrument.ts";
import { unisonFrameIndex } from "../src/synths/vital/engine/spectral-morph.ts";
import { isTransposeSnapping, snappedPitch, snapTable } from "../src/synths/vital/engine/transpose-snap.ts";
import type { VitalPatch, WaveSourceComponent } from "../src/synths/vital/types.ts";
import { repoRoot } from "./helpers.ts";

const SR = 44100;
const hz = (midi: number) => 440 * Math.pow(2, (midi - 69) / 12);
const bits = (...notes: number[]) => notes.reduce((m, n) => m | (1 << n), 0);

/** The init patch (osc 1) playing a table whose frames are single cosine partials (frame i → harmonic h[i]). */
function patch(s: Record<string, number>, harmonics: number[] = [1]): VitalPatch {
  const p = cloneVitalPatch(defaultVitalPatch());
  Object.assign(p.settings, { osc_1_random_phase: 0, ...s });
  const comp = p.wavetables[0]!.groups[0]!.components[0] as WaveSourceComponent;
  comp.interpolation = 0;
  comp.keyframes = harmonics.map((h, i) => {
    const wave = new Float32Array(2048);
    for (let j = 0; j < 2048; j++) wave[j] = Math.cos((2 * Math.PI * h * j) / 2048);
    return {
      position: harmonics.length === 1 ? 0 : Math.round((256 * i) / (harmonics.length - 1)),
      wave,
      extra: {},
    };
  });
  return p;
}

function render(p: VitalPatch, note: number): Float32Array {
  return vital.render(
    p,
    { note, velocity: 100, noteOffSeconds: 0.4, durationSeconds: 0.4 },
    { sampleRate: SR, seed: 0 },
  )[0]!;
}

/** Hann-windowed DFT magnitude at `f` over 8192 samples from 0.1 s. */
function amp(x: Float32Array, f: number): number {
  const from = 4410;
  const len = 8192;
  let re = 0;
  let im = 0;
  for (let i = 0; i < len; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / len);
    const ph = (2 * Math.PI * f * i) / SR;
    re += x[from + i]! * w * Math.cos(ph);
    im -= x[from + i]! * w * Math.sin(ph);
  }
  return (4 * Math.hypot(re, im)) / len;
}

describe("Vital transpose quantize", () => {
  it("maps every semitone to the nearest allowed one, ties downwards, across the octave edge", () => {
    expect(isTransposeSnapping(0)).toBe(false);
    expect(isTransposeSnapping(1 << 12)).toBe(false); // global bit alone: no notes allowed, no snapping
    const major = snapTable(bits(0, 2, 4, 5, 7, 9, 11));
    expect(Array.from(major)).toEqual([0, 0, 2, 2, 4, 5, 5, 7, 7, 9, 9, 11, 12]);
    const fifth = snapTable(bits(0, 7));
    expect(Array.from(fifth)).toEqual([0, 0, 0, 0, 7, 7, 7, 7, 7, 7, 12, 12, 12]);
    const onlyD = snapTable(bits(2)); // one D per octave: 8 is 6 from both Ds, the tie goes down
    expect(Array.from(onlyD)).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 2, 14, 14, 14, 14]);
  });

  it("snaps the transpose alone, or the played note plus transpose with the global bit", () => {
    const t = snapTable(bits(0, 7));
    expect(snappedPitch(61, 5, bits(0, 7), t)).toBe(68); // +5 → +7
    expect(snappedPitch(61, -2, bits(0, 7), t)).toBe(61); // −2 → 0 (octave −12 + 10 → 12)
    expect(snappedPitch(61, 2.4, bits(0, 7), t)).toBe(61); // rounds to 2, snaps to 0
    const g = bits(0, 7) | (1 << 12);
    expect(snappedPitch(61, 0, g, t)).toBe(60); // C♯ → C
    expect(snappedPitch(61, 5, g, t)).toBe(67); // F♯ (66) → G
    expect(snappedPitch(61, 5, 0, null)).toBe(66);
  });

  it("renders the snapped pitch with the tune added after snapping", () => {
    const q = bits(0, 7);
    const up = render(patch({ osc_1_transpose: 5, osc_1_transpose_quantize: q }), 72);
    expect(amp(up, hz(79))).toBeGreaterThan(10 * amp(up, hz(77)));
    const tuned = render(patch({ osc_1_transpose: 1, osc_1_tune: 0.5, osc_1_transpose_quantize: q }), 72);
    expect(amp(tuned, hz(72.5))).toBeGreaterThan(10 * amp(tuned, hz(73.5)));
    const global = render(patch({ osc_1_transpose_quantize: q | (1 << 12) }), 73);
    expect(amp(global, hz(72))).toBeGreaterThan(10 * amp(global, hz(73)));
    const local = render(patch({ osc_1_transpose_quantize: q }), 73);
    expect(amp(local, hz(73))).toBeGreaterThan(10 * amp(local, hz(72)));
  });
});

describe("Vital modulated oscillator pitch", () => {
  it("is not clamped to the transpose range: +48 plus a 12-semitone modulation plays 60 semitones up", () => {
    const p = patch({ osc_1_transpose: 48, macro_control_1: 1, modulation_1_amount: 0.125 });
    p.modulations[0] = {
      source: "macro_control_1",
      destination: "osc_1_transpose",
      lineMapping: null,
      extra: {},
    };
    const x = render(p, 36); // 36 + 60 = 96 (2093 Hz); a clamp would leave it at 84
    expect(amp(x, hz(96))).toBeGreaterThan(10 * amp(x, hz(84)));
    expect(amp(x, hz(96))).toBeGreaterThan(0.05);
  });
});

describe("Vital unison frame spread", () => {
  it("gives unison pair p of P the frame wave_frame + spread·p/(P − 1) with spectral unison, else wave_frame", () => {
    // four voices = two pairs: pair 0 (voices 0, 1) at the frame, pair 1 (voices 2, 3) at frame + spread
    expect([0, 1, 2, 3].map((u) => unisonFrameIndex(100, 50, true, u, 4, 257))).toEqual([100, 100, 150, 150]);
    expect([0, 1, 2, 3].map((u) => unisonFrameIndex(100, 50, false, u, 4, 257))).toEqual([
      100, 100, 100, 100,
    ]);
    // five voices: the centre, then pairs 1 and 2 (P = 3)
    expect([0, 1, 2, 3, 4].map((u) => unisonFrameIndex(10, -20, true, u, 5, 257))).toEqual([10, 0, 0, 0, 0]);
    expect(unisonFrameIndex(200, 100, true, 3, 4, 257)).toBe(256);
    expect(unisonFrameIndex(200, 100, true, 3, 4, 2)).toBe(1);
  });

  it("plays the spread frames only when spectral unison is on", () => {
    const s = {
      osc_1_unison_voices: 4,
      osc_1_unison_detune: 0,
      osc_1_wave_frame: 0,
      osc_1_frame_spread: 256,
    };
    // frame 0: harmonic 1, frame 256: harmonic 2 (no interpolation)
    const on = render(patch({ ...s, osc_1_spectral_unison: 1 }, [1, 2]), 48);
    const off = render(patch({ ...s, osc_1_spectral_unison: 0 }, [1, 2]), 48);
    const h1 = amp(off, hz(48));
    expect(h1).toBeGreaterThan(0.05);
    expect(amp(off, hz(60))).toBeLessThan(1e-3 * h1);
    expect(amp(on, hz(60))).toBeGreaterThan(0.2 * amp(on, hz(48)));
  });
});

const REFS = path.resolve(repoRoot, "../shared/refs/vital");
const hasRefs = existsSync(path.join(REFS, "manifest.json"));

interface Entry {
  id: string;
  preset: string;
  note: number;
  velocity: number;
  note_off_s: number;
  wav: string;
}

/** The CC BY render `id`'s preset and a mel-LSD of a patch's first second against Vital's. */
async function ccby(id: string) {
  const manifest = JSON.parse(readFileSync(path.join(REFS, "manifest.json"), "utf8")) as Entry[];
  const e = manifest.find((m) => m.id === id)!;
  const preset = readVital(readFileSync(path.join(REFS, e.preset)), path.basename(e.preset)).patches[0]!;
  const ref = toMono((await readAudioFile(path.join(REFS, e.wav))).audio).subarray(0, SR);
  const lsd = (p: VitalPatch) => {
    const perf = { note: e.note, velocity: e.velocity, noteOffSeconds: e.note_off_s, durationSeconds: 1 };
    const out = renderProgramNote(vitalProgram(p), perf, { sampleRate: SR, seed: 1, beatsPerSecond: 2 });
    return melLsd(ref, toMono({ sampleRate: SR, channels: out }));
  };
  return { preset, lsd };
}

describe.skipIf(!hasRefs)("Vital oscillator pitch on the CC BY presets", () => {
  it("MOS65818580 (quantized transpose swept by modulation) is far closer to Vital with the snap than without", async () => {
    const { preset, lsd } = await ccby("ccby_MOS65818580_n48");
    expect(preset.settings.osc_1_transpose_quantize).toBeGreaterThan(0);
    const unsnapped = cloneVitalPatch(preset);
    unsnapped.settings.osc_1_transpose_quantize = 0;
    const withSnap = lsd(preset);
    expect(withSnap).toBeLessThan(5); // 3.7 dB over 2 s (8.96 dB before the snap)
    expect(withSnap).toBeLessThan(lsd(unsnapped) - 2);
  });

  it("IceRain (an envelope sweeps osc 1's transpose of +30 past +48) follows Vital's pitch", async () => {
    const { preset, lsd } = await ccby("ccby_IceRain_n48");
    expect(preset.settings.osc_1_transpose).toBe(30);
    expect(lsd(preset)).toBeLessThan(5); // 3.5 dB over 2 s (9.1 dB with the transpose clamped at +48)
  });
});
