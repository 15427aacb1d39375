// Vital (Matt Tytel's wavetable synth): the .vital codec, schema and patchsmith's engine for Vital's core
// voice (oscillators, unison, sample oscillator, analog/digital filters, envelopes, LFOs, modulation).
// Effects and the remaining filter models are reported by `unsupportedFeatures`, never silently dropped.
import type { Performance, RenderOptions, Synth } from "../synth.ts";
import { defaultVitalPatch, readVital, withVitalName, writeVital, type VitalReadOptions } from "./codec.ts";
import { describeVital } from "./describe.ts";
import { engineDeviations } from "./engine/deviations.ts";
import { EFFECT_NAMES } from "./engine/effects/chain.ts";
import { programFromPatch } from "./engine/from-patch.ts";
import { renderProgramNote } from "./engine/instrument.ts";
import { MORPH_TYPES } from "./engine/spectral-morph.ts";
import { DISTORTION_TYPES } from "./engine/osc-distortion.ts";
import type { VitalProgram } from "./engine/program.ts";
import { settingsFromVector, settingsToVector, VITAL_SOUND_PARAM_SPECS } from "./params.ts";
import type { VitalPatch } from "./types.ts";
import { vitalUnsupportedFeatures, type VitalEngineSupport } from "./unsupported.ts";
import { RENDERED_MODIFIERS } from "./wavetable-modifiers.ts";
import { PatchsmithError } from "../../errors.ts";

export type { VitalPatch } from "./types.ts";
export { VitalInstrument, renderProgramNote } from "./engine/instrument.ts";
export { programFromPatch } from "./engine/from-patch.ts";

/** What this engine renders (the one definition), for the unsupported-feature report (unsupported.ts). */
export const ENGINE_SUPPORT: VitalEngineSupport = {
  filterModels: [0, 1, 2, 3, 4, 5, 6, 7],
  filterFallback: "approximated as analog",
  oscDistortionTypes: [...DISTORTION_TYPES],
  spectralMorphTypes: [...MORPH_TYPES],
  wavetableComponents: [
    "Wave Source",
    "Line Source",
    "Shepard Tone Source",
    "Audio File Source",
    ...RENDERED_MODIFIERS,
  ],
  effects: [...EFFECT_NAMES],
  destinations: [0, 1, 2, 3, 4],
  destinationFallback: "sent to the effects bus instead (through the whole effect chain)",
};

/** Longest single-note render (a guard against lengths that cannot be allocated). */
const MAX_RENDER_SECONDS = 3600;

// Patches are immutable once made: `fromVector` shares everything but the settings with its base, and
// prepared programs (and, inside programFromPatch, their wavetables, sample and line tables) are cached per
// object. Change a patch by making a new one (spread, `cloneVitalPatch`), never in place.
const programs = new WeakMap<VitalPatch, VitalProgram>();

/**
 * The program of a .vital `settings` object (scalars by name plus `modulations`, `lfos`, `wavetables`,
 * `sample`), read through the codec in lenient mode: missing keys take Vital's defaults.
 */
export function programFromSettings(settings: Record<string, unknown>): VitalProgram {
  return programFromPatch(
    readVital(JSON.stringify({ settings }), "settings.vital", { strict: false }).patches[0]!,
  );
}

export function vitalProgram(p: VitalPatch): VitalProgram {
  let prog = programs.get(p);
  if (!prog) {
    prog = programFromPatch(p);
    programs.set(p, prog);
  }
  return prog;
}

export const synth: Synth<VitalPatch> = {
  id: "vital",
  displayName: "Vital",
  params: [...VITAL_SOUND_PARAM_SPECS],
  defaultPatch: defaultVitalPatch,
  toVector: (p) => settingsToVector(p.settings, VITAL_SOUND_PARAM_SPECS),
  fromVector(v, base) {
    const b = base ?? defaultVitalPatch();
    // Shallow: the candidate shares the base's wavetables, sample, LFO shapes and modulations (see above).
    return { ...b, settings: settingsFromVector(v, b.settings, VITAL_SOUND_PARAM_SPECS) };
  },
  patchName: (p) => p.name,
  withName: withVitalName,
  render(p: VitalPatch, perf: Performance, opt: RenderOptions = {}): Float32Array[] {
    const sampleRate = opt.sampleRate ?? 44100;
    if (!(sampleRate >= 8000 && sampleRate <= 384000)) {
      throw new PatchsmithError("bad-request", `sample rate ${sampleRate} Hz is outside 8000 … 384000`);
    }
    for (const [k, v] of Object.entries(perf)) {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new PatchsmithError(
          "bad-request",
          `performance ${k} must be a finite number (got ${String(v)})`,
        );
      }
    }
    if (perf.durationSeconds > MAX_RENDER_SECONDS) {
      throw new PatchsmithError(
        "bad-request",
        `render length ${perf.durationSeconds} s is over ${MAX_RENDER_SECONDS} s`,
      );
    }
    if (opt.bpm !== undefined && !(opt.bpm >= 1 && opt.bpm <= 999)) {
      throw new PatchsmithError("bad-request", `tempo ${opt.bpm} BPM is outside 1 … 999`);
    }
    const note = Math.min(127, Math.max(0, perf.note));
    const velocity = Math.min(127, Math.max(0, perf.velocity)) / 127;
    return renderProgramNote(
      vitalProgram(p),
      {
        note,
        velocity,
        noteOffSeconds: Math.max(0, perf.noteOffSeconds),
        durationSeconds: Math.max(0, perf.durationSeconds),
      },
      {
        sampleRate,
        seed: opt.seed ?? 0,
        beatsPerSecond: opt.bpm === undefined ? undefined : opt.bpm / 60,
      },
    );
  },
  codec: {
    extensions: [".vital"],
    read: (bytes, name, opts) => readVital(bytes, name, opts as VitalReadOptions),
    write(patches) {
      if (patches.length !== 1) {
        throw new PatchsmithError(
          "bad-request",
          `a .vital file holds exactly one preset (got ${patches.length})`,
        );
      }
      return writeVital(patches[0]!);
    },
  },
  describe: describeVital,
  unsupportedFeatures: (p) => [...vitalUnsupportedFeatures(p, ENGINE_SUPPORT), ...engineDeviations(p)],
  defaultWavEncoding: "float32",
};
