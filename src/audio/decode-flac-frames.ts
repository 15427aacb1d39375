// Splits a native FLAC stream into its frames so a damaged frame costs only its own samples.
// The decoder's own splitter looks for the next frame boundary by CRC; after one damaged frame it never
// finds one again and drops the rest of the file. Here every frame is located by its header (sync code
// + CRC-8) and verified by its CRC-16; damaged frames are skipped and their samples left as silence.
// Layout facts: the FLAC format specification (RFC 9639), sections 8 (metadata) and 9 (frames).

import { PatchsmithError } from "../errors.ts";

export interface FlacStreamInfo {
  minBlockSize: number;
  maxBlockSize: number;
  maxFrameBytes: number;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  totalFrames: number;
}

export interface FlacFrame {
  start: number;
  end: number;
  /** Index of the frame's first sample in the stream. */
  firstSample: number;
  samples: number;
}

export interface FlacLayout {
  info: FlacStreamInfo;
  /** Offset just after the last metadata block (where audio frames start). */
  audioStart: number;
  frames: FlacFrame[];
  /** Bytes between good frames that did not form a valid frame. */
  damagedBytes: number;
}

/** Parse "fLaC" + metadata blocks at `off` (STREAMINFO first). */
export function readFlacHeader(
  b: Uint8Array,
  off: number,
  file?: string,
): { info: FlacStreamInfo; audioStart: number } {
  let p = off + 4;
  if (p + 4 + 34 > b.length)
    throw new PatchsmithError("truncated-audio", "FLAC stream ends inside its header", file);
  if ((b[p]! & 0x7f) !== 0 || ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) < 34) {
    throw new PatchsmithError("corrupt-audio", "FLAC stream does not start with a STREAMINFO block", file);
  }
  const s = p + 4;
  const info: FlacStreamInfo = {
    minBlockSize: (b[s]! << 8) | b[s + 1]!,
    maxBlockSize: (b[s + 2]! << 8) | b[s + 3]!,
    maxFrameBytes: (b[s + 7]! << 16) | (b[s + 8]! << 8) | b[s + 9]!,
    sampleRate: (b[s + 10]! << 12) | (b[s + 11]! << 4) | (b[s + 12]! >> 4),
    channels: ((b[s + 12]! >> 1) & 7) + 1,
    bitsPerSample: (((b[s + 12]! & 1) << 4) | (b[s + 13]! >> 4)) + 1,
    totalFrames:
      (b[s + 13]! & 0x0f) * 2 ** 32 +
      ((b[s + 14]! << 24) >>> 0) +
      (b[s + 15]! << 16) +
      (b[s + 16]! << 8) +
      b[s + 17]!,
  };
  if (info.sampleRate === 0)
    throw new PatchsmithError("corrupt-audio", "FLAC STREAMINFO has sample rate 0", file);
  for (;;) {
    if (p + 4 > b.length)
      throw new PatchsmithError("truncated-audio", "FLAC stream ends inside its metadata", file);
    const last = b[p]! & 0x80;
    if ((b[p]! & 0x7f) === 0x7f)
      throw new PatchsmithError("corrupt-audio", "invalid FLAC metadata block type", file);
    p += 4 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
    if (p > b.length)
      throw new PatchsmithError("truncated-audio", "FLAC stream ends inside its metadata", file);
    if (last) break;
  }
  return { info, audioStart: p };
}

const CRC8 = new Uint8Array(256);
const CRC16 = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  CRC8[i] = c;
  let d = i << 8;
  for (let k = 0; k < 8; k++) d = d & 0x8000 ? ((d << 1) ^ 0x8005) & 0xffff : (d << 1) & 0xffff;
  CRC16[i] = d;
}

interface FrameHeader {
  length: number;
  variable: boolean;
  number: number;
  blockSize: number;
  bitsPerSample: number;
  channels: number;
}

const BPS = [0, 8, 12, 0, 16, 20, 24, 32];

/** A frame header at p (sync, reserved bits, coded number, CRC-8), or undefined. */
function frameHeader(b: Uint8Array, p: number, streamBps: number): FrameHeader | undefined {
  if (p + 6 > b.length || b[p] !== 0xff || (b[p + 1]! & 0xfe) !== 0xf8) return undefined;
  const bsCode = b[p + 2]! >> 4;
  const srCode = b[p + 2]! & 15;
  const chCode = b[p + 3]! >> 4;
  const bpsCode = (b[p + 3]! >> 1) & 7;
  if (bsCode === 0 || srCode === 15 || chCode > 10 || bpsCode === 3 || b[p + 3]! & 1) return undefined;
  let q = p + 4;
  const first = b[q]!;
  let extra: number;
  let value: number;
  if (first < 0x80) [extra, value] = [0, first];
  else if (first >= 0xc0 && first < 0xe0) [extra, value] = [1, first & 0x1f];
  else if (first >= 0xe0 && first < 0xf0) [extra, value] = [2, first & 0x0f];
  else if (first >= 0xf0 && first < 0xf8) [extra, value] = [3, first & 0x07];
  else if (first >= 0xf8 && first < 0xfc) [extra, value] = [4, first & 0x03];
  else if (first >= 0xfc && first < 0xfe) [extra, value] = [5, first & 0x01];
  else if (first === 0xfe) [extra, value] = [6, 0];
  else return undefined;
  q++;
  if (q + extra + 4 > b.length) return undefined;
  for (let i = 0; i < extra; i++, q++) {
    if ((b[q]! & 0xc0) !== 0x80) return undefined;
    value = value * 64 + (b[q]! & 0x3f);
  }
  let blockSize: number;
  if (bsCode === 1) blockSize = 192;
  else if (bsCode <= 5) blockSize = 576 << (bsCode - 2);
  else if (bsCode === 6) blockSize = b[q++]! + 1;
  else if (bsCode === 7) {
    blockSize = ((b[q]! << 8) | b[q + 1]!) + 1;
    q += 2;
  } else blockSize = 256 << (bsCode - 8);
  if (srCode === 12) q += 1;
  else if (srCode === 13 || srCode === 14) q += 2;
  if (q >= b.length) return undefined;
  let crc = 0;
  for (let i = p; i < q; i++) crc = CRC8[crc ^ b[i]!]!;
  if (crc !== b[q]) return undefined;
  return {
    length: q + 1 - p,
    variable: (b[p + 1]! & 1) === 1,
    number: value,
    blockSize,
    bitsPerSample: bpsCode === 0 ? streamBps : BPS[bpsCode]!,
    channels: chCode < 8 ? chCode + 1 : 2,
  };
}

/** Locate every intact frame after the metadata. Damaged stretches are skipped. */
export function splitFlacFrames(b: Uint8Array, info: FlacStreamInfo, audioStart: number): FlacLayout {
  const frames: FlacFrame[] = [];
  let damagedBytes = 0;
  let p = audioStart;
  const nextHeader = (from: number) => {
    for (let q = from; q + 6 <= b.length; q++) {
      if (b[q] === 0xff && frameHeader(b, q, info.bitsPerSample)) return q;
    }
    return b.length;
  };
  const firstHeader = nextHeader(p);
  damagedBytes += firstHeader - p;
  p = firstHeader;
  // Each damaged candidate costs a CRC scan of up to a frame's maximum size; crafted data full of
  // header look-alikes would make that quadratic, so the total scanning work is capped (intact
  // streams scan every byte once).
  let budget = 8 * (b.length - audioStart) + (1 << 20);
  while (p < b.length) {
    if (budget <= 0) {
      damagedBytes += b.length - p;
      break;
    }
    const h = frameHeader(b, p, info.bitsPerSample)!;
    // No frame is longer than its samples stored verbatim (side channels take one extra bit) plus headers.
    const bound = Math.max(
      info.maxFrameBytes,
      h.length + 2 + h.channels * (Math.ceil((h.blockSize * (h.bitsPerSample + 1)) / 8) + 8),
    );
    const limit = Math.min(b.length, p + bound);
    let crc = 0;
    let end = -1;
    for (let q = p; q < limit; q++) {
      crc = ((crc << 8) & 0xffff) ^ CRC16[(crc >> 8) ^ b[q]!]!;
      if (crc === 0 && q + 1 - p > h.length + 2) {
        const e = q + 1;
        if (e === b.length || (b[e] === 0xff && frameHeader(b, e, info.bitsPerSample))) {
          end = e;
          break;
        }
      }
    }
    budget -= (end < 0 ? limit : end) - p;
    if (end < 0) {
      const next = nextHeader(p + 1);
      damagedBytes += next - p;
      p = next;
      continue;
    }
    const firstSample = h.variable ? h.number : h.number * (info.maxBlockSize || h.blockSize);
    frames.push({ start: p, end, firstSample, samples: h.blockSize });
    p = end;
  }
  return { info, audioStart, frames, damagedBytes };
}

/**
 * A copy of the stream holding only the intact frames. STREAMINFO's total-samples field is set to what
 * those frames hold and its MD5 zeroed ("unknown"), since the copy no longer matches the original's.
 */
export function cleanFlacStream(b: Uint8Array, layout: FlacLayout, streamOffset: number): Uint8Array {
  const head = layout.audioStart - streamOffset;
  const size = head + layout.frames.reduce((n, f) => n + f.end - f.start, 0);
  const out = new Uint8Array(size);
  out.set(b.subarray(streamOffset, layout.audioStart));
  const s = 8; // STREAMINFO body inside the copy
  const total = layout.frames.reduce((n, f) => n + f.samples, 0);
  out[s + 13] = (out[s + 13]! & 0xf0) | (Math.floor(total / 2 ** 32) & 0x0f);
  out[s + 14] = (total >>> 24) & 0xff;
  out[s + 15] = (total >>> 16) & 0xff;
  out[s + 16] = (total >>> 8) & 0xff;
  out[s + 17] = total & 0xff;
  out.fill(0, s + 18, s + 34);
  let o = head;
  for (const f of layout.frames) {
    out.set(b.subarray(f.start, f.end), o);
    o += f.end - f.start;
  }
  return out;
}
