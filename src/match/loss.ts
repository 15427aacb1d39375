/**
 * The loss the matcher minimises (docs/matcher.md, "The loss"): a multi-resolution log-mel spectral distance
 * plus a loudness-envelope term, all in dB, on the candidate level-matched to the target.
 *
 *   L = 0.5 · LSD(2048/512, 128 mel bands)  — exactly the headline mel-LSD of DESIGN §5 (pitch, harmonics)
 *     + 0.25 · LSD(512/256, 40 mel bands)   — 2× finer in time, 4× shorter window (attacks, fast decays)
 *     + 0.25 · E                            — mean |Δ| of the 10 ms RMS envelopes in dB (floor 60 dB below
 *                                             the target's peak, as the §5 envelope error)
 *     + 3 · SC                              — spectral convergence on the 2048/512 linear mel power (§5):
 *                                             the dB terms weigh every frame alike, SC weighs the loud ones
 *
 * Level matching: the candidate is scaled so its RMS over the target's length equals the target's (the gain
 * is clamped to ±60 dB), because a preset's output level is a mixer setting, not timbre, and some engines
 * (DX7) cannot reach a normalised recording's level. The gain is reported with each candidate.
 *
 * Built on the project's audio primitives (src/audio/mel.ts, envelope.ts) and the §5 mel features; the
 * target's features are computed once (`prepareLossTarget`), candidates use preallocated buffers.
 */
import { ENVELOPE_FRAME, rmsEnvelope } from "../audio/envelope.ts";
import { htkMelFilterbank, melPowerSpectrogram, powerToDb, type MelFilterbank } from "../audio/mel.ts";
import { lsdOfDb, MEL_BANDS, MEL_HOP, MEL_N_FFT } from "../metrics/spectral.ts";

export const LOSS_SAMPLE_RATE = 44100;
const FINE_N_FFT = 512;
const FINE_HOP = 256;
const FINE_BANDS = 40;
const ENV_FLOOR_BELOW_PEAK_DB = 60;
const MAX_GAIN_DB = 60;
const SILENT_RMS = 1e-7;

export const LOSS_WEIGHTS = { melLsd: 0.5, fineLsd: 0.25, envelope: 0.25, sc: 3 } as const;

export interface LossTerms {
  /** Weighted total (what the search minimises). */
  loss: number;
  /** mel-LSD (dB) of the level-matched candidate, DESIGN §5. */
  melLsd: number;
  /** LSD (dB) at 512/256 with 40 mel bands. */
  fineLsd: number;
  /** Envelope error (dB). */
  envelope: number;
  /** Spectral convergence (§5) of the level-matched candidate. */
  sc: number;
  /** Gain applied to the candidate (dB). */
  gainDb: number;
}

interface Resolution {
  fb: MelFilterbank;
  nFft: number;
  hop: number;
  frames: number;
  bands: number;
  targetDb: Float32Array;
  targetPower: Float32Array;
  power: Float32Array;
  db: Float32Array;
}

/** The target's features for the loss, computed once, with the scratch buffers candidates need. */
export interface LossTarget {
  samples: Float32Array;
  length: number;
  rms: number;
  coarse: Resolution;
  fine: Resolution;
  envFloorDb: number;
  envTargetDb: Float32Array;
  envFrames: number;
  scratch: Float32Array;
  envScratch: Float32Array;
}

function resolution(samples: Float32Array, nFft: number, hop: number, bands: number): Resolution {
  const fb = htkMelFilterbank(nFft, LOSS_SAMPLE_RATE, bands);
  const spec = melPowerSpectrogram(samples, fb, { nFft, hop });
  const n = spec.frames * spec.bands;
  const targetDb = powerToDb(spec.data, n, new Float32Array(n));
  return {
    fb,
    nFft,
    hop,
    frames: spec.frames,
    bands: spec.bands,
    targetDb,
    targetPower: spec.data,
    power: new Float32Array(n),
    db: new Float32Array(n),
  };
}

function rmsOf(x: Float32Array, n: number): number {
  let acc = 0;
  for (let i = 0; i < n && i < x.length; i++) acc += x[i]! * x[i]!;
  return Math.sqrt(acc / Math.max(1, n));
}

function envelopeDb(env: Float32Array, frames: number, floorDb: number, out: Float32Array): void {
  for (let i = 0; i < frames; i++) {
    const v = env[i]!;
    const db = v > 1e-10 ? 20 * Math.log10(v) : -200;
    out[i] = db > floorDb ? db : floorDb;
  }
}

/** Prepare a target (mono, 44.1 kHz, starting at the onset) for many loss evaluations. */
export function prepareLossTarget(samples: Float32Array): LossTarget {
  const length = samples.length;
  const env = rmsEnvelope(samples, ENVELOPE_FRAME);
  let peak = 0;
  for (const v of env) if (v > peak) peak = v;
  const envFloorDb = 20 * Math.log10(Math.max(peak, 1e-10)) - ENV_FLOOR_BELOW_PEAK_DB;
  const envTargetDb = new Float32Array(env.length);
  envelopeDb(env, env.length, envFloorDb, envTargetDb);
  return {
    samples,
    length,
    rms: rmsOf(samples, length),
    coarse: resolution(samples, MEL_N_FFT, MEL_HOP, MEL_BANDS),
    fine: resolution(samples, FINE_N_FFT, FINE_HOP, FINE_BANDS),
    envFloorDb,
    envTargetDb,
    envFrames: env.length,
    scratch: new Float32Array(length),
    envScratch: new Float32Array(env.length),
  };
}

/** ‖S − Ŝ‖_F / ‖S‖_F between the target's and the last candidate's linear mel power at `r`. */
function convergence(r: Resolution): number {
  const n = r.frames * r.bands;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const d = r.targetPower[i]! - r.power[i]!;
    num += d * d;
    den += r.targetPower[i]! * r.targetPower[i]!;
  }
  return den > 0 ? Math.sqrt(num / den) : num > 0 ? 1 : 0;
}

function lsdAt(r: Resolution, x: Float32Array): number {
  melPowerSpectrogram(x, r.fb, { nFft: r.nFft, hop: r.hop }, r.power);
  const n = r.frames * r.bands;
  powerToDb(r.power, n, r.db);
  return lsdOfDb(r.targetDb, r.db, r.frames, r.bands);
}

/**
 * The level-matched candidate (cut or zero-padded to the target's length) in the target's scratch buffer,
 * and the gain applied. The returned array is overwritten by the next call.
 */
export function levelMatch(t: LossTarget, candidate: Float32Array): { audio: Float32Array; gainDb: number } {
  const x = t.scratch;
  const n = Math.min(candidate.length, t.length);
  const r = rmsOf(candidate, t.length);
  let gain = 1;
  if (r > SILENT_RMS && t.rms > 0) {
    const maxGain = 10 ** (MAX_GAIN_DB / 20);
    gain = Math.min(maxGain, Math.max(1 / maxGain, t.rms / r));
  }
  for (let i = 0; i < n; i++) x[i] = candidate[i]! * gain;
  x.fill(0, n);
  return { audio: x, gainDb: 20 * Math.log10(gain) };
}

/** Every term of the loss for one candidate (mono, 44.1 kHz, rendered from note-on). */
export function lossTerms(t: LossTarget, candidate: Float32Array): LossTerms {
  const { audio, gainDb } = levelMatch(t, candidate);
  const melLsd = lsdAt(t.coarse, audio);
  const sc = convergence(t.coarse);
  const fineLsd = lsdAt(t.fine, audio);
  const env = rmsEnvelope(audio, ENVELOPE_FRAME, t.envScratch);
  envelopeDb(env, t.envFrames, t.envFloorDb, env);
  let acc = 0;
  for (let i = 0; i < t.envFrames; i++) acc += Math.abs(t.envTargetDb[i]! - env[i]!);
  const envelope = acc / t.envFrames;
  const loss =
    LOSS_WEIGHTS.melLsd * melLsd +
    LOSS_WEIGHTS.fineLsd * fineLsd +
    LOSS_WEIGHTS.envelope * envelope +
    LOSS_WEIGHTS.sc * sc;
  return { loss: Number.isFinite(loss) ? loss : Infinity, melLsd, fineLsd, envelope, sc, gainDb };
}

/** The loss of one candidate (see lossTerms). */
export function loss(t: LossTarget, candidate: Float32Array): number {
  return lossTerms(t, candidate).loss;
}

/** Average the channels of a render into one mono signal (the first channel itself when mono). */
export function mixToMono(channels: Float32Array[], out?: Float32Array): Float32Array {
  if (channels.length === 1) return channels[0]!;
  const n = channels[0]?.length ?? 0;
  const m = out && out.length >= n ? out.subarray(0, n) : new Float32Array(n);
  m.fill(0);
  for (const ch of channels) for (let i = 0; i < n; i++) m[i] += ch[i]!;
  const k = 1 / channels.length;
  for (let i = 0; i < n; i++) m[i]! *= k;
  return m;
}
