// One-shot note structure from the RMS envelope (441-sample frames): where the sound ends, where the
// note was released, which frames are its sustained part, and whether it has a pitch.
import { maskedMedian, type PitchTrack } from "./pitch.ts";

export interface NoteTiming {
  /** First onset (seconds). */
  onsetSeconds: number;
  /** Time of the envelope's peak (seconds). */
  peakSeconds: number;
  /** Estimated note-off: where the decay suddenly steepens into a release; null if no release was seen. */
  noteOffSeconds: number | null;
  /** Last moment the envelope is within 60 dB of its peak (seconds, at most the signal's length; the onset for silence). */
  endSeconds: number;
}

const END_BELOW_PEAK_DB = 60;

function dbOf(v: number): number {
  return 20 * Math.log10(v > 1e-10 ? v : 1e-10);
}

/**
 * Note-off: the envelope frame after the peak where the decay rate (dB/s over the next 100 ms) exceeds
 * the decay rate over the previous 200 ms (or since the peak, if sooner) by the most, provided the release falls at least 60 dB/s faster,
 * drops at least 10 dB within 200 ms, and starts at least 20 dB above the end floor; then moved to the
 * first frame that falls 3 dB under the continued earlier decay (the start of the fall).
 */
export function noteTiming(
  env: Float32Array,
  frameSeconds: number,
  onsetSeconds: number,
  lengthSeconds = env.length * frameSeconds,
): NoteTiming {
  const n = env.length;
  let peakIdx = 0;
  for (let i = 0; i < n; i++) if (env[i]! > env[peakIdx]!) peakIdx = i;
  if (!(env[peakIdx]! > 0)) {
    return { onsetSeconds, peakSeconds: onsetSeconds, noteOffSeconds: null, endSeconds: onsetSeconds };
  }
  const peakDb = dbOf(env[peakIdx]!);
  const floorDb = peakDb - END_BELOW_PEAK_DB;
  const db = new Float64Array(n);
  for (let i = 0; i < n; i++) db[i] = Math.max(floorDb, dbOf(env[i]!));
  let end = peakIdx;
  for (let i = n - 1; i >= peakIdx; i--) {
    if (db[i]! > floorDb) {
      end = i;
      break;
    }
  }
  const before = Math.max(1, Math.round(0.2 / frameSeconds));
  const after = Math.max(1, Math.round(0.1 / frameSeconds));
  const drop = Math.max(1, Math.round(0.2 / frameSeconds));
  let bestScore = 0;
  let noteOff = -1;
  let bestSlope = 0;
  for (let t = peakIdx + 3; t + drop < n; t++) {
    if (db[t]! < floorDb + 20) break;
    const back = Math.min(before, t - peakIdx);
    const slopeBefore = (db[t]! - db[t - back]!) / (back * frameSeconds);
    const slopeAfter = (db[t + after]! - db[t]!) / (after * frameSeconds);
    const score = slopeBefore - slopeAfter;
    if (score < 60 || db[t]! - db[t + drop]! < 10) continue;
    if (score > bestScore) {
      bestScore = score;
      noteOff = t;
      bestSlope = slopeBefore;
    }
  }
  if (noteOff >= 0) noteOff = fallStart(db, noteOff, peakIdx, before, after, bestSlope * frameSeconds);
  return {
    onsetSeconds,
    peakSeconds: peakIdx * frameSeconds,
    noteOffSeconds: noteOff >= 0 ? noteOff * frameSeconds : null,
    endSeconds: Math.min(lengthSeconds, (end + 1) * frameSeconds),
  };
}

/**
 * Where the fall found around frame `t` begins: the first frame from t − after on that lies 3 dB under the
 * line continuing the earlier decay (mean level over the 200 ms before t − after, slope `slopePerFrame`).
 */
function fallStart(
  db: Float64Array,
  t: number,
  peakIdx: number,
  before: number,
  after: number,
  slopePerFrame: number,
): number {
  const b = Math.max(peakIdx + 1, t - after);
  const a = Math.max(peakIdx, b - before);
  let mean = 0;
  for (let i = a; i < b; i++) mean += db[i]!;
  mean /= Math.max(1, b - a);
  const centre = (a + b - 1) / 2;
  for (let i = b; i <= t + after && i < db.length; i++) {
    if (db[i]! < mean + slopePerFrame * (i - centre) - 3) return i;
  }
  return t;
}

export interface PitchSummary {
  pitched: boolean;
  /** Median f0 over the voiced frames of the sustained part (Hz); NaN when there are none. */
  f0Hz: number;
  /** Voiced fraction of the sustained part's frames. */
  voicedFraction: number;
  /** Fraction of voiced frames within 50 cents of the median. */
  stability: number;
  /** Frames (of the pitch track) counted as the sustained part. */
  sustainedFrames: number;
}

/**
 * The sustained part: pitch frames whose centre lies between onset + 30 ms and the end of the sound, with
 * a level within 30 dB of the loudest pitch frame (the release tail is mostly below that gate; stopping at
 * the note-off estimate instead made short drum hits look pitched from a few frames of tonal body). Pitched when at least half of those frames are
 * voiced and at least 60 % of the voiced ones lie within 50 cents of their median.
 */
export function summarisePitch(track: PitchTrack, timing: NoteTiming): PitchSummary {
  const { frames, hop, window, sampleRate, levelDb, voiced, f0Hz } = track;
  let peak = -Infinity;
  for (let t = 0; t < frames; t++) if (levelDb[t]! > peak) peak = levelDb[t]!;
  const from = timing.onsetSeconds + 0.03;
  const to = timing.endSeconds;
  const mask = new Uint8Array(frames);
  let sustained = 0;
  let voicedCount = 0;
  for (let t = 0; t < frames; t++) {
    const centre = (t * hop + window / 2) / sampleRate;
    if (centre < from || centre > to || levelDb[t]! < peak - 30) continue;
    sustained++;
    if (voiced[t]) {
      mask[t] = 1;
      voicedCount++;
    }
  }
  // Very short sounds: fall back to every voiced frame.
  if (sustained === 0) {
    for (let t = 0; t < frames; t++) {
      if (levelDb[t]! < peak - 30) continue;
      sustained++;
      if (voiced[t]) {
        mask[t] = 1;
        voicedCount++;
      }
    }
  }
  const f0 = maskedMedian(f0Hz, mask);
  let near = 0;
  if (voicedCount)
    for (let t = 0; t < frames; t++) if (mask[t] && Math.abs(1200 * Math.log2(f0Hz[t]! / f0)) <= 50) near++;
  const voicedFraction = sustained ? voicedCount / sustained : 0;
  const stability = voicedCount ? near / voicedCount : 0;
  return {
    pitched: voicedFraction >= 0.5 && stability >= 0.6,
    f0Hz: f0,
    voicedFraction,
    stability,
    sustainedFrames: sustained,
  };
}
