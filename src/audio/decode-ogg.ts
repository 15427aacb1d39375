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

/** True when the Ogg pages run back to back to the end of the data and the last one ends the stream. */
export function oggStreamIsComplete(b: Uint8Array): boolean {
  let off = 0;
  let lastFlags = 0;
  while (off + 27 <= b.length && isOgg(b, off)) {
    const segs = b[off + 26]!;
    const bodyStart = off + 27 + segs;
    if (bodyStart > b.length) return false;
    let bodyLen = 0;
    for (let i = 0; i < segs; i++) bodyLen += b[off + 27 + i]!;
    if (bodyStart + bodyLen > b.length) return false;
    lastFlags = b[off + 5]!;
    off = bodyStart + bodyLen;
  }
  return off === b.length && (lastFlags & 0x04) !== 0;
}
