/**
 * Which parameters the matcher searches. One sound is one note at one velocity, so parameters that only
 * change how a patch responds across notes and velocities (keyboard level and rate scaling, velocity
 * sensitivity, transpose) are redundant with others there (output level, rates, ratios): the search leaves
 * them at the starting preset's values, which keeps the space smaller without losing any sound.
 */
import type { AnySynth } from "../synths/synth.ts";
import type { RecombinationProfile } from "./recombine.ts";

const FIXED_BY_SYNTH: Record<string, RegExp> = {
  dx7: /_(break_point|left_depth|right_depth|left_curve|right_curve|rate_scaling|velocity_sens)$|^transpose$|^osc_key_sync$|^lfo_key_sync$/,
};

/**
 * Synths with hundreds of parameters (Vital: ~750, most of them effects, LFOs and modulation slots the init
 * patch does not route) are searched on their sound-defining core, shaped to fit the analytic starts
 * (src/match/analytic/vital.ts): oscillator 1 (level, wavetable position, fine tune, unison) and a second
 * oscillator layer; the amplitude envelope; lfo_1's rate and modulation slot 1's amount, which set the
 * timing and depth of the resynthesised wavetable's sweep (lfo_1 → osc_1_wave_frame); filter 1 (on, cutoff,
 * resonance, keytrack) over the oscillators; filter 2's cutoff, resonance and blend, which colour the noise
 * layer; and the sample layer (noise) level: 28 dimensions. Oscillator 1 keeps its transpose (the analytic
 * start sets it; one semitone step is a different note, the loss's most rugged direction). Oscillator
 * distortion and spectral-morph types, filter models and styles stay as the start has them: a candidate must
 * sound in Vital as it did when it was scored, and choices with many levels make the space rugged. Everything
 * else keeps the start's values.
 */
const SEARCHED_BY_SYNTH: Record<string, RegExp> = {
  vital:
    /^osc_1_(on|level|wave_frame|tune|unison_voices|unison_detune)$|^osc_2_(on|level|transpose|tune)$|^env_1_(attack|decay|sustain|release|attack_power|decay_power|release_power)$|^lfo_1_frequency$|^modulation_1_amount$|^filter_1_(on|cutoff|resonance|keytrack)$|^filter_2_(cutoff|resonance|blend)$|^sample_(on|level)$/,
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

/**
 * Parameters whose value a start is trusted with: a frequency ratio or an algorithm chosen by the analysis or
 * by a preset's designer is usually right or wrong as a whole, and a refinement that moves it by a step
 * loses the basin it started in (CMA-ES handles such discrete, rugged coordinates badly). Refinement starts
 * them with a small step (the optimiser's discrete margin still tries neighbouring values now and then).
 */
const STRUCTURAL_BY_SYNTH: Record<string, RegExp> = {
  dx7: /_(coarse|fine|osc_mode)$|^algorithm$/,
};

/** Initial step scale of structural parameters relative to the others. */
const STRUCTURAL_STEP_SCALE = 0.02;

/** Per-coordinate initial step scale for a refinement from a start (undefined: all equal). */
export function initialStepScale(synth: AnySynth, free: number[], extra = 0): Float64Array | undefined {
  const structural = STRUCTURAL_BY_SYNTH[synth.id];
  if (!structural) return undefined;
  const scale = new Float64Array(free.length + extra).fill(1);
  free.forEach((k, i) => {
    if (structural.test(synth.params[k]!.name)) scale[i] = STRUCTURAL_STEP_SCALE;
  });
  return scale;
}

/**
 * How many of the bank's nearest presets become starts. Every start is scored by the loss at the target's
 * note before the search (one parallel batch), which re-ranks the embedding's coarse choice: the embedding's
 * nearest preset is often not the one that sounds closest (measured on dx7-refs, docs/matcher.md). DX7
 * renders cost a few milliseconds, so it gets many; Vital's cost ten times more.
 */
const BANK_STARTS_BY_SYNTH: Record<string, number> = { dx7: 200 };

export function bankStartCount(synth: AnySynth): number {
  return BANK_STARTS_BY_SYNTH[synth.id] ?? 16;
}

/**
 * Parameter groups exchanged between good starts before the search (src/match/recombine.ts). DX7: whole
 * operators, the pitch EG and the LFO, between voices of the same algorithm (feedback stays the parent's).
 */
const RECOMBINATION_BY_SYNTH: Record<string, RecombinationProfile> = {
  dx7: { groups: /^(op[1-6]|pitch_eg|lfo)$/, same: ["algorithm"] },
};

export function recombinationProfile(synth: AnySynth): RecombinationProfile | undefined {
  return RECOMBINATION_BY_SYNTH[synth.id];
}

/**
 * Groups of parameters refined one at a time before the full-dimensional search (src/match/pipeline.ts).
 * DX7: each operator; the rest (pitch EG, algorithm, feedback, LFO) as one more block.
 */
const SEARCH_BLOCKS_BY_SYNTH: Record<string, RegExp> = {
  dx7: /^op[1-6]$/,
};

/** The searched parameters (`free`, schema indices) split into blocks; empty for synths without blocks. */
export function searchBlocks(synth: AnySynth, free: number[]): number[][] {
  const pattern = SEARCH_BLOCKS_BY_SYNTH[synth.id];
  if (!pattern) return [];
  const byGroup = new Map<string, number[]>();
  const rest: number[] = [];
  for (const k of free) {
    const group = synth.params[k]!.group;
    if (group === undefined || !pattern.test(group)) {
      rest.push(k);
      continue;
    }
    const list = byGroup.get(group);
    if (list) list.push(k);
    else byGroup.set(group, [k]);
  }
  return [...byGroup.values(), ...(rest.length > 0 ? [rest] : [])];
}
