// DX7 starting points derived from the target's analysis. None yet.
import type { AnySynth } from "../../synths/synth.ts";
import type { StartPoint } from "../pipeline.ts";
import type { MatchTarget } from "../target.ts";

export function dx7AnalyticStarts(_synth: AnySynth, _target: MatchTarget): StartPoint[] {
  return [];
}
