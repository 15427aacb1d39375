// Vital's phaser effect (vital.md §8, §5.3; facts from Vital, GPL-3.0): the "clean" phaser filter — three
// groups of four one-pole all-pass stages centred on a cutoff swept by a triangle LFO (centre ± depth
// semitones, left/right offset by ±offset/2 cycles, aligned to the transport), tanh-saturated band-limited
// feedback, `phaser_blend` choosing 1, 2 or 3 groups (peaks) — averaged with its input, then a linear dry/wet.

import { pid, type VitalProgram } from "../program.ts";
import { clamp, flush, syncedHz, tanhApprox, type BlockContext, type Effect } from "./common.ts";

const P = {
  frequency: pid("phaser_frequency"),
  sync: pid("phaser_sync"),
  tempo: pid("phaser_tempo"),
  feedback: pid("phaser_feedback"),
  mix: pid("phaser_dry_wet"),
  center: pid("phaser_center"),
  depth: pid("phaser_mod_depth"),
  offset: pid("phaser_phase_offset"),
  blend: pid("phaser_blend"),
};

const STAGES = 12;
const CLEAR_RATIO = 20;

function coefficient(note: number, sampleRate: number): number {
  const ratio = Math.min((8.1757989156 * Math.pow(2, note / 12)) / sampleRate, 1);
  const s = ratio * Math.PI;
  return Math.tan(Math.min(0.499 * Math.PI, s / (s + 1)));
}

/** One channel of the phaser filter. */
class PhaserChannel {
  readonly stages = new Float64Array(STAGES);
  lows = 0;
  highs = 0;
  allpass = 0;
  clear(): void {
    this.stages.fill(0);
    this.lows = this.highs = this.allpass = 0;
  }
}

export class Phaser implements Effect {
  private readonly ch = [new PhaserChannel(), new PhaserChannel()];
  private started = false;
  private depth = 0;
  private offset = 0;
  private res = 0;
  private p1 = 0;
  private p3 = 0;
  private p5 = 0;
  private mix = 0;

  constructor(private readonly program: VitalProgram) {}

  reset(): void {
    for (const c of this.ch) c.clear();
    this.started = false;
  }

  process(L: Float32Array, R: Float32Array, n: number, ctx: BlockContext): void {
    const v = this.program.values;
    const sr = ctx.sampleRate;
    const rate = syncedHz(v[P.frequency]!, v[P.sync]!, v[P.tempo]!, ctx.beatsPerSecond);
    // Vital's phase accumulator: a quarter cycle behind the transport-aligned phase
    const c = rate * ctx.timeSeconds - 0.25;
    const phase = c - Math.floor(c);
    const depth = v[P.depth]!;
    const offset = v[P.offset]!;
    const res = clamp(v[P.feedback]!, 0, 1);
    const blend = v[P.blend]!;
    const p1 = clamp(1 - blend, 0, 1);
    const p5 = clamp(blend - 1, 0, 1);
    const p3 = 1 - p1 - p5;
    const mix = clamp(v[P.mix]!, 0, 1);
    if (!this.started) {
      this.depth = depth;
      this.offset = offset;
      this.res = res;
      this.p1 = p1;
      this.p3 = p3;
      this.p5 = p5;
      this.mix = mix;
      this.started = true;
    }
    const centre = v[P.center]!;
    for (let k = 0; k < 2; k++) {
      const sign = k === 0 ? 1 : -1;
      this.runChannel(
        this.ch[k]!,
        k === 0 ? L : R,
        n,
        sr,
        phase,
        sign,
        centre,
        depth,
        offset,
        res,
        p1,
        p3,
        p5,
        mix,
      );
    }
    this.depth = depth;
    this.offset = offset;
    this.res = res;
    this.p1 = p1;
    this.p3 = p3;
    this.p5 = p5;
    this.mix = mix;
  }

  private runChannel(
    st: PhaserChannel,
    buf: Float32Array,
    n: number,
    sr: number,
    phase: number,
    sign: number,
    centre: number,
    depth: number,
    offset: number,
    res: number,
    p1: number,
    p3: number,
    p5: number,
    mix: number,
  ): void {
    const inv = 1 / n;
    const stages = st.stages;
    // the sweep's phase is fixed within a block, so unless depth or spread move the cutoff is constant
    const still = offset === this.offset && depth === this.depth;
    let gStill = 0;
    if (still) {
      let ph = phase + (sign * offset) / 2;
      ph -= Math.floor(ph);
      gStill = coefficient(centre + (ph < 0.5 ? 4 * ph - 1 : 3 - 4 * ph) * depth, sr);
    }
    let lows = st.lows;
    let highs = st.highs;
    let allpass = st.allpass;
    for (let i = 0; i < n; i++) {
      const t = (i + 1) * inv;
      let g = gStill;
      if (!still) {
        const off = this.offset + (offset - this.offset) * t;
        const dep = this.depth + (depth - this.depth) * t;
        let ph = phase + (sign * off) / 2;
        ph -= Math.floor(ph);
        g = coefficient(centre + (ph < 0.5 ? 4 * ph - 1 : 3 - 4 * ph) * dep, sr);
      }
      const r = this.res + (res - this.res) * t;
      const drive = r * 0.5 + 1;
      const a1 = this.p1 + (p1 - this.p1) * t;
      const a3 = this.p3 + (p3 - this.p3) * t;
      const a5 = this.p5 + (p5 - this.p5) * t;
      const m = this.mix + (mix - this.mix) * t;
      const x = buf[i]!;
      // band-limited, saturated feedback of the last all-pass output
      const gl = Math.min(g * CLEAR_RATIO, 0.9);
      let delta = gl * (allpass - lows);
      const lo = lows + delta;
      lows = lo + delta;
      delta = (g / CLEAR_RATIO) * (lo - highs);
      const hi = highs + delta;
      highs = hi + delta;
      let y = drive * x + tanhApprox(r * (lo - hi));
      let out1 = 0;
      let out3 = 0;
      for (let s = 0; s < STAGES; s++) {
        const z = stages[s]!;
        const d = g * (y - z);
        const lp = z + d;
        stages[s] = lp + d;
        y = y - 2 * lp;
        if (s === 3) out1 = y;
        else if (s === 7) out3 = y;
      }
      allpass = a1 * out1 + a3 * out3 + a5 * y;
      const wet = (x + allpass) * 0.5;
      buf[i] = x + (wet - x) * m;
    }
    st.lows = flush(lows);
    st.highs = flush(highs);
    st.allpass = flush(allpass);
    for (let s = 0; s < STAGES; s++) stages[s] = flush(stages[s]!);
  }
}
