/**
 * Procedural Vital presets: the init patch (a saw wavetable) shaped into common archetypes — pluck, pad,
 * bass, lead, keys, noisy hit — through the parameter schema (oscillator 2 an octave or a fifth away,
 * unison, filter 1, amplitude envelope, the noise sample layer), and drums — kick, tom, snare, clap, closed
 * hat, open hat/cymbal — which also set what the schema cannot: a sine wavetable for the body and one
 * modulation slot, envelope 2 → oscillator 1 transpose, for the falling pitch of kicks and toms (its depth,
 * modulation_1_amount, stays searchable). Noise comes from the init sample (white noise) through filter 1.
 * Deterministic for a seed. They are the Vital bank's built-in presets.
 */
import { initWavetable } from "../../synths/vital/codec.ts";
import type { VitalPatch } from "../../synths/vital/types.ts";
import { normalise, type AnySynth } from "../../synths/synth.ts";
import { Random } from "../../util/random.ts";

type Tonal = "pluck" | "pad" | "bass" | "lead" | "keys" | "hit";
type Drum = "kick" | "tom" | "snare" | "clap" | "hat" | "cymbal";
type Archetype = Tonal | Drum;
const ARCHETYPES: Archetype[] = [
  "pluck",
  "kick",
  "pad",
  "snare",
  "bass",
  "hat",
  "lead",
  "tom",
  "keys",
  "clap",
  "hit",
  "cymbal",
];
export const VITAL_DRUM_ARCHETYPES: Drum[] = ["kick", "snare", "hat", "tom", "clap", "cymbal"];
const TONAL_ARCHETYPES: Tonal[] = ["pluck", "pad", "bass", "lead", "keys", "hit"];
const isDrum = (a: Archetype): a is Drum => (VITAL_DRUM_ARCHETYPES as string[]).includes(a);

/** Vital's envelope times are v⁴ seconds: the normalised schema value for `seconds`. */
function envTime(synth: AnySynth, index: Map<string, number>, seconds: number): number {
  const spec = synth.params[index.get("env_1_decay")!]!;
  return normalise(spec, Math.pow(Math.max(0, seconds), 0.25));
}

/** One cycle of a sine as a single-keyframe wavetable. */
function sineWavetable(): ReturnType<typeof initWavetable> {
  const t = initWavetable();
  t.name = "Sine";
  for (const g of t.groups)
    for (const c of g.components)
      if (c.kind === "wave-source")
        for (const k of c.keyframes)
          k.wave = Float32Array.from(k.wave, (_, i) =>
            Math.fround(Math.sin((2 * Math.PI * i) / k.wave.length)),
          );
  return t;
}

/** The drum shapes: scalar settings in natural units, envelope times in seconds. */
function drumShape(a: Drum, r: Random): { values: Record<string, number>; times: Record<string, number> } {
  const u = (lo: number, hi: number) => r.uniform(lo, hi);
  const values: Record<string, number> = { env_1_sustain: 0, env_1_attack: 0 };
  const times: Record<string, number> = { env_1_release: u(0.05, 0.3) };
  const noise = (level: number, cutoff: number, blend: number, resonance: number) => {
    Object.assign(values, {
      sample_on: 1,
      sample_level: level,
      sample_destination: 0,
      filter_1_on: 1,
      filter_1_model: 0,
      filter_1_cutoff: cutoff,
      filter_1_blend: blend,
      filter_1_resonance: resonance,
      filter_1_keytrack: 0,
    });
  };
  switch (a) {
    case "kick":
    case "tom": {
      const kick = a === "kick";
      // The body: a sine (oscillator 1 straight out), transposed down so that unpitched hits played at
      // note 60 land near kick/tom pitches; envelope 2 sweeps it down from above.
      Object.assign(values, {
        osc_1_transpose: kick ? [0, -12, -24, -24][r.int(4)]! : [0, -12, -7][r.int(3)]!,
        osc_1_destination: 4,
        modulation_1_amount: kick ? u(0.1, 0.35) : u(0.03, 0.12),
        env_2_attack: 0,
        env_2_sustain: 0,
      });
      times.env_2_decay = kick ? u(0.02, 0.12) : u(0.05, 0.25);
      times.env_1_decay = kick ? u(0.15, 0.8) : u(0.3, 1.2);
      if (r.next() < 0.4) noise(u(0.05, 0.25), u(90, 120), 2, u(0, 0.3));
      break;
    }
    case "snare":
    case "clap": {
      const snare = a === "snare";
      if (snare)
        Object.assign(values, {
          osc_1_transpose: [-7, -5, -3, 0][r.int(4)]!,
          osc_1_destination: 4,
          osc_1_level: u(0.3, 0.7),
          modulation_1_amount: u(0.02, 0.08),
          env_2_attack: 0,
          env_2_sustain: 0,
        });
      else values.osc_1_on = 0;
      times.env_2_decay = u(0.02, 0.08);
      times.env_1_decay = snare ? u(0.12, 0.5) : u(0.08, 0.3);
      noise(
        u(0.6, 1),
        snare ? u(85, 115) : u(78, 100),
        snare ? u(1.2, 2) : 1,
        snare ? u(0, 0.4) : u(0.2, 0.6),
      );
      break;
    }
    case "hat":
    case "cymbal": {
      values.osc_1_on = 0;
      times.env_1_decay = a === "hat" ? u(0.04, 0.25) : u(0.4, 2);
      times.env_1_release = a === "hat" ? u(0.03, 0.15) : u(0.3, 1.5);
      noise(u(0.7, 1), u(100, 126), 2, u(0, 0.5));
      break;
    }
  }
  return { values, times };
}

/** Envelope times are set in normalised [0, 1] units of the schema (Vital's own time curve). */
function shape(a: Archetype, r: Random): Record<string, number> {
  const u = (lo: number, hi: number) => r.uniform(lo, hi);
  const v: Record<string, number> = {};
  const env = (attack: number, decay: number, sustain: number, release: number) => {
    v.env_1_attack = attack;
    v.env_1_decay = decay;
    v.env_1_sustain = sustain;
    v.env_1_release = release;
  };
  switch (a) {
    case "pluck":
      env(u(0, 0.05), u(0.2, 0.45), u(0, 0.15), u(0.15, 0.35));
      break;
    case "pad":
      env(u(0.35, 0.6), u(0.3, 0.6), u(0.7, 1), u(0.35, 0.6));
      break;
    case "bass":
      env(u(0, 0.05), u(0.25, 0.5), u(0.3, 0.9), u(0.1, 0.25));
      break;
    case "lead":
      env(u(0, 0.15), u(0.3, 0.5), u(0.6, 1), u(0.2, 0.4));
      break;
    case "keys":
      env(u(0, 0.05), u(0.35, 0.55), u(0.1, 0.5), u(0.2, 0.4));
      break;
    case "hit":
      env(0, u(0.1, 0.3), 0, u(0.05, 0.2));
      break;
  }
  return v;
}

/** The init patch with a sine wavetable on oscillator 1 and envelope 2 → oscillator 1 transpose in slot 1. */
function drumBasePatch(base: unknown): unknown {
  const p = structuredClone(base) as VitalPatch;
  p.wavetables[0] = sineWavetable();
  p.modulations[0] = { source: "env_2", destination: "osc_1_transpose", lineMapping: null, extra: {} };
  return p;
}

/** `count` Vital presets cycling through all archetypes (`drums` true: drums only; false: tonal only). */
export function proceduralVitalPresets(
  synth: AnySynth,
  count: number,
  seed = 1,
  opts: { drums?: boolean } = {},
): unknown[] {
  const r = new Random(seed);
  const base = synth.defaultPatch();
  const index = new Map(synth.params.map((p, i) => [p.name, i]));
  const out: unknown[] = [];
  const drumBase = drumBasePatch(base);
  const kinds: Archetype[] =
    opts.drums === true ? VITAL_DRUM_ARCHETYPES : opts.drums === false ? TONAL_ARCHETYPES : ARCHETYPES;
  for (let k = 0; k < count; k++) {
    const a = kinds[k % kinds.length]!;
    if (isDrum(a)) {
      const v = synth.toVector(drumBase);
      const { values, times } = drumShape(a, r);
      for (const [name, value] of Object.entries(values)) {
        const i = index.get(name);
        if (i !== undefined) v[i] = normalise(synth.params[i]!, value);
      }
      for (const [name, seconds] of Object.entries(times)) {
        const i = index.get(name);
        if (i !== undefined) v[i] = envTime(synth, index, seconds);
      }
      out.push(synth.withName(synth.fromVector(v, drumBase), `${a} ${k + 1}`));
      continue;
    }
    const v = synth.toVector(base);
    const setNormalised = (name: string, u: number) => {
      const i = index.get(name);
      if (i !== undefined) v[i] = Math.min(1, Math.max(0, u));
    };
    const setNatural = (name: string, value: number) => {
      const i = index.get(name);
      if (i !== undefined) v[i] = normalise(synth.params[i]!, value);
    };
    for (const [name, u] of Object.entries(shape(a, r))) setNormalised(name, u);
    if (a === "bass" || r.next() < 0.35) {
      setNatural("osc_2_on", 1);
      setNatural("osc_2_transpose", a === "bass" ? -12 : [12, 7, -12, 0][r.int(4)]!);
      setNatural("osc_2_level", r.uniform(0.3, 0.7));
    }
    if (a === "lead" || a === "pad" || r.next() < 0.2) {
      setNatural("osc_1_unison_voices", 1 + 2 * (1 + r.int(3)));
      setNatural("osc_1_unison_detune", r.uniform(1, 5));
    }
    if (a !== "lead" && r.next() < 0.75) {
      setNatural("filter_1_on", 1);
      setNatural("filter_1_cutoff", a === "bass" ? r.uniform(35, 70) : r.uniform(50, 120));
      setNatural("filter_1_resonance", r.uniform(0, 0.6));
      setNatural("filter_1_keytrack", r.uniform(0, 0.5));
    }
    if (a === "hit" || r.next() < 0.15) {
      setNatural("sample_on", 1);
      setNatural("sample_level", a === "hit" ? r.uniform(0.4, 0.8) : r.uniform(0.1, 0.3));
    }
    out.push(synth.withName(synth.fromVector(v, base), `${a} ${k + 1}`));
  }
  return out;
}
