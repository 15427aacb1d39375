// Vital's parameters: the table as typed data, the optimiser schema, and stored-value → display-unit conversion.
// Ranges, defaults, scales and option names are facts from Vital (Matt Tytel, vital.audio; see
// data/params-table.ts for the attribution); unit conversions follow the formulas of Vital's engine 1.0.x.

import { normalise, denormalise, type ParamSpec } from "../synth.ts";
import { FILTER_STYLE_OPTIONS_BY_MODEL, VITAL_PARAM_ROWS, type VitalRawScale } from "./data/params-table.ts";
import { VITAL_MODULATION_SLOTS, type LineShape, type VitalPatch } from "./types.ts";

export type { VitalRawScale };

/**
 * What a parameter is for: `sound` changes the rendered note; `ui` is display state only; `legacy` is not
 * read by the 1.0.x engine (kept for compatibility); `performance` is playing state or host/voice management
 * (wheels, tempo, polyphony, portamento, oversampling …) that a single-note matcher must leave alone.
 */
export type VitalParamRole = "sound" | "ui" | "legacy" | "performance";

export interface VitalParamInfo {
  name: string;
  displayName: string;
  /** Raw stored range and default (float32 values, as in .vital files). */
  min: number;
  max: number;
  default: number;
  /** How Vital turns the raw value (after modulation) into its working value. */
  scale: VitalRawScale;
  /** Units Vital's GUI shows. */
  units: string;
  displayMultiply: number;
  postOffset: number;
  displayInvert: boolean;
  /** A modulation destination. */
  modulatable: boolean;
  /** Modulated per sample rather than per block. */
  audioRate: boolean;
  /** Written by Vital's own save (false for the 18 legacy/compatibility keys). */
  savedByVital: boolean;
  /** Engine version that introduced it, 0xMMmmpp. */
  versionAdded: number;
  /** Option names of an indexed parameter: options[i] names value min + i. */
  options: readonly string[] | null;
  group: string;
  role: VitalParamRole;
}

const UI_ONLY = /^(view_spectrogram|osc_\d_view_2d)$/;
const LEGACY =
  /^(sub_.*|filter_(1|2|fx)_(osc\d|sample)_input|filter_fx_filter_input|compressor_low_band_unused)$/;
const PERFORMANCE =
  /^(bypass|mod_wheel|pitch_wheel|beats_per_minute|polyphony|voice_priority|voice_override|legato|mpe_enabled|oversampling|pitch_bend_range|portamento_.*|macro_control_\d|(osc_\d|sample)_transpose_quantize)$/;

function roleOf(name: string): VitalParamRole {
  if (UI_ONLY.test(name)) return "ui";
  if (LEGACY.test(name)) return "legacy";
  if (PERFORMANCE.test(name)) return "performance";
  return "sound";
}

const GROUP_PREFIX = /^(osc_\d|filter_(?:\d|fx)|env_\d|lfo_\d|random_\d|modulation_\d+|macro_control_\d)_?/;
const EFFECT_PREFIX = /^(chorus|compressor|delay|distortion|eq|flanger|phaser|reverb|sample|sub)_/;

function groupOf(name: string): string {
  const m = GROUP_PREFIX.exec(name) ?? EFFECT_PREFIX.exec(name);
  if (m) return m[1]!;
  return "global";
}

export const VITAL_PARAMS: readonly VitalParamInfo[] = VITAL_PARAM_ROWS.map((r) => ({
  name: r[0],
  displayName: r[1],
  min: Math.fround(r[2]),
  max: Math.fround(r[3]),
  default: Math.fround(r[4]),
  scale: r[5],
  units: r[6],
  displayMultiply: r[7],
  postOffset: r[8],
  displayInvert: (r[9] & 4) !== 0,
  modulatable: (r[9] & 1) !== 0,
  audioRate: (r[9] & 2) !== 0,
  savedByVital: (r[9] & 8) === 0,
  versionAdded: r[10],
  options: r[11],
  group: groupOf(r[0]),
  role: roleOf(r[0]),
}));

const BY_NAME = new Map(VITAL_PARAMS.map((p) => [p.name, p]));

export function vitalParam(name: string): VitalParamInfo | undefined {
  return BY_NAME.get(name);
}

export function isVitalParam(name: string): boolean {
  return BY_NAME.has(name);
}

/** A fresh map of every parameter's default (float32 values, equal to what Vital's init preset stores). */
export function vitalDefaultSettings(): Record<string, number> {
  return { ...DEFAULTS };
}

// Module-private and never mutated (not frozen: spreading a frozen 794-key object is 50× slower).
const DEFAULTS: Record<string, number> = Object.fromEntries(VITAL_PARAMS.map((p) => [p.name, p.default]));

/** Names of the table parameters Vital's own save leaves out (legacy keys). */
export const VITAL_UNSAVED_PARAMS: readonly string[] = VITAL_PARAMS.filter((p) => !p.savedByVital).map(
  (p) => p.name,
);

/** Modulation sources of the 1.0.x engine (destinations are the `modulatable` parameters). */
export const VITAL_MODULATION_SOURCES: readonly string[] = [
  ...[1, 2, 3, 4, 5, 6].map((i) => `env_${i}`),
  ...[1, 2, 3, 4, 5, 6, 7, 8].map((i) => `lfo_${i}`),
  ...[1, 2, 3, 4].map((i) => `random_${i}`),
  "random",
  "stereo",
  "note",
  "note_in_octave",
  "velocity",
  "aftertouch",
  "slide",
  "lift",
  "mod_wheel",
  "pitch_wheel",
  ...[1, 2, 3, 4].map((i) => `macro_control_${i}`),
];

// ---- Schema for optimisers ---------------------------------------------------------------------------

/** A ParamSpec over the raw stored value, plus what a matcher needs to know about it. */
export interface VitalParamSpec extends ParamSpec {
  /** Vital's raw → working transform (the normalised [0, 1] axis is linear in the raw value, like the knob). */
  vitalScale: VitalRawScale;
  role: VitalParamRole;
  modulatable: boolean;
}

/** Indexed parameters whose table range runs past the values that mean anything. */
const MEANINGFUL_MAX: Record<string, number> = { view_spectrogram: 1 };
for (const n of ["osc_1", "osc_2", "osc_3", "sample"]) MEANINGFUL_MAX[`${n}_destination`] = 13;
for (const n of ["osc_1", "osc_2", "osc_3"]) MEANINGFUL_MAX[`${n}_view_2d`] = 1;
// Filter styles 0 … 5 are used (comb has six); 6 … 9 are unused.
for (const n of ["filter_1", "filter_2", "filter_fx"]) MEANINGFUL_MAX[`${n}_style`] = 5;

function specOf(p: VitalParamInfo): VitalParamSpec {
  const max = MEANINGFUL_MAX[p.name] ?? p.max;
  const isStyle = /^filter_(\d|fx)_style$/.test(p.name);
  const choice = p.scale === "indexed" && p.options !== null && !isStyle;
  const spec: VitalParamSpec = {
    name: p.name,
    kind: p.scale === "indexed" ? (choice ? "choice" : "integer") : "continuous",
    min: p.min,
    max,
    default: p.default,
    scale: "linear",
    group: p.group,
    description: p.displayName,
    vitalScale: p.scale,
    role: p.role,
    modulatable: p.modulatable,
  };
  const unit = naturalUnit(p);
  if (unit) spec.unit = unit;
  if (choice) spec.options = p.options!.slice(0, max - p.min + 1);
  if (isStyle) spec.description = `${p.displayName} (labels depend on the filter model)`;
  return spec;
}

/** Unit of the raw value itself (only where the stored number is already in that unit). */
function naturalUnit(p: VitalParamInfo): string | undefined {
  if (isPitchParam(p.name)) return "semitones";
  if (p.scale !== "linear") return undefined;
  if (p.units === "dB" || p.units === "semitones") return p.units;
  if (p.units === "secs" && !p.displayInvert) return "s";
  if (/_tune$/.test(p.name)) return "semitones";
  return undefined;
}

/** Every table parameter as a ParamSpec, in table (alphabetical) order. */
export const VITAL_PARAM_SPECS: readonly VitalParamSpec[] = VITAL_PARAMS.map(specOf);

/** The parameters that change the sound of one rendered note: what a matcher should search. */
export const VITAL_SOUND_PARAM_SPECS: readonly VitalParamSpec[] = VITAL_PARAM_SPECS.filter(
  (s) => s.role === "sound",
);

/** Normalised vector of a patch's settings over `specs` (schema order). */
export function settingsToVector(
  settings: Record<string, number>,
  specs: readonly ParamSpec[] = VITAL_PARAM_SPECS,
): Float32Array {
  const v = new Float32Array(specs.length);
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i]!;
    v[i] = normalise(s, settings[s.name] ?? s.default);
  }
  return v;
}

/** Write a normalised vector back into a copy of `settings` (integers and choices rounded). */
export function settingsFromVector(
  v: Float32Array,
  settings: Record<string, number>,
  specs: readonly ParamSpec[] = VITAL_PARAM_SPECS,
): Record<string, number> {
  const out = { ...settings };
  for (let i = 0; i < specs.length && i < v.length; i++) {
    const s = specs[i]!;
    out[s.name] = s.kind === "continuous" ? Math.fround(denormalise(s, v[i]!)) : denormalise(s, v[i]!);
  }
  return out;
}

// ---- Display units -------------------------------------------------------------------------------

export interface DisplayValue {
  value: number | string;
  unit: string;
  /** For people: "0.50 s", "−6.0 dB", "1/2", "261.6 Hz (note 60.0)". */
  text: string;
}

const NOTE0_HZ = 8.1757989156;

function isPitchParam(name: string): boolean {
  return /_(cutoff|center)$/.test(name);
}

function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(0);
  if (a >= 100) return Number(x.toFixed(1)).toString();
  return Number(x.toPrecision(digits)).toString();
}

/** The working value of a raw value (Vital's scale, without post offset). */
export function workingValue(p: VitalParamInfo, raw: number): number {
  switch (p.scale) {
    case "quadratic":
      return Math.max(raw, 0) ** 2;
    case "cubic":
      return Math.max(raw, 0) ** 3;
    case "quartic":
      return Math.max(raw, 0) ** 4;
    case "exponential":
      return 2 ** raw;
    case "square_root":
      return Math.sqrt(Math.max(raw, 0));
    case "indexed":
      return Math.round(raw);
    default:
      return raw;
  }
}

/** Option label of an indexed value, taking the filter model into account for `filter_*_style`. */
export function optionLabel(
  p: VitalParamInfo,
  raw: number,
  settings?: Record<string, number>,
): string | undefined {
  const i = Math.round(raw);
  const style = /^(filter_(?:\d|fx))_style$/.exec(p.name);
  if (style && settings) {
    const model = Math.round(settings[`${style[1]}_model`] ?? 0);
    const labels = Object.entries(FILTER_STYLE_OPTIONS_BY_MODEL).find(
      ([k]) => k.startsWith(`${model} `) || k === String(model),
    );
    const label = labels?.[1][i];
    if (label) return label;
  }
  return p.options?.[i - p.min];
}

/** A stored value in the units a person reads (vital.md §2.2). `settings` resolves model-dependent labels. */
export function displayValue(name: string, raw: number, settings?: Record<string, number>): DisplayValue {
  const p = BY_NAME.get(name);
  if (!p) return { value: raw, unit: "", text: fmt(raw) };
  if (p.scale === "indexed") {
    const label = optionLabel(p, raw, settings);
    if (label !== undefined) return { value: label, unit: "", text: label };
    if (/transpose$/.test(name))
      return { value: Math.round(raw), unit: "semitones", text: `${Math.round(raw)} st` };
    if (name === "pitch_bend_range")
      return { value: Math.round(raw), unit: "semitones", text: `${Math.round(raw)} st` };
    return { value: Math.round(raw), unit: "", text: String(Math.round(raw)) };
  }
  if (isPitchParam(name)) {
    const hz = NOTE0_HZ * 2 ** (raw / 12);
    return { value: hz, unit: "Hz", text: `${fmt(hz, 4)} Hz (note ${fmt(raw, 4)})` };
  }
  if (name === "beats_per_minute") return { value: raw * 60, unit: "BPM", text: `${fmt(raw * 60, 4)} BPM` };
  if (name === "volume") {
    const db = Math.sqrt(Math.max(raw, 0)) + p.postOffset;
    return { value: db, unit: "dB", text: `${fmt(db)} dB` };
  }
  if (/^(osc_\d|sample)_level$/.test(name)) {
    const g = workingValue(p, raw);
    const db = g > 0 ? 20 * Math.log10(g) : -Infinity;
    return { value: g, unit: "gain", text: `×${fmt(g)} (${Number.isFinite(db) ? fmt(db) : "−∞"} dB)` };
  }
  if (/^delay_(aux_)?frequency$/.test(name)) {
    const s = 1 / 2 ** raw;
    return { value: s, unit: "s", text: `${fmt(s)} s` };
  }
  if (p.scale === "quartic") {
    const s = workingValue(p, raw);
    return { value: s, unit: "s", text: `${fmt(s)} s` };
  }
  if (p.scale === "exponential") {
    const w = workingValue(p, raw);
    if (p.displayInvert || p.units === "Hz") return { value: w, unit: "Hz", text: `${fmt(w)} Hz` };
    if (p.units === "ms") return { value: w * 1000, unit: "ms", text: `${fmt(w * 1000)} ms` };
    return { value: w, unit: "s", text: `${fmt(w)} s` };
  }
  if (/_unison_detune$/.test(name)) {
    const osc = name.slice(0, 5);
    const range = settings?.[`${osc}_detune_range`] ?? 2;
    const cents = range * raw * raw;
    return { value: cents, unit: "cents", text: `±${fmt(cents)} cents` };
  }
  if (/_tune$/.test(name)) {
    const cents = raw * 100;
    return { value: cents, unit: "cents", text: `${fmt(cents)} cents` };
  }
  if (p.displayMultiply === 360) {
    const deg = raw * 360;
    return { value: deg, unit: "°", text: `${fmt(deg)}°` };
  }
  if (p.units === "%") {
    const pct = workingValue(p, raw) * p.displayMultiply;
    return { value: pct, unit: "%", text: `${fmt(pct)} %` };
  }
  const w = workingValue(p, raw) + (p.scale === "quadratic" ? p.postOffset : 0);
  const unit = p.units === "secs" ? "s" : p.units === "semitones" ? "st" : p.units === "v" ? "" : p.units;
  return { value: w, unit, text: unit ? `${fmt(w)} ${unit}` : fmt(w) };
}

// ---- Modulation view -----------------------------------------------------------------------------

export interface ModulationSlotView {
  /** 1-based slot number (the N of `modulation_N_*`). */
  slot: number;
  source: string;
  destination: string;
  amount: number;
  power: number;
  bipolar: boolean;
  stereo: boolean;
  bypass: boolean;
  lineMapping: LineShape | null;
}

/** The used slots of the modulation matrix, joined with their scalars. */
export function modulationSlots(p: VitalPatch): ModulationSlotView[] {
  const out: ModulationSlotView[] = [];
  for (let i = 0; i < Math.min(VITAL_MODULATION_SLOTS, p.modulations.length); i++) {
    const m = p.modulations[i]!;
    if (!m.source && !m.destination) continue;
    const s = (k: string) => p.settings[`modulation_${i + 1}_${k}`] ?? 0;
    out.push({
      slot: i + 1,
      source: m.source,
      destination: m.destination,
      amount: s("amount"),
      power: s("power"),
      bipolar: s("bipolar") >= 0.5,
      stereo: s("stereo") >= 0.5,
      bypass: s("bypass") >= 0.5,
      lineMapping: m.lineMapping,
    });
  }
  return out;
}
