// Helpers shared by the RIFF (WAV) and IFF (AIFF) chunk walkers.

import type { Warning } from "../errors.ts";
import type { AudioData, AudioFileInfo } from "./types.ts";

/** What every decoder returns: the audio, how it was stored, and non-fatal problems met on the way. */
export interface DecodedAudio {
  audio: AudioData;
  info: AudioFileInfo;
  warnings: Warning[];
}

export function fourcc(bytes: Uint8Array, off: number): string {
  return String.fromCharCode(bytes[off]!, bytes[off + 1]!, bytes[off + 2]!, bytes[off + 3]!);
}

/** A chunk id is four printable ASCII characters (space allowed, e.g. "fmt "). */
export function isChunkId(bytes: Uint8Array, off: number): boolean {
  if (off < 0 || off + 4 > bytes.length) return false;
  for (let i = 0; i < 4; i++) {
    const b = bytes[off + i]!;
    if (b < 0x20 || b > 0x7e) return false;
  }
  return true;
}

/**
 * Offset of the chunk after one whose body ends at `end` (odd sizes are padded to even). Some writers
 * forget the pad byte: when the padded position does not start a chunk but the unpadded one does, take
 * the unpadded one.
 */
export function nextChunkOffset(bytes: Uint8Array, end: number): number {
  if ((end & 1) === 0) return end;
  if (!isChunkId(bytes, end + 1) && isChunkId(bytes, end)) return end;
  return end + 1;
}
