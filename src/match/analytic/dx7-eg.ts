/**
 * Fitting DX7 operator envelopes to measured curves. The operator EG is known exactly (the engine's own
 * OperatorEnvelope, stepped once per 64-sample block), so a fit is a direct search over its eight values
 * (rates R1–R4, levels L1–L4) and, for modulators, the output level: no audio is rendered.
 *
 * The EG's level is a log2 gain: an operator's amplitude is 2^(level/2^24 − 14) of full scale, so a carrier's
 * output in dB and a modulator's index (2π × amplitude: the modulator's output is added to the carrier's
 * phase, one full scale = one cycle) are both linear functions of it.
 */
import { OperatorEnvelope, scaleOutputLevel } from "../../synths/dx7/engine/envelopes.ts";
import { rateConstants } from "../../synths/dx7/engine/render.ts";

const SR = 44100;
const BLOCK = 64;

export interface EgValues {
  rates: [number, number, number, number];
  levels: [number, number, number, number];
  /** Output level 0–99. */
  outputLevel: number;
}

/** A curve to fit: values at times (s after note-on); frames whose weight is 0 are ignored. */
export interface Curve {
  times: Float64Array;
  /** log2 of the amplitude (carriers: dB / 6.0206) or of the index / 2π (modulators). */
  log2: Float64Array;
  weights: Float64Array;
  /** Floor: simulated and measured values below it count as equal to it. */
  floorLog2: number;
  /** Whether a constant offset is free (a carrier under level matching) or the curve is absolute. */
  freeOffset: boolean;
}

const bytes = new Uint8Array(8);
const env = new OperatorEnvelope();

/** log2 amplitude (re. full scale) of the EG with these values at the blocks that hold `times`. */
export function simulateEg(v: EgValues, holdSeconds: number, times: Float64Array, out: Float64Array): void {
  for (let i = 0; i < 4; i++) {
    bytes[i] = v.rates[i]!;
    bytes[4 + i] = v.levels[i]!;
  }
  env.start(bytes, 0, scaleOutputLevel(v.outputLevel) * 32, 0, rateConstants(SR));
  const offBlock = Math.ceil((holdSeconds * SR) / BLOCK);
  let block = 0;
  let level = 0;
  for (let k = 0; k < times.length; k++) {
    const want = Math.floor((times[k]! * SR) / BLOCK);
    while (block <= want) {
      if (block === offBlock) env.keyOff();
      level = env.step();
      block++;
    }
    out[k] = level / 16777216 - 14;
  }
}

function curveError(c: Curve, sim: Float64Array): number {
  const n = c.times.length;
  let offset = 0;
  if (c.freeOffset) {
    // Level matching: the mean difference over the frames the measured curve has above its floor.
    let acc = 0;
    let w = 0;
    for (let i = 0; i < n; i++) {
      if (c.log2[i]! <= c.floorLog2) continue;
      acc += c.weights[i]! * (c.log2[i]! - sim[i]!);
      w += c.weights[i]!;
    }
    offset = w > 0 ? acc / w : 0;
  }
  let err = 0;
  let wsum = 0;
  for (let i = 0; i < n; i++) {
    const wi = c.weights[i]!;
    if (wi === 0) continue;
    const a = Math.max(c.floorLog2, sim[i]! + offset);
    const b = Math.max(c.floorLog2, c.log2[i]!);
    err += wi * Math.abs(a - b);
    wsum += wi;
  }
  return wsum > 0 ? err / wsum : 0;
}

/** One searched value; "shift" moves L1–L3 together (their common level, coupled to the curve's offset). */
type Key = "r0" | "r1" | "r2" | "r3" | "l0" | "l1" | "l2" | "l3" | "ol" | "shift";

function get(v: EgValues, k: Key): number {
  if (k === "shift") return Math.max(v.levels[0], v.levels[1], v.levels[2]);
  if (k === "ol") return v.outputLevel;
  return (k[0] === "r" ? v.rates : v.levels)[Number(k[1])]!;
}
function set(v: EgValues, k: Key, x: number): void {
  if (k === "shift") {
    const d = x - get(v, k);
    for (let i = 0; i < 3; i++) v.levels[i] = Math.min(99, Math.max(0, v.levels[i]! + d));
  } else if (k === "ol") v.outputLevel = x;
  else (k[0] === "r" ? v.rates : v.levels)[Number(k[1])] = x;
}

function copy(v: EgValues): EgValues {
  return { rates: [...v.rates], levels: [...v.levels], outputLevel: v.outputLevel };
}

/**
 * A first guess from the curve: full level at its peak (output level from the peak for absolute curves), the
 * level it has at the note-off as the sustain, rates left to the search.
 */
function guess(c: Curve, holdSeconds: number): EgValues {
  let peak = -Infinity;
  let atHold = c.floorLog2;
  for (let i = 0; i < c.times.length; i++) {
    if (c.log2[i]! > peak) peak = c.log2[i]!;
    if (c.times[i]! <= holdSeconds) atHold = c.log2[i]!;
  }
  // One EG level or output level step is 1/8 octave (above 20); at L 99 and OL 99 the gain is 2^1.
  const sustain = Math.round(Math.min(99, Math.max(0, 99 + 8 * (Math.max(atHold, c.floorLog2) - peak))));
  const ol = c.freeOffset ? 99 : Math.round(Math.min(99, Math.max(0, 99 + 8 * (peak - 1))));
  return { rates: [99, 50, 50, 60], levels: [99, sustain, sustain, 0], outputLevel: ol };
}

/**
 * Coordinate search over the EG values (and the output level when the curve is absolute) from a few typical
 * shapes; returns the best values and their error (mean |Δ log2| over the weighted frames).
 */
export function fitEg(
  curve: Curve,
  holdSeconds: number,
  starts?: EgValues[],
): { eg: EgValues; error: number } {
  const sim = new Float64Array(curve.times.length);
  // With a free offset (a carrier), the loudest of L1–L3 is kept at 99: the same shape lower down would be
  // played quieter by the engine and drown in its 16-bit quantisation once level-matched.
  const normalise = (v: EgValues) => {
    if (curve.freeOffset) set(v, "shift", 99);
  };
  const score = (v: EgValues) => {
    normalise(v);
    simulateEg(v, holdSeconds, curve.times, sim);
    return curveError(curve, sim);
  };
  const keys: Key[] = ["r0", "r1", "r2", "r3", "l0", "l1", "l2", "l3"];
  if (!curve.freeOffset) keys.push("ol", "shift");
  const ol = curve.freeOffset ? 99 : 80;
  const initial: EgValues[] = starts ?? [
    guess(curve, holdSeconds),
    { rates: [99, 50, 40, 60], levels: [99, 80, 60, 0], outputLevel: ol },
    { rates: [99, 30, 20, 50], levels: [99, 50, 0, 0], outputLevel: ol },
    { rates: [99, 99, 99, 60], levels: [99, 99, 99, 0], outputLevel: ol },
    { rates: [60, 40, 30, 50], levels: [99, 90, 80, 0], outputLevel: ol },
  ];
  let best = { eg: copy(initial[0]!), error: Infinity };
  for (const s of initial) {
    const v = copy(s);
    normalise(v);
    let e = score(v);
    // Line searches: each value in turn scanned over its whole range (step 3, then ±2 around the best),
    // until a pass changes nothing.
    for (let pass = 0; pass < 6; pass++) {
      let changed = false;
      for (const k of keys) {
        const x0 = get(v, k);
        let bx = x0;
        const tryValue = (x: number) => {
          if (x < 0 || x > 99 || x === bx) return;
          const w = copy(v);
          set(w, k, x);
          const ew = score(w);
          if (ew < e - 1e-9) {
            e = ew;
            bx = x;
          }
        };
        for (let x = 0; x <= 99; x += 3) tryValue(x);
        tryValue(99);
        const centre = bx;
        for (let d = -2; d <= 2; d++) tryValue(centre + d);
        if (bx !== x0) {
          set(v, k, bx);
          normalise(v);
          changed = true;
        }
      }
      if (!changed) break;
    }
    if (e < best.error) best = { eg: v, error: e };
  }
  return best;
}

/** A modulator's index (radians) as the log2 amplitude its EG must reach (see the module comment). */
export const indexToLog2 = (index: number): number => Math.log2(index / (2 * Math.PI));
