// Ogg page walking (RFC 3533): the first packet (to tell the codec) and whether a stream is complete.

export function isOgg(b: Uint8Array, off: number): boolean {
  return (
    off + 4 <= b.length &&
    b[off] === 0x4f &&
    b[off + 1] === 0x67 &&
    b[off + 2] === 0x67 &&
    b[off + 3] === 0x53
  );
}

/** The first packet's bytes on the first Ogg page (enough for the codec's magic). */
export function firstOggPacket(b: Uint8Array): Uint8Array | undefined {
  if (b.length < 27) return undefined;
  const segs = b[26]!;
  const start = 27 + segs;
  if (start > b.length) return undefined;
  let len = 0;
  for (let i = 0; i < segs; i++) {
    len += b[27 + i]!;
    if (b[27 + i]! < 255) break;
  }
  return b.subarray(start, Math.min(b.length, start + len));
}

const CRC32 = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 24;
  for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
  CRC32[i] = c >>> 0;
}

/** The page checksum: CRC-32 (polynomial 0x04C11DB7, MSB first) with the checksum field taken as zero. */
function pageChecksum(b: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    const v = i - start >= 22 && i - start < 26 ? 0 : b[i]!;
    crc = ((crc << 8) ^ CRC32[((crc >>> 24) ^ v) & 0xff]!) >>> 0;
  }
  return crc;
}

export interface OggCheck {
  /** The pages run back to back to the end of the data and the last one ends the stream. */
  complete: boolean;
  /** Pages whose checksum does not match (damaged data the decoders do not notice). */
  badPages: number;
}

export function checkOggStream(b: Uint8Array): OggCheck {
  let off = 0;
  let lastFlags = 0;
  let badPages = 0;
  while (off + 27 <= b.length && isOgg(b, off)) {
    const segs = b[off + 26]!;
    const bodyStart = off + 27 + segs;
    if (bodyStart > b.length) return { complete: false, badPages };
    let bodyLen = 0;
    for (let i = 0; i < segs; i++) bodyLen += b[off + 27 + i]!;
    const end = bodyStart + bodyLen;
    if (end > b.length) return { complete: false, badPages };
    const stored = (b[off + 22]! | (b[off + 23]! << 8) | (b[off + 24]! << 16) | (b[off + 25]! << 24)) >>> 0;
    if (pageChecksum(b, off, end) !== stored) badPages++;
    lastFlags = b[off + 5]!;
    off = end;
  }
  return { complete: off === b.length && (lastFlags & 0x04) !== 0, badPages };
}
