// A patch prepared for playback: raw parameter values by index, modulation slots, LFO tables, wavetables and
// the sample, shared by every voice. Built from the codec's typed patch by programFromPatch (from-patch.ts).

import { VITAL_PARAM_ROWS } from "../data/params-table.ts";
import { sampleLevels, type SampleLevels } from "./sample-levels.ts";
import { generatorPositions } from "./random.ts";
import type { Wavetable } from "./wavetable.ts";

// Parameters by index, from Vital's parameter table (the codec's, data/params-table.ts): raw stored ranges
// (modulation scaling and clamping) and defaults (float32) for keys a patch lacks.
export const PARAM_NAMES: readonly string[] = VITAL_PARAM_ROWS.map((r) => r[0]);
const INDEX = new Map(PARAM_NAMES.map((n, i) => [n, i]));
export const PARAM_COUNT = PARAM_NAMES.length;
export const PARAM_MIN = Float64Array.from(VITAL_PARAM_ROWS, (r) => r[2]);
export const PARAM_MAX = Float64Array.from(VITAL_PARAM_ROWS, (r) => r[3]);
export const PARAM_DEFAULT = Float64Array.from(VITAL_PARAM_ROWS, (r) => Math.fround(r[4]));

/** Index of a parameter by name; throws for names the table does not know (a programming error). */
export function pid(name: string): number {
  const i = INDEX.get(name);
  if (i === undefined) throw new Error(`unknown Vital parameter ${name}`);
  return i;
}

export function paramIndex(name: string): number | undefined {
  return INDEX.get(name);
}

// Modulation sources, numbered.
export const SRC_ENV = 0; // env_1 … env_6 → 0 … 5
export const SRC_LFO = 6; // lfo_1 … lfo_8 → 6 … 13
export const SRC_RANDOM_LFO = 14; // random_1 … random_4 → 14 … 17
export const SRC_VELOCITY = 18;
export const SRC_NOTE = 19;
export const SRC_NOTE_IN_OCTAVE = 20;
export const SRC_RANDOM = 21;
export const SRC_MACRO = 22; // macro_control_1 … 4 → 22 … 25
export const SRC_MOD_WHEEL = 26;
export const SRC_PITCH_WHEEL = 27;
export const SRC_AFTERTOUCH = 28;
export const SRC_SLIDE = 29;
export const SRC_LIFT = 30;
export const SRC_STEREO = 31;
export const SOURCE_COUNT = 32;

export function sourceId(name: string): number | undefined {
  let m = /^env_([1-6])$/.exec(name);
  if (m) return SRC_ENV + Number(m[1]) - 1;
  m = /^lfo_([1-8])$/.exec(name);
  if (m) return SRC_LFO + Number(m[1]) - 1;
  m = /^random_([1-4])$/.exec(name);
  if (m) return SRC_RANDOM_LFO + Number(m[1]) - 1;
  m = /^macro_control_([1-4])$/.exec(name);
  if (m) return SRC_MACRO + Number(m[1]) - 1;
  switch (name) {
    case "velocity":
      return SRC_VELOCITY;
    case "note":
      return SRC_NOTE;
    case "note_in_octave":
      return SRC_NOTE_IN_OCTAVE;
    case "random":
      return SRC_RANDOM;
    case "mod_wheel":
      return SRC_MOD_WHEEL;
    case "pitch_wheel":
      return SRC_PITCH_WHEEL;
    case "aftertouch":
      return SRC_AFTERTOUCH;
    case "slide":
      return SRC_SLIDE;
    case "lift":
      return SRC_LIFT;
    case "stereo":
      return SRC_STEREO;
    default:
      return undefined;
  }
}

export interface ModSlot {
  source: number;
  dest: number;
  amountIndex: number;
  powerIndex: number;
  bipolar: boolean;
  stereo: boolean;
  range: number;
  mapping: Float32Array | undefined;
  /** The destination is one Vital modulates per sample (it reads LFOs at the block's end phase: lfo.ts). */
  audioRate: boolean;
}

/** Per-voice destinations Vital creates as audio-rate modulation controls. */
const AUDIO_RATE_DESTINATION =
  /^(osc_[123]_(transpose|tune|level|phase)|sample_level|filter_[12]_(cutoff|formant_x|formant_y|formant_transpose))$/;

export interface EngineSample {
  /** Playback buffers (sample-levels.ts) of the left and right channel (the same object for a mono sample). */
  channels: SampleLevels[];
  /** The sample's length in samples (0: the sample oscillator is silent). */
  length: number;
  sampleRate: number;
}

export interface VitalProgram {
  /** Raw parameter values in PARAM_NAMES order. */
  values: Float64Array;
  slots: ModSlot[];
  /** Destinations any slot writes to (deduplicated). */
  modulated: Int32Array;
  /** 1 for each source some slot reads (generators nobody reads are not run). */
  usedSources: Uint8Array;
  lfoTables: Float32Array[];
  wavetables: Wavetable[];
  sample: EngineSample;
  /** Parts of the description the program could not represent exactly (wavetable components …). */
  approximations: string[];
  /** Modulation slots skipped because their source or destination is unknown. */
  skippedSlots: string[];
  /** Where each of a voice pair's random generators comes in Vital's seeding order (random.ts). */
  generatorPositions: Uint8Array;
}

/**
 * The sample oscillator's playback form of a mono or stereo sample at `rate` Hz (a right channel of another
 * length is ignored); an empty sample plays silence.
 */
export function engineSample(left: Float32Array, right: Float32Array | null, rate: number): EngineSample {
  if (left.length >= 1) {
    const l = sampleLevels(left);
    const r = !right || right === left || right.length !== left.length ? l : sampleLevels(right);
    return { channels: [l, r], length: left.length, sampleRate: rate > 0 ? rate : 44100 };
  }
  const silent = sampleLevels(new Float32Array(1));
  return { channels: [silent, silent], length: 0, sampleRate: 44100 };
}

/** One modulation slot as the patch describes it (by name); its scalars live in the values array. */
export interface SlotDescription {
  source: string;
  destination: string;
  /** The slot's remap curve rendered as a line table; undefined for the identity. */
  mapping: Float32Array | undefined;
}

/**
 * The parts of a program that are cheap to build from the values: modulation slots (bypassed and empty slots
 * dropped, unknown names listed in `skippedSlots`), the modulated destinations and the used sources. Tables
 * (LFOs, wavetables, sample) are passed in ready, so callers can share them between programs.
 */
export function assembleProgram(
  values: Float64Array,
  mods: ReadonlyArray<SlotDescription | undefined>,
  tables: Pick<VitalProgram, "lfoTables" | "wavetables" | "sample" | "approximations">,
): VitalProgram {
  const skippedSlots: string[] = [];
  const slots: ModSlot[] = [];
  const destSet = new Set<number>();
  const connected: string[] = [];
  for (let i = 0; i < Math.min(64, mods.length); i++) {
    const m = mods[i];
    if (!m) continue;
    const src = m.source;
    const dst = m.destination;
    if (!src || !dst) continue;
    connected.push(src);
    const n = i + 1;
    if (values[pid(`modulation_${n}_bypass`)]! >= 0.5) continue;
    const source = sourceId(src);
    const dest = paramIndex(dst);
    if (source === undefined || dest === undefined) {
      skippedSlots.push(`${src} → ${dst}`);
      continue;
    }
    slots.push({
      source,
      dest,
      amountIndex: pid(`modulation_${n}_amount`),
      powerIndex: pid(`modulation_${n}_power`),
      bipolar: values[pid(`modulation_${n}_bipolar`)]! >= 0.5,
      stereo: values[pid(`modulation_${n}_stereo`)]! >= 0.5,
      range: PARAM_MAX[dest]! - PARAM_MIN[dest]!,
      mapping: m.mapping,
      audioRate: AUDIO_RATE_DESTINATION.test(dst),
    });
    destSet.add(dest);
  }

  // Slots that modulate other slots' amount or power run first, so their targets see this block's value.
  const isSlotParam = (d: number) => PARAM_NAMES[d]!.startsWith("modulation_");
  slots.sort((a, b) => Number(isSlotParam(b.dest)) - Number(isSlotParam(a.dest)));

  const usedSources = new Uint8Array(SOURCE_COUNT);
  for (const slot of slots) usedSources[slot.source] = 1;

  return {
    values,
    slots,
    modulated: Int32Array.from(destSet),
    usedSources,
    lfoTables: tables.lfoTables,
    wavetables: tables.wavetables,
    sample: tables.sample,
    approximations: tables.approximations,
    skippedSlots,
    generatorPositions: generatorPositions(connected),
  };
}
