// Audio decoding from bytes in memory: the one entry point for every format patchsmith reads. No Node-only
// imports here, so the web app can use it too; decode.ts adds the file-reading helpers.
//
// Formats, recognised by content (magic bytes), never by file name:
//   WAV   RIFF, RIFX (big-endian), RF64/BW64; PCM 8 (unsigned) / 16 / 24 / 32 bits and wider containers,
//         IEEE float 32/64, A-law, µ-law, WAVE_FORMAT_EXTENSIBLE with those sub-formats; any channel count
//         and sample rate; chunks in any order (data before fmt), odd sizes with or without the pad byte.
//   AIFF  and AIFF-C: NONE/twos (big-endian PCM), sowt (little-endian), in24, in32, raw, fl32, fl64, ulaw, alaw.
//   FLAC  native (ID3v2 tags skipped) and in Ogg; MP3 (MPEG-1/2/2.5 layers I–III); Ogg Vorbis; Ogg Opus.
//
// Samples come out as Float32 in [-1, 1): integer codes / 2^(bits−1) exactly (FLAC included).
//
// Problems. A file that cannot give trustworthy audio throws a PatchsmithError naming the file:
//   empty-audio        no bytes, no data chunk, or zero frames
//   truncated-audio    the file ends before any whole frame of audio (or inside its header)
//   corrupt-audio      damaged headers, nothing decodable, NaN or infinite samples
//   unsupported-audio  a recognised but unsupported format or encoding (named in the message)
//   too-large          more samples than can be held in memory
//   decoder-failed     a WebAssembly decoder could not start (a problem of the runtime, not of the file)
// A file whose audio is readable but incomplete decodes, with warnings (`warnings` in the result):
//   truncated-audio    a recording cut short (WAV/AIFF data shorter than declared, a FLAC/MP3/Ogg stream
//                      ending early): the whole frames that are there are decoded.
//   corrupt-audio      damaged frames skipped: in FLAC each damaged frame becomes silence of its own length,
//                      so later audio keeps its timing; MP3/Vorbis/Opus decoders drop what they cannot read.
//   ignored-data       junk after the last chunk, before the first MP3 frame, duplicate data chunks.
//   bad-header         inconsistent header fields that were worked around (e.g. WAV block align).
// Lossy priming: MP3 encoder delay and padding (LAME/Xing header) and Opus pre-skip are removed by the
// decoders, so sample 0 is the start of the encoded audio (checked by tests against the source tone). An
// MP3 without a LAME header keeps the decoder's delay (typically 529 samples + the encoder's delay).

import { PatchsmithError, type Warning } from "../errors.ts";
import { decodeAiff, isAiff } from "./aiff.ts";
import { decodeCodec, sniffCodec } from "./decode-codecs.ts";
import type { AudioData, AudioFileInfo } from "./types.ts";
import { decodeWav, isWav } from "./wav-read.ts";

/**
 * Decoded audio plus how it was stored. `warnings` lists problems that did not stop decoding, e.g. a
 * truncated recording: the frames that are present are decoded and a "truncated-audio" warning says so.
 */
export interface DecodeResult {
  audio: AudioData;
  info: AudioFileInfo;
  warnings: Warning[];
}

/** Formats we recognise but cannot decode, so the error can say what the file is. */
const UNSUPPORTED_MAGIC: [string, string][] = [
  ["MThd", "a MIDI file"],
  ["caff", "Core Audio Format (CAF)"],
  [".snd", "Sun/NeXT AU"],
  ["wvpk", "WavPack"],
  ["MAC ", "Monkey's Audio (APE)"],
  ["riff", "Sony Wave64"],
  ["OggS", "an Ogg stream with a codec other than Vorbis, Opus or FLAC"],
];

/**
 * Decode a whole audio file held in memory. The format is recognised by content (magic bytes), not by
 * name: WAV (RIFF/RIFX/RF64), AIFF/AIFF-C, FLAC (native and Ogg), MP3, Ogg Vorbis, Ogg Opus.
 * `name` is used only in messages. Every problem is a PatchsmithError with one of the codes listed at
 * the top of this file.
 */
export async function decodeAudio(bytes: Uint8Array, name?: string): Promise<DecodeResult> {
  if (bytes.length === 0) throw new PatchsmithError("empty-audio", "the file is empty", name);
  if (isWav(bytes)) return decodeWav(bytes, name);
  if (isAiff(bytes)) return decodeAiff(bytes, name);
  const codec = sniffCodec(bytes);
  if (codec && codec !== "ogg-other") return decodeCodec(codec, bytes, name);
  throw unsupported(bytes, name);
}

function unsupported(bytes: Uint8Array, name?: string): PatchsmithError {
  const head = bytes.length >= 4 ? String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!) : "";
  for (const [magic, what] of UNSUPPORTED_MAGIC) {
    if (head === magic)
      return new PatchsmithError("unsupported-audio", `${what} is not a supported audio format`, name);
  }
  if (bytes.length >= 8 && String.fromCharCode(bytes[4]!, bytes[5]!, bytes[6]!, bytes[7]!) === "ftyp") {
    return new PatchsmithError(
      "unsupported-audio",
      "MP4/M4A (AAC or ALAC) is not a supported audio format",
      name,
    );
  }
  if (head === "RIFF" || head === "FORM") {
    return new PatchsmithError("unsupported-audio", `a ${head} file that is not WAVE or AIFF`, name);
  }
  if (bytes.length < 12)
    return new PatchsmithError(
      "truncated-audio",
      `only ${bytes.length} bytes: too short to be an audio file`,
      name,
    );
  return new PatchsmithError(
    "unsupported-audio",
    "not a recognised audio format (WAV, AIFF, FLAC, MP3, Ogg Vorbis and Ogg Opus are supported)",
    name,
  );
}
