// Pitch error (DESIGN §5): difference in cents of the median f0 over the voiced frames of the sustained
// part of each sound (the sustained part and voicing are defined in src/audio/note.ts and pitch.ts).
import { ENVELOPE_FRAME, rmsEnvelope } from "../audio/envelope.ts";
import { noteTiming, summarisePitch, type PitchSummary } from "../audio/note.ts";
import { firstOnsetSample } from "../audio/onsets.ts";
import { pitchTrack } from "../audio/pitch.ts";
import { asTarget, type MetricTarget } from "./target.ts";

/** The sustained-part pitch of a signal (f0 median, pitched verdict). */
export function sustainedPitch(x: Float32Array, sampleRate = 44100): PitchSummary {
  const frame = Math.max(1, Math.round((ENVELOPE_FRAME * sampleRate) / 44100));
  const timing = noteTiming(
    rmsEnvelope(x, frame),
    frame / sampleRate,
    firstOnsetSample(x, sampleRate) / sampleRate,
    x.length / sampleRate,
  );
  return summarisePitch(pitchTrack(x, sampleRate), timing);
}

/**
 * Signed pitch difference candidate − target in cents. 0 when neither sound has a pitch; NaN when only one
 * of them has (no meaningful difference). The median f0 is used whenever voiced frames exist, even if the
 * pitched verdict (which also asks for stability) is negative.
 */
export function pitchErrorCentsSigned(target: MetricTarget | Float32Array, candidate: Float32Array): number {
  const t = asTarget(target);
  const a = t.feature("pitch", () => sustainedPitch(t.samples, t.sampleRate));
  const b = sustainedPitch(t.fit(candidate), t.sampleRate);
  const fa = Number.isFinite(a.f0Hz);
  const fb = Number.isFinite(b.f0Hz);
  if (!fa && !fb) return 0;
  if (!fa || !fb) return NaN;
  return 1200 * Math.log2(b.f0Hz / a.f0Hz);
}

/** |pitch error| in cents (see pitchErrorCentsSigned for the unpitched cases). */
export function pitchErrorCents(target: MetricTarget | Float32Array, candidate: Float32Array): number {
  return Math.abs(pitchErrorCentsSigned(target, candidate));
}
