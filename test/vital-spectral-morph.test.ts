// Spectral morphs of the Vital engine (src/synths/vital/engine/spectral-morph.ts) on patches built here: each
// morph type moves, scales or rotates the harmonics of a known frame where Vital's formulas put them (amount
// mappings and constants from Vital 1.0.x, see docs/vital-engine.md), neutral amounts render bit for bit like
// no morph, the amount follows modulation, and on the CC BY presets that use a morph the render is closer to
// Vital's own (mel-LSD) than the same preset with the morph left out.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readAudioFile } from "../src/audio/decode.ts";
import { toMono } from "../src/audio/types.ts";
import { melLsd } from "../src/metrics/index.ts";
import { cloneVitalPatch, defaultVitalPatch, readVital } from "../src/synths/vital/codec.ts";
import { ENGINE_SUPPORT, synth as vital, vitalProgram } from "../src/synths/vital/index.ts";
import { renderProgramNote } from "../src/synths/vital/engine/instrument.ts";
import { Mt19937 } from "../src/synths/vital/engine/random.ts";
import {
  randomAmplitudeValues,
  renderMorphedCycle,
  MorphSpectra,
  MorphWork,
} from "../src/synths/vital/engine/spectral-morph.ts";
import { CYCLE_LENGTH } from "../src/synths/vital/engine/wavetable.ts";
import type { VitalPatch, WaveSourceComponent } from "../src/synths/vital/types.ts";
import { repoRoot } from "./helpers.ts";

const SR = 44100;
const F48 = 440 * Math.pow(2, (48 - 69) / 12);

/** The init patch (osc 1 plays Vital's saw) with random phase 0 and the given settings. */
function patch(s: Record<string, number> = {}): VitalPatch {
  const p = cloneVitalPatch(defaultVitalPatch());
  Object.assign(p.settings, { osc_1_random_phase: 0, ...s });
  return p;
}

/** Osc 1 plays a table of the given frames (cosine partials: harmonic → amplitude), keyframes at 0 and 256. */
function withFrames(p: VitalPatch, frames: Array<Record<number, number>>): VitalPatch {
  const comp = p.wavetables[0]!.groups[0]!.components[0] as WaveSourceComponent;
  comp.interpolation = 0;
  comp.interpolationStyle = 1;
  comp.keyframes = frames.map((partials, i) => {
    const wave = new Float32Array(2048);
    for (const [k, a] of Object.entries(partials))
      for (let j = 0; j < 2048; j++) wave[j] = wave[j]! + a * Math.cos((2 * Math.PI * Number(k) * j) / 2048);
    return { position: i === 0 ? 0 : 256, wave, extra: {} };
  });
  return p;
}

function render(p: VitalPatch, note = 48, seconds = 0.6, seed = 0): Float32Array {
  return vital.render(
    p,
    { note, velocity: 89, noteOffSeconds: seconds, durationSeconds: seconds },
    {
      sampleRate: SR,
      seed,
    },
  )[0]!;
}

/** Complex amplitude (Hann-windowed DFT) of the partial at `hz`, over 16384 samples from 0.2 s. */
function partial(x: Float32Array, hz: number): { amp: number; phase: number } {
  const from = 8820;
  const len = 16384;
  let re = 0;
  let im = 0;
  for (let i = 0; i < len; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / len);
    const ph = (2 * Math.PI * hz * (from + i)) / SR;
    re += x[from + i]! * w * Math.cos(ph);
    im -= x[from + i]! * w * Math.sin(ph);
  }
  return { amp: (4 * Math.hypot(re, im)) / len, phase: Math.atan2(im, re) };
}

const amp = (x: Float32Array, hz: number) => partial(x, hz).amp;

function wrap(a: number): number {
  return a - 2 * Math.PI * Math.round(a / (2 * Math.PI));
}

describe("Vital spectral morphs: where each type puts the harmonics", () => {
  const plain = render(patch());
  const h = (k: number) => amp(plain, k * F48);

  it("the plain saw has the 1/k harmonics the checks below start from", () => {
    for (const k of [1, 2, 3, 8, 12]) expect(h(k) / h(1)).toBeCloseTo(1 / k, 2);
  });

  it("Low Pass keeps harmonics below 2^(10·amount) + 1, the one at the cutoff partly, none above", () => {
    // amount 0.35: cutoff 12.31 → harmonics 1–11 whole, 12 at 0.31, 13 and up gone
    const x = render(patch({ osc_1_spectral_morph_type: 7, osc_1_spectral_morph_amount: 0.35 }));
    for (const k of [1, 5, 11]) expect(amp(x, k * F48) / h(k)).toBeCloseTo(1, 2);
    expect(amp(x, 12 * F48) / h(12)).toBeCloseTo(Math.pow(2, 3.5) + 1 - 12, 1);
    for (const k of [13, 14, 20, 40]) expect(amp(x, k * F48)).toBeLessThan(h(1) * 1e-3);
  });

  it("High Pass removes harmonics below 2^(10·amount)·1026/1025 and keeps the rest", () => {
    // amount 0.3: cutoff 8.008 → harmonics 1–7 gone, 8 at 0.992, 9 and up whole
    const x = render(patch({ osc_1_spectral_morph_type: 8, osc_1_spectral_morph_amount: 0.3 }));
    for (const k of [1, 2, 7]) expect(amp(x, k * F48)).toBeLessThan(h(1) * 1e-3);
    for (const k of [8, 9, 15]) expect(amp(x, k * F48) / h(k)).toBeCloseTo(1, 1);
  });

  it("Harmonic Stretch moves harmonic i to (i − 1)·2^(8·(amount − ½)) + 1, split between neighbours", () => {
    // amount 0.75: factor 4 → 1→1, 2→5, 3→9, 4→13; 2…4 left empty
    const x = render(patch({ osc_1_spectral_morph_type: 3, osc_1_spectral_morph_amount: 0.75 }));
    expect(amp(x, F48) / h(1)).toBeCloseTo(1, 2);
    expect(amp(x, 5 * F48) / h(2)).toBeCloseTo(1, 2);
    expect(amp(x, 9 * F48) / h(3)).toBeCloseTo(1, 2);
    expect(amp(x, 13 * F48) / h(4)).toBeCloseTo(1, 2);
    for (const k of [2, 3, 4, 6]) expect(amp(x, k * F48)).toBeLessThan(h(1) * 1e-3);
    // amount 0.6: factor 2^0.8 = 1.741 → harmonic 2 lands at 2.741: 26 % on 2, 74 % on 3
    const f = Math.pow(2, 0.8);
    const sine2 = withFrames(patch({ osc_1_spectral_morph_type: 3, osc_1_spectral_morph_amount: 0.6 }), [
      { 2: 1 },
    ]);
    const y = render(sine2);
    const ref = amp(render(withFrames(patch(), [{ 2: 1 }])), 2 * F48);
    expect(amp(y, 2 * F48) / ref).toBeCloseTo(2 - f, 2);
    expect(amp(y, 3 * F48) / ref).toBeCloseTo(f - 1, 2);
  });

  it("Inharmonic Stretch moves harmonic i to mult^(log2(i)/10)·(i − 1) + 1 with mult = 2^(24·(amount − ½))", () => {
    // amount 0.75: mult 64 → harmonic 3 lands at 3^0.6·2 + 1 = 4.87 (13 % on 4, 87 % on 5)
    const target = Math.pow(3, 0.6) * 2 + 1;
    const p = withFrames(patch({ osc_1_spectral_morph_type: 4, osc_1_spectral_morph_amount: 0.75 }), [
      { 3: 1 },
    ]);
    const x = render(p);
    const ref = amp(render(withFrames(patch(), [{ 3: 1 }])), 3 * F48);
    expect(amp(x, 3 * F48)).toBeLessThan(ref * 1e-3);
    expect(amp(x, 4 * F48) / ref).toBeCloseTo(5 - target, 2);
    expect(amp(x, 5 * F48) / ref).toBeCloseTo(target - 4, 2);
  });

  it("Formant Scale reads harmonic i at i·2^(2 − 4·amount) between same-parity harmonics, scaled by the shift", () => {
    // amount 0.25: shift 2 → out1 = 2·(h1 + h3)/2 (the saw's partials share their phase), out2 = 2·h4, out4 = 2·h8
    const x = render(patch({ osc_1_spectral_morph_type: 2, osc_1_spectral_morph_amount: 0.25 }));
    expect(amp(x, F48) / h(1)).toBeCloseTo(4 / 3, 2);
    expect(amp(x, 2 * F48) / h(4)).toBeCloseTo(2, 2);
    expect(amp(x, 4 * F48) / h(8)).toBeCloseTo(2, 2);
  });

  it("Vocode keeps a formant at the same frequency whatever the note (the frame read at 21.5 Hz per bin)", () => {
    // a frame with bins 10–14 only (215–301 Hz at the table's 44100/2048 Hz per bin); amount 0.5 reads harmonic
    // i of the note at bin i·f0·2048/44100 (between bins of i's parity), so the loudest harmonic stays near 258 Hz
    const formant = { 10: 1, 11: 1, 12: 1, 13: 1, 14: 1 };
    const p = withFrames(patch({ osc_1_spectral_morph_type: 1, osc_1_spectral_morph_amount: 0.5 }), [
      formant,
    ]);
    for (const note of [36, 48, 60]) {
      const f0 = 440 * Math.pow(2, (note - 69) / 12);
      const x = render(p, note);
      let best = 0;
      let bestK = 0;
      for (let k = 1; k <= 12; k++) {
        const a = amp(x, k * f0);
        if (a > best) {
          best = a;
          bestK = k;
        }
      }
      expect(Math.abs(bestK * f0 - (12 * 44100) / 2048)).toBeLessThan(f0 / 2);
    }
  });

  it("Vocode reads the frame at the spacing of the audio an Audio File Source cut it from", () => {
    // the same formant frame plus a silent Audio File Source group with 4096-sample windows of 44.1 kHz audio:
    // Vital's table then holds frequency ratio 2, so bin 12 is read at 12·44100/4096 = 129 Hz (258 Hz without)
    const formant = { 10: 1, 11: 1, 12: 1, 13: 1, 14: 1 };
    const p = withFrames(patch({ osc_1_spectral_morph_type: 1, osc_1_spectral_morph_amount: 0.5 }), [
      formant,
    ]);
    p.wavetables[0]!.groups.push({
      extra: {},
      components: [
        {
          kind: "audio-file-source",
          type: "Audio File Source",
          interpolationStyle: 1,
          audio: new Float32Array(8192),
          settings: { window_size: 4096, audio_sample_rate: 44100, normalize_mult: false },
          keyframes: [{ position: 0, values: { start_position: 0, window_fade: 1 } }],
        },
      ],
    });
    for (const note of [36, 48]) {
      const f0 = 440 * Math.pow(2, (note - 69) / 12);
      const x = render(p, note);
      let best = 0;
      let bestK = 0;
      for (let k = 1; k <= 12; k++) {
        const a = amp(x, k * f0);
        if (a > best) {
          best = a;
          bestK = k;
        }
      }
      expect(Math.abs(bestK * f0 - (12 * 44100) / 4096)).toBeLessThan(f0 / 2);
    }
  });

  it("Shepard Tone plays 2^−(1 − amount) lower, odd partials at amount, even ones blended an octave up", () => {
    // cosine frame, amount 0.5: pitch × 0.707; partial 1 at 0.5; partial 2 = lerp(h2, h1, ½) whose phasor is
    // lerp((0, 1), (1, 0), ½) — Vital gives a harmonic that is silent in every frame the phase +90° — so 0.354
    const p = withFrames(patch({ osc_1_spectral_morph_type: 10, osc_1_spectral_morph_amount: 0.5 }), [
      { 1: 1 },
    ]);
    const x = render(p);
    const ref = amp(render(withFrames(patch(), [{ 1: 1 }])), F48);
    const f = F48 * Math.SQRT1_2;
    expect(amp(x, F48)).toBeLessThan(ref * 1e-2);
    expect(amp(x, f) / ref).toBeCloseTo(0.5, 2);
    expect(amp(x, 2 * f) / ref).toBeCloseTo(0.5 * Math.SQRT1_2, 2);
  });

  it("Phase Disperse rotates harmonic k by d·((k − 24)² − 23²), d = 0.05·(1 − 2·amount), amplitudes kept", () => {
    const x = render(patch({ osc_1_spectral_morph_type: 9, osc_1_spectral_morph_amount: 0 }));
    const p1 = partial(x, F48).phase;
    const q1 = partial(plain, F48).phase;
    for (const k of [2, 3, 5]) {
      expect(amp(x, k * F48) / h(k)).toBeCloseTo(1, 2);
      const moved = partial(x, k * F48).phase - k * p1 - (partial(plain, k * F48).phase - k * q1);
      const expected = 0.05 * ((k - 24) ** 2 - 23 ** 2);
      expect(Math.abs(wrap(moved - expected))).toBeLessThan(0.02);
    }
  });

  it("Smear pulls each harmonic towards the one two below: DC and the fundamental start at (1 − smear)", () => {
    // amount 0.5: smear = 1 − 0.5³ = 0.875; h1 → 0.125·h1, h3 → h3 + (0.125·h1 − h3)·0.875
    const x = render(patch({ osc_1_spectral_morph_type: 5, osc_1_spectral_morph_amount: 0.5 }));
    expect(amp(x, F48) / h(1)).toBeCloseTo(0.125, 2);
    expect(amp(x, 3 * F48) / h(1)).toBeCloseTo(1 / 3 + (0.125 - 1 / 3) * 0.875, 2);
  });

  it("Random Amplitudes scales harmonics by Vital's fixed random curve (mt19937, seed 4), whatever the seed", () => {
    const mt = new Mt19937(4);
    const first = Math.fround(Math.fround(mt.nextUint32()) / 4294967296);
    expect(randomAmplitudeValues()[0]).toBe(Math.fround(Math.fround(first * 2) - 1)); // the engine's one mt19937
    const values = randomAmplitudeValues();
    expect(values.length).toBe(17440);
    // amount 0.2 → stage 3 exactly: harmonic k × 4·max(1 − 3 − 3·r, 0), r from stage 3's row
    const p = patch({ osc_1_spectral_morph_type: 6, osc_1_spectral_morph_amount: 0.2 });
    const a = render(p, 48, 0.6, 1);
    const b = render(p, 48, 0.6, 7);
    expect(Array.from(a)).toEqual(Array.from(b));
    const base = 4 * Math.trunc((3 * 1025) / 4);
    let kept = 0;
    for (let k = 1; k <= 24; k++) {
      const r = values[base + 4 * (k >> 1) + 2 * (k & 1)]!;
      const gain = 4 * Math.max(1 - 3 - 3 * r, 0);
      if (gain > 0) kept++;
      expect(Math.abs(amp(a, k * F48) - gain * h(k))).toBeLessThan(h(1) * 2e-3);
    }
    expect(kept).toBeGreaterThan(0);
  });

  it("Spectral Time Skew reads higher harmonics from frames further along the table", () => {
    // frame 0 = harmonic 2 only, frame 256 = harmonic 2 … blended in time; at amount 0.5 (skew 4) harmonic 2 of
    // frame 0 is read at position (1 − |1 − 2·frac(4/11/2)|)·256 = 93.1
    const frames = [
      { 1: 1, 2: 0 },
      { 1: 1, 2: 1 },
    ];
    const x = render(
      withFrames(patch({ osc_1_spectral_morph_type: 11, osc_1_spectral_morph_amount: 0.5 }), frames),
    );
    const y = render(withFrames(patch(), frames));
    const position = (1 - Math.abs(1 - 2 * ((4 / 11) * 0.5))) * 256;
    expect(amp(y, 2 * F48)).toBeLessThan(amp(y, F48) * 1e-3);
    expect(amp(x, 2 * F48) / amp(y, F48)).toBeCloseTo(position / 256, 2);
    expect(amp(x, F48) / amp(y, F48)).toBeCloseTo(1, 2);
  });

  it("spread gives each unison pair its own amount: amount + 2·spread·p/(P − 1)", () => {
    // 4 voices, no detune: pair 0 (the inner voices) Low Pass at 0.2 (cutoff 5), pair 1 at 0.2 + 2·0.3 = 0.8
    // (cutoff 257); harmonics above 5 come from the outer pair only, in its share of the blend
    const uni = { osc_1_unison_voices: 4, osc_1_unison_detune: 0 };
    const plainU = render(patch(uni));
    const x = render(
      patch({
        ...uni,
        osc_1_spectral_morph_type: 7,
        osc_1_spectral_morph_amount: 0.2,
        osc_1_spectral_morph_spread: 0.3,
      }),
    );
    const blend = 0.8;
    const c = 1 - 0.6 * blend;
    const d = 0.6 * (1 - (1 - blend) * (1 - blend));
    expect(amp(x, 2 * F48) / amp(plainU, 2 * F48)).toBeCloseTo(1, 2);
    for (const k of [6, 10, 40]) expect(amp(x, k * F48) / amp(plainU, k * F48)).toBeCloseTo(d / (c + d), 2);
  });

  it("a morph at its neutral amount renders bit for bit like no morph", () => {
    const none = render(patch({ osc_1_unison_voices: 3, osc_1_unison_detune: 2 }));
    const neutral: Array<[number, number]> = [
      [2, 0.5],
      [3, 0.5],
      [4, 0.5],
      [5, 0],
      [6, 0],
      [7, 1],
      [9, 0.5],
      [11, 0],
    ];
    for (const [type, amount] of neutral) {
      const x = render(
        patch({
          osc_1_unison_voices: 3,
          osc_1_unison_detune: 2,
          osc_1_spectral_morph_type: type,
          osc_1_spectral_morph_amount: amount,
        }),
      );
      expect(Array.from(x), `type ${type}`).toEqual(Array.from(none));
    }
  });

  it("the morphed cycle at a neutral amount equals the plain spectrum (the generic path, no shortcut)", () => {
    const p = patch();
    const frames = (p.wavetables[0]!.groups[0]!.components[0] as WaveSourceComponent).keyframes;
    const saw = frames[0]!.wave;
    const spectra = new MorphSpectra([saw]);
    const work = new MorphWork();
    const plainCycle = new Float32Array(CYCLE_LENGTH);
    const plainTwice = new Float32Array(CYCLE_LENGTH);
    renderMorphedCycle(spectra, 0, 0, 0, 100, plainCycle, work);
    renderMorphedCycle(spectra, 0, 0, 0, 200, plainTwice, work);
    // Inharmonic Stretch keeps harmonics up to twice the band limit, as Vital's does
    for (const [type, param, plain] of [
      [2, 1, plainCycle],
      [3, 1, plainCycle],
      [4, 1, plainTwice],
      [5, 0, plainCycle],
      [9, 0, plainCycle],
    ] as const) {
      const out = new Float32Array(CYCLE_LENGTH);
      renderMorphedCycle(spectra, 0, type, param, 100, out, work);
      let err = 0;
      for (let i = 0; i < CYCLE_LENGTH; i++) err = Math.max(err, Math.abs(out[i]! - plain[i]!));
      expect(err, `type ${type}`).toBeLessThan(1e-3);
    }
  });

  it("modulation moves the amount per block (an envelope opening a Low Pass morph)", () => {
    const p = patch({
      osc_1_spectral_morph_type: 7,
      osc_1_spectral_morph_amount: 0,
      env_2_attack: 0.75, // quartic: 0.32 s
      env_2_sustain: 1,
    });
    p.modulations[0] = {
      source: "env_2",
      destination: "osc_1_spectral_morph_amount",
      lineMapping: null,
      extra: {},
    };
    p.settings.modulation_1_amount = 1;
    const x = vital.render(
      p,
      { note: 48, velocity: 89, noteOffSeconds: 1, durationSeconds: 1 },
      { sampleRate: SR, seed: 0 },
    )[0]!;
    const early = (k: number) => {
      let re = 0;
      let im = 0;
      for (let i = 0; i < 2048; i++) {
        const ph = (2 * Math.PI * k * F48 * i) / SR;
        re += x[441 + i]! * Math.cos(ph);
        im += x[441 + i]! * Math.sin(ph);
      }
      return Math.hypot(re, im);
    };
    expect(early(8)).toBeLessThan(early(1) * 0.05);
    expect(amp(x, 8 * F48) / h(8)).toBeCloseTo(1, 1);
    expect(vital.unsupportedFeatures(p).filter((m) => /morph/.test(m))).toEqual([]);
  });

  it("a Shepard Tone swept round its wrap keeps its pitch (the octave hand-over at the next cycle update)", () => {
    // amount driven 0 → 1 by a rising saw LFO at 2 Hz (unsmoothed): at each wrap the shift jumps from 0 to 1;
    // without the hand-over the pitch drops an octave until the next cycle update (one period of 1.84/f0)
    const p = withFrames(
      patch({
        osc_1_spectral_morph_type: 10,
        osc_1_spectral_morph_amount: 0,
        lfo_1_sync: 0,
        lfo_1_frequency: 1,
        lfo_1_smooth_mode: 0,
      }),
      [{ 1: 1 }],
    );
    p.lfos[0] = { ...p.lfos[0]!, numPoints: 2, points: [0, 1, 1, 0], powers: [0, 0], smooth: false };
    p.modulations[0] = {
      source: "lfo_1",
      destination: "osc_1_spectral_morph_amount",
      lineMapping: null,
      extra: {},
    };
    p.settings.modulation_1_amount = 1;
    const x = render(p, 72, 0.8);
    const f0 = 440 * Math.pow(2, 3 / 12);
    const periods: number[] = [];
    let last = -1;
    for (let i = Math.round(0.47 * SR); i < Math.round(0.53 * SR); i++) {
      if (x[i - 1]! < 0 && x[i]! >= 0) {
        const t = i - 1 + x[i - 1]! / (x[i - 1]! - x[i]!);
        if (last >= 0) periods.push(t - last);
        last = t;
      }
    }
    expect(periods.length).toBeGreaterThan(25);
    for (const period of periods) expect(Math.abs((period * f0) / SR - 1)).toBeLessThan(0.12);
  });

  it("every morph type is reported as rendered", () => {
    expect([...ENGINE_SUPPORT.spectralMorphTypes].sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
    ]);
  });
});

const REFS = path.resolve(repoRoot, "../shared/refs/vital");
const hasRefs = existsSync(path.join(REFS, "manifest.json"));

describe.skipIf(!hasRefs)(
  "Vital spectral morphs against Vital's renders of CC BY presets (../shared)",
  () => {
    // presets whose morph is audible and whose other features the engine renders; the "without" render is the
    // same preset with every morph type set to 0 (what the engine played before morphs were rendered)
    const cases = ["WakkaWakka", "SalmoBass", "MajorLazerBamBamLead", "PunchcardArpeggio", "VermExplodeLead"];
    interface Entry {
      id: string;
      preset: string;
      note: number;
      velocity: number;
      note_off_s: number;
      dur_s: number;
      wav: string;
    }
    const manifest = hasRefs
      ? (JSON.parse(readFileSync(path.join(REFS, "manifest.json"), "utf8")) as Entry[])
      : [];
    for (const name of cases) {
      it(`${name}: mel-LSD to Vital's render improves with the morph rendered`, async () => {
        const e = manifest.find((m) => m.id === `ccby_${name}_n48`)!;
        const file = path.join(REFS, e.preset);
        const withMorph = readVital(readFileSync(file), path.basename(file)).patches[0]!;
        const without = cloneVitalPatch(withMorph);
        for (const o of [1, 2, 3]) without.settings[`osc_${o}_spectral_morph_type`] = 0;
        const ref = await readAudioFile(path.join(REFS, e.wav));
        const score = (p: VitalPatch) => {
          const out = renderProgramNote(
            vitalProgram(p),
            { note: e.note, velocity: e.velocity, noteOffSeconds: e.note_off_s, durationSeconds: e.dur_s },
            { sampleRate: SR, seed: 1, beatsPerSecond: 2 },
          );
          return melLsd(toMono(ref.audio), toMono({ sampleRate: SR, channels: out }));
        };
        const a = score(withMorph);
        const b = score(without);
        expect(a).toBeLessThan(b * 0.8);
      }, 30_000);
    }
  },
);
