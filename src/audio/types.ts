/** Decoded audio: one Float32Array per channel, samples nominally in [-1, 1]. */
export interface AudioData {
  sampleRate: number;
  channels: Float32Array[];
}

/** Information about how a file was stored, reported alongside decoded audio. */
export interface AudioFileInfo {
  format: "wav" | "aiff" | "flac" | "mp3" | "ogg-vorbis" | "ogg-opus";
  sampleRate: number;
  channelCount: number;
  frames: number;
  /** e.g. "pcm16", "pcm24", "float32"; undefined for lossy codecs. */
  encoding?: string;
}

export function frameCount(a: AudioData): number {
  return a.channels.length ? a.channels[0]!.length : 0;
}

/** Average of the channels (the metrics and analysis work on mono). Returns the input channel when mono. */
export function toMono(a: AudioData): Float32Array {
  if (a.channels.length === 1) return a.channels[0]!;
  const n = frameCount(a);
  const out = new Float32Array(n);
  const k = 1 / a.channels.length;
  for (const ch of a.channels) for (let i = 0; i < n; i++) out[i] += ch[i]! * k;
  return out;
}
