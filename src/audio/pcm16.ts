// A render as a 16-bit reference file holds it. Near-silent sounds (a preset peaking at −55 dBFS) are
// dominated by the reference's quantisation noise at the mel metric's 80 dB range, so a float render must be
// quantised the same way before it is compared with a 16-bit reference.
import { toMono } from "./types.ts";

/** Round to 16-bit steps as a file written with `round(x · 32767)` and read back with `÷ 32768` holds it. */
export function quantizePcm16(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Math.round(x[i]! * 32767);
    out[i] = (v > 32767 ? 32767 : v < -32768 ? -32768 : v) / 32768;
  }
  return out;
}

/**
 * The mono mix of a stereo render as a 16-bit reference stored with `storedChannels` channels holds it:
 * a stereo file quantises each channel before the mix, a mono file holds the quantised mix.
 */
export function monoAsStoredPcm16(
  channels: Float32Array[],
  storedChannels: number,
  sampleRate: number,
): Float32Array {
  if (storedChannels === 1) return quantizePcm16(toMono({ sampleRate, channels }));
  return toMono({ sampleRate, channels: channels.map(quantizePcm16) });
}
