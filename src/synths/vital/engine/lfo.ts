// Control-rate LFOs reading a rendered LineGenerator table, and the random LFOs. Behaviour as described in
// ../shared/reference/vital.md §2.3 and §6.5 (facts from Vital, GPL-3.0, Matt Tytel). Random LFOs use this
// engine's seeded generator: they are deterministic per seed but cannot reproduce Vital's own values.

import { readLine } from "./curves.ts";
import { Random } from "./random.ts";

export const SYNC_TRIGGER = 0;
export const SYNC_SYNC = 1;
export const SYNC_ENVELOPE = 2;
export const SYNC_SUSTAIN_ENVELOPE = 3;
export const SYNC_LOOP_POINT = 4;
export const SYNC_LOOP_HOLD = 5;

const CYCLES_PER_BEAT = [0, 1 / 128, 1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8, 16];

export interface RateSettings {
  /** Raw `*_frequency` (Hz = 2^v). */
  frequency: number;
  sync: number;
  tempo: number;
  beatsPerSecond: number;
  keytrackTranspose: number;
  keytrackTune: number;
  note: number;
}

export function rateHz(s: RateSettings): number {
  if (s.sync === 0) return Math.pow(2, s.frequency);
  if (s.sync === 4) return 8.1757989156 * Math.pow(2, (s.note + s.keytrackTranspose + s.keytrackTune) / 12);
  const idx = Math.max(0, Math.min(CYCLES_PER_BEAT.length - 1, Math.round(s.tempo)));
  let hz = CYCLES_PER_BEAT[idx]! * s.beatsPerSecond;
  if (s.sync === 2) hz *= 2 / 3;
  else if (s.sync === 3) hz *= 3 / 2;
  return hz;
}

export interface LfoBlock {
  hz: number;
  syncType: number;
  phaseOffset: number;
  fadeSeconds: number;
  delaySeconds: number;
  smooth: boolean;
  smoothSeconds: number;
  blockSeconds: number;
  released: boolean;
}

/** Vital's smoothing: half-life = 0.2 · smooth time (below 0.2 ms no smoothing). */
const HALF_LIFE_RATIO = 0.2;
const MIN_HALF_LIFE = 0.0002;

export class Lfo {
  /** Cycles run since the trigger (before the phase offset), wrapped or clamped per sync type. */
  private offset = 0;
  private delayPassed = 0;
  private fade = 0;
  private smoothValue = 0;
  value = 0;
  private table: Float32Array;

  constructor(table: Float32Array) {
    this.table = table;
  }

  setTable(table: Float32Array): void {
    this.table = table;
  }

  /** Restart at a note-on; `startOffset` is the phase Sync mode takes from the transport. */
  trigger(startOffset = 0): void {
    this.offset = startOffset - Math.floor(startOffset);
    this.delayPassed = 0;
    this.fade = 0;
    this.smoothValue = 0;
  }

  /** Advance one control block; the value is read at the block's starting phase, as Vital does. */
  advance(b: LfoBlock): number {
    this.delayPassed += b.blockSeconds;
    const passed = Math.min(b.blockSeconds, Math.max(0, this.delayPassed - b.delaySeconds));
    const phase = b.phaseOffset;
    const current = this.offset;
    this.offset += b.hz * passed;
    let x: number;
    switch (b.syncType) {
      case SYNC_ENVELOPE:
        this.offset = Math.min(this.offset, 1);
        x = Math.min(current + phase, 1);
        break;
      case SYNC_SUSTAIN_ENVELOPE:
        this.offset = Math.min(this.offset, b.released ? 1 : phase);
        x = current;
        break;
      case SYNC_LOOP_POINT:
        if (this.offset >= 1) this.offset = this.offset - 1 + phase;
        x = Math.min(current, 1);
        break;
      case SYNC_LOOP_HOLD:
        if (!b.released && this.offset >= phase) this.offset -= phase;
        this.offset = Math.min(this.offset, 1);
        x = b.released ? current : Math.min(current, phase);
        break;
      default: {
        this.offset -= Math.floor(this.offset);
        const p = current + phase;
        x = p - Math.floor(p);
      }
    }
    const v = readLine(this.table, x);
    let result: number;
    if (b.smooth) {
      const halfLife = b.smoothSeconds * HALF_LIFE_RATIO;
      const ratio = halfLife > MIN_HALF_LIFE ? Math.pow(2, -passed / halfLife) : 0;
      result = v + (this.smoothValue - v) * ratio;
      this.smoothValue = result;
    } else {
      if (b.fadeSeconds <= 0) this.fade = 1;
      else this.fade = Math.min(1, this.fade + passed / Math.max(passed, b.fadeSeconds, 1e-9));
      const start = readLine(this.table, phase - Math.floor(phase));
      result = start + (v - start) * this.fade;
    }
    this.value = result < -1 ? -1 : result > 1 ? 1 : result;
    return this.value;
  }
}

/**
 * Random LFO with Vital's four styles (values in 0 … 1): 0 Perlin-style smooth steps, 1 sample & hold,
 * 2 sine-interpolated steps, 3 a Lorenz attractor (Euler steps of σ = 10, ρ = 28, β = 8/3, output x/40 + ½).
 * The random values come from this engine's seeded generator, not Vital's.
 */
export class RandomLfo {
  private phase = 0;
  private from = 0;
  private to = 0;
  private x = 0;
  private y = 0;
  private z = 0;
  value = 0.5;
  private readonly rng: Random;

  constructor(seed: number) {
    this.rng = new Random(seed);
  }

  private bipolar(): number {
    return 2 * this.rng.next() - 1;
  }

  trigger(): void {
    this.phase = 0;
    this.from = this.bipolar();
    this.to = this.bipolar();
    this.x = this.bipolar();
    this.y = this.bipolar();
    this.z = 37.6 + this.bipolar();
    this.value = 0.5 * this.from + 0.5;
  }

  /** Advance `samples` samples at `sampleRate` and return the value at the end. */
  advance(hz: number, samples: number, sampleRate: number, style: number): number {
    if (style === 3) {
      const t = Math.min(0.01, (hz * 0.5) / sampleRate);
      let x = this.x;
      let y = this.y;
      let z = this.z;
      for (let i = 0; i < samples; i++) {
        const dx = (y - x) * 10;
        const dy = (28 - z) * x - y;
        const dz = x * y - (z * 8) / 3;
        x += dx * t;
        y += dy * t;
        z += dz * t;
      }
      this.x = x;
      this.y = y;
      this.z = z;
      this.value = Math.min(1, Math.max(0, x / 40 + 0.5));
      return this.value;
    }
    this.phase += (hz * samples) / sampleRate;
    while (this.phase >= 1) {
      this.phase -= 1;
      this.from = this.to;
      this.to = this.bipolar();
    }
    const t = this.phase;
    let v: number;
    if (style === 1) v = this.from;
    else if (style === 0) v = this.from + (this.to - this.from) * t * t * t * (t * (t * 6 - 15) + 10);
    else v = this.from + (this.to - this.from) * (0.5 - 0.5 * Math.cos(Math.PI * t));
    this.value = 0.5 * v + 0.5;
    return this.value;
  }
}
