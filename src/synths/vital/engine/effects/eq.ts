// Vital's EQ: three basic digital SVF bands in series — low (low shelf or 12 dB high-pass), band (bell or
// notch), high (high shelf or 12 dB low-pass). Gains ±15 dB, cutoffs as MIDI notes, resonance quadratic (v²).

import { pid, type VitalProgram } from "../program.ts";
import type { BlockContext, Effect } from "./common.ts";
import { BasicSvf, SVF_NOTCH, SVF_PASS, SVF_SHELF } from "./svf.ts";

const P = {
  lowMode: pid("eq_low_mode"),
  lowCutoff: pid("eq_low_cutoff"),
  lowGain: pid("eq_low_gain"),
  lowRes: pid("eq_low_resonance"),
  bandMode: pid("eq_band_mode"),
  bandCutoff: pid("eq_band_cutoff"),
  bandGain: pid("eq_band_gain"),
  bandRes: pid("eq_band_resonance"),
  highMode: pid("eq_high_mode"),
  highCutoff: pid("eq_high_cutoff"),
  highGain: pid("eq_high_gain"),
  highRes: pid("eq_high_resonance"),
};

function square(x: number): number {
  return x > 0 ? x * x : 0;
}

/** Per band: its mode and gain parameters (a shelf or bell at 0 dB is the identity). */
const IDENTITY_WHEN = [
  [P.lowMode, P.lowGain],
  [P.bandMode, P.bandGain],
  [P.highMode, P.highGain],
];

export class Eq implements Effect {
  private readonly bands: BasicSvf[][] = [0, 1, 2].map(() => [new BasicSvf(), new BasicSvf()]);
  private readonly modes = [-1, -1, -1];
  /** Bands that pass their input unchanged for the whole render (shelf or bell at 0 dB, unmodulated): skipped. */
  private readonly identity: boolean[];

  constructor(private readonly program: VitalProgram) {
    const v = program.values;
    this.identity = IDENTITY_WHEN.map(
      ([mode, gain]) =>
        v[mode!]! < 0.5 &&
        v[gain!]! === 0 &&
        !program.modulated.includes(mode!) &&
        !program.modulated.includes(gain!),
    );
  }

  reset(): void {
    for (const b of this.bands) for (const f of b) f.reset();
  }

  process(L: Float32Array, R: Float32Array, n: number, ctx: BlockContext): void {
    const v = this.program.values;
    const lowPass = v[P.lowMode]! >= 0.5;
    const notch = v[P.bandMode]! >= 0.5;
    const highPass = v[P.highMode]! >= 0.5;
    this.band(0, lowPass ? SVF_PASS : SVF_SHELF, lowPass ? 2 : 0, square(v[P.lowRes]!), v[P.lowGain]!);
    this.band(1, notch ? SVF_NOTCH : SVF_SHELF, 1, square(v[P.bandRes]!), v[P.bandGain]!);
    this.band(2, highPass ? SVF_PASS : SVF_SHELF, highPass ? 0 : 2, square(v[P.highRes]!), v[P.highGain]!);
    for (let b = 0; b < 3; b++) {
      if (this.identity[b]) continue;
      const cutoff = v[b === 0 ? P.lowCutoff : b === 1 ? P.bandCutoff : P.highCutoff]!;
      this.bands[b]![0]!.processPair(L, R, n, cutoff, cutoff, ctx.sampleRate, this.bands[b]![1]!);
    }
  }

  private band(b: number, style: number, blend: number, res: number, gainDb: number): void {
    const mode = style * 4 + blend;
    if (this.modes[b] !== mode) {
      // Vital switches to another processor with its own (cleared) state
      this.bands[b]![0]!.reset();
      this.bands[b]![1]!.reset();
      this.modes[b] = mode;
    }
    for (const f of this.bands[b]!) f.setup(style, blend, res, gainDb);
  }
}
