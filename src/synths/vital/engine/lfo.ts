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
  /** Seconds since note-on at the end of this block (for Sync mode). */
  timeSeconds: number;
  blockSeconds: number;
  released: boolean;
}

export class Lfo {
  private phase = 0;
  private elapsed = 0;
  private smoothed = 0;
  private first = true;
  private finished = false;
  value = 0;
  private table: Float32Array;

  constructor(table: Float32Array) {
    this.table = table;
  }

  setTable(table: Float32Array): void {
    this.table = table;
  }

  trigger(): void {
    this.phase = 0;
    this.elapsed = 0;
    this.first = true;
    this.finished = false;
  }

  advance(b: LfoBlock): number {
    this.elapsed += b.blockSeconds;
    const running = this.elapsed - b.delaySeconds;
    let x: number;
    if (b.syncType === SYNC_SYNC) {
      const p = b.hz * b.timeSeconds + b.phaseOffset;
      x = p - Math.floor(p);
    } else {
      if (running > 0 && !this.finished) {
        this.phase += b.hz * Math.min(b.blockSeconds, running);
      }
      const p = this.phase + b.phaseOffset;
      if (
        (b.syncType === SYNC_ENVELOPE || (b.syncType === SYNC_SUSTAIN_ENVELOPE && !b.released)) &&
        this.phase >= 1
      ) {
        if (b.syncType === SYNC_ENVELOPE) this.finished = true;
        x = b.syncType === SYNC_SUSTAIN_ENVELOPE ? Math.min(1, p) : 1;
        if (b.syncType === SYNC_ENVELOPE) this.phase = 1;
      } else x = p - Math.floor(p);
    }
    let v = readLine(this.table, x);
    if (b.fadeSeconds > 0) v *= Math.min(1, Math.max(0, running) / b.fadeSeconds);
    if (b.smooth && b.smoothSeconds > 0 && !this.first) {
      const a = 1 - Math.exp(-b.blockSeconds / b.smoothSeconds);
      this.smoothed += (v - this.smoothed) * a;
    } else this.smoothed = v;
    this.first = false;
    this.value = this.smoothed;
    return this.value;
  }
}

/** Random LFO: styles 0 Perlin-like, 1 sample & hold, 2 sine-interpolated, 3 (Lorenz) approximated as 2. */
export class RandomLfo {
  private phase = 0;
  private from = 0;
  private to = 0;
  value = 0;
  private readonly rng: Random;

  constructor(seed: number) {
    this.rng = new Random(seed);
  }

  trigger(): void {
    this.phase = 0;
    this.from = this.rng.next();
    this.to = this.rng.next();
  }

  advance(hz: number, seconds: number, style: number): number {
    this.phase += hz * seconds;
    while (this.phase >= 1) {
      this.phase -= 1;
      this.from = this.to;
      this.to = this.rng.next();
    }
    const t = this.phase;
    if (style === 1) this.value = this.from;
    else if (style === 0) {
      const s = t * t * (3 - 2 * t);
      this.value = this.from + (this.to - this.from) * s;
    } else this.value = this.from + (this.to - this.from) * (0.5 - 0.5 * Math.cos(Math.PI * t));
    return this.value;
  }
}
