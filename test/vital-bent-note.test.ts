// Vital keytracks filters and LFO rates, and feeds the `note` source, from the voice's bent note: the played
// (gliding) note plus pitch bend, voice tune and voice transpose with their modulation — not the key alone.
// So a note played an octave down with voice_transpose +12 sounds exactly like the note itself.
import { describe, expect, it } from "vitest";
import { cloneVitalPatch, defaultVitalPatch } from "../src/synths/vital/codec.ts";
import { synth as vital } from "../src/synths/vital/index.ts";
import type { VitalPatch } from "../src/synths/vital/types.ts";

const SR = 44100;

function patch(settings: Record<string, number>, mods: Array<[string, string, number]> = []): VitalPatch {
  const p = cloneVitalPatch(defaultVitalPatch());
  Object.assign(p.settings, settings);
  mods.forEach(([source, destination, amount], i) => {
    p.modulations[i] = { ...p.modulations[i]!, source, destination };
    p.settings[`modulation_${i + 1}_amount`] = amount;
  });
  return p;
}

function render(p: VitalPatch, note: number): Float32Array {
  return vital.render(
    p,
    { note, velocity: 100, noteOffSeconds: 0.3, durationSeconds: 0.3 },
    { sampleRate: SR, seed: 1 },
  )[0]!;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function peak(a: Float32Array): number {
  return a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

describe("the bent note drives keytracking and the note source", () => {
  const base = {
    osc_1_random_phase: 0,
    filter_1_on: 1,
    filter_1_cutoff: 66,
    filter_1_keytrack: 1,
    filter_1_style: 1,
    filter_1_resonance: 0.4,
  };

  it("filter keytrack follows voice_transpose", () => {
    const ref = render(patch(base), 60);
    const transposed = render(patch({ ...base, voice_transpose: 12 }), 48);
    // Keytracked from the key alone, the transposed render's filter would sit an octave lower.
    const octaveLower = render(patch({ ...base, filter_1_cutoff: 54 }), 60);
    expect(peak(ref)).toBeGreaterThan(0.05);
    expect(maxDiff(ref, octaveLower)).toBeGreaterThan(0.05);
    expect(maxDiff(ref, transposed)).toBeLessThan(1e-4);
  });

  it("an LFO in keytrack mode and the note source follow voice_transpose too", () => {
    const lfoKeytrack = { ...base, lfo_1_sync: 4, lfo_1_keytrack_transpose: -36 };
    const mods: Array<[string, string, number]> = [
      ["lfo_1", "filter_1_cutoff", 0.3],
      ["note", "osc_1_wave_frame", 0.5],
    ];
    const ref = render(patch(lfoKeytrack, mods), 60);
    const transposed = render(patch({ ...lfoKeytrack, voice_transpose: 12 }, mods), 48);
    expect(maxDiff(ref, transposed)).toBeLessThan(1e-4);
  });
});
