// Envelope error (DESIGN §5): mean |Δ| of the two RMS envelopes in dB (441-sample frames), both floored at
// 60 dB below the target envelope's peak.
import { ENVELOPE_FRAME, rmsEnvelope } from "../audio/envelope.ts";
import { asTarget, type MetricTarget } from "./target.ts";

const FLOOR_BELOW_PEAK_DB = 60;
const AMIN = 1e-10;

function envelopeDb(env: Float32Array, frames: number, floorDb: number, out: Float32Array): Float32Array {
  for (let i = 0; i < frames; i++) {
    const v = env[i]!;
    const db = 20 * Math.log10(v > AMIN ? v : AMIN);
    out[i] = db > floorDb ? db : floorDb;
  }
  return out;
}

export function envelopeErrorDb(target: MetricTarget | Float32Array, candidate: Float32Array): number {
  const t = asTarget(target);
  const a = t.feature("envelope", () => {
    const env = rmsEnvelope(t.samples, ENVELOPE_FRAME);
    let peak = 0;
    for (const v of env) if (v > peak) peak = v;
    const floorDb = 20 * Math.log10(peak > AMIN ? peak : AMIN) - FLOOR_BELOW_PEAK_DB;
    return {
      frames: env.length,
      floorDb,
      db: envelopeDb(env, env.length, floorDb, new Float32Array(env.length)),
    };
  });
  const x = t.fit(candidate);
  const env = rmsEnvelope(x, ENVELOPE_FRAME, t.buffer("env", a.frames));
  const db = envelopeDb(env, a.frames, a.floorDb, t.buffer("env-db", a.frames));
  let acc = 0;
  for (let i = 0; i < a.frames; i++) acc += Math.abs(a.db[i]! - db[i]!);
  return acc / a.frames;
}

/** Largest |a − b| over the target's length (candidate cut or zero-padded), for engine fidelity. */
export function maxAbsError(target: MetricTarget | Float32Array, candidate: Float32Array): number {
  const t = asTarget(target);
  const x = t.fit(candidate);
  const s = t.samples;
  let m = 0;
  for (let i = 0; i < s.length; i++) {
    const d = Math.abs(s[i]! - x[i]!);
    if (d > m) m = d;
  }
  return m;
}
