// The effect chain's filter slot (`filter_fx_*`): the voice filter models on the summed signal, keytracked
// from the last played note, with `filter_fx_mix` as a linear dry/wet like the voice filters.

import { defaultFilterSettings, VoiceFilter, type FilterSettings } from "../filters.ts";
import { pid, type VitalProgram } from "../program.ts";
import { clamp, type BlockContext, type Effect, copyBlock } from "./common.ts";

const P = {
  model: pid("filter_fx_model"),
  style: pid("filter_fx_style"),
  cutoff: pid("filter_fx_cutoff"),
  keytrack: pid("filter_fx_keytrack"),
  resonance: pid("filter_fx_resonance"),
  drive: pid("filter_fx_drive"),
  blend: pid("filter_fx_blend"),
  blendTranspose: pid("filter_fx_blend_transpose"),
  formantX: pid("filter_fx_formant_x"),
  formantY: pid("filter_fx_formant_y"),
  formantSpread: pid("filter_fx_formant_spread"),
  formantTranspose: pid("filter_fx_formant_transpose"),
  formantResonance: pid("filter_fx_formant_resonance"),
  mix: pid("filter_fx_mix"),
};

export class FilterFx implements Effect {
  private readonly filters: VoiceFilter[];
  private readonly settings: FilterSettings;
  private readonly dryL: Float32Array;
  private readonly dryR: Float32Array;

  constructor(
    private readonly program: VitalProgram,
    sampleRate: number,
    maxBlock: number,
  ) {
    this.filters = [new VoiceFilter(sampleRate), new VoiceFilter(sampleRate)];
    this.settings = defaultFilterSettings();
    this.dryL = new Float32Array(maxBlock);
    this.dryR = new Float32Array(maxBlock);
  }

  reset(): void {
    for (const f of this.filters) f.reset();
  }

  process(L: Float32Array, R: Float32Array, n: number, ctx: BlockContext): void {
    const v = this.program.values;
    const s = this.settings;
    s.model = Math.round(v[P.model]!);
    s.style = Math.round(v[P.style]!);
    s.cutoffNote = v[P.cutoff]! + v[P.keytrack]! * (ctx.note - 60);
    s.resonance = v[P.resonance]!;
    s.driveDb = v[P.drive]!;
    s.blend = v[P.blend]!;
    s.blendTranspose = v[P.blendTranspose]!;
    s.formantX = v[P.formantX]!;
    s.formantY = v[P.formantY]!;
    s.formantSpread = v[P.formantSpread]!;
    s.formantTranspose = v[P.formantTranspose]!;
    s.formantResonance = v[P.formantResonance]!;
    const mix = clamp(v[P.mix]!, 0, 1);
    if (mix < 1) {
      copyBlock(this.dryL, L, n);
      copyBlock(this.dryR, R, n);
    }
    this.filters[0]!.processPair(L, R, n, s, s, this.filters[1]!);
    if (mix < 1) {
      const dl = this.dryL;
      const dr = this.dryR;
      for (let i = 0; i < n; i++) {
        L[i] = dl[i]! + mix * (L[i]! - dl[i]!);
        R[i] = dr[i]! + mix * (R[i]! - dr[i]!);
      }
    }
  }
}
