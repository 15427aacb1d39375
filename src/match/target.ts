/**
 * Target analysis for the matcher, done once per sound: onset, f0 → MIDI note + fine tune (or "unpitched"),
 * a velocity guess, a note-off estimate, the loudness envelope, and the loss's multi-resolution spectra
 * (`prepareLossTarget`). The sound to match is the part from the onset on, capped at `maxSeconds`.
 */
import { ENVELOPE_FRAME, rmsEnvelope } from "../audio/envelope.ts";
import { hzToMidi, maskedMedian, pitchTrack } from "../audio/pitch.ts";
import { PatchsmithError } from "../errors.ts";
import { LOSS_SAMPLE_RATE, prepareLossTarget, type LossTarget } from "./loss.ts";

export interface TargetOptions {
  /** Longest part of the sound that is matched (s, from the onset). Default 4. */
  maxSeconds?: number;
  /** Known MIDI note (skips pitch detection for the note; fine tune is still measured). */
  note?: number;
  /** Known note-off time (s after the onset). */
  holdSeconds?: number;
  /** Known velocity 1–127. */
  velocity?: number;
  /** Name used in error messages. */
  file?: string;
}

export interface MatchTarget {
  /** Mono 44.1 kHz from the onset, at most maxSeconds long. */
  samples: Float32Array;
  sampleRate: number;
  /** Onset in the original sound (s). */
  onsetSeconds: number;
  durationSeconds: number;
  pitched: boolean;
  /** Median f0 over voiced frames (Hz), NaN when unpitched. */
  f0Hz: number;
  /** MIDI note candidates are played at (nearest to f0; 60 when unpitched unless given). */
  note: number;
  /** f0 relative to `note` (cents), 0 when unpitched. */
  fineTuneCents: number;
  velocity: number;
  /** Estimated (or given) note-off time after the onset (s). */
  holdSeconds: number;
  /** Whether holdSeconds was given rather than estimated (then the search does not move it). */
  holdKnown: boolean;
  /** RMS envelope in dB (10 ms frames). */
  envelopeDb: Float32Array;
  peakDb: number;
  loss: LossTarget;
}

const MIN_SECONDS = 0.05;
const SILENCE_PEAK = 1e-4; // -80 dBFS

/** Analyse a mono 44.1 kHz sound for matching. Throws `silent` or `too-short` for unusable input. */
export function analyseTarget(samples: Float32Array, opts: TargetOptions = {}): MatchTarget {
  const sr = LOSS_SAMPLE_RATE;
  const file = opts.file;
  let peak = 0;
  for (let i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i]!));
  if (!(peak > SILENCE_PEAK))
    throw new PatchsmithError("silent", "the sound is silent (peak below -80 dBFS): nothing to match", file);
  if (samples.length < MIN_SECONDS * sr) {
    throw new PatchsmithError(
      "too-short",
      `the sound lasts ${(samples.length / sr).toFixed(3)} s; at least ${MIN_SECONDS} s is needed`,
      file,
    );
  }

  const onset = findOnset(samples);
  const maxLen = Math.round((opts.maxSeconds ?? 4) * sr);
  const end = Math.min(samples.length, onset + maxLen);
  const cut = samples.slice(onset, end);
  if (cut.length < MIN_SECONDS * sr) {
    throw new PatchsmithError(
      "too-short",
      `only ${(cut.length / sr).toFixed(3)} s of sound after the onset; at least ${MIN_SECONDS} s is needed`,
      file,
    );
  }

  const env = rmsEnvelope(cut, ENVELOPE_FRAME);
  const envelopeDb = Float32Array.from(env, (v) => (v > 1e-10 ? 20 * Math.log10(v) : -200));
  let peakDb = -200;
  let peakFrame = 0;
  envelopeDb.forEach((v, i) => {
    if (v > peakDb) {
      peakDb = v;
      peakFrame = i;
    }
  });

  const { f0Hz, pitched } = detectPitch(cut, sr, opts.note);
  const note = opts.note ?? (pitched ? Math.min(127, Math.max(0, Math.round(hzToMidi(f0Hz)))) : 60);
  const fineTuneCents = pitched ? 100 * (hzToMidi(f0Hz) - note) : 0;
  const holdKnown = opts.holdSeconds !== undefined;
  const holdSeconds = opts.holdSeconds ?? estimateHold(envelopeDb, peakDb, peakFrame, cut.length / sr);

  return {
    samples: cut,
    sampleRate: sr,
    onsetSeconds: onset / sr,
    durationSeconds: cut.length / sr,
    pitched,
    f0Hz,
    note,
    fineTuneCents,
    velocity: opts.velocity ?? 100,
    holdSeconds,
    holdKnown,
    envelopeDb,
    peakDb,
    loss: prepareLossTarget(cut),
  };
}

/**
 * Onset: the first 1 ms frame above (peak − 40 dB), moved back to where the signal starts to rise
 * (a frame under a tenth of that level), so the attack is kept whole.
 */
export function findOnset(x: Float32Array): number {
  const frame = 44;
  const frames = Math.floor(x.length / frame);
  if (frames < 2) return 0;
  const level = new Float32Array(frames);
  let max = 0;
  for (let t = 0; t < frames; t++) {
    let m = 0;
    for (let i = t * frame; i < (t + 1) * frame; i++) m = Math.max(m, Math.abs(x[i]!));
    level[t] = m;
    max = Math.max(max, m);
  }
  const threshold = max * 0.01;
  let t = 0;
  while (t < frames && level[t]! < threshold) t++;
  while (t > 0 && level[t - 1]! > threshold * 0.1) t--;
  return Math.max(0, t * frame);
}

/** Median f0 of the voiced frames, if enough of the sound is voiced to call it pitched. */
export function detectPitch(
  x: Float32Array,
  sampleRate: number,
  knownNote?: number,
): { f0Hz: number; pitched: boolean } {
  const track = pitchTrack(x, sampleRate, { fMinHz: 27, fMaxHz: 4200 });
  let voiced = 0;
  let analysed = 0;
  const quietDb = Math.max(...track.levelDb) - 40;
  for (let t = 0; t < track.frames; t++) {
    if (track.levelDb[t]! < quietDb) continue;
    analysed++;
    if (track.voiced[t]) voiced++;
  }
  const f0 = maskedMedian(track.f0Hz, track.voiced);
  const pitched = Number.isFinite(f0) && f0 > 0 && voiced >= 3 && voiced >= 0.3 * analysed;
  if (!pitched && knownNote !== undefined) return { f0Hz: 440 * 2 ** ((knownNote - 69) / 12), pitched: true };
  if (pitched && knownNote !== undefined) {
    // A given note fixes the octave: fold the measured f0 to the octave nearest the note.
    const k = Math.round((hzToMidi(f0) - knownNote) / 12);
    return { f0Hz: f0 / 2 ** k, pitched: true };
  }
  return { f0Hz: pitched ? f0 : NaN, pitched };
}

/**
 * Note-off estimate: where the level first falls 12 dB below the peak after it, plus 50 ms — a key release
 * usually shows as the start of the final decay. Bounded to [0.05 s, length].
 */
function estimateHold(envDb: Float32Array, peakDb: number, peakFrame: number, seconds: number): number {
  let t = peakFrame;
  while (t < envDb.length && envDb[t]! > peakDb - 12) t++;
  const hold = (t * ENVELOPE_FRAME) / LOSS_SAMPLE_RATE + 0.05;
  return Math.min(seconds, Math.max(0.05, hold));
}
