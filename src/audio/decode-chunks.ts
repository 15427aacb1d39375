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

const COMMON_IDS = new Set([
  "fmt ",
  "data",
  "fact",
  "LIST",
  "JUNK",
  "junk",
  "PAD ",
  "bext",
  "cue ",
  "smpl",
  "inst",
  "acid",
  "iXML",
  "id3 ",
  "ID3 ",
  "ds64",
  "cart",
  "labl",
  "note",
  "ltxt",
  "PEAK",
  "umid",
  "axml",
  "FLLR",
  "_PMX",
  "DISP",
  "COMM",
  "SSND",
  "FVER",
  "MARK",
  "INST",
  "MIDI",
  "AESD",
  "APPL",
  "COMT",
  "NAME",
  "AUTH",
  "(c) ",
  "ANNO",
  "CHAN",
]);

/** How much a position looks like the start of a chunk: 2 a well-known id, 1 a plausible one, 0 not. */
function chunkScore(bytes: Uint8Array, off: number, readSize: (off: number) => number): number {
  if (!isChunkId(bytes, off) || off + 8 > bytes.length) return 0;
  if (COMMON_IDS.has(fourcc(bytes, off))) return 2;
  for (let i = 0; i < 4; i++) {
    const c = bytes[off + i]!;
    const alnum =
      (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x20;
    if (!alnum) return 0;
  }
  return off + 8 + readSize(off + 4) <= bytes.length ? 1 : 0;
}

/**
 * Offset of the chunk after one whose body ends at `end` (odd sizes are padded to even). Some writers
 * forget the pad byte: when the unpadded position looks more like a chunk than the padded one, take it.
 */
export function nextChunkOffset(bytes: Uint8Array, end: number, readSize: (off: number) => number): number {
  if ((end & 1) === 0 || end + 1 >= bytes.length) return end + (end & 1);
  const padded = chunkScore(bytes, end + 1, readSize);
  const unpadded = chunkScore(bytes, end, readSize);
  return unpadded > padded ? end : end + 1;
}

/** Offset of the first occurrence of a four-character id at or after `from`, or −1. */
export function findId(bytes: Uint8Array, id: string, from: number): number {
  const [a, b, c, d] = [id.charCodeAt(0), id.charCodeAt(1), id.charCodeAt(2), id.charCodeAt(3)];
  for (let p = from; p + 8 <= bytes.length; p++) {
    if (bytes[p] === a && bytes[p + 1] === b && bytes[p + 2] === c && bytes[p + 3] === d) return p;
  }
  return -1;
}
