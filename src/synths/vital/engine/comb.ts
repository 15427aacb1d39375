// Vital's comb filter model (model 6). Styles: style % 3 picks the loop (0 comb: feedback comb; 1 flange+ and
// 2 flange−: feed-forward input plus filtered, saturated feedback, flange− reading half the period with inverted
// polarity), style / 3 picks the filtering in the loop (0 low/high blend: one-pole split at cutoff + blend
// transpose; 1 band spread: a band around cutoff + blend transpose, blend widening it up to ±4 octaves). A
// one-pole high-pass 4 octaves below the cutoff (or at the band's low edge) always follows. Structure and
// constants are facts from Vital (GPL-3.0, Matt Tytel), see ../shared/reference/vital.md §5.3.
import { DelayLine } from "./effects/delay-line.ts";
import { hardTanh } from "./tanh.ts";
import { flush } from "./effects/common.ts";

const FLANGE_SCALE = Math.SQRT1_2;
const INPUT_SCALE = 0.5;
const BAND_OCTAVE_RANGE = 8;
const NYQUIST_MULT = 0.45351473923;
/** Lowest comb frequency the delay memory holds (MIDI note 0); lower cutoffs are clamped to it. */
const LOWEST_HZ = 8.1757989156;

export interface CombSettings {
  style: number;
  /** Cutoff as a MIDI note. */
  cutoffNote: number;
  resonance: number;
  blend: number;
  blendTranspose: number;
}

function noteHz(note: number): number {
  return 8.1757989156 * Math.pow(2, note / 12);
}

function onePoleCoefficient(hz: number, sampleRate: number): number {
  const s = (Math.PI * hz) / sampleRate;
  return Math.tan(s / (s + 1));
}

export class CombFilter {
  private memory: DelayLine | null = null;
  private lp1 = 0;
  private lp2 = 0;
  private started = false;
  private period = 0;
  private feedback = 0;
  private scale = 0;
  private c1 = 0;
  private c2 = 0;
  private lowGain = 0;
  private highGain = 0;
  private readonly sampleRate: number;

  constructor(sampleRate: number) {
    this.sampleRate = sampleRate;
  }

  reset(): void {
    this.memory?.clear();
    this.lp1 = this.lp2 = 0;
    this.started = false;
  }

  copyStateFrom(o: CombFilter): void {
    if (o.memory) {
      this.ensureMemory();
      this.memory!.copyFrom(o.memory);
    }
    this.lp1 = o.lp1;
    this.lp2 = o.lp2;
    this.started = o.started;
    this.period = o.period;
    this.feedback = o.feedback;
    this.scale = o.scale;
    this.c1 = o.c1;
    this.c2 = o.c2;
    this.lowGain = o.lowGain;
    this.highGain = o.highGain;
  }

  private ensureMemory(): void {
    if (!this.memory) this.memory = new DelayLine(Math.ceil(this.sampleRate / LOWEST_HZ) + 8);
  }

  process(buf: Float32Array, n: number, s: CombSettings): void {
    this.ensureMemory();
    const mem = this.memory!;
    const sr = this.sampleRate;
    const loop = ((Math.round(s.style) % 3) + 3) % 3;
    const bandSpread = Math.floor(s.style / 3) === 1;
    const r = Math.max(0, Math.min(1, s.resonance));
    let feedback: number;
    let scale: number;
    if (loop === 0) {
      feedback = 2 * r - 1;
      feedback /= Math.sqrt(Math.abs(feedback) + 0.00001);
      scale = 1 - feedback * feedback * INPUT_SCALE;
    } else {
      feedback = r;
      scale = 1 / (feedback + 1);
    }
    const minNote = s.cutoffNote - 48;
    const centre = s.cutoffNote + s.blendTranspose;
    let c1: number;
    let c2: number;
    let lowGain: number;
    let highGain: number;
    if (bandSpread) {
      const range = s.blend * 0.5 * BAND_OCTAVE_RANGE * 12;
      const top = sr / 2.1;
      const f1 = Math.max(1, Math.min(top, noteHz(centre + range)));
      const f2 = Math.max(1, Math.min(top, noteHz(Math.max(minNote, centre - range))));
      lowGain = f2 / f1 + 1;
      highGain = 0;
      c1 = onePoleCoefficient(f1, sr);
      c2 = onePoleCoefficient(f2, sr);
    } else {
      lowGain = Math.max(0, Math.min(1, 2 - s.blend));
      highGain = Math.max(0, Math.min(1, s.blend));
      const top = sr * NYQUIST_MULT;
      c1 = onePoleCoefficient(Math.max(1, Math.min(top, noteHz(centre))), sr);
      c2 = onePoleCoefficient(Math.max(1, Math.min(top, noteHz(minNote))), sr);
    }
    const hz = Math.max(LOWEST_HZ, Math.min(sr * NYQUIST_MULT, noteHz(s.cutoffNote)));
    const minPeriod = loop === 2 ? 4 : 2;
    const period = Math.max(minPeriod, Math.min(mem.maxDelay - 6, sr / hz));
    if (!this.started) {
      this.period = period;
      this.feedback = feedback;
      this.scale = scale;
      this.c1 = c1;
      this.c2 = c2;
      this.lowGain = lowGain;
      this.highGain = highGain;
      this.started = true;
    }
    const inv = 1 / n;
    const dPeriod = (period - this.period) * inv;
    const dFeedback = (feedback - this.feedback) * inv;
    const dScale = (scale - this.scale) * inv;
    const dC1 = (c1 - this.c1) * inv;
    const dC2 = (c2 - this.c2) * inv;
    const dLow = (lowGain - this.lowGain) * inv;
    const dHigh = (highGain - this.highGain) * inv;
    let lp1 = this.lp1;
    let lp2 = this.lp2;
    for (let i = 0; i < n; i++) {
      const t = i + 1;
      const p = this.period + dPeriod * t;
      const fb = this.feedback + dFeedback * t;
      const sc = this.scale + dScale * t;
      const k1 = this.c1 + dC1 * t;
      const k2 = this.c2 + dC2 * t;
      const lo = this.lowGain + dLow * t;
      const hi = this.highGain + dHigh * t;
      const x = buf[i]!;
      const read = mem.readVital(loop === 2 ? p * 0.5 : p);
      const into = loop === 0 ? sc * x + read * fb : read;
      let d = k1 * (into - lp1);
      const low = lp1 + d;
      lp1 = low + d;
      const stage1 = lo * low + hi * (into - low);
      d = k2 * (stage1 - lp2);
      const low2 = lp2 + d;
      lp2 = low2 + d;
      const filtered = stage1 - low2;
      if (loop === 0) {
        mem.push(flush(hardTanh(filtered)));
        buf[i] = filtered;
      } else {
        const scaled = x * FLANGE_SCALE;
        const sign = loop === 1 ? 1 : -1;
        mem.push(flush(scaled + sign * hardTanh(filtered * fb)));
        buf[i] = scaled * sc + sign * filtered;
      }
    }
    this.lp1 = flush(lp1);
    this.lp2 = flush(lp2);
    this.period = period;
    this.feedback = feedback;
    this.scale = scale;
    this.c1 = c1;
    this.c2 = c2;
    this.lowGain = lowGain;
    this.highGain = highGain;
  }
}
