/**
 * Which parameters the matcher searches. One sound is one note at one velocity, so parameters that only
 * change how a patch responds across notes and velocities (keyboard level and rate scaling, velocity
 * sensitivity, transpose) are redundant with others there (output level, rates, ratios): the search leaves
 * them at the starting preset's values, which keeps the space smaller without losing any sound.
 */
import type { AnySynth } from "../synths/synth.ts";

const FIXED_BY_SYNTH: Record<string, RegExp> = {
  dx7: /_(break_point|left_depth|right_depth|left_curve|right_curve|rate_scaling|velocity_sens)$|^transpose$|^osc_key_sync$|^lfo_key_sync$/,
};

/**
 * Synths with hundreds of parameters (Vital: ~750, most of them effects, LFOs and modulation slots the init
 * patch does not route) are searched on their sound-defining core: the oscillators (level, wavetable
 * position, pitch, unison), the amplitude envelope, the first filter and the sample layer (noise). Oscillator
 * distortion and spectral-morph types stay as the start has them: several are not rendered by our engine yet,
 * and a candidate must sound in Vital as it did when it was scored. Everything else keeps the start's values.
 */
const SEARCHED_BY_SYNTH: Record<string, RegExp> = {
  vital:
    /^osc_[123]_(on|level|wave_frame|transpose|tune|unison_voices|unison_detune)$|^env_1_(attack|decay|sustain|release|attack_power|decay_power|release_power)$|^filter_1_(on|cutoff|resonance|model|style|drive|keytrack|mix)$|^sample_(on|level)$/,
};

/** Schema indices searched by default for a synth (all parameters for synths without a profile). */
export function defaultFreeParams(synth: AnySynth): number[] {
  const fixed = FIXED_BY_SYNTH[synth.id];
  const searched = SEARCHED_BY_SYNTH[synth.id];
  const free: number[] = [];
  synth.params.forEach((p, i) => {
    if (fixed?.test(p.name)) return;
    if (searched && !searched.test(p.name)) return;
    free.push(i);
  });
  return free;
}
