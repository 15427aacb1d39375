// Oscillator transpose quantize, as Vital applies it. Facts from Vital (Matt Tytel, GPL-3.0), as read in its
// source (synth_oscillator, poly_utils): `osc_N_transpose_quantize` is a bitmask — bits 0–11 are the allowed
// semitones within an octave, bit 12 ("global") snaps the played note plus the transpose instead of the transpose
// alone. Each semitone 0…12 maps to the nearest allowed one (ties go down); a fractional offset is first rounded
// to a semitone. The tune is added after snapping.

const NOTES = 12;
const GLOBAL_BIT = 1 << NOTES;
const NOTE_MASK = GLOBAL_BIT - 1;

/** True when the mask allows at least one semitone (otherwise Vital does not snap at all). */
export function isTransposeSnapping(quantize: number): boolean {
  return (quantize & NOTE_MASK) !== 0;
}

/** For each semitone 0…12 of an octave, the allowed semitone it snaps to (may be below 0 or above 12). */
export function snapTable(quantize: number): Float32Array {
  const allowed = (i: number): boolean => ((quantize >> (i % NOTES)) & 1) === 1;
  let lowest = 0;
  let highest = 0;
  for (let i = 0; i < NOTES; i++) {
    if (!allowed(i)) continue;
    highest = i;
    if (lowest === 0) lowest = i;
  }
  // distance down to the previous allowed semitone
  const down = new Float32Array(NOTES + 1);
  let sinceAllowed = NOTES - highest;
  for (let i = 0; i <= NOTES; i++) {
    if (allowed(i)) sinceAllowed = 0;
    down[i] = sinceAllowed++;
  }
  // walk back up, comparing with the distance up to the next allowed semitone
  const table = new Float32Array(NOTES + 1);
  let untilAllowed = lowest;
  for (let i = NOTES; i >= 0; i--) {
    if (untilAllowed < down[i]!) table[i] = i + untilAllowed;
    else if (down[i] !== 0) table[i] = i - down[i]!;
    else {
      table[i] = i;
      untilAllowed = 0;
    }
    untilAllowed++;
  }
  return table;
}

/**
 * The oscillator's pitch in semitones before tune: `midi + transpose`, snapped by the quantize mask (`table` from
 * `snapTable(quantize)`; pass null when the mask does not snap).
 */
export function snappedPitch(
  midi: number,
  transpose: number,
  quantize: number,
  table: Float32Array | null,
): number {
  if (table === null) return midi + transpose;
  const global = (quantize & GLOBAL_BIT) !== 0;
  const value = global ? midi + transpose : transpose;
  const inOctave = (value / NOTES - Math.floor(value / NOTES)) * NOTES;
  const octave = value - inOctave;
  const snapped = octave + table[Math.round(inOctave)]!;
  return global ? snapped : midi + snapped;
}
