// MPEG audio (MP3) stream facts: frame headers (ISO/IEC 11172-3 and 13818-3), the Xing/Info header
// and the LAME tag's encoder delay and padding (LAME's documented tag layout).

export interface MpegHeader {
  channels: number;
  sampleRate: number;
  frameLength: number;
}

const MPEG_RATES: Record<number, number[]> = {
  3: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  0: [11025, 12000, 8000],
};
// Bit rates in kbit/s for bitrate index 1..14, one row per layer (III, II, I): MPEG-1, then MPEG-2/2.5.
const BITRATES_V1 = [
  [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320], // layer III
  [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384], // layer II
  [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448], // layer I
];
const BITRATES_V2 = [
  [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
];

export function parseMpegHeader(b: Uint8Array, off: number): MpegHeader | undefined {
  if (off + 4 > b.length || b[off] !== 0xff || (b[off + 1]! & 0xe0) !== 0xe0) return undefined;
  const version = (b[off + 1]! >> 3) & 3; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
  const layer = (b[off + 1]! >> 1) & 3; // 1 = III, 2 = II, 3 = I
  const bitrateIndex = b[off + 2]! >> 4;
  const rateIndex = (b[off + 2]! >> 2) & 3;
  if (version === 1 || layer === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3)
    return undefined;
  const sampleRate = MPEG_RATES[version]![rateIndex]!;
  const kbps = (version === 3 ? BITRATES_V1 : BITRATES_V2)[layer - 1]![bitrateIndex - 1]!;
  const padding = (b[off + 2]! >> 1) & 1;
  let frameLength: number;
  if (layer === 3) frameLength = (Math.floor((12000 * kbps) / sampleRate) + padding) * 4;
  else if (layer === 1 && version !== 3) frameLength = Math.floor((72000 * kbps) / sampleRate) + padding;
  else frameLength = Math.floor((144000 * kbps) / sampleRate) + padding;
  const channels = b[off + 3]! >> 6 === 3 ? 1 : 2;
  return { channels, sampleRate, frameLength };
}

/** An MPEG audio frame at `off`, confirmed by a second frame header right after it (or the end of data). */
export function mpegFrameAt(b: Uint8Array, off: number): MpegHeader | undefined {
  const h = parseMpegHeader(b, off);
  if (!h) return undefined;
  const next = off + h.frameLength;
  if (next >= b.length) return next - b.length < h.frameLength ? h : undefined;
  return parseMpegHeader(b, next) ? h : undefined;
}

/** How many MPEG frames follow each other from `off` (counting up to `max`). */
export function mpegChainLength(b: Uint8Array, off: number, max: number): number {
  let n = 0;
  while (n < max) {
    const h = parseMpegHeader(b, off);
    if (!h) break;
    n++;
    off += h.frameLength;
    if (off >= b.length) break;
  }
  return n;
}

/** First MPEG frame at or shortly after `off` (skipping a little junk between a tag and the audio). */
export function findMpegFrame(
  b: Uint8Array,
  off: number,
): { header: MpegHeader; offset: number } | undefined {
  const limit = Math.min(b.length - 4, off + 64 * 1024);
  for (let p = off; p <= limit; p++) {
    if (b[p] === 0xff) {
      const header = mpegFrameAt(b, p);
      if (header) return { header, offset: p };
    }
  }
  return undefined;
}

export interface MpegStreamFacts {
  /** Samples per channel after gapless trimming, from a Xing/Info + LAME header when there is one. */
  expectedSamples?: number;
  /** The frames run back to back up to one that extends past the end of the data. */
  lastFrameCut: boolean;
}

/**
 * What the stream says about its own length: the Xing/Info frame count and the LAME encoder delay and
 * padding (the decoder removes both), and whether the chain of frames ends inside a frame.
 */
export function mpegStreamFacts(b: Uint8Array, first: number, h: MpegHeader): MpegStreamFacts {
  const version1 = (b[first + 1]! & 0x18) === 0x18;
  const samplesPerFrame = version1 ? 1152 : 576;
  const sideInfo = version1 ? (h.channels === 1 ? 17 : 32) : h.channels === 1 ? 9 : 17;
  const x = first + 4 + sideInfo;
  let expectedSamples: number | undefined;
  const tag = x + 8 <= b.length ? String.fromCharCode(b[x]!, b[x + 1]!, b[x + 2]!, b[x + 3]!) : "";
  if (tag === "Xing" || tag === "Info") {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const flags = dv.getUint32(x + 4, false);
    let q = x + 8;
    if (flags & 1 && q + 4 <= b.length) {
      const frames = dv.getUint32(q, false);
      q += 4;
      if (flags & 2) q += 4;
      if (flags & 4) q += 100;
      if (flags & 8) q += 4;
      let delay = 0;
      let padding = 0;
      if (q + 24 <= b.length && String.fromCharCode(b[q]!, b[q + 1]!, b[q + 2]!, b[q + 3]!) === "LAME") {
        delay = (b[q + 21]! << 4) | (b[q + 22]! >> 4);
        padding = ((b[q + 22]! & 0x0f) << 8) | b[q + 23]!;
      }
      const n = frames * samplesPerFrame - delay - padding;
      if (n > 0) expectedSamples = n;
    }
  }
  let p = first;
  let lastFrameCut = false;
  for (;;) {
    const f = parseMpegHeader(b, p);
    if (!f) break;
    if (p + f.frameLength > b.length) {
      lastFrameCut = true;
      break;
    }
    p += f.frameLength;
  }
  return { ...(expectedSamples !== undefined ? { expectedSamples } : {}), lastFrameCut };
}
