// The library entry: every CLI verb is a typed function here; the CLI and the web server are thin shells.
export { PatchsmithError, type Warning } from "./errors.ts";
export type { AudioData, AudioFileInfo } from "./audio/types.ts";
export { toMono } from "./audio/types.ts";
export { analyzeSound, type AnalyzeOptions, type SoundAnalysis, type SoundSummary } from "./audio/analyze.ts";
export { pitchTrack, type PitchTrack, type PitchOptions } from "./audio/pitch.ts";
export * from "./metrics/index.ts";
export * from "./synths/synth.ts";
export { decodeAudio, readAudioFile, readAudioMono } from "./audio/decode.ts";
export { encodeWav, type WavEncoding } from "./audio/encode.ts";
export { resample } from "./audio/resample.ts";
export { loadSynths } from "./synths/index.ts";
export { loadPresetFile, selectVoice } from "./presets/load.ts";
export {
  match,
  type MatchOptions,
  type MatchResult,
  type MatchCandidate,
  type MatchProgress,
} from "./match/pipeline.ts";
export { analyseTarget, type MatchTarget } from "./match/target.ts";
export { buildBank, loadBank, saveBank } from "./match/bank.ts";
