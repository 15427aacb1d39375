/**
 * Which parameters the matcher searches. One sound is one note at one velocity, so parameters that only
 * change how a patch responds across notes and velocities (keyboard level and rate scaling, velocity
 * sensitivity, transpose) are redundant with others there (output level, rates, ratios): the search leaves
 * them at the starting preset's values, which keeps the space smaller without losing any sound.
 */
import { carriersOf } from "../synths/dx7/describe.ts";
import type { AnySynth } from "../synths/synth.ts";
import type { StructuralMove, StructuralMoves } from "./local-search.ts";
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
    /^osc_1_(on|level|wave_frame|tune|unison_voices|unison_detune|phase|random_phase)$|^osc_2_(on|level|transpose|tune)$|^env_1_(attack|decay|sustain|release|attack_power|decay_power|release_power)$|^lfo_1_frequency$|^modulation_1_amount$|^filter_1_(on|cutoff|resonance|keytrack)$|^filter_2_(cutoff|resonance|blend)$|^sample_(on|level)$|^eq_(on|low_mode|low_cutoff|low_gain|band_cutoff|band_gain|high_cutoff|high_gain)$/,
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

/**
 * How a synth's starts are refined (src/match/pipeline.ts): "local" — the structured local search of
 * src/match/local-search.ts (DX7: every parameter discrete, ~100 of them, where CMA-ES never improved on a
 * good start, docs/matcher.md) — or CMA-ES (the default; also whenever the caller fixes the space).
 */
const REFINEMENT_BY_SYNTH: Record<string, "local" | "cmaes"> = { dx7: "local", vital: "local" };

export function refinementOf(synth: AnySynth): "local" | "cmaes" {
  return REFINEMENT_BY_SYNTH[synth.id] ?? "cmaes";
}

/**
 * Parameters the local search changes by structural moves only. Vital: oscillator 1's phase and its
 * randomisation — a random phase is drawn from the render's seed, so a coordinate step on either would fit
 * one seed's draw (Vital draws anew at every note); the moves fix the phase (randomisation 0) and then shift it.
 */
const MOVES_ONLY_BY_SYNTH: Record<string, RegExp> = {
  vital: /^osc_1_(phase|random_phase)$/,
};

export function isMovesOnly(synth: AnySynth, index: number): boolean {
  return MOVES_ONLY_BY_SYNTH[synth.id]?.test(synth.params[index]!.name) ?? false;
}

/** Whether a parameter (schema index) is structural (see STRUCTURAL_BY_SYNTH). */
export function isStructural(synth: AnySynth, index: number): boolean {
  return STRUCTURAL_BY_SYNTH[synth.id]?.test(synth.params[index]!.name) ?? false;
}

/** The structural moves of the local search for a synth (undefined: coordinate moves only). */
export function structuralMoves(synth: AnySynth): StructuralMoves | undefined {
  if (synth.id === "dx7") return dx7Moves(synth);
  if (synth.id === "vital") return vitalMoves(synth);
  return undefined;
}

/** Coarse ratios a DX7 operator jumps to (0 plays ½). */
const DX7_COARSE_JUMPS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16];
/** Output levels a silent operator is brought in at; shifts of an envelope's levels or rates. */
const DX7_UNMUTE_LEVELS = [50, 70, 85];
const DX7_SHIFTS = [-12, -4, 4, 12];

/**
 * DX7 moves: an operator's ratio to another harmonic (fine tune 0) or to its harmonic without the fine tune;
 * two operators' frequencies swapped; a modulator muted, a silent operator brought in; an operator's EG
 * levels 1–3 shifted together (its shape kept), its rates 1–3 together (its timing scaled), its output level
 * and EG levels together (a modulator's index over the whole note); another algorithm with the same carriers
 * (the modulators' wiring changes, the sound's loudest parts stay).
 */
function dx7Moves(synth: AnySynth): StructuralMoves {
  const at = (name: string) => {
    const i = synth.params.findIndex((p) => p.name === name);
    if (i < 0) throw new Error(`dx7 profile: no parameter ${name}`);
    return i;
  };
  const ops = [1, 2, 3, 4, 5, 6].map((k) => ({
    k,
    coarse: at(`op${k}_coarse`),
    fine: at(`op${k}_fine`),
    mode: at(`op${k}_osc_mode`),
    level: at(`op${k}_output_level`),
    egLevels: [1, 2, 3].map((j) => at(`op${k}_eg_level_${j}`)),
    egRates: [1, 2, 3].map((j) => at(`op${k}_eg_rate_${j}`)),
  }));
  const algorithm = at("algorithm");
  const clamp99 = (v: number) => Math.min(99, Math.max(0, v));
  return (value) => {
    const moves: StructuralMove[] = [];
    const carriers = carriersOf(value(algorithm) + 1);
    for (const op of ops) {
      const fixed = value(op.mode) === 1;
      if (!fixed) {
        for (const c of DX7_COARSE_JUMPS) {
          if (c === value(op.coarse)) continue;
          moves.push({
            changes: [
              [op.coarse, c],
              [op.fine, 0],
            ],
            label: `op${op.k} ratio ${c}`,
          });
        }
        if (value(op.fine) !== 0) moves.push({ changes: [[op.fine, 0]], label: `op${op.k} fine 0` });
      }
      const level = value(op.level);
      if (level > 0 && !carriers.includes(op.k))
        moves.push({ changes: [[op.level, 0]], label: `op${op.k} muted` });
      if (level === 0)
        for (const l of DX7_UNMUTE_LEVELS)
          moves.push({ changes: [[op.level, l]], label: `op${op.k} in at ${l}` });
      for (const d of DX7_SHIFTS) {
        moves.push({
          changes: op.egLevels.map((i) => [i, clamp99(value(i) + d)]),
          label: `op${op.k} EG levels ${d}`,
        });
        moves.push({
          changes: op.egRates.map((i) => [i, clamp99(value(i) + d)]),
          label: `op${op.k} EG rates ${d}`,
        });
        if (Math.abs(d) === 4)
          moves.push({
            changes: [
              [op.level, clamp99(level + d)],
              ...op.egLevels.map((i): [number, number] => [i, clamp99(value(i) + d)]),
            ],
            label: `op${op.k} level and EG ${d}`,
          });
      }
      for (const other of ops) {
        if (other.k <= op.k) continue;
        const a = [value(op.coarse), value(op.fine), value(op.mode)];
        const b = [value(other.coarse), value(other.fine), value(other.mode)];
        if (a.every((v, j) => v === b[j])) continue;
        moves.push({
          changes: [
            [op.coarse, b[0]!],
            [op.fine, b[1]!],
            [op.mode, b[2]!],
            [other.coarse, a[0]!],
            [other.fine, a[1]!],
            [other.mode, a[2]!],
          ],
          label: `op${op.k} and op${other.k} frequencies swapped`,
        });
      }
    }
    const key = carriers.join();
    for (let a = 1; a <= 32; a++) {
      if (a - 1 !== value(algorithm) && carriersOf(a).join() === key)
        moves.push({ changes: [[algorithm, a - 1]], label: `algorithm ${a}` });
    }
    return moves;
  };
}

/** Time scales of the Vital moves that stretch a sound's course (envelope stage times, the wavetable sweep). */
const VITAL_TIME_SCALES = [0.8, 0.9, 1.1, 1.25];
/** Filter 1 cutoffs (MIDI note) it is switched on at, and its cutoff's jumps (semitones). */
const VITAL_FILTER_CUTOFFS = [64, 84, 100, 116];
const VITAL_CUTOFF_JUMPS = [-24, -12, 12, 24];
/** Unison voice counts tried, and a second oscillator's levels and transpositions (semitones). */
const VITAL_UNISON_VOICES = [1, 2, 3, 5];
const VITAL_LAYER_LEVELS = [0.25, 0.5];
const VITAL_LAYER_TRANSPOSES = [-12, 0, 12];
const VITAL_TRANSPOSE_JUMPS = [-12, -7, 7, 12];
/**
 * Oscillator 1's fixed phases tried (the wavetable cycle's start: with a comb's closely spaced lines it sets
 * where their beats fall in the metrics' frames), and its shifts once fixed.
 */
const VITAL_PHASES = 8;
const VITAL_PHASE_SHIFTS = [-1 / 8, -1 / 32, -1 / 128, 1 / 128, 1 / 32, 1 / 8];
/** The EQ's high-pass cutoffs (MIDI note) and its gain steps (dB). */
const VITAL_HIGH_PASS_NOTES = [24, 36, 48];
const VITAL_EQ_STEPS_DB = [-4, 4];
/** Level ratios of the noise layer's and the oscillators' moves. */
const VITAL_LEVEL_RATIOS = [0.7, 1.4];

/**
 * Vital moves (the local search's values: continuous parameters normalised to [0, 1], integers and choices
 * plain). Each changes what one coordinate step cannot, or only through a valley: the note's time course
 * stretched (env_1's attack, decay and release together — a stage lasts raw⁴ s, so its raw value scales by
 * the fourth root — alone or with the wavetable sweep's rate, lfo_1, which sets when each keyframe plays);
 * filter 1 switched on at a few cutoffs or off, its cutoff by octaves; unison voices to a few counts;
 * oscillator 2 brought in as a layer (levels, octaves) or out, its transpose by fifths and octaves; the
 * noise layer in or out, and its level and the oscillators' scaled.
 */
function vitalMoves(synth: AnySynth): StructuralMoves {
  const at = (name: string) => {
    const i = synth.params.findIndex((p) => p.name === name);
    if (i < 0) throw new Error(`vital profile: no parameter ${name}`);
    return i;
  };
  const envTimes = ["attack", "decay", "release"].map((s) => at(`env_1_${s}`));
  const lfoRate = at("lfo_1_frequency");
  const lfoSpec = synth.params[lfoRate]!;
  const filterOn = at("filter_1_on");
  const cutoff = at("filter_1_cutoff");
  const cutoffSpec = synth.params[cutoff]!;
  const voices = at("osc_1_unison_voices");
  const osc1Level = at("osc_1_level");
  const osc2 = { on: at("osc_2_on"), level: at("osc_2_level"), transpose: at("osc_2_transpose") };
  const sample = { on: at("sample_on"), level: at("sample_level") };
  const eq = {
    on: at("eq_on"),
    lowMode: at("eq_low_mode"),
    bands: (["low", "band", "high"] as const).map((b) => ({
      name: b,
      cutoff: at(`eq_${b}_cutoff`),
      gain: at(`eq_${b}_gain`),
    })),
  };
  const gainSpec = synth.params[eq.bands[0]!.gain]!;
  const eqCutoffSpec = synth.params[eq.bands[0]!.cutoff]!;
  const phase = at("osc_1_phase");
  const randomPhase = at("osc_1_random_phase");
  const unit = (v: number) => Math.min(1, Math.max(0, v));
  const phaseMoves = (value: (index: number) => number): StructuralMove[] => {
    if (value(randomPhase) > 0)
      return Array.from({ length: VITAL_PHASES }, (_, k) => ({
        changes: [
          [randomPhase, 0],
          [phase, k / VITAL_PHASES],
        ],
        label: `oscillator 1 phase fixed at ${k}/${VITAL_PHASES}`,
      }));
    return VITAL_PHASE_SHIFTS.map((d) => ({
      changes: [[phase, (((value(phase) + d) % 1) + 1) % 1]],
      label: `oscillator 1 phase ${d > 0 ? "+" : ""}${d}`,
    }));
  };
  const eqMoves = (value: (index: number) => number): StructuralMove[] => {
    const out: StructuralMove[] = [];
    const dbUnit = (db: number) => db / (gainSpec.max - gainSpec.min);
    const noteUnit = (note: number) => (note - eqCutoffSpec.min) / (eqCutoffSpec.max - eqCutoffSpec.min);
    if (value(eq.on) === 0) {
      for (const note of VITAL_HIGH_PASS_NOTES)
        out.push({
          changes: [
            [eq.on, 1],
            [eq.lowMode, 1],
            [eq.bands[0]!.cutoff, unit(noteUnit(note))],
          ],
          label: `EQ high-pass at ${note}`,
        });
      for (const b of eq.bands)
        for (const db of VITAL_EQ_STEPS_DB)
          out.push({
            changes: [
              [eq.on, 1],
              [b.gain, unit(value(b.gain) + dbUnit(db))],
            ],
            label: `EQ on, ${b.name} ${db > 0 ? "+" : ""}${db} dB`,
          });
      return out;
    }
    out.push({ changes: [[eq.on, 0]], label: "EQ off" });
    out.push({ changes: [[eq.lowMode, 1 - value(eq.lowMode)]], label: "EQ low mode" });
    for (const b of eq.bands) {
      for (const db of VITAL_EQ_STEPS_DB)
        out.push({
          changes: [[b.gain, unit(value(b.gain) + dbUnit(db))]],
          label: `EQ ${b.name} ${db > 0 ? "+" : ""}${db} dB`,
        });
      for (const d of VITAL_CUTOFF_JUMPS)
        out.push({
          changes: [[b.cutoff, unit(value(b.cutoff) + d / (eqCutoffSpec.max - eqCutoffSpec.min))]],
          label: `EQ ${b.name} cutoff ${d > 0 ? "+" : ""}${d}`,
        });
    }
    return out;
  };
  const cutoffUnit = (note: number) => unit((note - cutoffSpec.min) / (cutoffSpec.max - cutoffSpec.min));
  const octaveUnit = 1 / (lfoSpec.max - lfoSpec.min);
  return (value) => {
    const moves: StructuralMove[] = [];
    for (const f of VITAL_TIME_SCALES) {
      const times = envTimes.map((i): [number, number] => [i, unit(value(i) * f ** 0.25)]);
      moves.push({ changes: times, label: `envelope times ×${f}` });
      moves.push({
        changes: [...times, [lfoRate, unit(value(lfoRate) - Math.log2(f) * octaveUnit)]],
        label: `time course ×${f}`,
      });
    }
    if (value(filterOn) === 0) {
      for (const c of VITAL_FILTER_CUTOFFS)
        moves.push({
          changes: [
            [filterOn, 1],
            [cutoff, cutoffUnit(c)],
          ],
          label: `filter 1 on at ${c}`,
        });
    } else {
      moves.push({ changes: [[filterOn, 0]], label: "filter 1 off" });
      for (const d of VITAL_CUTOFF_JUMPS)
        moves.push({
          changes: [[cutoff, unit(value(cutoff) + d / (cutoffSpec.max - cutoffSpec.min))]],
          label: `filter 1 cutoff ${d > 0 ? "+" : ""}${d}`,
        });
    }
    for (const n of VITAL_UNISON_VOICES)
      if (n !== value(voices)) moves.push({ changes: [[voices, n]], label: `unison ${n} voices` });
    if (value(osc2.on) === 0) {
      for (const l of VITAL_LAYER_LEVELS)
        for (const t of VITAL_LAYER_TRANSPOSES)
          moves.push({
            changes: [
              [osc2.on, 1],
              [osc2.level, l],
              [osc2.transpose, t],
            ],
            label: `oscillator 2 in at ${l}, ${t}`,
          });
    } else {
      moves.push({ changes: [[osc2.on, 0]], label: "oscillator 2 out" });
      for (const d of VITAL_TRANSPOSE_JUMPS)
        moves.push({
          changes: [[osc2.transpose, Math.min(48, Math.max(-48, value(osc2.transpose) + d))]],
          label: `oscillator 2 transpose ${d > 0 ? "+" : ""}${d}`,
        });
    }
    moves.push(...eqMoves(value), ...phaseMoves(value));
    moves.push({ changes: [[sample.on, value(sample.on) === 0 ? 1 : 0]], label: "noise layer in/out" });
    for (const r of VITAL_LEVEL_RATIOS) {
      if (value(sample.on) === 1)
        moves.push({ changes: [[sample.level, unit(value(sample.level) * r)]], label: `noise level ×${r}` });
      moves.push({ changes: [[osc1Level, unit(value(osc1Level) * r)]], label: `oscillator 1 level ×${r}` });
    }
    return moves;
  };
}
