/**
 * Where a target's spectrum ends: the highest mel band of the metrics' spectrogram (2048/512, 128 HTK
 * bands, each frame's power floored 80 dB below the whole spectrogram's maximum — DESIGN §5) that is
 * audible above that floor in at least half of the frames where the sound is. Above it the target is the
 * floor itself, and any candidate energy there, however faint, costs its full distance in dB: a Vital
 * wavetable's frame cross-fades and spectral interpolation leave such a faint broadband residue.
 */
import { hzToMelHtk, melToHzHtk } from "../../audio/mel.ts";
import type { MatchTarget } from "../target.ts";

/** A band counts as audible in a frame this far above the floor (dB). */
const AUDIBLE_DB = 6;
/** Frames where the sound is: the loudest band this far above the floor (dB). */
const ACTIVE_DB = 20;
/** The metrics' mel bands span 20 Hz … 16 kHz (DESIGN §5). */
const MEL_LOW_HZ = 20;
const MEL_HIGH_HZ = 16000;

/** Upper edge (Hz) of the highest band audible in at least half of the active frames (16 kHz if the top one is). */
export function contentEdgeHz(target: MatchTarget): number {
  const { targetDb, frames, bands } = target.loss.coarse;
  let max = -Infinity;
  for (let i = 0; i < frames * bands; i++) max = Math.max(max, targetDb[i]!);
  const floor = max - 80;
  const audible = new Float64Array(bands);
  let active = 0;
  for (let f = 0; f < frames; f++) {
    let loudest = -Infinity;
    for (let b = 0; b < bands; b++) loudest = Math.max(loudest, targetDb[f * bands + b]!);
    if (loudest < floor + ACTIVE_DB) continue;
    active++;
    for (let b = 0; b < bands; b++) if (targetDb[f * bands + b]! > floor + AUDIBLE_DB) audible[b]!++;
  }
  let edge = bands - 1;
  while (edge > 0 && audible[edge]! < 0.5 * active) edge--;
  const lo = hzToMelHtk(MEL_LOW_HZ);
  const hi = hzToMelHtk(MEL_HIGH_HZ);
  return melToHzHtk(lo + ((hi - lo) * (edge + 2)) / (bands + 1));
}
