/**
 * Procedural Vital presets: the init patch (a saw wavetable) shaped into common archetypes — pluck, pad,
 * bass, lead, keys, noisy hit — through the parameter schema only (oscillator 2 an octave or a fifth away,
 * unison, filter 1, amplitude envelope, the noise sample layer). Deterministic for a seed. They are the
 * Vital bank's built-in presets until wavetable resynthesis gives better analytic starts.
 */
import { normalise, type AnySynth } from "../../synths/synth.ts";
import { Random } from "../../util/random.ts";

type Archetype = "pluck" | "pad" | "bass" | "lead" | "keys" | "hit";
const ARCHETYPES: Archetype[] = ["pluck", "pad", "bass", "lead", "keys", "hit"];

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

/** `count` Vital presets cycling through the archetypes. */
export function proceduralVitalPresets(synth: AnySynth, count: number, seed = 1): unknown[] {
  const r = new Random(seed);
  const base = synth.defaultPatch();
  const index = new Map(synth.params.map((p, i) => [p.name, i]));
  const out: unknown[] = [];
  for (let k = 0; k < count; k++) {
    const a = ARCHETYPES[k % ARCHETYPES.length]!;
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
