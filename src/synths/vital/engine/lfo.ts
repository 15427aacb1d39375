// Control-rate LFOs reading a rendered LineGenerator table, and the random LFOs. Behaviour as described in
// ../shared/reference/vital.md §2.3 and §6.5 and as read in Vital's source (facts from Vital, GPL-3.0, Matt
// Tytel). Random LFOs draw from Vital's own generators (random.ts).

import { readLine } from "./curves.ts";
import { DOUBLE_ZERO } from "./double-field.ts";
import { flush } from "./effects/common.ts";
import type { VitalRandom } from "./random.ts";

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
  // Vital's tempo chooser: clamp, then truncate tempo + 0.3 (a modulated index switches 0.3 below the next)
  const idx = Math.trunc(Math.max(0, Math.min(CYCLES_PER_BEAT.length - 1, s.tempo)) + 0.3);
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

/** renderAudio's block start (Lfo.audioStart): its loop's inputs, state at the block's start. */
export class AudioBlockStart {
  // written by audioStart before any read; doubles from the first object on (double-field.ts)
  phase = DOUBLE_ZERO;
  dPhase = DOUBLE_ZERO;
  /** Cycles per sample. */
  delta = DOUBLE_ZERO;
  smoothMult = DOUBLE_ZERO;
  value = DOUBLE_ZERO;
  offset = DOUBLE_ZERO;
  passed = DOUBLE_ZERO;
  amp = DOUBLE_ZERO;
  fadeInc = DOUBLE_ZERO;
  delaying = false;
  /** Past its delay and fade, Trigger or Sync: the loop without per-sample branches. */
  free = false;
}

export class Lfo {
  // number fields start as doubles: a preset that first stores a fraction must not change the class (double-field.ts)
  /** Cycles run since the trigger (before the phase offset), wrapped or clamped per sync type. */
  private offset = DOUBLE_ZERO;
  private delayPassed = DOUBLE_ZERO;
  private fade = DOUBLE_ZERO;
  private smoothValue = DOUBLE_ZERO;
  private smoothAhead = DOUBLE_ZERO;
  value = DOUBLE_ZERO;
  /**
   * The value at the block's end phase. Vital runs an LFO that drives an audio-rate destination (oscillator
   * level, pitch and phase, sample level, filter cutoff and formant) per sample; such destinations ramp across
   * the block to this value instead of lagging one block behind.
   */
  valueAhead = DOUBLE_ZERO;
  private table: Float32Array;
  // Per-sample state, run alongside the control-rate one when the LFO feeds a destination Vital modulates per
  // sample (its SynthLfo keeps the two apart; both restart at the trigger).
  private aOffset = DOUBLE_ZERO;
  private aPhase = DOUBLE_ZERO;
  private aDelayPassed = DOUBLE_ZERO;
  private aFade = DOUBLE_ZERO;
  private aSmooth = DOUBLE_ZERO;
  private aTriggered = true;
  private readonly start = new AudioBlockStart();

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
    this.smoothAhead = 0;
    this.aOffset = this.offset;
    this.aDelayPassed = 0;
    this.aFade = 0;
    this.aSmooth = 0;
    this.aTriggered = true;
  }

  /**
   * The start of renderAudio's block without changing the state: its loop's inputs into `s`, and whether
   * it runs free (past its delay and fade, Trigger or Sync) — then a kernel may run the loop instead
   * (endFreeRunning takes its results).
   */
  audioStart(n: number, b: LfoBlock, tick: number, s: AudioBlockStart): void {
    const type = b.syncType;
    const target = b.phaseOffset;
    s.phase = this.aTriggered ? (type === SYNC_SUSTAIN_ENVELOPE ? 0 : target) : this.aPhase;
    s.dPhase = (target - s.phase) / n;
    s.delta = b.hz * tick;
    s.passed = this.aDelayPassed;
    s.delaying = b.delaySeconds > s.passed;
    s.amp = this.aFade;
    s.fadeInc = tick / Math.max(tick, b.fadeSeconds);
    s.smoothMult = 0;
    if (b.smooth) {
      const halfLife = b.smoothSeconds * HALF_LIFE_RATIO;
      s.smoothMult = halfLife > MIN_HALF_LIFE ? Math.pow(2, -tick / halfLife) : 0;
      s.amp = 1;
    }
    s.value = this.aSmooth;
    s.offset = Math.max(0, this.aOffset);
    s.free = !s.delaying && s.amp === 1 && (type === SYNC_TRIGGER || type === SYNC_SYNC);
  }

  /** The state at the end of a free-running block whose loop left its last value and time in `s`. */
  endFreeRunning(n: number, b: LfoBlock, s: AudioBlockStart): void {
    this.aTriggered = false;
    this.aPhase = b.phaseOffset;
    this.aSmooth = s.value;
    this.aFade = s.amp;
    this.aDelayPassed = s.passed;
    const o = this.aOffset + s.delta * n;
    this.aOffset = o - Math.floor(o);
  }

  /**
   * The per-sample output of one block (`b` as for `advance`, `tick` = 1 / sample rate) into `out`: the phase
   * offset ramps from the previous block's, the fade is an amplitude ramp and smoothing runs per sample, and
   * the value is not clamped — Vital's audio-rate LFO.
   */
  renderAudio(out: Float32Array, n: number, b: LfoBlock, tick: number): void {
    const s = this.start;
    this.audioStart(n, b, tick, s);
    if (s.free) {
      // the loop below without its per-sample branches (the same arithmetic, so the same values)
      this.renderFreeRunning(out, n, tick, s);
      this.endFreeRunning(n, b, s);
      return;
    }
    const table = this.table;
    const type = b.syncType;
    const target = b.phaseOffset;
    this.aTriggered = false;
    this.aPhase = target;
    let phase = s.phase;
    const dPhase = s.dPhase;
    const delta = s.delta;
    const delay = b.delaySeconds;
    let passed = s.passed;
    const delaying = s.delaying;
    let amp = s.amp;
    const fadeInc = s.fadeInc;
    const smoothMult = s.smoothMult;
    let value = s.value;
    let offset = s.offset;
    const held = !b.released;
    for (let i = 0; i < n; i++) {
      passed += tick;
      const past = passed >= delay;
      if (past) amp = amp + fadeInc > 1 ? 1 : amp + fadeInc;
      const step = past ? delta : 0;
      let x: number;
      switch (type) {
        case SYNC_ENVELOPE:
          x = Math.min(offset + phase, 1);
          offset = Math.min(offset + step, 1);
          break;
        case SYNC_SUSTAIN_ENVELOPE:
          x = offset;
          offset = Math.min(offset + step, held ? phase : 1);
          break;
        case SYNC_LOOP_POINT:
          offset += step;
          if (offset >= 1) offset = offset - 1 + phase;
          offset = Math.min(offset, 1);
          x = offset;
          break;
        case SYNC_LOOP_HOLD:
          offset += step;
          if (held && offset >= phase) offset -= phase;
          offset = Math.min(offset, 1);
          x = offset;
          break;
        default: {
          const p = offset + phase;
          x = p - Math.floor(p);
          offset += step;
          offset -= Math.floor(offset);
        }
      }
      const v = readLine(table, x);
      value = flush(v + (value - v) * smoothMult); // smoothed to 0, not into subnormal floats
      out[i] = amp * value;
      phase += dPhase;
    }
    this.aSmooth = value;
    this.aFade = amp;
    this.aDelayPassed = passed;
    if (type === SYNC_TRIGGER || type === SYNC_SYNC) {
      if (!delaying) {
        const o = this.aOffset + delta * n;
        offset = o - Math.floor(o);
      }
    } else if (type === SYNC_ENVELOPE) offset = Math.min(offset, 1);
    else if (type === SYNC_SUSTAIN_ENVELOPE) offset = Math.min(offset, held ? phase : 1);
    this.aOffset = offset;
  }

  /** renderAudio's loop for a free-running LFO; leaves its last value and time passed in `s`. */
  private renderFreeRunning(out: Float32Array, n: number, tick: number, s: AudioBlockStart): void {
    const table = this.table;
    const delta = s.delta;
    const dPhase = s.dPhase;
    const smoothMult = s.smoothMult;
    let offset = s.offset;
    let phase = s.phase;
    let value = s.value;
    let passed = s.passed;
    for (let i = 0; i < n; i++) {
      passed += tick;
      const p = offset + phase;
      const x = p - Math.floor(p);
      offset += delta;
      offset -= Math.floor(offset);
      const v = readLine(table, x);
      value = flush(v + (value - v) * smoothMult);
      out[i] = value;
      phase += dPhase;
    }
    s.value = value;
    s.passed = passed;
  }

  /** Advance one control block; the value is read at the block's starting phase, as Vital does. */
  advance(b: LfoBlock): number {
    this.delayPassed += b.blockSeconds;
    const passed = Math.min(b.blockSeconds, Math.max(0, this.delayPassed - b.delaySeconds));
    const phase = b.phaseOffset;
    const current = this.offset;
    this.offset += b.hz * passed;
    let x: number;
    let xAhead: number;
    switch (b.syncType) {
      case SYNC_ENVELOPE:
        this.offset = Math.min(this.offset, 1);
        x = Math.min(current + phase, 1);
        xAhead = Math.min(this.offset + phase, 1);
        break;
      case SYNC_SUSTAIN_ENVELOPE:
        this.offset = Math.min(this.offset, b.released ? 1 : phase);
        x = current;
        xAhead = this.offset;
        break;
      case SYNC_LOOP_POINT:
        if (this.offset >= 1) this.offset = this.offset - 1 + phase;
        x = Math.min(current, 1);
        xAhead = Math.min(this.offset, 1);
        break;
      case SYNC_LOOP_HOLD:
        if (!b.released && this.offset >= phase) this.offset -= phase;
        this.offset = Math.min(this.offset, 1);
        x = b.released ? current : Math.min(current, phase);
        xAhead = b.released ? this.offset : Math.min(this.offset, phase);
        break;
      default: {
        this.offset -= Math.floor(this.offset);
        const p = current + phase;
        x = p - Math.floor(p);
        const q = this.offset + phase;
        xAhead = q - Math.floor(q);
      }
    }
    const v = readLine(this.table, x);
    const vAhead = readLine(this.table, xAhead);
    let result: number;
    let ahead: number;
    if (b.smooth) {
      const halfLife = b.smoothSeconds * HALF_LIFE_RATIO;
      const ratio = halfLife > MIN_HALF_LIFE ? Math.pow(2, -passed / halfLife) : 0;
      result = v + (this.smoothValue - v) * ratio;
      this.smoothValue = result;
      ahead = vAhead + (this.smoothAhead - vAhead) * ratio;
      this.smoothAhead = ahead;
    } else {
      if (b.fadeSeconds <= 0) this.fade = 1;
      else this.fade = Math.min(1, this.fade + passed / Math.max(passed, b.fadeSeconds, 1e-9));
      const start = readLine(this.table, phase - Math.floor(phase));
      result = start + (v - start) * this.fade;
      // at audio rate Vital fades the value in from zero rather than from the start phase's value
      ahead = vAhead * this.fade;
    }
    this.valueAhead = ahead < -1 ? -1 : ahead > 1 ? 1 : ahead;
    this.value = result < -1 ? -1 : result > 1 ? 1 : result;
    return this.value;
  }
}

/** Vital's approximate sine of a phase in cycles (−½ … ½), as its sine-interpolated random LFO uses it. */
function quickSin(phase: number): number {
  const a = phase * (8 - 16 * Math.abs(phase));
  return a * (0.776 + 0.224 * Math.abs(a));
}

const LORENZ_MAX_STEP = 0.01;

/**
 * Random LFO with Vital's four styles (output 0 … 1): 0 Perlin (gradient noise: zero crossings at whole
 * cycles, the random values are the slopes), 1 sample & hold, 2 sine-interpolated steps, 3 a Lorenz attractor
 * (Euler steps of σ = 10, ρ = 28, β = 8/3 from (u₁, u₂, 37.6 + u₃), output x/40 + ½). Draws come from Vital's
 * generator of the voice pair in Vital's order (two per call in mono — one per voice of the pair —, four in
 * stereo), so a note on a fresh instrument gets Vital's own values. In sync mode (transport) the phase is the
 * transport's and new values start at each cycle boundary, from zero, as in Vital.
 */
export class RandomLfo {
  private offset = 0;
  private lastL = 0;
  private nextL = 0;
  private lastR = 0;
  private nextR = 0;
  private readonly lorenzL = new Float64Array(3);
  private readonly lorenzR = new Float64Array(3);
  private pendingReset = false;
  private syncStarted = false;
  value = 0.5;
  valueR = 0.5;
  /**
   * Per-sample outputs, set when the LFO feeds a destination Vital modulates per sample: Vital's audio-rate
   * random LFO ramps from the previous block's value (steps where sample & hold wraps, per sample for Lorenz).
   */
  audioL: Float32Array | null = null;
  audioR: Float32Array | null = null;
  private startL = 0.5;
  private startR = 0.5;
  private readonly gen: VitalRandom;
  private readonly lane: number;
  private readonly pair = new Float64Array(2);

  constructor(gen: VitalRandom, lane: number) {
    this.gen = gen;
    this.lane = lane;
  }

  /** Draw for this voice: one value per voice of the pair (mono) or per lane (stereo) → pair[0] L, pair[1] R. */
  private draw(stereo: boolean): void {
    const g = this.gen;
    if (stereo) {
      const a = g.next();
      const b = g.next();
      const c = g.next();
      const d = g.next();
      this.pair[0] = this.lane === 0 ? a : c;
      this.pair[1] = this.lane === 0 ? b : d;
    } else {
      const a = g.next();
      const b = g.next();
      this.pair[0] = this.pair[1] = this.lane === 0 ? a : b;
    }
  }

  /** Note-on: the random values are drawn when the next block runs (as Vital does on its reset). */
  trigger(): void {
    this.pendingReset = true;
  }

  /**
   * Advance one control block of `samples` samples; sets `value`/`valueR` (the block's control value).
   * `transportSeconds` is the host time at the end of the block (sync mode only).
   */
  advance(
    hz: number,
    samples: number,
    sampleRate: number,
    style: number,
    stereo: boolean,
    sync: boolean,
    transportSeconds: number,
  ): void {
    if (style === 3) {
      this.lorenz(hz, samples, sampleRate, stereo, sync);
      return;
    }
    this.startL = this.value;
    this.startR = this.valueR;
    const delta = (hz / sampleRate) * samples;
    let wrapped = false;
    if (sync) {
      const x = transportSeconds * hz;
      const offset = x - Math.floor(x);
      wrapped = this.syncStarted && offset < 0.5 && this.offset >= 0.5;
      this.offset = offset;
      this.syncStarted = true;
      this.pendingReset = false;
    } else {
      if (this.pendingReset) {
        this.pendingReset = false;
        this.offset = 0;
        this.draw(stereo);
        this.lastL = this.pair[0]!;
        this.lastR = this.pair[1]!;
        this.draw(stereo);
        this.nextL = this.pair[0]!;
        this.nextR = this.pair[1]!;
        this.startL = 0.5 * this.lastL + 0.5;
        this.startR = 0.5 * this.lastR + 0.5;
      }
      this.offset += delta;
      wrapped = this.offset >= 1;
      this.offset -= Math.floor(this.offset);
    }
    const heldL = 0.5 * this.lastL + 0.5;
    const heldR = 0.5 * this.lastR + 0.5;
    if (wrapped) {
      this.lastL = this.nextL;
      this.lastR = this.nextR;
      this.draw(stereo);
      this.nextL = this.pair[0]!;
      this.nextR = this.pair[1]!;
    }
    this.value = this.shape(this.lastL, this.nextL, style);
    this.valueR = stereo ? this.shape(this.lastR, this.nextR, style) : this.value;
    if (this.audioL !== null) {
      if (style === 1) {
        // Vital's step index divides by the block's phase delta, so the step falls on sample 0 or 1
        const change = wrapped ? Math.round(this.offset / (delta > 0 ? delta : 1)) : -1;
        fillStep(this.audioL, samples, heldL, this.value, change);
        if (this.audioR !== null) fillStep(this.audioR, samples, heldR, this.valueR, change);
      } else {
        fillRamp(this.audioL, samples, this.startL, this.value);
        if (this.audioR !== null) fillRamp(this.audioR, samples, this.startR, this.valueR);
      }
    }
  }

  private shape(from: number, to: number, style: number): number {
    const t = this.offset;
    let v: number;
    if (style === 1) v = from;
    else if (style === 2) v = from + (to - from) * (0.5 * quickSin(0.5 * t - 0.25) + 0.5);
    else {
      // Vital's perlinInterpolate: 2 · lerp(from · t, to · (t − 1), t²(3 − 2t))
      const a = from * t;
      const b = to * (t - 1);
      v = 2 * (a + (b - a) * t * t * (3 - 2 * t));
    }
    return 0.5 * v + 0.5;
  }

  private lorenz(hz: number, samples: number, sampleRate: number, stereo: boolean, sync: boolean): void {
    const L = this.lorenzL;
    const R = this.lorenzR;
    if (this.pendingReset && !sync) {
      for (let k = 0; k < 3; k++) {
        this.draw(stereo);
        const init = k === 2 ? 37.6 : 0;
        L[k] = this.pair[0]! + init;
        R[k] = this.pair[1]! + init;
      }
    }
    this.pendingReset = false;
    const t = Math.min(LORENZ_MAX_STEP, (hz * 0.5) / sampleRate);
    // the control value is the state after the block's first step (Vital reads the first sample)
    this.value = lorenzSteps(L, samples, t, this.audioL);
    this.valueR = stereo ? lorenzSteps(R, samples, t, this.audioR) : this.value;
    if (!stereo && this.audioR !== null) {
      const L = this.audioL!;
      const R = this.audioR;
      for (let i = 0; i < samples; i++) R[i] = L[i]!;
    }
  }
}

function fillRamp(out: Float32Array, n: number, from: number, to: number): void {
  const step = (to - from) / n;
  for (let i = 0; i < n; i++) out[i] = from + step * (i + 1);
}

function fillStep(out: Float32Array, n: number, from: number, to: number, change: number): void {
  for (let i = 0; i < n; i++) out[i] = i > change ? to : from;
}

/** Run `n` Euler steps in place (outputs x/40 + ½ per step into `out` when given); returns the first step's. */
function lorenzSteps(s: Float64Array, n: number, t: number, out: Float32Array | null = null): number {
  let x = s[0]!;
  let y = s[1]!;
  let z = s[2]!;
  let first = 0.5;
  for (let i = 0; i < n; i++) {
    const dx = (y - x) * 10;
    const dy = (28 - z) * x - y;
    const dz = x * y - (z * 8) / 3;
    x += dx * t;
    y += dy * t;
    z += dz * t;
    if (out !== null) out[i] = x / 40 + 0.5;
    if (i === 0) first = x / 40 + 0.5;
  }
  s[0] = x;
  s[1] = y;
  s[2] = z;
  return first;
}
