// The library entry: every CLI verb is a typed function here; the CLI and the web server are thin shells.
export { PatchsmithError, type Warning } from "./errors.ts";
export type { AudioData, AudioFileInfo } from "./audio/types.ts";
export { toMono } from "./audio/types.ts";
export { analyzeSound, type AnalyzeOptions, type SoundAnalysis, type SoundSummary } from "./audio/analyze.ts";
export { pitchTrack, type PitchTrack, type PitchOptions } from "./audio/pitch.ts";
export * from "./metrics/index.ts";
export * from "./synths/synth.ts";
