// Vital's multiband compressor (vital.md §8; facts from Vital, GPL-3.0): 4th-order Linkwitz-Riley splits at
// 120 Hz and 2500 Hz; each band (per channel) follows its mean square with attack/release lengths of
// 2.8/40 ms (low), 1.4/28 ms (band), 0.7/15 ms (high) scaled by e^(8·attack − 4) / e^(8·release − 4); gain
// (U / max(ms, U))^(upper_ratio/2) · (L / min(ms, L))^(lower_ratio/2) clamped to ≤ 32, then the band's output
// gain and a linear mix. `compressor_enabled_bands`: 0 all three bands, 1 low + rest (split at 120 Hz),
// 2 rest + high (split at 2500 Hz), 3 one band (the band settings).

import { pid, type VitalProgram } from "../program.ts";
import { clamp, flush, type BlockContext, type Effect } from "./common.ts";
import {
  CompressorKernel,
  compressorKernelModule,
  SPLIT_NONE,
  SPLIT_ONE,
  SPLIT_TWO,
} from "./compressor-kernel.ts";

const P = {
  attack: pid("compressor_attack"),
  release: pid("compressor_release"),
  mix: pid("compressor_mix"),
  bands: pid("compressor_enabled_bands"),
};

/** Per band: [upper threshold, lower threshold, upper ratio, lower ratio, gain] parameter ids. */
function bandIds(name: string): number[] {
  return ["upper_threshold", "lower_threshold", "upper_ratio", "lower_ratio", "gain"].map((k) =>
    pid(`compressor_${name}_${k}`),
  );
}
const LOW = bandIds("low");
const BAND = bandIds("band");
const HIGH = bandIds("high");
const BAND_IDS = [LOW, BAND, HIGH];
/** The parameters the gain computers' settings depend on (besides the band mode and the sample rate). */
const SETTINGS = [P.attack, P.release, ...[LOW, BAND, HIGH].flatMap((ids) => ids.slice(0, 4))];

const ATTACK_MS = [2.8, 1.4, 0.7];
const RELEASE_MS = [40, 28, 15];
const MAX_EXPAND = 32;

/**
 * Linkwitz-Riley 4th-order low/high split: two cascaded Butterworth sections each, as trapezoidal
 * state-variable filters (the bilinear transform of the same analog response as Vital's biquads, better
 * conditioned at low cutoffs). The first sections of both sides see the same input: they are one filter.
 */
class Crossover {
  /** a1, a2 and g of the sections (k = √2): v1 = a1·ic1 + a2·(x − ic2), v2 = ic2 + g·v1. */
  readonly coefficients: Float64Array;
  /** ic1, ic2 of the shared first section, the low side's second, the high side's second */
  private readonly s = new Float64Array(6);

  constructor(hz: number, sampleRate: number) {
    const g = Math.tan((Math.PI * hz) / sampleRate);
    const a1 = 1 / (1 + g * (g + Math.SQRT2));
    this.coefficients = Float64Array.of(a1, g * a1, g);
  }

  reset(): void {
    this.s.fill(0);
  }

  flushState(): void {
    for (let i = 0; i < 6; i++) this.s[i] = flush(this.s[i]!);
  }

  /** Split one sample; writes [low, high] into `out`. */
  split(x: number, out: Float64Array): void {
    const low = this.section(x, 0);
    const high = x - Math.SQRT2 * this.band - low;
    out[0] = this.section(low, 2);
    const low2 = this.section(high, 4);
    out[1] = high - Math.SQRT2 * this.band - low2;
  }

  /** The last section's band-pass output. */
  private band = 0;

  /** One section's step on x (states at `o`): returns its low-pass output, keeps its band-pass in `band`. */
  private section(x: number, o: number): number {
    const s = this.s;
    const c = this.coefficients;
    const ic1 = s[o]!;
    const ic2 = s[o + 1]!;
    const v1 = c[0]! * ic1 + c[1]! * (x - ic2);
    const v2 = ic2 + c[2]! * v1;
    s[o] = 2 * v1 - ic1;
    s[o + 1] = 2 * v2 - ic2;
    this.band = v1;
    return v2;
  }
}

/** One band's envelope follower and gain computer, per channel. */
class BandCompressor {
  high = 0;
  low = 0;
  attackSamples = 5;
  releaseSamples = 5;
  attackScale = 1 / 6;
  releaseScale = 1 / 6;
  upper = 1;
  lower = 1;
  upperRatio = 0;
  lowerRatio = 0;

  reset(): void {
    this.high = this.low = 0;
  }

  setup(v: Float64Array, ids: number[], attack: number, release: number, band: number, sr: number): void {
    const perMs = sr / 1000;
    this.attackSamples = Math.max(5, Math.exp(clamp(attack, 0, 1) * 8 - 4) * ATTACK_MS[band]! * perMs);
    this.releaseSamples = Math.max(5, Math.exp(clamp(release, 0, 1) * 8 - 4) * RELEASE_MS[band]! * perMs);
    this.attackScale = 1 / (this.attackSamples + 1);
    this.releaseScale = 1 / (this.releaseSamples + 1);
    const u = Math.pow(10, clamp(v[ids[0]!]!, -100, 12) / 20);
    const l = Math.pow(10, clamp(v[ids[1]!]!, -100, 12) / 20);
    this.upper = u * u;
    this.lower = l * l;
    this.upperRatio = clamp(v[ids[2]!]!, 0, 1) * 0.5;
    this.lowerRatio = clamp(v[ids[3]!]!, -1, 1) * 0.5;
  }

  tick(x: number): number {
    const sq = x * x;
    const aS = this.attackSamples;
    const rS = this.releaseSamples;
    const aK = this.attackScale;
    const rK = this.releaseScale;
    let h = sq > this.high ? (sq + this.high * aS) * aK : (sq + this.high * rS) * rK;
    if (h < this.upper) h = this.upper;
    this.high = h;
    let l = sq > this.low ? (sq + this.low * aS) * aK : (sq + this.low * rS) * rK;
    if (l > this.lower) l = this.lower;
    this.low = l;
    // (U/h)^ur · (L/l)^lr as one exponential of a sum of logarithms
    let e = 0;
    if (h !== this.upper && this.upperRatio !== 0) e = this.upperRatio * Math.log(this.upper / h);
    let g: number;
    if (l !== this.lower && this.lowerRatio !== 0) {
      if (l > 0) g = Math.exp(e + this.lowerRatio * Math.log(this.lower / l));
      else g = this.lowerRatio > 0 ? MAX_EXPAND : 0;
    } else g = e === 0 ? 1 : Math.exp(e);
    return x * (g > MAX_EXPAND ? MAX_EXPAND : g < 0 || g !== g ? 0 : g);
  }
}

export class Compressor implements Effect {
  private readonly splitLow: Crossover[];
  private readonly splitHigh: Crossover[];
  /** [channel][band] */
  private readonly comps: BandCompressor[][];
  private readonly tmp = new Float64Array(2);
  private lastBands = -1;
  private mix = -1;
  /** The bands' output gains and the mix, this block's targets and the last block's (CompressorKernel.setRamps). */
  private readonly gains = new Float64Array(4);
  private readonly prevGains = new Float64Array(4);
  /** The sample rate, band mode and SETTINGS values the gain computers were last set up for. */
  private readonly settingsKey = new Float64Array(2 + SETTINGS.length).fill(NaN);

  /** The gain computers in WebAssembly SIMD (compressor-kernel.ts), when available and wanted. */
  private readonly kernel: CompressorKernel | undefined;
  /** `useKernel`: run the band split and the gain computers in the WebAssembly kernel where available (false: JavaScript). */
  constructor(
    private readonly program: VitalProgram,
    sampleRate: number,
    maxBlock = 128,
    useKernel = true,
  ) {
    this.splitLow = [new Crossover(120, sampleRate), new Crossover(120, sampleRate)];
    this.splitHigh = [new Crossover(2500, sampleRate), new Crossover(2500, sampleRate)];
    this.comps = [0, 1].map(() => [new BandCompressor(), new BandCompressor(), new BandCompressor()]);
    const mod = useKernel ? compressorKernelModule() : null;
    if (mod) this.kernel = new CompressorKernel(mod, maxBlock);
  }

  reset(): void {
    for (const c of [...this.splitLow, ...this.splitHigh]) c.reset();
    for (const ch of this.comps) for (const c of ch) c.reset();
    this.kernel?.reset();
    this.mix = -1;
    this.lastBands = -1;
    this.settingsKey.fill(NaN);
  }

  process(L: Float32Array, R: Float32Array, n: number, ctx: BlockContext): void {
    const v = this.program.values;
    const bands = clamp(Math.round(v[P.bands]!), 0, 3);
    if (bands !== this.lastBands) {
      if (this.lastBands >= 0) this.reset();
      this.lastBands = bands;
      this.prevGains.fill(-1);
      const low = this.splitLow[0]!.coefficients;
      const high = this.splitHigh[0]!.coefficients;
      if (bands === 0) this.kernel?.setSplit(SPLIT_TWO, low, high);
      else if (bands === 3) this.kernel?.setSplit(SPLIT_NONE);
      else this.kernel?.setSplit(SPLIT_ONE, bands === 1 ? low : high);
    }
    const attack = v[P.attack]!;
    const release = v[P.release]!;
    const sr = ctx.sampleRate;
    // the gain computers' settings, recomputed when a parameter they read moved (blocks mostly repeat them)
    const key = this.settingsKey;
    let changed = key[0] !== sr || key[1] !== bands;
    for (let k = 0; k < SETTINGS.length; k++) {
      const x = v[SETTINGS[k]!]!;
      if (key[k + 2] !== x) {
        key[k + 2] = x;
        changed = true;
      }
    }
    key[0] = sr;
    key[1] = bands;
    // which settings drive the two (or three) compressors: [first, second] bands of the split
    const active = bands === 0 ? 3 : bands === 3 ? 1 : 2;
    for (let b = 0; b < 3; b++) {
      const src = bands === 2 ? (b === 0 ? BAND : HIGH) : bands === 3 ? BAND : BAND_IDS[b]!;
      const speed = bands === 2 ? (b === 0 ? 1 : 2) : bands === 3 ? 1 : b;
      if (changed) for (const ch of this.comps) ch[b]!.setup(v, src, attack, release, speed, sr);
      // (a band the mode does not split off has no output)
      this.gains[b] = b < active ? Math.pow(10, clamp(v[src[4]!]!, -30, 30) / 20) : 0;
    }
    const mix = clamp(v[P.mix]!, 0, 1);
    const m0 = this.mix < 0 ? mix : this.mix;
    const dm = (mix - m0) / n;
    const g0 = this.prevGains;
    if (g0[0]! < 0) g0.set(this.gains);
    const t = this.tmp;
    if (this.kernel) {
      if (changed)
        for (let c = 0; c < 2; c++) for (let b = 0; b < 3; b++) this.kernel.set(b, c, this.comps[c]![b]!);
      g0[3] = m0;
      this.gains[3] = mix;
      this.kernel.setRamps(n, g0, this.gains);
      this.kernel.run(L, R, n);
      g0.set(this.gains);
      this.mix = mix;
      return;
    }
    for (let c = 0; c < 2; c++) {
      const buf = c === 0 ? L : R;
      const cs = this.comps[c]!;
      const lowX = this.splitLow[c]!;
      const highX = this.splitHigh[c]!;
      for (let i = 0; i < n; i++) {
        const k = (i + 1) / n;
        const x = buf[i]!;
        let y: number;
        if (bands === 0) {
          lowX.split(x, t);
          const low = t[0]!;
          const rest = t[1]!;
          highX.split(rest, t);
          y =
            cs[0]!.tick(low) * (g0[0]! + (this.gains[0]! - g0[0]!) * k) +
            cs[1]!.tick(t[0]!) * (g0[1]! + (this.gains[1]! - g0[1]!) * k) +
            cs[2]!.tick(t[1]!) * (g0[2]! + (this.gains[2]! - g0[2]!) * k);
        } else if (bands === 1 || bands === 2) {
          (bands === 1 ? lowX : highX).split(x, t);
          y =
            cs[0]!.tick(t[0]!) * (g0[0]! + (this.gains[0]! - g0[0]!) * k) +
            cs[1]!.tick(t[1]!) * (g0[1]! + (this.gains[1]! - g0[1]!) * k);
        } else {
          y = cs[0]!.tick(x) * (g0[0]! + (this.gains[0]! - g0[0]!) * k);
        }
        const m = m0 + dm * (i + 1);
        buf[i] = x + (y - x) * m;
      }
    }
    g0.set(this.gains);
    this.mix = mix;
    for (let c = 0; c < 2; c++) {
      this.splitLow[c]!.flushState();
      this.splitHigh[c]!.flushState();
    }
  }
}
