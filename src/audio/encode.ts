import { PatchsmithError } from "../errors.ts";
import type { AudioData } from "./types.ts";

export type WavEncoding = "pcm16" | "pcm24" | "float32";

/**
 * Encode a canonical RIFF/WAVE file (44-byte header; PCM or IEEE float). PCM samples are rounded and
 * clipped to the integer range; float32 keeps values beyond ±1.
 */
export function encodeWav(audio: AudioData, encoding: WavEncoding = "pcm16"): Uint8Array {
  const nch = audio.channels.length;
  if (nch < 1) throw new PatchsmithError("bad-audio", "cannot encode audio with no channels");
  const frames = audio.channels[0]!.length;
  for (const ch of audio.channels) {
    if (ch.length !== frames) throw new PatchsmithError("bad-audio", "channels differ in length");
    for (let i = 0; i < frames; i++) {
      const v = ch[i]!;
      // NaN would be written as 0 (PCM) or as NaN (float): either way silent garbage.
      if (v - v !== 0)
        throw new PatchsmithError("bad-audio", `audio contains a non-finite sample (frame ${i})`);
    }
  }
  if (!Number.isInteger(audio.sampleRate) || audio.sampleRate < 1 || audio.sampleRate > 0xffffffff) {
    throw new PatchsmithError(
      "bad-audio",
      `a WAV file needs a whole positive sample rate, got ${audio.sampleRate}`,
    );
  }
  const bytesPerSample = encoding === "pcm16" ? 2 : encoding === "pcm24" ? 3 : 4;
  const dataBytes = frames * nch * bytesPerSample;
  if (dataBytes > 0xffffffff - 44) throw new PatchsmithError("too-large", "audio too long for a WAV file");
  const buf = new Uint8Array(44 + dataBytes);
  const dv = new DataView(buf.buffer);
  const ascii = (off: number, s: string) => {
    for (let i = 0; i < s.length; i++) buf[off + i] = s.charCodeAt(i);
  };
  ascii(0, "RIFF");
  dv.setUint32(4, 36 + dataBytes, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  dv.setUint32(16, 16, true);
  dv.setUint16(20, encoding === "float32" ? 3 : 1, true);
  dv.setUint16(22, nch, true);
  dv.setUint32(24, audio.sampleRate, true);
  dv.setUint32(28, audio.sampleRate * nch * bytesPerSample, true);
  dv.setUint16(32, nch * bytesPerSample, true);
  dv.setUint16(34, bytesPerSample * 8, true);
  ascii(36, "data");
  dv.setUint32(40, dataBytes, true);
  let off = 44;
  const chans = audio.channels;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < nch; c++) {
      const x = chans[c]![i]!;
      if (encoding === "float32") {
        dv.setFloat32(off, x, true);
        off += 4;
      } else if (encoding === "pcm16") {
        const v = Math.max(-32768, Math.min(32767, Math.round(x * 32768)));
        dv.setInt16(off, v, true);
        off += 2;
      } else {
        const v = Math.max(-8388608, Math.min(8388607, Math.round(x * 8388608)));
        buf[off] = v & 0xff;
        buf[off + 1] = (v >> 8) & 0xff;
        buf[off + 2] = (v >> 16) & 0xff;
        off += 3;
      }
    }
  }
  return buf;
}
