/**
 * Uploaded files: recognised by their content (audio by its magic bytes, DX7 sysex by F0 43, Vital by being a
 * JSON object), parsed once, and kept in memory under a random id. Nothing is written to disk; the name a
 * browser sends is used for display and download names only, never as a path.
 */
import { randomUUID } from "node:crypto";
import { isAiff } from "../audio/aiff.ts";
import { sniffCodec } from "../audio/decode-codecs.ts";
import { decodeAudio } from "../audio/decode.ts";
import { resample } from "../audio/resample.ts";
import { toMono } from "../audio/types.ts";
import { isWav } from "../audio/wav-read.ts";
import { PatchsmithError, type Warning } from "../errors.ts";
import { loadSynths } from "../synths/index.ts";
import { getSynth, type AnySynth } from "../synths/synth.ts";

export const ANALYSIS_RATE = 44100;
/** Longest sound accepted: compressed uploads within the size limit can still decode to a lot of memory. */
export const MAX_AUDIO_SECONDS = 600;

interface UploadBase {
  id: string;
  name: string;
  bytes: Uint8Array;
  warnings: Warning[];
}

export interface AudioUpload extends UploadBase {
  kind: "audio";
  format: string;
  sampleRate: number;
  channels: number;
  durationSeconds: number;
  /** Mono at 44.1 kHz, for matching. */
  mono: Float32Array;
}

export interface PresetUpload extends UploadBase {
  kind: "preset";
  synth: AnySynth;
  patches: unknown[];
}

export type Upload = AudioUpload | PresetUpload;

/** A display name from what the browser sent: no folders, no control characters, at most 100 characters. */
export function cleanName(raw: string | null | undefined, fallback = "upload"): string {
  const base = (raw ?? "").split(/[\\/]/).pop() ?? "";
  const s = base
    .replace(/[^\p{L}\p{N} ._()+-]+/gu, "_")
    .replace(/^[.\s]+/, "")
    .slice(0, 100)
    .trim();
  return s || fallback;
}

function isAudio(bytes: Uint8Array): boolean {
  if (isWav(bytes) || isAiff(bytes)) return true;
  const c = sniffCodec(bytes);
  return c !== undefined && c !== "ogg-other";
}

/** Which preset format the bytes are, by content. */
function presetSynthId(bytes: Uint8Array): string | undefined {
  if (bytes.length >= 2 && bytes[0] === 0xf0 && bytes[1] === 0x43) return "dx7";
  let i = 0;
  while (
    i < bytes.length &&
    i < 4096 &&
    (bytes[i] === 0x20 ||
      bytes[i] === 0x09 ||
      bytes[i] === 0x0a ||
      bytes[i] === 0x0d ||
      bytes[i] === 0xef ||
      bytes[i] === 0xbb ||
      bytes[i] === 0xbf)
  )
    i++;
  if (bytes[i] === 0x7b) return "vital";
  return undefined;
}

/** Parse an upload by its content. Throws a PatchsmithError naming `name` for anything unusable. */
export async function parseUpload(bytes: Uint8Array, name: string): Promise<Upload> {
  const id = randomUUID();
  if (bytes.length === 0) throw new PatchsmithError("empty", "the upload is empty", name);
  if (isAudio(bytes)) {
    const { audio, info, warnings } = await decodeAudio(bytes, name);
    const frames = audio.channels[0]?.length ?? 0;
    if (frames === 0) throw new PatchsmithError("empty-audio", "the sound has no samples", name);
    if (frames / audio.sampleRate > MAX_AUDIO_SECONDS) {
      throw new PatchsmithError(
        "too-long",
        `the sound lasts ${(frames / audio.sampleRate / 60).toFixed(1)} minutes; at most ${MAX_AUDIO_SECONDS / 60} minutes are accepted`,
        name,
      );
    }
    let mono = toMono(audio);
    if (audio.sampleRate !== ANALYSIS_RATE) mono = resample(mono, audio.sampleRate, ANALYSIS_RATE);
    return {
      id,
      name,
      bytes,
      warnings,
      kind: "audio",
      format: info.format,
      sampleRate: audio.sampleRate,
      channels: audio.channels.length,
      durationSeconds: frames / audio.sampleRate,
      mono,
    };
  }
  const synthId = presetSynthId(bytes);
  if (synthId) {
    await loadSynths();
    const synth = getSynth(synthId);
    if (!synth) throw new PatchsmithError("unsupported-media", `no ${synthId} synth is registered`, name);
    let result;
    try {
      result = synth.codec.read(bytes, name, { strict: false });
    } catch (e) {
      if (e instanceof PatchsmithError)
        throw new PatchsmithError(e.code, e.message, e.file ?? name, { cause: e });
      throw new PatchsmithError("bad-preset", (e as Error).message, name, { cause: e });
    }
    if (result.patches.length === 0) throw new PatchsmithError("empty", "no presets found in the file", name);
    const warnings = result.warnings.map((w) => ({ ...w, file: w.file ?? name }));
    return { id, name, bytes, warnings, kind: "preset", synth, patches: result.patches };
  }
  // Let the decoder name formats it recognises but does not read (MIDI, CAF, MP4 …).
  try {
    await decodeAudio(bytes, name);
  } catch (e) {
    if (e instanceof PatchsmithError && e.code === "unsupported-audio" && !/not a recognised/.test(e.message))
      throw e;
  }
  throw new PatchsmithError(
    "unsupported-media",
    "neither a sound (WAV, AIFF, FLAC, MP3, Ogg Vorbis/Opus) nor a preset (.syx, .vital)",
    name,
  );
}

/** Uploads in memory, oldest dropped first beyond `maxBytes` in total or `maxCount` files. */
export class UploadStore {
  private readonly items = new Map<string, Upload>();
  private bytes = 0;

  constructor(
    private readonly maxBytes = 512 * 1024 * 1024,
    private readonly maxCount = 200,
  ) {}

  add(u: Upload): void {
    this.items.set(u.id, u);
    this.bytes += sizeOf(u);
    for (const [id, old] of this.items) {
      if ((this.bytes <= this.maxBytes && this.items.size <= this.maxCount) || id === u.id) break;
      this.items.delete(id);
      this.bytes -= sizeOf(old);
    }
  }

  get(id: string): Upload {
    const u = this.items.get(id);
    if (!u) throw new PatchsmithError("not-found", "no such upload (the server may have restarted)", id);
    return u;
  }
}

function sizeOf(u: Upload): number {
  return u.bytes.length + (u.kind === "audio" ? u.mono.byteLength : 0);
}
