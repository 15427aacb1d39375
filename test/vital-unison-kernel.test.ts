// The SIMD unison kernel (unison-kernel.ts) against the JavaScript oscillator loops it replaces: the same
// render to single-precision rounding (the kernel's 32-bit phase with a carry, float arithmetic), for unison counts odd
// and even, per-sample pitch and phase modulation, left and right lanes apart, cycle cross-fades and morphs.
import { describe, expect, it } from "vitest";
import { renderProgramNote } from "../src/synths/vital/engine/instrument.ts";
import { unisonKernelModule } from "../src/synths/vital/engine/unison-kernel.ts";
import { vitalProgram } from "../src/synths/vital/index.ts";
import type { VitalPatch } from "../src/synths/vital/types.ts";
import { vitalPatchWith } from "./helpers.ts";

const patch = vitalPatchWith;

function render(p: VitalPatch, scalarOscillators: boolean): Float32Array[] {
  return renderProgramNote(
    vitalProgram(p),
    { note: 50, velocity: 0.7, noteOffSeconds: 0.4, durationSeconds: 0.5 },
    { sampleRate: 44100, seed: 3, scalarOscillators },
  );
}

/** Signal-to-difference ratio (dB) of `b` against `a`, both channels; and a's level. */
function compare(a: Float32Array[], b: Float32Array[]): { snr: number; rms: number } {
  let s = 0;
  let e = 0;
  let count = 0;
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < a[c]!.length; i++) {
      s += a[c]![i]! ** 2;
      e += (a[c]![i]! - b[c]![i]!) ** 2;
      count++;
    }
  }
  return { snr: 10 * Math.log10(s / Math.max(e, 1e-30)), rms: Math.sqrt(s / count) };
}

const CASES: [string, Record<string, number>, [string, string][]][] = [
  ["three voices", { osc_1_unison_voices: 3, osc_1_unison_detune: 4 }, []],
  [
    "seven voices, stereo spread, blend",
    { osc_1_unison_voices: 7, osc_1_stereo_spread: 1, osc_1_unison_blend: 0.7 },
    [],
  ],
  [
    "sixteen voices and a 3-voice second oscillator",
    { osc_1_unison_voices: 16, osc_2_on: 1, osc_2_unison_voices: 3 },
    [],
  ],
  [
    "per-sample transpose from an envelope",
    { osc_1_unison_voices: 5, modulation_1_amount: 0.3, env_2_decay: -2 },
    [["env_2", "osc_1_transpose"]],
  ],
  [
    "per-sample phase from an LFO",
    { osc_1_unison_voices: 4, modulation_1_amount: 0.4, lfo_1_frequency: 3 },
    [["lfo_1", "osc_1_phase"]],
  ],
  [
    "left and right lanes apart (stereo LFO to tune), odd count",
    { osc_1_unison_voices: 5, modulation_1_amount: 0.5, lfo_1_stereo: 0.3, lfo_1_frequency: 2 },
    [["lfo_1", "osc_1_tune"]],
  ],
  [
    "left and right lanes apart, even count",
    { osc_1_unison_voices: 6, modulation_1_amount: 0.5, modulation_1_stereo: 1 },
    [["lfo_1", "osc_1_transpose"]],
  ],
  [
    "frame modulated: cross-fades between cycles",
    { osc_1_unison_voices: 4, modulation_1_amount: 1 },
    [["lfo_1", "osc_1_wave_frame"]],
  ],
  [
    "spectral morph with spread and spectral unison",
    {
      osc_1_unison_voices: 6,
      osc_1_spectral_morph_type: 4,
      osc_1_spectral_morph_amount: 0.4,
      osc_1_spectral_morph_spread: 0.5,
      modulation_1_amount: 0.5,
    },
    [["lfo_1", "osc_1_spectral_morph_amount"]],
  ],
];

describe.skipIf(unisonKernelModule() === null)("SIMD unison kernel", () => {
  for (const [name, settings, mods] of CASES) {
    it(`renders as the JavaScript loops: ${name}`, () => {
      const p = patch(settings, mods);
      const scalar = render(p, true);
      const kernel = render(p, false);
      const { snr, rms } = compare(scalar, kernel);
      expect(rms).toBeGreaterThan(0.01);
      expect(snr).toBeGreaterThan(100);
    });
  }

  it("is really used (a 16-voice render differs from the JavaScript loops' in its last bits)", () => {
    const p = patch({ osc_1_unison_voices: 16 });
    const { snr } = compare(render(p, true), render(p, false));
    expect(snr).toBeLessThan(200);
  });
});
