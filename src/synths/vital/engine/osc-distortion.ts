// Vital's oscillator distortions (`osc_N_distortion_type` 1–12): phase warps (sync, formant, quantize, bend,
// squeeze, pulse) and FM / ring modulation from another oscillator or the sample. Facts (amount mappings,
// warp formulas, unison spread, processing order, which signal modulates) from Vital's synth_oscillator.cpp and
// producers_module.cpp (Matt Tytel, GPL-3.0); no Vital code is used. Phases are in cycles: `q` ∈ [0, 1) is the
// oscillator's phase after the phase offset (Vital's 32-bit phase / 2³²); a warp returns the position read from
// the band-limited cycle, taken modulo 1. Nothing here allocates after construction.

import { DOUBLE_ZERO } from "./double-field.ts";

export const DIST_NONE = 0;
export const DIST_SYNC = 1;
export const DIST_FORMANT = 2;
export const DIST_QUANTIZE = 3;
export const DIST_BEND = 4;
export const DIST_SQUEEZE = 5;
export const DIST_PULSE = 6;
export const DIST_FM_A = 7;
export const DIST_FM_B = 8;
export const DIST_FM_SAMPLE = 9;
export const DIST_RM_A = 10;
export const DIST_RM_B = 11;
export const DIST_RM_SAMPLE = 12;
/** Every `osc_N_distortion_type` value this module renders. */
export const DISTORTION_TYPES: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

/** Sync and formant multiply the phase by 2^(±4) at most. */
const MAX_SYNC = 16;
const MAX_QUANTIZE = 0.85;
const QUANTIZE_BITS = 32;
const MAX_SQUEEZE = 0.95;
/** FM shifts the phase by 48 eighth-cycles per unit of modulator at full amount. */
const FM_CYCLES = 6;
/** Vital's FM offset is a 32-bit phase of (modulator · value / 8); at 4 or more it overflows to 0. */
const FM_OVERFLOW = 4;
const MAX_PAIRS = 8;
export const MODULATOR_SAMPLE = 3;

export function isFm(type: number): boolean {
  return type >= DIST_FM_A && type <= DIST_FM_SAMPLE;
}

export function isRm(type: number): boolean {
  return type >= DIST_RM_A && type <= DIST_RM_SAMPLE;
}

/** Vital's "oscillator A" and "B" of oscillator `osc` (0-based): the two others in ascending order. */
export function modulatorA(osc: number): number {
  return osc === 0 ? 1 : 0;
}

export function modulatorB(osc: number): number {
  return osc === 1 ? 2 : modulatorA(osc) + 1;
}

/** What modulates oscillator `osc` (0-based): another oscillator 0–2, MODULATOR_SAMPLE, or -1. */
export function modulatorOf(osc: number, type: number): number {
  if (type === DIST_FM_A || type === DIST_RM_A) return modulatorA(osc);
  if (type === DIST_FM_B || type === DIST_RM_B) return modulatorB(osc);
  if (type === DIST_FM_SAMPLE || type === DIST_RM_SAMPLE) return MODULATOR_SAMPLE;
  return -1;
}

/**
 * The order oscillators run in, as Vital: round-robin from oscillator 1, each waiting until the oscillator it
 * reads (FM/RM from A or B) has run, for at most nine tries. Oscillators left out (a modulation cycle) never
 * run, so they are silent — as in Vital.
 */
export function processingOrder(types: readonly number[]): number[] {
  const done = [false, false, false];
  const order: number[] = [];
  let index = 0;
  for (let i = 0; i < 9 && order.length < 3; i++) {
    const t = types[index] ?? 0;
    const waitsA = (t === DIST_FM_A || t === DIST_RM_A) && !done[modulatorA(index)];
    const waitsB = (t === DIST_FM_B || t === DIST_RM_B) && !done[modulatorB(index)];
    if (!waitsA && !waitsB && !done[index]) {
      done[index] = true;
      order.push(index);
    }
    index = (index + 1) % 3;
  }
  return order;
}

/** Whether the type reads `osc_N_distortion_phase` (the warps); FM and RM do not. */
export function usesDistortionPhase(type: number): boolean {
  return type >= DIST_SYNC && type <= DIST_PULSE;
}

/** The per-sample distortion value of a type for an amount in [0, 1] (Vital's mapping per type). */
export function distortionValue(type: number, amount: number): number {
  switch (type) {
    case DIST_FM_A:
    case DIST_FM_B:
    case DIST_FM_SAMPLE:
      return amount * amount;
    case DIST_SYNC:
    case DIST_FORMANT:
      return Math.pow(2, (amount - 0.5) * 2 * Math.log2(MAX_SYNC)) / MAX_SYNC;
    case DIST_QUANTIZE: {
      const d = 1 - amount;
      return Math.pow(2, d * d * d * MAX_QUANTIZE * QUANTIZE_BITS + 1);
    }
    case DIST_SQUEEZE:
      return amount * 2 * MAX_SQUEEZE + (1 - MAX_SQUEEZE);
    case DIST_PULSE:
      return 1 / Math.max(1 - amount, 1 / 4294967295);
    default:
      return amount;
  }
}

/** Sync and formant raise the pitch the band-limited cycle is chosen for by the sync ratio. */
export function frequencyMult(type: number, value: number): number {
  return type === DIST_SYNC || type === DIST_FORMANT ? value * MAX_SYNC : 1;
}

/** Vital's fast sine, sin(2π·x) for x in [-0.5, 0.5]: a parabola with a correction. */
function fastSin(x: number): number {
  const a = x * (8 - 16 * Math.abs(x));
  return a * (0.776 + 0.224 * Math.abs(a));
}

/** x in cycles, wrapped to [-0.5, 0.5) (a 32-bit phase read as signed). */
function signedPhase(x: number): number {
  return x - Math.floor(x + 0.5);
}

/**
 * Per-oscillator distortion controls, mapped once per block: the value of each unison pair (amount + spread
 * across the pairs, 0 at the centre to 2 × spread at the outermost pair) and the distortion phase, with the
 * previous block's values to ramp from.
 */
/** One lane's distortion values per unison pair, ramped from the previous block's. */
export class DistortionLane {
  readonly from = new Float64Array(MAX_PAIRS);
  readonly to = new Float64Array(MAX_PAIRS);
  phaseFrom = 0;
  phaseTo = 0;

  /** `restart`: the note starts here (no ramp from the previous values). */
  update(type: number, amount: number, spread: number, phase: number, pairs: number, restart: boolean): void {
    const denom = Math.max(2, pairs) - 1;
    for (let p = 0; p < MAX_PAIRS; p++) {
      const t = (p / denom) * 2;
      const a = Math.max(0, Math.min(1, amount + t * spread));
      const v = distortionValue(type, a);
      this.from[p] = restart ? v : this.to[p]!;
      this.to[p] = v;
    }
    const dp = usesDistortionPhase(type) ? phase - 0.5 : 0;
    this.phaseFrom = restart ? dp : this.phaseTo;
    this.phaseTo = dp;
  }

  equals(o: DistortionLane): boolean {
    if (this.phaseFrom !== o.phaseFrom || this.phaseTo !== o.phaseTo) return false;
    for (let p = 0; p < MAX_PAIRS; p++)
      if (this.from[p] !== o.from[p] || this.to[p] !== o.to[p]) return false;
    return true;
  }
}

/**
 * The distortion values of an oscillator: the left lane's and, when the amount, spread or phase is modulated
 * apart per channel (Vital keeps them per lane), the right lane's.
 */
export class OscDistortionState extends DistortionLane {
  readonly right = new DistortionLane();
  /** The right lane's values differ from the left's this block. */
  split = false;

  updateRight(
    type: number,
    amount: number,
    spread: number,
    phase: number,
    pairs: number,
    restart: boolean,
  ): void {
    this.right.update(type, amount, spread, phase, pairs, restart);
    this.split = !this.equals(this.right);
  }
}

/**
 * Renders one unison voice of a distorted oscillator in three passes over the block: phases, warp (read
 * positions and window gains), then the cubic read of the band-limited cycle (cross-faded from the previous
 * one), as voice.ts reads an undistorted oscillator.
 */
/** The cubic read of a frame between samples idx + 1 and idx + 2, `fr` of the way. */
function cubicAt(frame: Float32Array, idx: number, fr: number): number {
  const x0 = frame[idx]!;
  const x1 = frame[idx + 1]!;
  const x2 = frame[idx + 2]!;
  const x3 = frame[idx + 3]!;
  return x1 + 0.5 * fr * (x2 - x0 + fr * (2 * x0 - 5 * x1 + 4 * x2 - x3 + fr * (3 * (x1 - x2) + x3 - x0)));
}

/**
 * readPlain's loop once the frame crossfade has ended, with per-sample increment multipliers: the same
 * arithmetic without the per-sample branches. Returns the end phase.
 */
function readSettled(
  cyc: Float32Array,
  frameSize: number,
  ph: number,
  curInc: number,
  dInc: number,
  incMult: Float64Array,
  off: Float64Array,
  n: number,
  gl: number,
  gr: number,
  accL: Float32Array,
  accR: Float32Array,
): number {
  for (let i = 0; i < n; i++) {
    curInc += dInc;
    ph += curInc * incMult[i]!;
    if (ph >= 1) ph -= Math.floor(ph);
    let q = ph + off[i]!;
    q -= Math.floor(q);
    const pos = q * frameSize;
    const idx = pos | 0;
    const y = cubicAt(cyc, idx, pos - idx);
    accL[i] = accL[i]! + y * gl;
    accR[i] = accR[i]! + y * gr;
  }
  return ph;
}

export class DistortedVoiceReader {
  private readonly q: Float64Array;
  private readonly pos: Float64Array;
  private readonly win: Float32Array;

  /**
   * The sync warp is not written out: `warp` keeps its ramps here and the next `read` computes each position as
   * it reads (one pass over the block less; its window is 1).
   */
  private syncPending = false;
  private syncD = DOUBLE_ZERO;
  private syncDStep = DOUBLE_ZERO;
  private syncP = DOUBLE_ZERO;
  private syncPStep = DOUBLE_ZERO;

  constructor(maxBlock: number) {
    this.q = new Float64Array(maxBlock);
    this.pos = new Float64Array(maxBlock);
    this.win = new Float32Array(maxBlock);
  }

  /**
   * Advances the phase over `n` samples (increment ramped by `dInc`, phase offset `off` ramped by `offStep`)
   * and keeps each sample's offset phase. Returns the phase at the end of the block.
   */
  advance(ph: number, curInc: number, dInc: number, off: number, offStep: number, n: number): number {
    const q = this.q;
    for (let i = 0; i < n; i++) {
      curInc += dInc;
      ph += curInc;
      if (ph >= 1) ph -= 1;
      off += offStep;
      const x = ph + off;
      q[i] = x - Math.floor(x);
    }
    return ph;
  }

  /**
   * As `advance`, with per-sample modulation: each sample's increment is scaled by `incMult[i]` (null: 1) and
   * its phase offset is `off[i]` (cycles).
   */
  advanceBuffers(
    ph: number,
    curInc: number,
    dInc: number,
    incMult: Float64Array | null,
    off: Float64Array,
    n: number,
  ): number {
    const q = this.q;
    for (let i = 0; i < n; i++) {
      curInc += dInc;
      ph += incMult === null ? curInc : curInc * incMult[i]!;
      if (ph >= 1) ph -= Math.floor(ph);
      const x = ph + off[i]!;
      q[i] = x - Math.floor(x);
    }
    return ph;
  }

  /** The fade position where the last `readPlain` ended. */
  fadeOut = 1;

  /**
   * An undistorted voice on the per-sample path in one pass: `advanceBuffers` and `read` fused (no warp).
   * Returns the phase at the end of the block; the fade position is left in `fadeOut`.
   */
  readPlain(
    ph: number,
    curInc: number,
    dInc: number,
    incMult: Float64Array | null,
    off: Float64Array,
    n: number,
    cyc: Float32Array,
    prev: Float32Array,
    fade: number,
    fadeStep: number,
    frameSize: number,
    gl: number,
    gr: number,
    accL: Float32Array,
    accR: Float32Array,
  ): number {
    if (fade >= 1 && incMult !== null) {
      this.fadeOut = fade;
      return readSettled(cyc, frameSize, ph, curInc, dInc, incMult, off, n, gl, gr, accL, accR);
    }
    for (let i = 0; i < n; i++) {
      curInc += dInc;
      ph += incMult === null ? curInc : curInc * incMult[i]!;
      if (ph >= 1) ph -= Math.floor(ph);
      let q = ph + off[i]!;
      q -= Math.floor(q);
      const pos = q * frameSize;
      const idx = pos | 0;
      const fr = pos - idx;
      let y = cubicAt(cyc, idx, fr);
      if (fade < 1) {
        const yOld = cubicAt(prev, idx, fr);
        fade = fade + fadeStep < 1 ? fade + fadeStep : 1;
        y = yOld + (y - yOld) * fade;
      }
      accL[i] = accL[i]! + y * gl;
      accR[i] = accR[i]! + y * gr;
    }
    this.fadeOut = fade;
    return ph;
  }

  /**
   * Warps the phases of the last `advance` into read positions and window gains. The value ramps from `dFrom`
   * to `dTo` and the distortion phase from `pFrom` to `pTo` (the shorter way round) across the block; `mod`
   * is the modulator's signal for FM/RM (null: silent modulator). Sync only keeps its ramps for the next `read`.
   */
  warp(
    type: number,
    n: number,
    dFrom: number,
    dTo: number,
    pFrom: number,
    pTo: number,
    mod: Float32Array | null,
  ): void {
    const q = this.q;
    const pos = this.pos;
    const win = this.win;
    const dStep = (dTo - dFrom) / n;
    const pStep = signedPhase(pTo - pFrom) / n;
    let d = dFrom;
    let dp = pFrom;
    this.syncPending = false;
    switch (type) {
      case DIST_SYNC:
        this.syncPending = true;
        this.syncD = d;
        this.syncDStep = dStep;
        this.syncP = dp;
        this.syncPStep = pStep;
        break;
      case DIST_FORMANT:
        for (let i = 0; i < n; i++) {
          d += dStep;
          dp += pStep;
          const x = q[i]!;
          pos[i] = (x - 0.5) * d * MAX_SYNC + 0.5 + dp;
          win[i] = fastSin(0.5 * x);
        }
        break;
      case DIST_QUANTIZE:
        for (let i = 0; i < n; i++) {
          d += dStep;
          dp += pStep;
          const x = q[i]! >= 0.5 ? q[i]! - 1 : q[i]!;
          const a = signedPhase(dp);
          const y = (Math.trunc(x * d + a) - a) / d;
          // a position beyond half a cycle overflows Vital's 32-bit phase to -0.5
          pos[i] = y >= 0.5 || y < -0.5 ? -0.5 : y;
          win[i] = 1;
        }
        break;
      case DIST_BEND:
        for (let i = 0; i < n; i++) {
          d += dStep;
          dp += pStep;
          const f = signedPhase(q[i]! - dp) + 0.5;
          const f2 = f * f;
          const f3 = f2 * f;
          const offset = (d - d * d) * 2;
          const scale = d * 3;
          const bent = f3 + (scale + offset) * (f2 - f3) + (scale - offset) * (f - 2 * f2 + f3);
          pos[i] = bent - 0.5 + dp;
          win[i] = 1;
        }
        break;
      case DIST_SQUEEZE:
        for (let i = 0; i < n; i++) {
          d += dStep;
          dp += pStep;
          const y = signedPhase(q[i]! - dp);
          const a = Math.abs(y);
          const s = a > d * 0.25 ? 0.5 - (0.5 - a) / (2 - d) : a / d;
          pos[i] = (y > 0 ? s : -s) + dp;
          win[i] = 1;
        }
        break;
      case DIST_PULSE:
        for (let i = 0; i < n; i++) {
          d += dStep;
          dp += pStep;
          const x = q[i]! >= 0.5 ? q[i]! - 1 : q[i]!;
          const s = x * d;
          // beyond ±half a cycle Vital's phase saturates to its minimum, which the window silences
          const inside = s > -0.5 && s < 0.5;
          pos[i] = inside ? s + dp : 0;
          win[i] = inside ? 1 : 0;
        }
        break;
      case DIST_FM_A:
      case DIST_FM_B:
      case DIST_FM_SAMPLE:
        for (let i = 0; i < n; i++) {
          d += dStep;
          const m = mod === null ? 0 : mod[i]! * d;
          pos[i] = m < FM_OVERFLOW && m > -FM_OVERFLOW ? q[i]! + m * FM_CYCLES : q[i]!;
          win[i] = 1;
        }
        break;
      case DIST_RM_A:
      case DIST_RM_B:
      case DIST_RM_SAMPLE:
        for (let i = 0; i < n; i++) {
          d += dStep;
          pos[i] = q[i]!;
          win[i] = 1 + ((mod === null ? 0 : mod[i]!) - 1) * d;
        }
        break;
      default:
        for (let i = 0; i < n; i++) {
          pos[i] = q[i]!;
          win[i] = 1;
        }
    }
  }

  /**
   * Reads `cyc` (cross-fading from `prev` while `fade` < 1, by `fadeStep` per sample) at the warped positions,
   * times the window, and adds it into accL/accR with gains gl/gr. Returns the fade position at the end.
   */
  read(
    cyc: Float32Array,
    prev: Float32Array,
    fade: number,
    fadeStep: number,
    n: number,
    frameSize: number,
    gl: number,
    gr: number,
    accL: Float32Array,
    accR: Float32Array,
  ): number {
    const posBuf = this.pos;
    const win = this.win;
    const q = this.q;
    const sync = this.syncPending;
    this.syncPending = false;
    let d = this.syncD;
    let dp = this.syncP;
    const dStep = this.syncDStep;
    const pStep = this.syncPStep;
    for (let i = 0; i < n; i++) {
      let r: number;
      if (sync) {
        d += dStep;
        dp += pStep;
        r = (q[i]! - 0.5) * d * MAX_SYNC + 0.5 + dp;
      } else r = posBuf[i]!;
      let f = r - Math.floor(r);
      if (f >= 1) f = 0;
      const pos = f * frameSize;
      const idx = pos | 0;
      const fr = pos - idx;
      let y = cubicAt(cyc, idx, fr);
      if (fade < 1) {
        const yOld = cubicAt(prev, idx, fr);
        fade = fade + fadeStep < 1 ? fade + fadeStep : 1;
        y = yOld + (y - yOld) * fade;
      }
      if (!sync) y *= win[i]!;
      accL[i] = accL[i]! + y * gl;
      accR[i] = accR[i]! + y * gr;
    }
    return fade;
  }
}
