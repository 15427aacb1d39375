// Lookup tables of the DX7 FM engine, built from their defining formulas as the msfa engine (Google,
// Apache-2.0, as used in Dexed) builds them; see ../shared/reference/dx7.md §2.2. Verified against
// dx7-tables.json by test/dx7-tables.test.ts. Pure: no I/O, immutable after construction.
import { EG_STATIC_HOLD_44K1, LFO_SPEED_SOURCE_HZ } from "./tables-data.ts";

/**
 * Sine table interleaved with its differences: SIN_TD[2i] = T[i], SIN_TD[2i+1] = T[i+1] − T[i].
 * One cache line holds value and slope of four entries.
 */
export const SIN_TD: Int32Array = buildSine();

/** exp2 table interleaved the same way: value at 2i, difference to the next at 2i+1. */
export const EXP2_TD: Int32Array = buildExp2();

function buildSine(): Int32Array {
  const c = 1073721611n;
  const s = 6588356n;
  let u = 1n << 30n;
  let v = 0n;
  const half = 1n << 29n;
  const t = new Int32Array(1024);
  for (let i = 0; i < 512; i++) {
    const val = Number((v + 32n) >> 6n);
    t[i] = val;
    t[i + 512] = -val;
    const u2 = (u * c - v * s + half) >> 30n;
    const v2 = (u * s + v * c + half) >> 30n;
    u = u2;
    v = v2;
  }
  const td = new Int32Array(2048);
  for (let i = 0; i < 1024; i++) {
    td[2 * i] = t[i]!;
    td[2 * i + 1] = t[(i + 1) & 1023]! - t[i]!;
  }
  return td;
}

function buildExp2(): Int32Array {
  const x = new Float64Array(1025);
  let y = 2 ** 30;
  const k = Math.pow(2, 1 / 1024);
  for (let i = 0; i < 1024; i++) {
    x[i] = Math.floor(y + 0.5);
    y *= k;
  }
  x[1024] = 2 ** 31;
  const td = new Int32Array(2048);
  for (let i = 0; i < 1024; i++) {
    td[2 * i] = x[i]!;
    td[2 * i + 1] = x[i + 1]! - x[i]!;
  }
  return td;
}

/** SIN(φ) for an i32 phase (Q24 cycles): about ±2^24. */
export function sinLookup(phase: number): number {
  const i = (phase >> 13) & 2046;
  return SIN_TD[i]! + ((SIN_TD[i + 1]! * (phase & 16383)) >> 14);
}

/** EXP2(x) for a Q24 log2 value: ≈ 2^24 · 2^(x / 2^24). */
export function exp2Lookup(x: number): number {
  const i = (x >> 13) & 2046;
  const y = EXP2_TD[i]! + Math.floor((EXP2_TD[i + 1]! * (x & 16383)) / 16384);
  return y >> (6 - (x >> 24));
}

/** Everything that depends on the sample rate; build once per rate with `rateConstants`. */
export interface RateConstants {
  sampleRate: number;
  /** Frequency table Q[0..1024] and its differences (Float64 because the products exceed 2^31). */
  freqQ: Float64Array;
  freqD: Float64Array;
  /** EG multiplier M (2^24 at 44.1 kHz). */
  egMultiplier: number;
  /** Pitch EG unit U_p. */
  pitchEgUnit: number;
  lfoUnit: number;
  lfoRatio: number;
  /** Per LFO speed 0–99: phase increment per block (u32). */
  lfoPhaseInc: Float64Array;
  /** Per LFO delay 0–115: delay accumulator increments (u32). Delay ≥ 116 is undefined in msfa. */
  lfoDelayInc1: Float64Array;
  lfoDelayInc2: Float64Array;
  /** Timed-hold lengths for rates 0–76 at 44.1 kHz (scaled by M at use). */
  holdSamples44k1: readonly number[];
}

export const LFO_DELAY_MAX = 115;

export function buildRateConstants(sampleRate: number): RateConstants {
  const freqQ = new Float64Array(1025);
  let y = 2 ** 44 / sampleRate;
  const k = Math.pow(2, 1 / 1024);
  for (let i = 0; i < 1025; i++) {
    freqQ[i] = Math.floor(y + 0.5);
    y *= k;
  }
  const freqD = new Float64Array(1024);
  for (let i = 0; i < 1024; i++) freqD[i] = freqQ[i + 1]! - freqQ[i]!;
  const egMultiplier = Math.trunc((44100 / sampleRate) * 2 ** 24);
  const pitchEgUnit = Math.trunc((64 * 2 ** 24) / (21.3 * sampleRate) + 0.5);
  const lfoUnit = Math.trunc((64 * 25190424) / sampleRate + 0.5);
  const lfoRatio = Math.trunc((4437500000 * 64) / sampleRate);
  const lfoPhaseInc = new Float64Array(100);
  for (let s = 0; s < 100; s++) lfoPhaseInc[s] = Math.trunc(LFO_SPEED_SOURCE_HZ[s]! * lfoRatio) >>> 0;
  const lfoDelayInc1 = new Float64Array(LFO_DELAY_MAX + 1);
  const lfoDelayInc2 = new Float64Array(LFO_DELAY_MAX + 1);
  for (let d = 0; d <= LFO_DELAY_MAX; d++) {
    const a = 99 - d;
    if (a === 99) {
      lfoDelayInc1[d] = 0xffffffff;
      lfoDelayInc2[d] = 0xffffffff;
    } else {
      const b = (16 + (a & 15)) * 2 ** (1 + (a >> 4));
      lfoDelayInc1[d] = (lfoUnit * b) >>> 0;
      lfoDelayInc2[d] = (lfoUnit * Math.max(128, b & 0xff80)) >>> 0;
    }
  }
  return {
    sampleRate,
    freqQ,
    freqD,
    egMultiplier,
    pitchEgUnit,
    lfoUnit,
    lfoRatio,
    lfoPhaseInc,
    lfoDelayInc1,
    lfoDelayInc2,
    holdSamples44k1: EG_STATIC_HOLD_44K1,
  };
}

const INV_POW2 = Float64Array.from({ length: 32 }, (_, k) => 2 ** -k);

/** FREQ(lf): phase increment per sample (Q24 cycles) for a Q24 log2-frequency. */
export function freqLookup(rc: RateConstants, lf: number): number {
  const i = (lf & 0xffffff) >> 14;
  const y = rc.freqQ[i]! + Math.floor((rc.freqD[i]! * (lf & 16383)) / 16384);
  const shift = 20 - (lf >> 24);
  return shift > 31 ? 0 : shift < 0 ? y * 2 ** -shift : Math.floor(y * INV_POW2[shift]!);
}

/** Key pitch K(n) = log2 frequency (Q24) of MIDI note n, A4 = 440 Hz. */
export function keyLogFreq(note: number): number {
  return 50857777 + 1398101 * note;
}

/** DT(n, d): detune offset in Q24 log2 units, pitch dependent (§2.5). */
export function detuneOffset(note: number, detune: number): number {
  const logfreq = keyLogFreq(note);
  const ratio = (0.0209 * Math.exp((-0.396 * Math.fround(logfreq)) / 2 ** 24)) / 7;
  return Math.trunc(logfreq + ratio * logfreq * (detune - 7)) - logfreq;
}
