// AIFF and AIFF-C reader. Layout facts from Apple's "Audio Interchange File Format" 1.3 and the
// AIFF-C draft (1991): big-endian IFF chunks, COMM with an 80-bit extended sample rate, SSND with
// offset/blockSize before the samples.

import { PatchsmithError, type Warning } from "../errors.ts";
import { type DecodedAudio, findId, fourcc, isChunkId, nextChunkOffset } from "./decode-chunks.ts";
import { checkFinite, decodePcm, type PcmLayout, pcmEncodingName } from "./decode-pcm.ts";
import { MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from "./wav-read.ts";

export function isAiff(bytes: Uint8Array): boolean {
  if (bytes.length < 12 || fourcc(bytes, 0) !== "FORM") return false;
  const kind = fourcc(bytes, 8);
  return kind === "AIFF" || kind === "AIFC";
}

/** IEEE 754 80-bit extended (sign, 15-bit exponent, 64-bit mantissa with explicit integer bit). */
export function readExtended(dv: DataView, at: number): number {
  const se = dv.getUint16(at, false);
  const sign = se & 0x8000 ? -1 : 1;
  const exp = se & 0x7fff;
  const hi = dv.getUint32(at + 2, false);
  const lo = dv.getUint32(at + 6, false);
  if (exp === 0 && hi === 0 && lo === 0) return 0;
  if (exp === 0x7fff) return NaN;
  return sign * (hi * 2 ** 32 + lo) * 2 ** (exp - 16383 - 63);
}

interface Comm {
  channels: number;
  frames: number;
  sampleRate: number;
  layout: PcmLayout;
  validBits: number;
}

export function decodeAiff(bytes: Uint8Array, file?: string): DecodedAudio {
  if (!isAiff(bytes)) throw new PatchsmithError("corrupt-audio", "not an AIFF file", file);
  const aifc = fourcc(bytes, 8) === "AIFC";
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const warnings: Warning[] = [];
  const warn = (code: string, message: string) => warnings.push({ code, message, ...(file ? { file } : {}) });

  let comm: Comm | undefined;
  let ssndStart = -1;
  let ssndBytes = 0;
  const len = bytes.length;
  let off = 12;
  let broken = -1;
  /** Record the sound data; true when it runs to the end of the file (nothing can follow). */
  const takeSsnd = (body: number, size: number): boolean => {
    if (body + 8 > len)
      throw new PatchsmithError("truncated-audio", "the file ends inside its SSND chunk header", file);
    const dataOffset = dv.getUint32(body, false);
    const avail = len - body;
    ssndStart = body + 8 + dataOffset;
    if (ssndStart > len) {
      throw new PatchsmithError("truncated-audio", "SSND data offset points past the end of the file", file);
    }
    ssndBytes = Math.min(Math.max(0, size - 8 - dataOffset), len - ssndStart);
    if (size > avail) {
      warn(
        "truncated-audio",
        `the file ends ${size - avail} bytes before the end of its sound data (truncated?); decoded what is there`,
      );
    }
    return size >= avail;
  };
  while (off + 8 <= len) {
    if (!isChunkId(bytes, off)) {
      if (comm && ssndStart >= 0)
        warn("ignored-data", `${len - off} bytes of unrecognised data after the chunks were ignored`);
      else broken = off;
      break;
    }
    const id = fourcc(bytes, off);
    const size = dv.getUint32(off + 4, false);
    const body = off + 8;
    if (id === "COMM") {
      if (body + size > len)
        throw new PatchsmithError("truncated-audio", "the file ends inside its COMM chunk", file);
      if (!comm) comm = parseComm(dv, body, size, aifc, file);
    } else if (id === "SSND") {
      if (ssndStart < 0 && takeSsnd(body, size)) break;
    } else if (body + size > len) {
      if (comm && ssndStart >= 0) {
        warn("ignored-data", `chunk "${id.trim()}" at byte ${off} runs past the end of the file; ignored`);
      } else broken = off;
      break;
    }
    off = nextChunkOffset(bytes, body + size, (o) => dv.getUint32(o, false));
  }
  if (broken >= 0 && (!comm || ssndStart < 0)) {
    // The chunk chain is damaged before the chunks we need: look for them by their ids.
    warn(
      "bad-header",
      `damaged chunk structure at byte ${broken}; looked for the COMM and SSND chunks by name`,
    );
    for (let p = findId(bytes, "COMM", 12); p >= 0 && !comm; p = findId(bytes, "COMM", p + 1)) {
      const size = dv.getUint32(p + 4, false);
      if (size < 18 || size > 1024 || p + 8 + size > len) continue;
      try {
        comm = parseComm(dv, p + 8, size, aifc, file);
      } catch {
        /* not a usable COMM chunk: keep looking */
      }
    }
    if (ssndStart < 0) {
      const p = findId(bytes, "SSND", 12);
      if (p >= 0) takeSsnd(p + 8, dv.getUint32(p + 4, false));
    }
    if (!comm || ssndStart < 0)
      throw new PatchsmithError("corrupt-audio", `bad chunk header at byte ${broken}`, file);
  }
  if (!comm) throw new PatchsmithError("corrupt-audio", "no COMM chunk", file);
  if (comm.frames === 0) throw new PatchsmithError("empty-audio", "the file contains no audio frames", file);
  if (ssndStart < 0) throw new PatchsmithError("truncated-audio", "no SSND chunk (no sound data)", file);
  const stride = comm.layout.bytes * comm.channels;
  const available = Math.floor(ssndBytes / stride);
  let frames = comm.frames;
  if (available < frames) {
    if (!warnings.some((w) => w.code === "truncated-audio")) {
      warn(
        "truncated-audio",
        `the sound data holds ${available} of ${comm.frames} frames (truncated?); decoded what is there`,
      );
    }
    frames = available;
  }
  if (frames === 0) throw new PatchsmithError("truncated-audio", "no complete audio frame in the file", file);
  const channels = decodePcm(bytes, ssndStart, frames, comm.layout, file);
  checkFinite(channels, file);
  return {
    audio: { sampleRate: comm.sampleRate, channels },
    info: {
      format: "aiff",
      sampleRate: comm.sampleRate,
      channelCount: comm.channels,
      frames,
      encoding: pcmEncodingName(comm.layout, comm.validBits),
    },
    warnings,
  };
}

function parseComm(dv: DataView, at: number, size: number, aifc: boolean, file?: string): Comm {
  if (size < 18) throw new PatchsmithError("corrupt-audio", `COMM chunk too short (${size} bytes)`, file);
  const channels = dv.getInt16(at, false);
  const frames = dv.getUint32(at + 2, false);
  const bits = dv.getInt16(at + 6, false);
  const rate = readExtended(dv, at + 8);
  if (channels < 1 || channels > 256)
    throw new PatchsmithError("corrupt-audio", `bad channel count ${channels}`, file);
  if (!(rate >= MIN_SAMPLE_RATE && rate <= MAX_SAMPLE_RATE)) {
    throw new PatchsmithError("corrupt-audio", `bad sample rate ${rate}`, file);
  }
  // Non-integer rates (e.g. 44100.0 stored with rounding error) are rounded; audio rates are whole Hz.
  const sampleRate = Math.round(rate);
  let compression = "NONE";
  if (aifc) {
    if (size < 22)
      throw new PatchsmithError("corrupt-audio", "AIFF-C COMM chunk has no compression type", file);
    compression = String.fromCharCode(
      dv.getUint8(at + 18),
      dv.getUint8(at + 19),
      dv.getUint8(at + 20),
      dv.getUint8(at + 21),
    );
  }
  const intLayout = (littleEndian: boolean): PcmLayout => {
    if (bits < 1 || bits > 32)
      throw new PatchsmithError("corrupt-audio", `bad sample size ${bits} bits`, file);
    return { kind: "int", bytes: Math.ceil(bits / 8), littleEndian, channels };
  };
  let layout: PcmLayout;
  let validBits = bits;
  switch (compression) {
    case "NONE":
    case "twos":
      layout = intLayout(false);
      break;
    case "sowt":
      layout = intLayout(true);
      break;
    case "raw ":
      layout = { kind: "uint", bytes: 1, littleEndian: false, channels };
      validBits = 8;
      break;
    case "in24":
      layout = { kind: "int", bytes: 3, littleEndian: false, channels };
      validBits = 24;
      break;
    case "in32":
      layout = { kind: "int", bytes: 4, littleEndian: false, channels };
      validBits = 32;
      break;
    case "ulaw":
    case "ULAW":
      layout = { kind: "ulaw", bytes: 1, littleEndian: false, channels };
      validBits = 8;
      break;
    case "alaw":
    case "ALAW":
      layout = { kind: "alaw", bytes: 1, littleEndian: false, channels };
      validBits = 8;
      break;
    case "fl32":
    case "FL32":
      layout = { kind: "float", bytes: 4, littleEndian: false, channels };
      validBits = 32;
      break;
    case "fl64":
    case "FL64":
      layout = { kind: "float", bytes: 8, littleEndian: false, channels };
      validBits = 64;
      break;
    default:
      throw new PatchsmithError(
        "unsupported-audio",
        `AIFF-C compression "${compression.replace(/[^\x20-\x7e]/g, "?")}" is not supported (NONE, twos, sowt, fl32, fl64, in24, in32, raw, ulaw, alaw are)`,
        file,
      );
  }
  return { channels, frames, sampleRate, layout, validBits };
}
