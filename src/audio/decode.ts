// Reading audio files: decode (see decode-bytes.ts for formats, error and warning codes) and, for
// analysis, mono at a chosen sample rate.

import type { Warning } from "../errors.ts";
import { readInputFile } from "../io/files.ts";
import { decodeAudio, type DecodeResult } from "./decode-bytes.ts";
import { resample } from "./resample.ts";
import { type AudioFileInfo, toMono } from "./types.ts";

export { decodeAudio, type DecodeResult } from "./decode-bytes.ts";

/** Read and decode an audio file; errors name the file. */
export async function readAudioFile(file: string): Promise<DecodeResult> {
  const bytes = await readInputFile(file);
  return decodeAudio(bytes, file);
}

/** Read an audio file as mono (channels averaged) at `sampleRate`, resampling when the file's rate differs. */
export async function readAudioMono(
  file: string,
  sampleRate = 44100,
): Promise<{ samples: Float32Array; sampleRate: number; info: AudioFileInfo; warnings: Warning[] }> {
  const { audio, info, warnings } = await readAudioFile(file);
  let samples = toMono(audio);
  if (audio.sampleRate !== sampleRate) samples = resample(samples, audio.sampleRate, sampleRate);
  return { samples, sampleRate, info, warnings };
}
