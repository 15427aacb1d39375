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

/** Schema indices searched by default for a synth (all parameters for synths without a profile). */
export function defaultFreeParams(synth: AnySynth): number[] {
  const fixed = FIXED_BY_SYNTH[synth.id];
  const free: number[] = [];
  synth.params.forEach((p, i) => {
    if (!fixed || !fixed.test(p.name)) free.push(i);
  });
  return free;
}
