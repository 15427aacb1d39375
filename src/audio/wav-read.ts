// WAV reader: RIFF (little-endian), RIFX (big-endian), RF64/BW64 (64-bit sizes in a ds64 chunk).
// Layout facts from the Microsoft RIFF/WAVE and WAVEFORMATEXTENSIBLE documentation and EBU Tech 3306 (RF64).

import { PatchsmithError, type Warning } from "../errors.ts";
import { type DecodedAudio, findId, fourcc, isChunkId, nextChunkOffset } from "./decode-chunks.ts";
import { checkFinite, decodePcm, type PcmLayout, pcmEncodingName } from "./decode-pcm.ts";

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_ALAW = 0x0006;
const WAVE_FORMAT_MULAW = 0x0007;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** Bytes 2–15 of every KSDATAFORMAT_SUBTYPE_* GUID built on a WAVE_FORMAT code. */
const SUBTYPE_GUID_TAIL = [
  0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
];

const KNOWN_UNSUPPORTED: Record<number, string> = {
  0x0002: "Microsoft ADPCM",
  0x0011: "IMA ADPCM",
  0x0031: "GSM 6.10",
  0x0050: "MPEG audio",
  0x0055: "MPEG Layer 3",
  0x0161: "Windows Media Audio",
  0x2000: "AC-3",
};

/** Sample rates outside this range are treated as a corrupt header. */
export const MIN_SAMPLE_RATE = 1;
export const MAX_SAMPLE_RATE = 1_536_000;
const MAX_CHANNELS = 256;

export function isWav(bytes: Uint8Array): boolean {
  if (bytes.length < 12) return false;
  const magic = fourcc(bytes, 0);
  return (
    (magic === "RIFF" || magic === "RIFX" || magic === "RF64" || magic === "BW64") &&
    fourcc(bytes, 8) === "WAVE"
  );
}

interface Fmt {
  layout: PcmLayout;
  sampleRate: number;
  validBits?: number;
}

export function decodeWav(bytes: Uint8Array, file?: string): DecodedAudio {
  if (!isWav(bytes)) throw new PatchsmithError("corrupt-audio", "not a RIFF/WAVE file", file);
  const magic = fourcc(bytes, 0);
  const le = magic !== "RIFX";
  const is64 = magic === "RF64" || magic === "BW64";
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (o: number) => dv.getUint32(o, le);
  const warnings: Warning[] = [];
  const warn = (code: string, message: string) => warnings.push({ code, message, ...(file ? { file } : {}) });

  let fmt: Fmt | undefined;
  let dataOffset = -1;
  let dataSize = 0;
  let ds64DataSize: number | undefined;
  let off = 12;
  const len = bytes.length;
  let broken = -1;
  /** Record the data chunk; true when it runs to the end of the file (nothing can follow). */
  const takeData = (body: number, size: number): boolean => {
    if (is64 && size === 0xffffffff && ds64DataSize !== undefined) size = ds64DataSize;
    const avail = len - body;
    const unfinalised = size === 0xffffffff || (size === 0 && avail > 0 && !isChunkId(bytes, body));
    if (unfinalised) {
      warn(
        "truncated-audio",
        "the data chunk has no valid size (recording not finalised?); read to the end of the file",
      );
      size = avail;
    }
    dataOffset = body;
    dataSize = Math.min(size, avail);
    if (size > avail) {
      warn(
        "truncated-audio",
        `the file ends ${size - avail} bytes before the end of its audio data (truncated?); decoded what is there`,
      );
    }
    return size >= avail;
  };
  while (off + 8 <= len) {
    if (!isChunkId(bytes, off)) {
      if (fmt && dataOffset >= 0)
        warn("ignored-data", `${len - off} bytes of unrecognised data after the chunks were ignored`);
      else if (dataOffset < 0) broken = off;
      break;
    }
    const id = fourcc(bytes, off);
    const body = off + 8;
    const size = u32(off + 4);
    if (id === "ds64" && is64 && body + 24 <= len) {
      ds64DataSize = dv.getUint32(body + 8, true) + dv.getUint32(body + 12, true) * 2 ** 32;
    }
    if (id === "data") {
      if (dataOffset >= 0) {
        warn("ignored-data", "a second data chunk was ignored");
      } else if (takeData(body, size)) {
        break;
      }
    } else if (id === "fmt ") {
      if (body + size > len)
        throw new PatchsmithError("truncated-audio", "the file ends inside its format chunk", file);
      if (!fmt) fmt = parseFmt(dv, body, size, le, file, warn);
    } else if (body + size > len) {
      if (fmt && dataOffset >= 0) {
        warn("ignored-data", `chunk "${id.trim()}" at byte ${off} runs past the end of the file; ignored`);
      } else broken = off;
      break;
    }
    off = nextChunkOffset(bytes, body + size, u32);
  }
  if (broken >= 0 && (!fmt || dataOffset < 0)) {
    // The chunk chain is damaged before the chunks we need: look for them by their ids.
    warn(
      "bad-header",
      `damaged chunk structure at byte ${broken}; looked for the format and data chunks by name`,
    );
    if (!fmt) {
      for (let p = findId(bytes, "fmt ", 12); p >= 0 && !fmt; p = findId(bytes, "fmt ", p + 1)) {
        const size = u32(p + 4);
        if (size < 14 || size > 1024 || p + 8 + size > len) continue;
        try {
          fmt = parseFmt(dv, p + 8, size, le, file, warn);
        } catch {
          /* not a usable format chunk: keep looking */
        }
      }
    }
    if (dataOffset < 0) {
      const p = findId(bytes, "data", 12);
      if (p >= 0 && p + 8 <= len) takeData(p + 8, u32(p + 4));
    }
    if (!fmt || dataOffset < 0)
      throw new PatchsmithError("corrupt-audio", `bad chunk header at byte ${broken}`, file);
  }
  if (!fmt)
    throw new PatchsmithError(dataOffset >= 0 ? "corrupt-audio" : "truncated-audio", "no format chunk", file);
  if (dataOffset < 0) throw new PatchsmithError("empty-audio", "no data chunk (no audio in the file)", file);

  const stride = fmt.layout.bytes * fmt.layout.channels;
  const frames = Math.floor(dataSize / stride);
  if (dataSize % stride !== 0 && !warnings.some((w) => w.code === "truncated-audio")) {
    warn("truncated-audio", `the audio data ends with a partial frame (${dataSize % stride} bytes ignored)`);
  }
  if (frames === 0) throw new PatchsmithError("empty-audio", "the file contains no audio frames", file);
  const channels = decodePcm(bytes, dataOffset, frames, fmt.layout, file);
  checkFinite(channels, file);
  return {
    audio: { sampleRate: fmt.sampleRate, channels },
    info: {
      format: "wav",
      sampleRate: fmt.sampleRate,
      channelCount: fmt.layout.channels,
      frames,
      encoding: pcmEncodingName(fmt.layout, fmt.validBits),
    },
    warnings,
  };
}

function parseFmt(
  dv: DataView,
  at: number,
  size: number,
  le: boolean,
  file: string | undefined,
  warn: (code: string, message: string) => void,
): Fmt {
  if (size < 14) throw new PatchsmithError("corrupt-audio", `format chunk too short (${size} bytes)`, file);
  let tag = dv.getUint16(at, le);
  const channels = dv.getUint16(at + 2, le);
  const sampleRate = dv.getUint32(at + 4, le);
  const blockAlign = dv.getUint16(at + 12, le);
  const bits =
    size >= 16 ? dv.getUint16(at + 14, le) : channels > 0 ? Math.floor((8 * blockAlign) / channels) : 0;
  let validBits: number | undefined;
  if (tag === WAVE_FORMAT_EXTENSIBLE) {
    if (size < 40)
      throw new PatchsmithError("corrupt-audio", "WAVE_FORMAT_EXTENSIBLE format chunk too short", file);
    validBits = dv.getUint16(at + 18, le) || undefined;
    tag = dv.getUint16(at + 24, le);
    for (let i = 0; i < SUBTYPE_GUID_TAIL.length; i++) {
      if (dv.getUint8(at + 26 + i) !== SUBTYPE_GUID_TAIL[i]) {
        throw new PatchsmithError(
          "unsupported-audio",
          "WAVE_FORMAT_EXTENSIBLE with an unknown sub-format GUID",
          file,
        );
      }
    }
    if (validBits !== undefined && validBits > bits) {
      warn("bad-header", `valid bits ${validBits} exceed the container's ${bits}; ignored`);
      validBits = undefined;
    }
  }
  if (channels < 1 || channels > MAX_CHANNELS) {
    throw new PatchsmithError("corrupt-audio", `bad channel count ${channels}`, file);
  }
  if (sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
    throw new PatchsmithError("corrupt-audio", `bad sample rate ${sampleRate}`, file);
  }
  if (tag === WAVE_FORMAT_ALAW || tag === WAVE_FORMAT_MULAW) {
    if (bits !== 8)
      throw new PatchsmithError("corrupt-audio", `G.711 WAV with ${bits} bits per sample`, file);
    if (blockAlign !== channels)
      warn("bad-header", `block align ${blockAlign} does not match ${channels} × 8-bit samples`);
    const kind = tag === WAVE_FORMAT_ALAW ? "alaw" : "ulaw";
    return { layout: { kind, bytes: 1, littleEndian: le, channels }, sampleRate };
  }
  if (tag !== WAVE_FORMAT_PCM && tag !== WAVE_FORMAT_IEEE_FLOAT) {
    const name = KNOWN_UNSUPPORTED[tag];
    throw new PatchsmithError(
      "unsupported-audio",
      `WAV encoding ${name ? `${name} (0x${tag.toString(16).padStart(4, "0")})` : `0x${tag.toString(16).padStart(4, "0")}`} is not supported (PCM, IEEE float, A-law and µ-law are)`,
      file,
    );
  }
  if (bits < 1 || bits > 64) throw new PatchsmithError("corrupt-audio", `bad bits per sample ${bits}`, file);
  let bytes = Math.ceil(bits / 8);
  if (blockAlign !== bytes * channels) {
    const perChannel = blockAlign / channels;
    if (Number.isInteger(perChannel) && perChannel > bytes && perChannel <= 8 && tag === WAVE_FORMAT_PCM) {
      // Samples left-justified in a wider container: read the whole container.
      validBits ??= bits;
      bytes = perChannel;
    } else {
      warn(
        "bad-header",
        `block align ${blockAlign} does not match ${channels} × ${bits}-bit samples; using ${bytes * channels}`,
      );
    }
  }
  let kind: PcmLayout["kind"];
  if (tag === WAVE_FORMAT_IEEE_FLOAT) {
    if (bytes !== 4 && bytes !== 8)
      throw new PatchsmithError("unsupported-audio", `${bits}-bit float WAV is not supported`, file);
    kind = "float";
  } else {
    kind = bytes === 1 ? "uint" : "int";
  }
  return {
    layout: { kind, bytes, littleEndian: le, channels },
    sampleRate,
    ...(validBits ? { validBits } : {}),
  };
}
