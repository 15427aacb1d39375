/**
 * Target analysis for the matcher, done once per sound: onset, f0 → MIDI note + fine tune (or "unpitched"),
 * a velocity guess, a note-off estimate, the loudness envelope, and the loss's multi-resolution spectra
 * (`prepareLossTarget`). The sound to match is the part from the onset on, capped at `maxSeconds`.
 */
import { ENVELOPE_FRAME, rmsEnvelope } from "../audio/envelope.ts";
import { hzToMidi, midiToHz, pitchTrack } from "../audio/pitch.ts";
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
  /** Tempo the sound was played at (BPM), for tempo-synced parts of the candidates. Default 120, like a host. */
  bpm?: number;
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
  /** Tempo candidates are rendered at (BPM). */
  bpm: number;
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
/** What a host plays at unless told otherwise (and the tempo Vital's reference renders use). */
export const DEFAULT_BPM = 120;
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
    bpm: opts.bpm ?? DEFAULT_BPM,
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

/** Frames quieter than this below the loudest are left out of the pitch decision. */
const PITCH_QUIET_DB = 40;
/** Pitched: at least this share of the non-quiet frames is voiced … */
const MIN_VOICED_FRAMES = 0.3;
/** … and the voiced frames hold at least this share of their amplitude (a hum in a drum's tail does not). */
const MIN_VOICED_AMPLITUDE = 0.3;
/** Frames within this many semitones of one another count as one pitch (vibrato, glides, tuning drift). */
const CLUSTER_SEMITONES = 0.75;
/** A frame's f0 explains a given note when it is within this many semitones of one of the note's multiples. */
const NOTE_MATCH_SEMITONES = 0.6;
/** The multiples of a given note's f0 a frame's f0 may have locked to (sub-octaves and harmonics). */
const NOTE_MULTIPLES = [1 / 8, 1 / 4, 1 / 2, 1, 2, 3, 4, 5, 6, 8];

/**
 * f0 of a sound, if enough of it is periodic to call it pitched: the dominant pitch of the voiced frames
 * (amplitude-weighted: the pitch the loud part holds longest, not a median of frames that alternate between
 * the note and a low rumble or hum), the median of that pitch's frames. With a known note, frames locked to
 * one of the note's multiples or sub-octaves count too, folded to it; if none does, the note's own frequency.
 */
export function detectPitch(
  x: Float32Array,
  sampleRate: number,
  knownNote?: number,
): { f0Hz: number; pitched: boolean } {
  const track = pitchTrack(x, sampleRate, { fMinHz: 27, fMaxHz: 4200 });
  const quietDb = Math.max(...track.levelDb) - PITCH_QUIET_DB;
  const midi: number[] = [];
  const weight: number[] = [];
  let analysed = 0;
  let amplitude = 0;
  let voicedAmplitude = 0;
  for (let t = 0; t < track.frames; t++) {
    if (track.levelDb[t]! < quietDb) continue;
    const a = 10 ** (track.levelDb[t]! / 20);
    analysed++;
    amplitude += a;
    if (!track.voiced[t] || !(track.f0Hz[t]! > 0)) continue;
    voicedAmplitude += a;
    midi.push(hzToMidi(track.f0Hz[t]!));
    weight.push(a);
  }
  if (knownNote !== undefined) {
    const folded: number[] = [];
    const w: number[] = [];
    midi.forEach((m, i) => {
      for (const h of NOTE_MULTIPLES) {
        const f = m - 12 * Math.log2(h);
        if (Math.abs(f - knownNote) <= NOTE_MATCH_SEMITONES) {
          folded.push(f);
          w.push(weight[i]!);
          break;
        }
      }
    });
    const m = dominantPitch(folded, w);
    return { f0Hz: midiToHz(Number.isFinite(m) ? m : knownNote), pitched: true };
  }
  const m = dominantPitch(midi, weight);
  const pitched =
    Number.isFinite(m) &&
    midi.length >= 3 &&
    midi.length >= MIN_VOICED_FRAMES * analysed &&
    voicedAmplitude >= MIN_VOICED_AMPLITUDE * amplitude;
  return { f0Hz: pitched ? midiToHz(m) : NaN, pitched };
}

/**
 * The pitch (MIDI, fractional) held by the most weight: each frame's weight goes to every frame within
 * CLUSTER_SEMITONES, the heaviest frame's neighbourhood wins, and the median of its frames is returned (the
 * weights choose the pitch; within it every frame counts alike, as in the loss's dB terms).
 * NaN when there are no frames.
 */
export function dominantPitch(midi: number[], weight: number[]): number {
  let best = -1;
  let bestWeight = 0;
  for (let i = 0; i < midi.length; i++) {
    let w = 0;
    for (let j = 0; j < midi.length; j++)
      if (Math.abs(midi[j]! - midi[i]!) < CLUSTER_SEMITONES) w += weight[j]!;
    if (w > bestWeight) {
      bestWeight = w;
      best = i;
    }
  }
  if (best < 0) return NaN;
  const members = midi.filter((m) => Math.abs(m - midi[best]!) < CLUSTER_SEMITONES).sort((a, b) => a - b);
  const h = members.length >> 1;
  return members.length % 2 ? members[h]! : 0.5 * (members[h - 1]! + members[h]!);
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
