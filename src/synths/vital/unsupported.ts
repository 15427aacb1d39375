// What a preset uses that patchsmith's Vital engine does not render exactly — reported, never silent.
// Data-driven: a `VitalEngineSupport` says what the engine renders (the Synth's is ENGINE_SUPPORT in
// index.ts, the one definition); as the engine grows, widen it and the report shrinks. Only audible uses count: a distortion on an oscillator that is off, a
// filter nothing reaches or an effect mixed fully dry is not reported.

import { vitalParam } from "./params.ts";
import type { VitalPatch } from "./types.ts";

export interface VitalEngineSupport {
  /** `filter_N_model` values rendered (0 Analog, 1 Dirty, 2 Ladder, 3 Digital, 4 Diode, 5 Formant, 6 Comb, 7 Phaser). */
  filterModels: readonly number[];
  /** What the engine does with any other model, for the message ("approximated as analog"). */
  filterFallback: string;
  /** `osc_N_distortion_type` values rendered (0 = none). */
  oscDistortionTypes: readonly number[];
  /** `osc_N_spectral_morph_type` values rendered (0 = none). */
  spectralMorphTypes: readonly number[];
  /** Effects rendered, by name: chorus, compressor, delay, distortion, eq, filter_fx, flanger, phaser, reverb. */
  effects: readonly string[];
  /** Wavetable component types rendered ("Wave Source", "Line Source", "Wave Warp", …). */
  wavetableComponents: readonly string[];
  /** `osc_N_destination` / `sample_destination` values honoured (0–2 filters, 3 effects bus, 4 direct out, 5–13 one effect). */
  destinations: readonly number[];
  /** What happens to a producer routed to an unsupported destination. */
  destinationFallback: string;
}

const EFFECTS: ReadonlyArray<{ id: string; label: string; on: string; mix?: string }> = [
  { id: "chorus", label: "chorus", on: "chorus_on", mix: "chorus_dry_wet" },
  { id: "compressor", label: "compressor", on: "compressor_on", mix: "compressor_mix" },
  { id: "delay", label: "delay", on: "delay_on", mix: "delay_dry_wet" },
  { id: "distortion", label: "distortion", on: "distortion_on", mix: "distortion_mix" },
  { id: "eq", label: "EQ", on: "eq_on" },
  { id: "filter_fx", label: "filter FX", on: "filter_fx_on", mix: "filter_fx_mix" },
  { id: "flanger", label: "flanger", on: "flanger_on", mix: "flanger_dry_wet" },
  { id: "phaser", label: "phaser", on: "phaser_on", mix: "phaser_dry_wet" },
  { id: "reverb", label: "reverb", on: "reverb_on", mix: "reverb_dry_wet" },
];

/** Effect addressed by destinations 5 … 13. */
const DESTINATION_EFFECT = [
  "chorus",
  "compressor",
  "delay",
  "distortion",
  "eq",
  "filter FX",
  "flanger",
  "phaser",
  "reverb",
];

function label(name: string, value: number): string {
  const p = vitalParam(name);
  return p?.options?.[Math.round(value) - p.min] ?? String(value);
}

/**
 * Parameters some active modulation slot drives: a slot with a source and a destination, not bypassed, whose
 * amount is nonzero or is itself driven by another active slot.
 */
export function modulatedParams(p: VitalPatch): Set<string> {
  const slots = p.modulations
    .map((m, i) => ({ m, i, s: (k: string) => p.settings[`modulation_${i + 1}_${k}`] ?? 0 }))
    .filter(({ m, s }) => m.source && m.destination && s("bypass") < 0.5);
  const out = new Set<string>();
  for (let changed = true; changed;) {
    changed = false;
    for (const { m, i, s } of slots) {
      if (out.has(m.destination)) continue;
      if (s("amount") !== 0 || out.has(`modulation_${i + 1}_amount`)) {
        out.add(m.destination);
        changed = true;
      }
    }
  }
  return out;
}

/** Audible-use facts shared by the rules (and by describe). */
export interface VitalAudibility {
  /** Oscillators 1–3 that sound (on, with a level above 0 or modulated). */
  oscillators: number[];
  sample: boolean;
  /** Filters 1 and 2 that are on, reached by a sounding producer and not mixed fully dry. */
  filters: number[];
  modulated: Set<string>;
}

export function vitalAudibility(p: VitalPatch): VitalAudibility {
  const s = p.settings;
  const modulated = modulatedParams(p);
  const sounds = (prefix: string) =>
    (s[`${prefix}_on`] ?? 0) >= 0.5 && ((s[`${prefix}_level`] ?? 0) > 0 || modulated.has(`${prefix}_level`));
  const oscillators = [1, 2, 3].filter((n) => sounds(`osc_${n}`));
  const sample = sounds("sample");
  const producers = [...oscillators.map((n) => `osc_${n}`), ...(sample ? ["sample"] : [])];
  const fed = (f: number) =>
    producers.some((pr) => {
      const d = Math.round(s[`${pr}_destination`] ?? 3);
      return d === 2 || d === f - 1;
    });
  const on = (f: number) => (s[`filter_${f}_on`] ?? 0) >= 0.5;
  const wet = (f: number) => (s[`filter_${f}_mix`] ?? 1) > 0 || modulated.has(`filter_${f}_mix`);
  const filters: number[] = [];
  for (const f of [1, 2]) {
    const other = 3 - f;
    // Serial routing: with filter_F_filter_input on, the other filter's output feeds filter F.
    const fedBySerial = (s[`filter_${f}_filter_input`] ?? 0) >= 0.5 && on(other) && fed(other);
    if (on(f) && (fed(f) || fedBySerial) && wet(f)) filters.push(f);
  }
  return { oscillators, sample, filters, modulated };
}

const FILTER_MODEL_NAMES = ["analog", "dirty", "ladder", "digital", "diode", "formant", "comb", "phaser"];

/**
 * The features of `p` that the engine described by `support` does not render exactly, phrased for a person,
 * e.g. "filter 1: comb model (approximated as analog)". Empty when the render is faithful to these checks.
 */
export function vitalUnsupportedFeatures(p: VitalPatch, support: VitalEngineSupport): string[] {
  const s = p.settings;
  const out: string[] = [];
  const audible = vitalAudibility(p);
  const { modulated } = audible;
  const active = (amountParam: string) => (s[amountParam] ?? 0) > 0 || modulated.has(amountParam);

  for (const f of audible.filters) {
    const model = Math.round(s[`filter_${f}_model`] ?? 0);
    if (!support.filterModels.includes(model)) {
      out.push(
        `filter ${f}: ${FILTER_MODEL_NAMES[model] ?? `model ${model}`} model (${support.filterFallback})`,
      );
    }
  }

  for (const n of audible.oscillators) {
    const osc = `osc_${n}`;
    const dist = Math.round(s[`${osc}_distortion_type`] ?? 0);
    if (dist !== 0 && !support.oscDistortionTypes.includes(dist) && active(`${osc}_distortion_amount`)) {
      out.push(`oscillator ${n}: "${label(`${osc}_distortion_type`, dist)}" distortion (not rendered)`);
    }
    const morph = Math.round(s[`${osc}_spectral_morph_type`] ?? 0);
    if (
      morph !== 0 &&
      !support.spectralMorphTypes.includes(morph) &&
      active(`${osc}_spectral_morph_amount`)
    ) {
      out.push(
        `oscillator ${n}: "${label(`${osc}_spectral_morph_type`, morph)}" spectral morph (not rendered)`,
      );
    }
    const table = p.wavetables[n - 1];
    if (table) {
      const seen = new Set<string>();
      if (table.fromLine && !support.wavetableComponents.includes("Line Source")) seen.add("Line Source");
      for (const g of table.groups)
        for (const c of g.components) if (!support.wavetableComponents.includes(c.type)) seen.add(c.type);
      for (const type of seen) {
        const what = /Source$/.test(type) ? type : `${type} modifier`;
        out.push(`oscillator ${n}: wavetable "${table.name}": ${what} (not rendered)`);
      }
    }
  }

  const producers = [...audible.oscillators.map((n) => ({ key: `osc_${n}`, label: `oscillator ${n}` }))];
  if (audible.sample) producers.push({ key: "sample", label: "sample oscillator" });
  for (const pr of producers) {
    const d = Math.round(s[`${pr.key}_destination`] ?? 3);
    if (!support.destinations.includes(d)) {
      const where =
        d >= 5 && d <= 13 ? `straight into the ${DESTINATION_EFFECT[d - 5]}` : `to destination ${d}`;
      out.push(`${pr.label}: routed ${where} (${support.destinationFallback})`);
    }
  }

  if (producers.length > 0) {
    for (const fx of EFFECTS) {
      if (support.effects.includes(fx.id)) continue;
      if ((s[fx.on] ?? 0) < 0.5) continue;
      if (fx.mix && (s[fx.mix] ?? 1) <= 0 && !modulated.has(fx.mix)) continue;
      if (fx.id === "eq" && eqIsTransparent(s, modulated)) continue;
      out.push(`effects: ${fx.label} is on (not rendered)`);
    }
    const fxModel = Math.round(s.filter_fx_model ?? 0);
    const fxFilterAudible =
      support.effects.includes("filter_fx") &&
      (s.filter_fx_on ?? 0) >= 0.5 &&
      ((s.filter_fx_mix ?? 1) > 0 || modulated.has("filter_fx_mix"));
    if (fxFilterAudible && !support.filterModels.includes(fxModel)) {
      out.push(
        `filter FX: ${FILTER_MODEL_NAMES[fxModel] ?? `model ${fxModel}`} model (${support.filterFallback})`,
      );
    }
  }
  return out;
}

/** An EQ whose three bands are shelves/peaks at 0 dB (and unmodulated) does nothing. */
function eqIsTransparent(s: Record<string, number>, modulated: Set<string>): boolean {
  if ((s.eq_low_mode ?? 0) >= 0.5 || (s.eq_high_mode ?? 0) >= 0.5 || (s.eq_band_mode ?? 0) >= 0.5)
    return false;
  return ["eq_low_gain", "eq_band_gain", "eq_high_gain"].every((k) => (s[k] ?? 0) === 0 && !modulated.has(k));
}
