/**
 * Which dimensions of a bank embedding (src/match/embed.ts) are compared with a target's. The bank's presets
 * are rendered with the note released at `EMBED_HOLD_SECONDS` (0.8 s, src/match/embed-task.ts); after that
 * a held target differs from its own preset's render only because the note was held longer. Compared anyway,
 * those dimensions buried near-copies: on dx7-refs target 2 (held 1 s, an organ that stops at its note-off)
 * a bank voice 0.3 dB mel-LSD away ranked 6,434th of 30,700 by the whole embedding and 1st without them
 * (docs/matcher.md). So a target held past the bank's note-off is compared on the dimensions that end by it.
 *
 * The mask follows embed.ts's layout (test/match-embed-mask.test.ts checks it against embedSound): four
 * spectral segments (0–0.1, 0.1–0.3, 0.3–0.6, 0.6–1 s; 2048-sample frames, hop 512, not centred, so the third
 * segment's frames end by 0.63 s) of 40 bands, then 20 envelope points 50 ms apart. The embedding's
 * normalisation (to the loudest band and envelope point of the whole second) still sees the later part.
 */
import { EMBED_DIMS } from "./embed.ts";

const BANDS = 40;
/** Time (s) by which each spectral segment's frames have ended. */
const SEGMENT_ENDS = [0.1 + 2048 / 44100, 0.3 + 2048 / 44100, 0.6 + 2048 / 44100, 1 + 2048 / 44100];
const ENV_POINTS = 20;
const ENV_STEP = 0.05;
/** A target released within this of the bank's note-off is compared on every dimension. */
const SAME_HOLD = 0.05;

/** Weights (0/1) of the embedding's dimensions for a target released at `holdSeconds`; undefined: all. */
export function embeddingMask(holdSeconds: number, bankHoldSeconds: number): Float32Array | undefined {
  if (!(holdSeconds > bankHoldSeconds + SAME_HOLD)) return undefined;
  const mask = new Float32Array(EMBED_DIMS);
  SEGMENT_ENDS.forEach((end, s) => {
    if (end <= bankHoldSeconds) mask.fill(1, s * BANDS, (s + 1) * BANDS);
  });
  const env = SEGMENT_ENDS.length * BANDS;
  for (let k = 0; k < ENV_POINTS; k++) if ((k + 1) * ENV_STEP <= bankHoldSeconds + 1e-9) mask[env + k] = 1;
  return mask;
}

/** Squared distance over the masked dimensions (all of them without a mask). */
export function maskedDistance(
  a: Float32Array,
  aOffset: number,
  b: Float32Array,
  mask: Float32Array | undefined,
): number {
  let d = 0;
  for (let i = 0; i < EMBED_DIMS; i++) {
    const e = a[aOffset + i]! - b[i]!;
    d += (mask ? mask[i]! : 1) * e * e;
  }
  return d;
}
