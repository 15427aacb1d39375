// The typed form of a Vital preset (.vital). See docs/formats.md (Vital) for what is read, written and kept.

/** Keys of a JSON object we do not interpret, kept verbatim so that a round trip preserves them. */
export type ExtraKeys = Record<string, unknown>;

/**
 * A Vital "LineGenerator": an LFO shape, a modulation remap curve or a line-source keyframe.
 * `points` is flat [x0, y0, x1, y1, …] exactly as stored; **y is upside down** (the value of a point is 1 − y).
 * Segment i runs from point i to point i+1 and is bent by `powers[i]`; `smooth` eases each segment with a
 * half cosine first. Use `renderLineShape` (wavetable-data.ts) to turn it into a lookup table.
 */
export interface LineShape {
  name: string;
  /** As stored (`num_points`); normally `points.length / 2`. */
  numPoints: number;
  points: number[];
  powers: number[];
  smooth: boolean;
  extra: ExtraKeys;
}

/** One slot of the modulation matrix. Its scalars (amount, power, bipolar, stereo, bypass) live in
 * `settings.modulation_{i+1}_*`; use `modulationSlots()` (params.ts) for a joined view. */
export interface VitalModulation {
  /** Source name ("env_2", "lfo_1", "velocity", …); "" for an empty slot. */
  source: string;
  /** Destination parameter name; "" for an empty slot. */
  destination: string;
  /** The slot's remap curve; null when it is the identity (Vital omits the key then). */
  lineMapping: LineShape | null;
  extra: ExtraKeys;
}

/** A Wave Source keyframe (also used by "Shepard Tone Source"): one 2048-sample frame. */
export interface WaveKeyframe {
  position: number;
  /** 2048 float32 samples, decoded from base64 `wave_data`. */
  wave: Float32Array;
  extra: ExtraKeys;
}

export interface WaveSourceComponent {
  kind: "wave-source";
  /** "Wave Source" or "Shepard Tone Source". */
  type: string;
  /** 0 step (hold), 1 linear, 2 cubic: how frames between keyframes are made. */
  interpolationStyle: number;
  /** 0 time domain (sample-wise blend), 1 frequency domain (Vital's default). */
  interpolation: number;
  keyframes: WaveKeyframe[];
  extra: ExtraKeys;
}

export interface LineKeyframe {
  position: number;
  line: LineShape;
  /** `pull_power` as stored. */
  pullPower: number;
  extra: ExtraKeys;
}

export interface LineSourceComponent {
  kind: "line-source";
  type: "Line Source";
  interpolationStyle: number;
  /** The component's `num_points` as stored. */
  numPoints: number;
  keyframes: LineKeyframe[];
  extra: ExtraKeys;
}

/** A keyframe whose fields we keep but do not interpret (modifiers, audio-file windows). */
export interface ValueKeyframe {
  position: number;
  /** Every other key of the keyframe (e.g. `horizontal_power`, `start_position`, `cutoff`). */
  values: ExtraKeys;
}

export interface AudioFileSourceComponent {
  kind: "audio-file-source";
  type: "Audio File Source";
  interpolationStyle: number;
  /** Decoded `audio_file`: int16 little-endian PCM scaled by 1/32767. */
  audio: Float32Array;
  /** Every other component key (`audio_sample_rate`, `window_size`, `phase_style`, …). */
  settings: ExtraKeys;
  keyframes: ValueKeyframe[];
}

/** Modifiers ("Phase Shift", "Wave Window", "Frequency Filter", "Slew Limiter", "Wave Folder", "Wave Warp")
 * and any component type we do not know: parsed and kept, not rendered. */
export interface ModifierComponent {
  kind: "modifier";
  type: string;
  interpolationStyle: number;
  /** Every other component key (e.g. `horizontal_asymmetric`, `style`, `normalize`). */
  settings: ExtraKeys;
  keyframes: ValueKeyframe[];
}

export type WavetableComponent =
  WaveSourceComponent | LineSourceComponent | AudioFileSourceComponent | ModifierComponent;

export interface WavetableGroup {
  components: WavetableComponent[];
  extra: ExtraKeys;
}

export interface Wavetable {
  name: string;
  author: string;
  version: string;
  removeAllDc: boolean;
  fullNormalize: boolean;
  groups: WavetableGroup[];
  /** Set when the file stored this table as a bare LineGenerator (a loader shortcut); written back so. */
  fromLine: LineShape | null;
  extra: ExtraKeys;
}

/** The sample oscillator's audio (int16 PCM in the file, scaled by 1/32767 here). */
export interface VitalSample {
  name: string;
  sampleRate: number;
  /** Mono or left channel. */
  samples: Float32Array;
  /** Right channel when the sample is stereo (`samples_stereo`), else null. */
  samplesStereo: Float32Array | null;
  extra: ExtraKeys;
}

export interface VitalPatch {
  /** `preset_name`; when the file has none, the file name without extension. */
  name: string;
  author: string;
  comments: string;
  /** `preset_style` (Bass, Lead, Keys, Pad, Percussion, Sequence, Experiment, SFX, Template or ""). */
  style: string;
  /** Display names of the four macros (`macro1` … `macro4`). */
  macros: [string, string, string, string];
  /** `synth_version` of the file ("1.0.7" for presets we make). */
  synthVersion: string;
  /** Every parameter of Vital's table by name, raw stored values; keys missing from the file hold defaults. */
  settings: Record<string, number>;
  /** Exactly 64 slots, in order. */
  modulations: VitalModulation[];
  /** Exactly 8 shapes, for lfo_1 … lfo_8. */
  lfos: LineShape[];
  /** Exactly 3 tables, for osc_1 … osc_3. */
  wavetables: Wavetable[];
  sample: VitalSample;
  /** Unknown keys of `settings` (e.g. Vital 1.5's `custom_warps`, `random_values`), kept verbatim. */
  extraSettings: ExtraKeys;
  /** Unknown top-level keys, kept verbatim. */
  extra: ExtraKeys;
  /**
   * Keys the source file did not have (table parameters and the optional top-level strings: `preset_name`,
   * `author`, `comments`, `preset_style`, `macro1` … `macro4`). The writer leaves such a key out again while it
   * still holds its default (`preset_name`: while it is absent here; `withVitalName` removes it), so a round
   * trip reproduces the file's key set. A patch built from defaults lists Vital's legacy keys here.
   */
  absentKeys: string[];
}

export const VITAL_MODULATION_SLOTS = 64;
export const VITAL_LFO_COUNT = 8;
export const VITAL_OSCILLATOR_COUNT = 3;
export const VITAL_FRAME_SIZE = 2048;
/** Wavetable keyframe positions run 0 … 256 (at most 257 frames). */
export const VITAL_MAX_FRAME_POSITION = 256;
