// G.711 expansion rules: ITU-T Recommendation G.711 (1988).
import { PatchsmithError } from "../errors.ts";

/** How interleaved samples are stored in a PCM block. */
export interface PcmLayout {
  /** ulaw/alaw: 8-bit ITU-T G.711 companded codes. */
  kind: "int" | "uint" | "float" | "ulaw" | "alaw";
  /** Bytes per sample in the container (1–8). */
  bytes: number;
  littleEndian: boolean;
  channels: number;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Largest decoded output we agree to allocate (samples over all channels): ~4 GB of Float32. */
const MAX_TOTAL_SAMPLES = 2 ** 30;

/**
 * De-interleave `frames` frames of PCM starting at `offset` into one Float32Array per channel, scaled
 * to [-1, 1): signed ints divide by 2^(bits−1) of the container (samples are left-justified, so padding
 * bits do not change the scale), unsigned 8-bit is offset by 128, floats are kept as they are.
 */
export function decodePcm(
  bytes: Uint8Array,
  offset: number,
  frames: number,
  layout: PcmLayout,
  file?: string,
): Float32Array[] {
  const { kind, bytes: size, littleEndian: le, channels } = layout;
  if (frames * channels > MAX_TOTAL_SAMPLES) {
    throw new PatchsmithError(
      "too-large",
      `${frames} frames × ${channels} channels is too large to decode`,
      file,
    );
  }
  const out: Float32Array[] = [];
  for (let c = 0; c < channels; c++) out.push(new Float32Array(frames));
  if (le && HOST_LITTLE_ENDIAN && (kind === "int" || kind === "float") && (size === 2 || size === 4)) {
    const at = bytes.byteOffset + offset;
    if (at % size === 0) {
      // Aligned little-endian 16-bit ints or 32-bit floats: read through a typed view (several times
      // faster than DataView calls).
      const n = frames * channels;
      const view =
        size === 2
          ? new Int16Array(bytes.buffer, at, n)
          : kind === "float"
            ? new Float32Array(bytes.buffer, at, n)
            : null;
      if (view) {
        const scale = size === 2 ? 1 / 32768 : 1;
        for (let c = 0; c < channels; c++) {
          const ch = out[c]!;
          for (let i = 0, j = c; i < frames; i++, j += channels) ch[i] = view[j]! * scale;
        }
        return out;
      }
    }
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stride = size * channels;
  for (let c = 0; c < channels; c++) {
    const ch = out[c]!;
    let p = offset + c * size;
    if (kind === "float") {
      if (size === 4) for (let i = 0; i < frames; i++, p += stride) ch[i] = dv.getFloat32(p, le);
      else if (size === 8) for (let i = 0; i < frames; i++, p += stride) ch[i] = dv.getFloat64(p, le);
      else
        throw new PatchsmithError(
          "unsupported-audio",
          `${size * 8}-bit float samples are not supported`,
          file,
        );
    } else if (kind === "ulaw" || kind === "alaw") {
      const table = kind === "ulaw" ? ULAW : ALAW;
      for (let i = 0; i < frames; i++, p += stride) ch[i] = table[bytes[p]!]!;
    } else if (kind === "uint") {
      if (size !== 1)
        throw new PatchsmithError(
          "unsupported-audio",
          `unsigned ${size * 8}-bit samples are not supported`,
          file,
        );
      for (let i = 0; i < frames; i++, p += stride) ch[i] = (bytes[p]! - 128) / 128;
    } else if (size === 1) {
      for (let i = 0; i < frames; i++, p += stride) ch[i] = dv.getInt8(p) / 128;
    } else if (size === 2) {
      for (let i = 0; i < frames; i++, p += stride) ch[i] = dv.getInt16(p, le) / 32768;
    } else if (size === 3) {
      const hi = le ? 2 : 0;
      const lo = le ? 0 : 2;
      for (let i = 0; i < frames; i++, p += stride) {
        const v = (bytes[p + hi]! << 24) | (bytes[p + 1]! << 16) | (bytes[p + lo]! << 8);
        ch[i] = v / 2147483648;
      }
    } else if (size === 4) {
      for (let i = 0; i < frames; i++, p += stride) ch[i] = dv.getInt32(p, le) / 2147483648;
    } else if (size > 4 && size <= 8) {
      // Wider containers: the top 4 bytes carry all the precision a Float32 can hold.
      const top = le ? size - 4 : 0;
      for (let i = 0; i < frames; i++, p += stride) ch[i] = dv.getInt32(p + top, le) / 2147483648;
    } else {
      throw new PatchsmithError(
        "unsupported-audio",
        `${size * 8}-bit integer samples are not supported`,
        file,
      );
    }
  }
  return out;
}

/** NaN or infinite samples mean the decoder produced garbage: refuse rather than pass it on. */
export function checkFinite(channels: Float32Array[], file?: string): void {
  for (const ch of channels) {
    for (let i = 0; i < ch.length; i++) {
      const v = ch[i]!;
      if (v - v !== 0) {
        throw new PatchsmithError(
          "corrupt-audio",
          `decoded audio contains non-finite samples (first at frame ${i})`,
          file,
        );
      }
    }
  }
}

export function pcmEncodingName(layout: PcmLayout, validBits?: number): string {
  if (layout.kind === "float") return `float${layout.bytes * 8}`;
  if (layout.kind === "ulaw" || layout.kind === "alaw") return layout.kind;
  const bits = validBits && validBits < layout.bytes * 8 ? validBits : layout.bytes * 8;
  return `pcm${bits}`;
}

// ITU-T G.711 expansion to 16-bit linear values, scaled like 16-bit PCM (÷ 32768).
const ULAW = new Float32Array(256);
const ALAW = new Float32Array(256);
for (let code = 0; code < 256; code++) {
  const u = ~code & 0xff;
  const uMag = (((u & 0x0f) << 3) + 0x84) << ((u >> 4) & 7);
  ULAW[code] = (u & 0x80 ? 0x84 - uMag : uMag - 0x84) / 32768;
  const a = code ^ 0x55;
  const exp = (a >> 4) & 7;
  const aMag = exp === 0 ? ((a & 0x0f) << 4) + 8 : (((a & 0x0f) << 4) + 0x108) << (exp - 1);
  ALAW[code] = (a & 0x80 ? aMag : -aMag) / 32768;
}
