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
    this.runChannels(L, R, n, sr, phase, v[P.center]!, depth, offset, res, p1, p3, p5, mix);
    this.depth = depth;
    this.offset = offset;
    this.res = res;
    this.p1 = p1;
    this.p3 = p3;
    this.p5 = p5;
    this.mix = mix;
  }

  /** The sweep's all-pass coefficient for the channel at `sign` (±1: ± half the phase offset). */
  private coefficientAt(
    sr: number,
    phase: number,
    sign: number,
    centre: number,
    depth: number,
    offset: number,
  ) {
    let ph = phase + (sign * offset) / 2;
    ph -= Math.floor(ph);
    return coefficient(centre + (ph < 0.5 ? 4 * ph - 1 : 3 - 4 * ph) * depth, sr);
  }

  /**
   * Both channels sample by sample side by side: each is a long serial chain (feedback, then twelve
   * all-pass stages), and the two chains overlap in the processor only when their steps interleave.
   */
  private runChannels(
    L: Float32Array,
    R: Float32Array,
    n: number,
    sr: number,
    phase: number,
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
    const [cl, cr] = this.ch as [PhaserChannel, PhaserChannel];
    const sl = cl.stages;
    const sr2 = cr.stages;
    // the sweep's phase is fixed within a block, so unless depth or spread move the cutoff is constant
    const still = offset === this.offset && depth === this.depth;
    let gl = 0;
    let gr = 0;
    if (still) {
      gl = this.coefficientAt(sr, phase, 1, centre, depth, offset);
      gr = this.coefficientAt(sr, phase, -1, centre, depth, offset);
    }
    let lowsL = cl.lows;
    let highsL = cl.highs;
    let allpassL = cl.allpass;
    let lowsR = cr.lows;
    let highsR = cr.highs;
    let allpassR = cr.allpass;
    for (let i = 0; i < n; i++) {
      const t = (i + 1) * inv;
      if (!still) {
        const off = this.offset + (offset - this.offset) * t;
        const dep = this.depth + (depth - this.depth) * t;
        gl = this.coefficientAt(sr, phase, 1, centre, dep, off);
        gr = this.coefficientAt(sr, phase, -1, centre, dep, off);
      }
      const r = this.res + (res - this.res) * t;
      const drive = r * 0.5 + 1;
      const a1 = this.p1 + (p1 - this.p1) * t;
      const a3 = this.p3 + (p3 - this.p3) * t;
      const a5 = this.p5 + (p5 - this.p5) * t;
      const m = this.mix + (mix - this.mix) * t;
      const xl = L[i]!;
      const xr = R[i]!;
      // band-limited, saturated feedback of the last all-pass output (left and right interleaved)
      let dL = Math.min(gl * CLEAR_RATIO, 0.9) * (allpassL - lowsL);
      let dR = Math.min(gr * CLEAR_RATIO, 0.9) * (allpassR - lowsR);
      const loL = lowsL + dL;
      const loR = lowsR + dR;
      lowsL = loL + dL;
      lowsR = loR + dR;
      dL = (gl / CLEAR_RATIO) * (loL - highsL);
      dR = (gr / CLEAR_RATIO) * (loR - highsR);
      const hiL = highsL + dL;
      const hiR = highsR + dR;
      highsL = hiL + dL;
      highsR = hiR + dR;
      const al = 1 - 2 * gl;
      const bl = 2 * gl - 2;
      const ar = 1 - 2 * gr;
      const br = 2 * gr - 2;
      let yl = drive * xl + tanhApprox(r * (loL - hiL));
      let yr = drive * xr + tanhApprox(r * (loR - hiR));
      let out1L = 0;
      let out1R = 0;
      let out3L = 0;
      let out3R = 0;
      for (let s = 0; s < STAGES; s++) {
        // y − 2·(z + g·(y − z)) as (1 − 2g)·y + (2g − 2)·z: two steps on the chain through y instead of five
        const zl = sl[s]!;
        const dl = gl * (yl - zl);
        sl[s] = zl + dl + dl;
        yl = al * yl + bl * zl;
        const zr = sr2[s]!;
        const dr = gr * (yr - zr);
        sr2[s] = zr + dr + dr;
        yr = ar * yr + br * zr;
        if (s === 3) {
          out1L = yl;
          out1R = yr;
        } else if (s === 7) {
          out3L = yl;
          out3R = yr;
        }
      }
      allpassL = a1 * out1L + a3 * out3L + a5 * yl;
      allpassR = a1 * out1R + a3 * out3R + a5 * yr;
      L[i] = xl + ((xl + allpassL) * 0.5 - xl) * m;
      R[i] = xr + ((xr + allpassR) * 0.5 - xr) * m;
    }
    cl.lows = flush(lowsL);
    cl.highs = flush(highsL);
    cl.allpass = flush(allpassL);
    cr.lows = flush(lowsR);
    cr.highs = flush(highsR);
    cr.allpass = flush(allpassR);
    for (let s = 0; s < STAGES; s++) {
      sl[s] = flush(sl[s]!);
      sr2[s] = flush(sr2[s]!);
    }
  }
}
