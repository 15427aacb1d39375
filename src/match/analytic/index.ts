// Analytic starting points: patches computed from the target's analysis (its envelope, harmonic spectrum,
// noise residual) rather than looked up in a bank. One module per synth; synths without one get none.
import type { AnySynth } from "../../synths/synth.ts";
import type { StartPoint } from "../pipeline.ts";
import type { MatchTarget } from "../target.ts";
import { dx7AnalyticStarts } from "./dx7.ts";
import { vitalAnalyticStarts } from "./vital.ts";

const BY_SYNTH: Record<string, (synth: AnySynth, target: MatchTarget) => StartPoint[]> = {
  dx7: dx7AnalyticStarts,
  vital: vitalAnalyticStarts,
};

/** Starting points derived from the target for this synth (best first; empty when the synth has none). */
export function analyticStarts(synth: AnySynth, target: MatchTarget): StartPoint[] {
  return BY_SYNTH[synth.id]?.(synth, target) ?? [];
}
