// Per-sample modulation of an oscillator (Vital's audio-rate connections): an envelope, LFO or random LFO that
// reaches an oscillator's transpose, tune, phase or level is summed per sample, and per unison lane when the
// left and right values differ (stereo slots, LFO stereo offsets).
import { describe, expect, it } from "vitest";
import { cloneVitalPatch, defaultVitalPatch } from "../src/synths/vital/codec.ts";
import { engineDeviations } from "../src/synths/vital/engine/deviations.ts";
import { synth as vital } from "../src/synths/vital/index.ts";
import type { VitalPatch, WaveSourceComponent } from "../src/synths/vital/types.ts";

/** A one-oscillator patch playing a sine, one modulation slot `source → destination`. */
function sinePatch(source: string, destination: string, settings: Record<string, number>): VitalPatch {
  const p = cloneVitalPatch(defaultVitalPatch());
  Object.assign(p.settings, { osc_1_random_phase: 0, osc_1_unison_voices: 1, ...settings });
  const sine = new Float32Array(2048);
  for (let i = 0; i < 2048; i++) sine[i] = Math.sin((2 * Math.PI * i) / 2048);
  const comp = p.wavetables[0]!.groups[0]!.components[0] as WaveSourceComponent;
  comp.keyframes = [{ position: 0, wave: sine, extra: {} }];
  p.modulations[0] = { source, destination, lineMapping: null, extra: {} };
  return p;
}

function render(p: VitalPatch, note: number): Float32Array[] {
  return vital.render(
    p,
    { note, velocity: 100, noteOffSeconds: 0.45, durationSeconds: 0.5 },
    { sampleRate: 44100, seed: 0 },
  );
}

function risingZeroCrossings(x: Float32Array, from: number, to: number): number {
  let c = 0;
  for (let i = from + 1; i < to; i++) if (x[i - 1]! < 0 && x[i]! >= 0) c++;
  return c;
}

describe("per-sample oscillator modulation", () => {
  it("an LFO at the note's own rate driving the phase keeps the output periodic (phase modulation)", () => {
    // 441 Hz: a period of exactly 100 samples at 44.1 kHz; the LFO runs in keytrack mode at the same rate.
    // Summed once per 64-sample block, the modulation would be sampled off the period and the output would
    // not repeat.
    const tune = 12 * Math.log2(441 / 440);
    const p = sinePatch("lfo_1", "osc_1_phase", {
      osc_1_tune: tune,
      lfo_1_sync: 4,
      lfo_1_keytrack_transpose: 0,
      lfo_1_keytrack_tune: tune,
      modulation_1_amount: 0.4,
    });
    const [l] = render(p, 69);
    let peak = 0;
    let worst = 0;
    for (let i = 8820; i < 13230; i++) {
      peak = Math.max(peak, Math.abs(l![i]!));
      worst = Math.max(worst, Math.abs(l![i]! - l![i + 100]!));
    }
    expect(peak).toBeGreaterThan(0.05);
    expect(worst / peak).toBeLessThan(0.01);
    // and the modulation is heard: without it the output is a plain sine, with it a different wave
    const [plain] = render(sinePatch("lfo_1", "osc_1_phase", { osc_1_tune: tune }), 69);
    let diff = 0;
    for (let i = 8820; i < 13230; i++) diff = Math.max(diff, Math.abs(l![i]! - plain![i]!));
    expect(diff / peak).toBeGreaterThan(0.2);
  });

  it("an LFO's stereo offset gives each channel its own transpose (both lanes of the single voice)", () => {
    // a nearly frozen triangle LFO read half a cycle apart: left at its top (+12 semitones), right at 0
    const p = sinePatch("lfo_1", "osc_1_transpose", {
      lfo_1_sync: 0,
      lfo_1_frequency: -7,
      lfo_1_phase: 0.25,
      lfo_1_stereo: 0.5,
      modulation_1_amount: 12 / 96,
    });
    const [l, r] = render(p, 57);
    const left = risingZeroCrossings(l!, 4410, 17640);
    const right = risingZeroCrossings(r!, 4410, 17640);
    expect(right).toBeGreaterThan(60); // 220 Hz over 0.3 s
    expect(left / right).toBeGreaterThan(1.9);
    expect(left / right).toBeLessThan(2.1);
    expect(engineDeviations(p).filter((x) => x.includes("stereo"))).toEqual([]);
  });

  it("an LFO's stereo offset gives each channel its own distortion amount (pulse width)", () => {
    // pulse distortion: amount 0.5 on the left (half of each cycle silent), 0 on the right (the plain sine)
    const p = sinePatch("lfo_1", "osc_1_distortion_amount", {
      osc_1_distortion_type: 6,
      osc_1_distortion_amount: 0,
      lfo_1_sync: 0,
      lfo_1_frequency: -7,
      lfo_1_phase: 0.25,
      lfo_1_stereo: 0.5,
      modulation_1_amount: 0.5,
    });
    const [l, r] = render(p, 57);
    const rms = (x: Float32Array) => {
      let s2 = 0;
      for (let i = 4410; i < 17640; i++) s2 += x[i]! * x[i]!;
      return Math.sqrt(s2 / (17640 - 4410));
    };
    expect(rms(r!)).toBeGreaterThan(0.05);
    expect(rms(l!)).toBeLessThan(0.8 * rms(r!));
    expect(engineDeviations(p).filter((x) => x.includes("stereo"))).toEqual([]);
  });
});
