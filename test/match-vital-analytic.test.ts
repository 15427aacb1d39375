import { beforeAll, describe, expect, it } from "vitest";
import { analyseHarmonics } from "../src/match/analytic/harmonics.ts";
import { vitalAnalyticStarts } from "../src/match/analytic/vital.ts";
import {
  envelopeValue,
  fitAmplitudeEnvelope,
  type VitalEnvelope,
} from "../src/match/analytic/vital-envelope.ts";
import { fitNoiseFilter, svfMagnitude } from "../src/match/analytic/vital-noise.ts";
import { levelMatch, lossTerms, mixToMono } from "../src/match/loss.ts";
import { spectralConvergence } from "../src/metrics/index.ts";
import { analyseTarget, type MatchTarget } from "../src/match/target.ts";
import { loadSynths } from "../src/synths/index.ts";
import { getSynth, type AnySynth, type Performance } from "../src/synths/synth.ts";
import type { VitalPatch } from "../src/synths/vital/types.ts";

let synth: AnySynth;
beforeAll(async () => {
  await loadSynths();
  synth = getSynth("vital")!;
});

const SR = 44100;

function perfOf(t: MatchTarget): Performance {
  return {
    note: t.note,
    velocity: t.velocity,
    noteOffSeconds: t.holdSeconds,
    durationSeconds: t.durationSeconds,
  };
}

function scoreOf(patch: unknown, t: MatchTarget) {
  return lossTerms(t.loss, mixToMono(synth.render(patch, perfOf(t), { sampleRate: SR, seed: 1 })));
}

/** One cycle from harmonic amplitudes (sine phase). */
function cycle(amps: number[]): Float32Array {
  const out = new Float32Array(2048);
  amps.forEach((a, k) => {
    for (let i = 0; i < 2048; i++) out[i] += a * Math.sin((2 * Math.PI * (k + 1) * i) / 2048);
  });
  return out;
}

/** A pluck made in Vital terms: a bright frame morphing to a sine (env_2 → wave_frame) under a decaying env_1. */
function knownWavetablePatch(): VitalPatch {
  const p = synth.defaultPatch() as VitalPatch;
  const bright = cycle(Array.from({ length: 40 }, (_, k) => 1 / (k + 1)));
  const sine = cycle([1]);
  const comp = p.wavetables[0]!.groups[0]!.components[0]!;
  if (comp.kind !== "wave-source") throw new Error("init table is not a wave source");
  comp.keyframes = [
    { position: 0, wave: sine, extra: {} },
    { position: 32, wave: bright, extra: {} },
  ];
  const s = p.settings;
  s.osc_1_random_phase = 0;
  s.env_1_attack = Math.fround(0.2);
  s.env_1_decay = Math.fround(0.9);
  s.env_1_sustain = Math.fround(0.3);
  s.env_2_attack = 0;
  s.env_2_decay = Math.fround(0.7);
  s.env_2_sustain = 0;
  p.modulations[0] = { source: "env_2", destination: "osc_1_wave_frame", lineMapping: null, extra: {} };
  s.modulation_1_amount = Math.fround(32 / 256);
  return p;
}

describe("harmonic analysis", () => {
  it("measures the amplitudes of a sum of harmonics and finds no residual", () => {
    const f0 = 220;
    const amps = [0.5, 0.25, 0.1, 0.05];
    const x = new Float32Array(SR);
    for (let i = 0; i < x.length; i++)
      amps.forEach((a, k) => (x[i] += a * Math.cos((2 * Math.PI * f0 * (k + 1) * i) / SR + k)));
    const an = analyseHarmonics(x, { times: [0.25, 0.5], f0Hz: f0 });
    for (const f of an.frames) {
      amps.forEach((a, k) => expect(20 * Math.log10(f.amplitudes[k]! / a)).toBeCloseTo(0, 0));
      expect(f.amplitudes[6]!).toBeLessThan(1e-3);
      expect(f.residualRms / f.harmonicRms).toBeLessThan(0.01);
    }
  });

  it("fits the filter that coloured white noise", () => {
    const bands = Float32Array.from({ length: 30 }, (_, i) => 25 * 2 ** (i / 3));
    const db = Float32Array.from(bands, (f) => 20 * Math.log10(svfMagnitude(f, 90, 0.3, 0, 1)) + 7);
    const fit = fitNoiseFilter(bands, db);
    expect(fit.blend).toBe(0);
    expect(Math.abs(fit.cutoff - 90)).toBeLessThanOrEqual(2);
    expect(fit.errorDb2).toBeLessThan(1);
  });
});

describe("env_1 fit", () => {
  it("recovers an envelope made by the same model", () => {
    const truth: VitalEnvelope = {
      attack: 0.3,
      attackPower: 0,
      decay: 0.8,
      decayPower: -4,
      sustain: 0.4,
      release: 0.7,
      releasePower: -2,
    };
    const hold = 0.8;
    const frames = 150;
    const db = Float32Array.from({ length: frames }, (_, i) => {
      const v = envelopeValue(truth, (i + 0.5) * 0.01, hold);
      return v > 0 ? 40 * Math.log10(v) : -200;
    });
    const fit = fitAmplitudeEnvelope(db, hold);
    expect(fit.errorDb).toBeLessThan(0.5);
    expect(fit.envelope.sustain).toBeCloseTo(0.4, 1);
  });
});

describe("Vital analytic starts", () => {
  it("resynthesise a Vital wavetable patch closely at once", () => {
    const truth = knownWavetablePatch();
    const perf: Performance = { note: 60, velocity: 100, noteOffSeconds: 0.5, durationSeconds: 0.8 };
    const audio = mixToMono(synth.render(truth, perf, { sampleRate: SR, seed: 3 }));
    const target = analyseTarget(audio, { note: 60, holdSeconds: 0.5, velocity: 100 });
    const starts = vitalAnalyticStarts(synth, target);
    expect(starts.length).toBeGreaterThan(0);
    const best = Math.min(...starts.map((s) => scoreOf(s.patch, target).melLsd));
    const init = scoreOf(synth.defaultPatch(), target).melLsd;
    expect(best).toBeLessThan(1.5);
    expect(best).toBeLessThan(0.2 * init);
    const p = starts.at(-1)!.patch as VitalPatch;
    expect(p.modulations[0]).toMatchObject({ source: "lfo_1", destination: "osc_1_wave_frame" });
  });

  it("write .vital files that read back strictly and render the same", () => {
    const truth = knownWavetablePatch();
    truth.settings.sample_on = 1; // a noise layer in the target: the noise starts are made too
    truth.settings.sample_level = Math.fround(0.25);
    const perf: Performance = { note: 60, velocity: 100, noteOffSeconds: 0.4, durationSeconds: 0.6 };
    const audio = mixToMono(synth.render(truth, perf, { sampleRate: SR, seed: 3 }));
    const target = analyseTarget(audio, { note: 60, holdSeconds: 0.4 });
    const starts = vitalAnalyticStarts(synth, target, { corrections: 0 });
    expect(starts.map((st) => st.source)).toContain("analytic wavetable + shaped noise");
    for (const { patch } of starts) {
      const bytes = synth.codec.write([patch]);
      const back = synth.codec.read(bytes, "analytic.vital", { strict: true });
      expect(back.warnings).toEqual([]);
      expect(back.patches).toHaveLength(1);
      const a = synth.render(patch, perfOf(target), { sampleRate: SR, seed: 1 });
      const b = synth.render(back.patches[0]!, perfOf(target), { sampleRate: SR, seed: 1 });
      expect(b[0]!).toEqual(a[0]!);
      expect(synth.unsupportedFeatures(back.patches[0]!)).toEqual([]);
    }
  });

  it("give a kick (a sine falling from 160 to 50 Hz, a click of noise) a sine with a pitch drop", () => {
    const n = Math.round(0.4 * SR);
    const x = new Float32Array(n);
    let phase = 0;
    let s = 99;
    for (let i = 0; i < n; i++) {
      const t = i / SR;
      const hz = 50 * 2 ** ((20 * Math.exp(-t / 0.03)) / 12);
      phase += (2 * Math.PI * hz) / SR;
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const click = (s / 2 ** 31 - 1) * 0.3 * Math.exp(-t / 0.004);
      x[i] = 0.8 * Math.sin(phase) * Math.exp(-t / 0.15) + click;
    }
    const target = analyseTarget(x, {});
    const starts = vitalAnalyticStarts(synth, target);
    const kick = starts.find((st) => st.source === "analytic kick + noise");
    expect(kick).toBeDefined();
    const p = kick!.patch as VitalPatch;
    expect(p.modulations[0]).toMatchObject({ source: "env_3", destination: "osc_1_transpose" });
    // The drop is about 20 semitones (slot amount × the transpose range of 96).
    expect(p.settings.modulation_1_amount! * 96).toBeGreaterThan(15);
    expect(p.settings.modulation_1_amount! * 96).toBeLessThan(25);
    expect(scoreOf(p, target).loss).toBeLessThan(0.3 * scoreOf(synth.defaultPatch(), target).loss);
  });

  it("give a decaying noise burst a filtered noise layer", () => {
    const n = Math.round(0.5 * SR);
    const x = new Float32Array(n);
    let s = 12345;
    let lp = 0;
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const white = s / 2 ** 31 - 1;
      lp += 0.2 * (white - lp); // one-pole low-pass, ≈ 1.6 kHz
      x[i] = 0.8 * lp * Math.exp(-i / (0.08 * SR));
    }
    const target = analyseTarget(x, {});
    expect(target.pitched).toBe(false);
    const starts = vitalAnalyticStarts(synth, target);
    expect(starts.map((st) => st.source)).toContain("analytic noise");
    const p = starts.find((st) => st.source === "analytic noise")!.patch as VitalPatch;
    expect(p.settings.sample_on).toBe(1);
    expect(p.settings.osc_1_on).toBe(0);
    expect(p.settings.filter_2_on).toBe(1);
    expect(p.settings.sample_destination).toBe(1);
    const got = scoreOf(p, target);
    const init = scoreOf(synth.defaultPatch(), target);
    expect(got.loss).toBeLessThan(0.5 * init.loss);
    expect(got.envelope).toBeLessThan(3);
  });

  it("give noise and inharmonic partials a spectral comb closer (SC) than a noise layer or one f0's harmonics", () => {
    const sc = (patch: unknown, t: MatchTarget) => {
      const audio = mixToMono(synth.render(patch, perfOf(t), { sampleRate: SR, seed: 1 }));
      return spectralConvergence(t.samples, Float32Array.from(levelMatch(t.loss, audio).audio));
    };
    // A hat-like burst: white noise through a resonance that rises from 3 to 8 kHz while it decays.
    const n = Math.round(0.3 * SR);
    const hat = new Float32Array(n);
    let s = 777;
    let y1 = 0;
    let y2 = 0;
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const w = (2 * Math.PI * (3000 + (5000 * i) / n)) / SR;
      const y = s / 2 ** 31 - 1 + 1.9 * Math.cos(w) * y1 - 0.9025 * y2;
      y2 = y1;
      y1 = y;
      hat[i] = 0.05 * y * Math.exp(-i / (0.06 * SR));
    }
    const hatTarget = analyseTarget(hat, {});
    const hatStarts = vitalAnalyticStarts(synth, hatTarget);
    const comb = hatStarts.filter((st) => st.source.startsWith("analytic spectral comb"));
    // The comb and its correction, at the sweep's own times and on the metrics' frames.
    expect(comb.map((st) => st.source)).toEqual([
      "analytic spectral comb",
      "analytic spectral comb, corrected",
      "analytic spectral comb on frames",
      "analytic spectral comb on frames, corrected",
    ]);
    const combSc = Math.min(...comb.map((st) => sc(st.patch, hatTarget)));
    const noiseSc = sc(hatStarts.find((st) => st.source === "analytic noise")!.patch, hatTarget);
    expect(combSc).toBeLessThan(0.6);
    expect(combSc).toBeLessThan(0.75 * noiseSc);
    const p = comb[0]!.patch as VitalPatch;
    expect(p.modulations[0]).toMatchObject({ source: "lfo_1", destination: "osc_1_wave_frame" });
    // A bell: partials at 1, 2.76 and 5.4 × 440 Hz, played (and analysed) as A4.
    const bell = new Float32Array(Math.round(1.2 * SR));
    for (let i = 0; i < bell.length; i++) {
      const t = i / SR;
      bell[i] =
        0.5 * Math.sin(2 * Math.PI * 440 * t) * Math.exp(-t / 0.5) +
        0.3 * Math.sin(2 * Math.PI * 1214.4 * t) * Math.exp(-t / 0.25) +
        0.2 * Math.sin(2 * Math.PI * 2376 * t) * Math.exp(-t / 0.1);
    }
    const bellTarget = analyseTarget(bell, { note: 69 });
    const bellStarts = vitalAnalyticStarts(synth, bellTarget);
    const best = (pred: (src: string) => boolean) =>
      Math.min(...bellStarts.filter((st) => pred(st.source)).map((st) => sc(st.patch, bellTarget)));
    const bellComb = best((src) => src.startsWith("analytic spectral comb"));
    expect(bellComb).toBeLessThan(0.3);
    expect(bellComb).toBeLessThan(best((src) => src.startsWith("analytic wavetable")));
  });
});
