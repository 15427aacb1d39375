// Modulation of effect parameters. While a voice sounds, the chain takes the newest voice's per-parameter
// offsets (every source; chain.setVoiceModulation). Without one, the sources every voice shares still apply:
// the four macros and the last played note (`note`, `note_in_octave`), with the voice's slot arithmetic
// (amount × range, bipolar, power curve, remap line), clamped to the parameter's range.

import { powerCurve, readLine } from "../curves.ts";
import {
  PARAM_MAX,
  PARAM_MIN,
  PARAM_NAMES,
  SRC_MACRO,
  SRC_NOTE,
  SRC_NOTE_IN_OCTAVE,
  pid,
  type ModSlot,
  type VitalProgram,
} from "../program.ts";

const EFFECT_PARAM = /^(chorus|compressor|delay|distortion|eq|filter_fx|flanger|phaser|reverb)_/;
const MACROS = [1, 2, 3, 4].map((k) => pid(`macro_control_${k}`));

function globalSource(source: number): boolean {
  return (
    (source >= SRC_MACRO && source < SRC_MACRO + 4) || source === SRC_NOTE || source === SRC_NOTE_IN_OCTAVE
  );
}

/** Effect parameters that any slot drives (from any source). */
export function effectDestinations(program: VitalProgram): Int32Array {
  const set = new Set<number>();
  for (const s of program.slots) if (EFFECT_PARAM.test(PARAM_NAMES[s.dest] ?? "")) set.add(s.dest);
  return Int32Array.from(set);
}

/** Slots that drive an effect parameter from a global source. */
export function effectSlots(program: VitalProgram): ModSlot[] {
  return program.slots.filter((s) => EFFECT_PARAM.test(PARAM_NAMES[s.dest] ?? "") && globalSource(s.source));
}

/**
 * Write program.values plus the global-source modulation of effect parameters into `out`; `right`: the right
 * channel's values (stereo slots subtract their modulation there, as in the voice).
 */
export function modulateEffectParams(
  program: VitalProgram,
  slots: readonly ModSlot[],
  note: number,
  out: Float64Array,
  right = false,
): void {
  out.set(program.values);
  if (slots.length === 0) return;
  const p = program.values;
  for (const slot of slots) {
    let s: number;
    if (slot.source === SRC_NOTE) s = note / 127;
    else if (slot.source === SRC_NOTE_IN_OCTAVE) s = (((note % 12) + 12) % 12) / 12;
    else s = p[MACROS[slot.source - SRC_MACRO]!]!;
    if (slot.mapping) s = readLine(slot.mapping, s);
    const amount = Math.max(-1, Math.min(1, p[slot.amountIndex]!));
    const power = p[slot.powerIndex]!;
    let x: number;
    if (slot.bipolar) {
      const b = 2 * s - 1;
      x = 0.5 * (power !== 0 ? Math.sign(b) * powerCurve(Math.abs(b), -power) : b);
    } else x = power !== 0 ? Math.sign(s) * powerCurve(Math.abs(s), -power) : s;
    const sign = right && slot.stereo ? -1 : 1;
    out[slot.dest] = out[slot.dest]! + sign * x * amount * slot.range;
  }
  for (const slot of slots) {
    const i = slot.dest;
    out[i] = Math.min(PARAM_MAX[i]!, Math.max(PARAM_MIN[i]!, out[i]!));
  }
}

/**
 * Whether `param` stays at or below 0 through a whole render: its value is ≤ 0 and every slot driving it is a
 * macro whose (mapped) value makes the slot's contribution exactly 0 (a macro nothing modulates), so the
 * voices' and the global modulation both leave it at its value. An effect whose mix stays at 0 passes its
 * input through unchanged and its state is never heard.
 */
export function staysAtOrBelowZero(program: VitalProgram, param: number): boolean {
  const p = program.values;
  if (!(p[param]! <= 0)) return false;
  for (const slot of program.slots) {
    if (slot.dest !== param) continue;
    const macro = MACROS[slot.source - SRC_MACRO];
    if (macro === undefined || program.slots.some((s) => s.dest === macro)) return false;
    const s = slot.mapping ? readLine(slot.mapping, p[macro]!) : p[macro]!;
    // a zero source (bipolar: a centred one) gives a zero contribution whatever the amount and power
    if ((slot.bipolar ? 2 * s - 1 : s) !== 0) return false;
  }
  return true;
}
