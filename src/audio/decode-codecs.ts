// Compressed formats through the MIT @audio/decode-* WebAssembly decoders (libFLAC, mpg123, libvorbis,
// libopus). This module sniffs the streams, parses the few header fields it needs to check their output,
// and turns every failure of a decoder into a PatchsmithError.
// Magic numbers: FLAC format spec (RFC 9639), Vorbis I spec, Opus in Ogg (RFC 7845), ID3v2.4 tag header.

import { PatchsmithError, type Warning } from "../errors.ts";
import type { DecodedAudio } from "./decode-chunks.ts";
import { cleanFlacStream, type FlacLayout, readFlacHeader, splitFlacFrames } from "./decode-flac-frames.ts";
import {
  findMpegFrame,
  type MpegHeader,
  type MpegStreamFacts,
  mpegChainLength,
  mpegFrameAt,
  mpegStreamFacts,
} from "./decode-mp3-header.ts";
import { checkOggStream, firstOggPacket, isOgg } from "./decode-ogg.ts";
import { checkFinite } from "./decode-pcm.ts";
import type { AudioFileInfo } from "./types.ts";

export type CodecFormat = "flac" | "mp3" | "ogg-vorbis" | "ogg-opus" | "ogg-flac";

interface CodecResult {
  channelData: Float32Array[];
  sampleRate: number;
  errors?: unknown[];
}
interface CodecDecoder {
  decode(data: Uint8Array): CodecResult;
  flush?(): CodecResult;
  free(): void;
}

/** Length of an ID3v2 tag at `off` (0 if none). */
export function id3v2Length(bytes: Uint8Array, off = 0): number {
  if (off + 10 > bytes.length || bytes[off] !== 0x49 || bytes[off + 1] !== 0x44 || bytes[off + 2] !== 0x33)
    return 0;
  const s = bytes.subarray(off + 6, off + 10);
  if ((s[0]! | s[1]! | s[2]! | s[3]!) & 0x80) return 0;
  const footer = bytes[off + 5]! & 0x10 ? 10 : 0;
  return 10 + ((s[0]! << 21) | (s[1]! << 14) | (s[2]! << 7) | s[3]!) + footer;
}

/** Skip any ID3v2 tags (some tools put them before FLAC and MP3 streams). */
function skipId3(bytes: Uint8Array): number {
  let off = 0;
  for (let n = 0; n < 4; n++) {
    const l = id3v2Length(bytes, off);
    if (!l) break;
    off += l;
  }
  return off;
}

/** Which compressed format the bytes hold, by content; undefined when none of ours. */
export function sniffCodec(bytes: Uint8Array): CodecFormat | "ogg-other" | undefined {
  if (isOgg(bytes, 0)) {
    const first = firstOggPacket(bytes);
    if (!first) return "ogg-other";
    if (startsWith(first, [0x4f, 0x70, 0x75, 0x73, 0x48, 0x65, 0x61, 0x64])) return "ogg-opus"; // "OpusHead"
    if (startsWith(first, [0x01, 0x76, 0x6f, 0x72, 0x62, 0x69, 0x73])) return "ogg-vorbis"; // "\x01vorbis"
    if (startsWith(first, [0x7f, 0x46, 0x4c, 0x41, 0x43])) return "ogg-flac"; // "\x7fFLAC"
    return "ogg-other";
  }
  const off = skipId3(bytes);
  if (
    off + 4 <= bytes.length &&
    bytes[off] === 0x66 &&
    bytes[off + 1] === 0x4c &&
    bytes[off + 2] === 0x61 &&
    bytes[off + 3] === 0x43
  ) {
    return "flac";
  }
  if (mpegFrameAt(bytes, off)) return "mp3";
  // Some files have junk before the first frame; four frames in a row are no accident.
  for (let p = off + 1, end = Math.min(bytes.length - 4, off + 16384); p < end; p++) {
    if (bytes[p] === 0xff && mpegChainLength(bytes, p, 4) === 4) return "mp3";
  }
  // An ID3 tag alone says "MP3" even if the frames after it are damaged.
  if (off > 0 && off < bytes.length) return "mp3";
  return undefined;
}

function startsWith(b: Uint8Array, prefix: number[]): boolean {
  if (b.length < prefix.length) return false;
  return prefix.every((v, i) => b[i] === v);
}

type DecoderFactory = () => Promise<CodecDecoder>;

async function loadDecoder(format: CodecFormat): Promise<DecoderFactory> {
  switch (format) {
    case "flac":
    case "ogg-flac":
      return (await import("@audio/decode-flac")).decoder as DecoderFactory;
    case "mp3":
      return (await import("@audio/decode-mp3")).decoder as DecoderFactory;
    case "ogg-vorbis":
      return (await import("@audio/decode-vorbis")).decoder as DecoderFactory;
    case "ogg-opus":
      return (await import("@audio/decode-opus")).decoder as DecoderFactory;
  }
}

const LABEL: Record<CodecFormat, string> = {
  flac: "FLAC",
  "ogg-flac": "Ogg FLAC",
  mp3: "MP3",
  "ogg-vorbis": "Ogg Vorbis",
  "ogg-opus": "Ogg Opus",
};

/**
 * One idle native-FLAC decoder kept for the next file: starting a decoder costs several times more than
 * decoding a short file. Only a decoder that took a whole stream in one call (its header's sample count
 * matched what it returned, after which it resets itself) is kept; any other ends with flush and free.
 */
let idleFlacDecoder: CodecDecoder | undefined;

/**
 * Run a decoder over the whole stream. The decoders report damaged frames on the console and skip them;
 * we silence the console for the (synchronous) decode and count the reported errors instead.
 */
async function runDecoder(
  format: CodecFormat,
  bytes: Uint8Array,
  file?: string,
  expectedSamples?: number,
): Promise<{ result: CodecResult; errorCount: number }> {
  let dec: CodecDecoder;
  const reusable = format === "flac" && expectedSamples !== undefined;
  let keep = false;
  try {
    if (reusable && idleFlacDecoder) {
      dec = idleFlacDecoder;
      idleFlacDecoder = undefined;
    } else {
      dec = await (await loadDecoder(format))();
    }
  } catch (e) {
    throw new PatchsmithError(
      "decoder-failed",
      `could not start the ${LABEL[format]} decoder: ${(e as Error).message}`,
      file,
      { cause: e },
    );
  }
  const saved = { error: console.error, warn: console.warn, log: console.log };
  const quiet = () => {};
  console.error = console.warn = console.log = quiet;
  try {
    const a = dec.decode(bytes);
    keep = reusable && a.channelData.length > 0 && a.channelData[0]!.length === expectedSamples;
    const b = !keep && dec.flush ? dec.flush() : undefined;
    const result = b && b.channelData.length && b.channelData[0]!.length ? concatResults(a, b) : a;
    const errorCount = (a.errors?.length ?? 0) + (b?.errors?.length ?? 0);
    return { result, errorCount };
  } catch (e) {
    keep = false;
    if (e instanceof PatchsmithError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new PatchsmithError("corrupt-audio", `${LABEL[format]} stream could not be decoded: ${msg}`, file, {
      cause: e,
    });
  } finally {
    console.error = saved.error;
    console.warn = saved.warn;
    console.log = saved.log;
    if (keep && !idleFlacDecoder) {
      idleFlacDecoder = dec;
    } else {
      try {
        dec.free();
      } catch {
        /* the decoder may already be unusable after a failure */
      }
    }
  }
}

function concatResults(a: CodecResult, b: CodecResult): CodecResult {
  if (!a.channelData.length || !a.channelData[0]!.length) return b;
  const channelData = a.channelData.map((ch, i) => {
    const other = b.channelData[i] ?? b.channelData[0]!;
    const m = new Float32Array(ch.length + other.length);
    m.set(ch);
    m.set(other, ch.length);
    return m;
  });
  return { channelData, sampleRate: a.sampleRate, errors: [...(a.errors ?? []), ...(b.errors ?? [])] };
}

export async function decodeCodec(
  format: CodecFormat,
  bytes: Uint8Array,
  file?: string,
): Promise<DecodedAudio> {
  const warnings: Warning[] = [];
  const warn = (code: string, message: string) => warnings.push({ code, message, ...(file ? { file } : {}) });
  let flac: FlacLayout | undefined;
  let mpeg: (MpegHeader & MpegStreamFacts) | undefined;
  let input = bytes;
  if (format === "flac") {
    const off = skipId3(bytes);
    const { info, audioStart } = readFlacHeader(bytes, off, file);
    flac = splitFlacFrames(bytes, info, audioStart);
    if (flac.frames.length === 0) {
      if (audioStart === bytes.length && info.totalFrames === 0) {
        throw new PatchsmithError("empty-audio", "FLAC stream contains no audio", file);
      }
      throw new PatchsmithError(
        audioStart === bytes.length ? "truncated-audio" : "corrupt-audio",
        "no intact FLAC frame in the stream (damaged or truncated)",
        file,
      );
    }
    input = cleanFlacStream(bytes, flac, off);
  } else if (format === "mp3") {
    const off = skipId3(bytes);
    const first = findMpegFrame(bytes, off);
    if (!first) throw new PatchsmithError("corrupt-audio", "no valid MP3 frame found", file);
    mpeg = { ...first.header, ...mpegStreamFacts(bytes, first.offset, first.header) };
    if (first.offset > off)
      warn("ignored-data", `${first.offset - off} bytes before the first MP3 frame were skipped`);
  }
  const expectedSamples = flac?.frames.reduce((n, f) => n + f.samples, 0);
  const { result, errorCount } = await runDecoder(format, input, file, expectedSamples);
  let channels = result.channelData;
  // mpg123 always returns two channels; a mono stream comes back duplicated.
  if (mpeg && mpeg.channels === 1 && channels.length === 2) channels = [channels[0]!];
  if (channels.length === 0 || channels[0]!.length === 0) {
    throw new PatchsmithError(
      "corrupt-audio",
      `no decodable audio in the ${LABEL[format]} stream (damaged or truncated)`,
      file,
    );
  }
  if (channels.some((c) => c.length !== channels[0]!.length)) {
    throw new PatchsmithError(
      "corrupt-audio",
      `${LABEL[format]} decoder returned channels of different lengths`,
      file,
    );
  }
  const sampleRate = result.sampleRate;
  if (!Number.isFinite(sampleRate) || sampleRate < 1) {
    throw new PatchsmithError("corrupt-audio", `${LABEL[format]} stream has no valid sample rate`, file);
  }
  checkFinite(channels, file);
  // For FLAC the frames were checked before decoding (gaps left by damaged frames make the decoder
  // report errors of its own); placeFlacFrames reports what was lost.
  if (errorCount && !flac)
    warn("corrupt-audio", `${errorCount} damaged ${LABEL[format]} frame(s) were skipped`);
  if (flac) {
    restoreFlacScale(channels, flac.info.bitsPerSample);
    channels = placeFlacFrames(channels, flac, sampleRate, warn);
    if (flac.info.channels !== channels.length || flac.info.sampleRate !== sampleRate) {
      warn("bad-header", "FLAC frames disagree with the stream header about channels or sample rate");
    }
  }
  if (mpeg) {
    const got = channels[0]!.length;
    if (mpeg.expectedSamples !== undefined && got < mpeg.expectedSamples - 1152) {
      warn(
        "truncated-audio",
        `decoded ${got} of the ${mpeg.expectedSamples} samples the MP3 header announces (truncated or damaged file)`,
      );
    } else if (mpeg.lastFrameCut) {
      warn("truncated-audio", "the last MP3 frame is cut off (truncated file?)");
    }
  }
  if (format.startsWith("ogg-")) {
    const ogg = checkOggStream(bytes);
    if (ogg.badPages) {
      warn(
        "corrupt-audio",
        `${ogg.badPages} Ogg page(s) fail their checksum: the audio there may be damaged`,
      );
    }
    if (!ogg.complete)
      warn("truncated-audio", "the Ogg stream is incomplete (truncated?); decoded the complete pages");
  }
  const info: AudioFileInfo = {
    format: format === "ogg-flac" ? "flac" : format,
    sampleRate,
    channelCount: channels.length,
    frames: channels[0]!.length,
  };
  if (flac) info.encoding = `pcm${flac.info.bitsPerSample}`;
  return { audio: { sampleRate, channels }, info, warnings };
}

/**
 * Put each decoded FLAC frame at its own sample position, so frames lost to damage leave silence of
 * their length instead of shifting everything after them. Falls back to the decoder's order when the
 * positions are inconsistent.
 */
function placeFlacFrames(
  decoded: Float32Array[],
  layout: FlacLayout,
  sampleRate: number,
  warn: (code: string, message: string) => void,
): Float32Array[] {
  const { frames, info } = layout;
  const got = decoded[0]!.length;
  const sum = frames.reduce((n, f) => n + f.samples, 0);
  let ordered = sum === got;
  let end = 0;
  for (const f of frames) {
    if (f.firstSample < end) ordered = false;
    end = f.firstSample + f.samples;
  }
  // Positions far beyond what the header and the decoded frames account for are not trusted.
  if (end > Math.max(info.totalFrames, sum) + (info.maxBlockSize || 65536)) ordered = false;
  const damaged = layout.damagedBytes > 0;
  if (!ordered) {
    if (damaged) warn("corrupt-audio", `damaged FLAC data (${layout.damagedBytes} bytes) was skipped`);
    if (sum !== got)
      warn("corrupt-audio", `the FLAC decoder returned ${got} samples for frames holding ${sum}`);
    if (info.totalFrames && got < info.totalFrames) {
      warn("truncated-audio", `decoded ${got} of ${info.totalFrames} frames (truncated or damaged file)`);
    }
    return decoded;
  }
  if (info.totalFrames && end < info.totalFrames) {
    warn(
      "truncated-audio",
      `the stream ends after ${end} of ${info.totalFrames} frames (truncated?); decoded what is there`,
    );
  }
  if (end === got) {
    if (damaged) warn("corrupt-audio", `${layout.damagedBytes} bytes of damaged FLAC data were skipped`);
    return decoded;
  }
  const out = decoded.map(() => new Float32Array(end));
  let from = 0;
  for (const f of frames) {
    for (let c = 0; c < out.length; c++)
      out[c]!.set(decoded[c]!.subarray(from, from + f.samples), f.firstSample);
    from += f.samples;
  }
  const lost = end - got;
  warn(
    "corrupt-audio",
    `damaged FLAC frames: ${lost} samples (${((1000 * lost) / sampleRate).toFixed(1)} ms) replaced by silence`,
  );
  return out;
}

/**
 * The FLAC decoder scales b-bit samples by 1 / (2^(b−1) − 1), so full-scale negative comes out
 * below −1 and no value equals the usual code / 2^(b−1). Recover the integer code (exact: the scaled
 * Float32 is always within 0.5 of it, checked for every 24-bit code) and rescale by 2^(b−1), the
 * convention of the WAV/AIFF readers and of encodeWav.
 */
function restoreFlacScale(channels: Float32Array[], bitsPerSample: number): void {
  if (bitsPerSample > 24) return;
  const decoderScale = 2 ** (bitsPerSample - 1) - 1;
  const inv = 1 / 2 ** (bitsPerSample - 1);
  for (const ch of channels) {
    for (let i = 0; i < ch.length; i++) ch[i] = Math.round(ch[i]! * decoderScale) * inv;
  }
}
