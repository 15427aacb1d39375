/**
 * Vital's DAHDSR envelope as a closed-form model (delay and hold at zero) and a fit of the amplitude
 * envelope (env_1) to a target's 10 ms RMS envelope. Envelope facts from ../shared/reference/vital.md §4
 * (Vital, GPL-3.0, Matt Tytel): stage times are raw⁴ seconds, the curve is P(p, k) = (e^{kp} − 1)/(e^k − 1),
 * the attack bends with −attack_power, decay and release with +power, and env_1's gain is its value squared.
 */
import { ENVELOPE_FRAME } from "../../audio/envelope.ts";

/** Raw stored values of env_N_attack … env_N_release_power. */
export interface VitalEnvelope {
  attack: number;
  attackPower: number;
  decay: number;
  decayPower: number;
  sustain: number;
  release: number;
  releasePower: number;
}

const KEYS = ["attack", "attackPower", "decay", "decayPower", "sustain", "release", "releasePower"] as const;
const MAX_TIME = 2.3784142; // raw: 32 s
const BOUNDS: Record<(typeof KEYS)[number], [number, number]> = {
  attack: [0, 1.3],
  attackPower: [-10, 10],
  decay: [0, MAX_TIME],
  decayPower: [-20, 20],
  sustain: [0, 1],
  release: [0, MAX_TIME],
  releasePower: [-20, 20],
};

export function powerCurve(p: number, k: number): number {
  if (Math.abs(k) < 0.005) return p;
  return (Math.exp(k * p) - 1) / (Math.exp(k) - 1);
}

/** Inverse of powerCurve in p. */
export function inversePowerCurve(v: number, k: number): number {
  if (Math.abs(k) < 0.005) return v;
  return Math.log(1 + v * (Math.exp(k) - 1)) / k;
}

/** The envelope's value at time t (s after note-on) with the note released at `hold` (s). */
export function envelopeValue(e: VitalEnvelope, t: number, hold: number): number {
  const out = new Float64Array(1);
  envelopeValues(e, [t], hold, out);
  return out[0]!;
}

/** The envelope's values at several times (a tight loop: the fit evaluates it a great many times). */
export function envelopeValues(
  e: VitalEnvelope,
  times: ArrayLike<number>,
  hold: number,
  out: Float64Array,
): void {
  const a = e.attack ** 4;
  const d = e.decay ** 4;
  const r = e.release ** 4;
  const s = Math.min(1, Math.max(0, e.sustain));
  const ka = -e.attackPower;
  const kd = e.decayPower;
  const kr = e.releasePower;
  const ea = Math.exp(ka) - 1;
  const ed = Math.exp(kd) - 1;
  const er = Math.exp(kr) - 1;
  const before = (u: number): number => {
    if (u < a) {
      const p = u / a;
      return Math.abs(ka) < 0.005 ? p : (Math.exp(ka * p) - 1) / ea;
    }
    if (u - a < d) {
      const p = (u - a) / d;
      return 1 - (1 - s) * (Math.abs(kd) < 0.005 ? p : (Math.exp(kd * p) - 1) / ed);
    }
    return s;
  };
  const v0 = before(hold);
  for (let i = 0; i < times.length; i++) {
    const t = times[i]!;
    if (t < hold) {
      out[i] = before(Math.max(0, t));
      continue;
    }
    const u = t - hold;
    if (u >= r) {
      out[i] = 0;
      continue;
    }
    const p = u / r;
    out[i] = v0 * (1 - (Math.abs(kr) < 0.005 ? p : (Math.exp(kr * p) - 1) / er));
  }
}

export interface EnvelopeFit {
  envelope: VitalEnvelope;
  /** Mean |dB| difference of the fitted and target envelopes (level-matched, floored like the loss). */
  errorDb: number;
}

/**
 * Fit env_1 (output gain = value²) to an RMS envelope in dB (10 ms frames): heuristic starts from the
 * envelope's landmarks, then a bounded pattern search on the loss's envelope error.
 */
export function fitAmplitudeEnvelope(envelopeDb: Float32Array, holdSeconds: number): EnvelopeFit {
  const frames = envelopeDb.length;
  const dt = ENVELOPE_FRAME / 44100;
  let peakDb = -Infinity;
  let peakFrame = 0;
  for (let i = 0; i < frames; i++) {
    if (envelopeDb[i]! > peakDb) {
      peakDb = envelopeDb[i]!;
      peakFrame = i;
    }
  }
  const floor = peakDb - 60;
  const floorLin = 10 ** (floor / 20);
  const target = Float64Array.from(envelopeDb, (v) => Math.max(v, floor));
  let targetEnergy = 0;
  for (const v of target) targetEnergy += 10 ** (v / 10);
  const model = new Float64Array(frames);
  const times = Float64Array.from({ length: frames }, (_, i) => (i + 0.5) * dt);

  const error = (e: VitalEnvelope): number => {
    envelopeValues(e, times, holdSeconds, model);
    let energy = 0;
    for (let i = 0; i < frames; i++) {
      model[i] = model[i]! * model[i]!;
      energy += model[i]! ** 2;
    }
    if (!(energy > 0)) return Infinity;
    const gain = Math.sqrt(targetEnergy / energy);
    let acc = 0;
    for (let i = 0; i < frames; i++) {
      const m = model[i]! * gain;
      const db = m > floorLin ? 20 * Math.log10(m) : floor;
      acc += Math.abs(db - target[i]!);
    }
    return acc / frames;
  };

  // Landmarks: time to the peak, the level just before the note-off, how long the decay and release take.
  const holdFrame = Math.min(frames - 1, Math.max(0, Math.floor(holdSeconds / dt) - 1));
  const holdDb = target[Math.max(holdFrame, peakFrame)]!;
  const sustainLin = Math.min(1, Math.sqrt(10 ** ((holdDb - peakDb) / 20)));
  let decayEnd = peakFrame;
  while (decayEnd < holdFrame && target[decayEnd]! > holdDb + 3) decayEnd++;
  let releaseEnd = Math.max(holdFrame, peakFrame);
  while (releaseEnd < frames - 1 && target[releaseEnd]! > Math.max(floor, holdDb - 40)) releaseEnd++;
  const attack = Math.max(0, peakFrame * dt) ** 0.25;
  const decay = Math.max(0.01, (decayEnd - peakFrame) * dt * 1.5) ** 0.25;
  const release = Math.max(0.01, (releaseEnd - holdFrame) * dt) ** 0.25;

  let best: EnvelopeFit | undefined;
  for (const decayPower of [-4, 0, 4]) {
    for (const sustain of sustainLin > 0.3 ? [sustainLin] : [0, sustainLin]) {
      const e: VitalEnvelope = {
        attack,
        attackPower: 0,
        decay,
        decayPower,
        sustain,
        release,
        releasePower: -2,
      };
      const fit = patternSearch(e, error);
      if (!best || fit.errorDb < best.errorDb) best = fit;
    }
  }
  return best!;
}

function patternSearch(start: VitalEnvelope, error: (e: VitalEnvelope) => number): EnvelopeFit {
  const e = { ...start };
  const span = (k: (typeof KEYS)[number]) => BOUNDS[k][1] - BOUNDS[k][0];
  const step = Object.fromEntries(KEYS.map((k) => [k, 0.1 * span(k)])) as Record<
    (typeof KEYS)[number],
    number
  >;
  let current = error(e);
  for (let round = 0; round < 120; round++) {
    let improved = false;
    for (const k of KEYS) {
      for (const dir of [1, -1]) {
        const old = e[k];
        const [lo, hi] = BOUNDS[k];
        e[k] = Math.min(hi, Math.max(lo, old + dir * step[k]));
        const err = error(e);
        if (err < current - 1e-9) {
          current = err;
          improved = true;
          break;
        }
        e[k] = old;
      }
    }
    if (!improved) {
      let small = true;
      for (const k of KEYS) {
        step[k] /= 2;
        if (step[k] > 0.002 * span(k)) small = false;
      }
      if (small) break;
    }
  }
  return { envelope: e, errorDb: current };
}
