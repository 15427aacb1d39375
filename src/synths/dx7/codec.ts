// DX7 system-exclusive voice data: 32-voice banks (VMEM), single voices (VCED), files holding several
// messages, and headerless 4096-byte dumps. Lenient mode loads what Dexed loads and reports every problem as a
// warning (values clamped to their documented range); strict mode turns the same problems into errors.
// Format facts: Yamaha DX7 MIDI data format, as summarised in ../shared/reference/dx7.md §1.
import { PatchsmithError, type Warning } from "../../errors.ts";
import type { DecodeResult } from "../synth.ts";
import type { Dx7Patch } from "./params.ts";
import {
  VCED_MAX,
  VCED_SIZE,
  packVoice,
  packedMeaningfulMask,
  packedOffsetOf,
  patchToVced,
  unpackVoice,
  vcedParamName,
  vcedToPatch,
} from "./vced.ts";

export const VMEM_SIZE = 4104;
export const VCED_MESSAGE_SIZE = 163;
const VMEM_DATA = 4096;

export interface Dx7ReadOptions {
  strict?: boolean;
  /**
   * What to do with values above their documented maximum in lenient mode: "clamp" them (default) or keep what
   * Dexed hands its engine ("dexed": unclamped, pitch-EG values above 99 rescaled as Dexed does).
   */
  outOfRange?: "clamp" | "dexed";
  /** At most this many warnings are listed one by one; the rest are counted in a summary warning. */
  maxWarnings?: number;
}

/** Where a voice came from, for messages: "voice 3 "E.PIANO 1"" and the file offset of its data. */
interface VoiceSource {
  number: number;
  dataOffset: number;
  packed: boolean;
}

class Reader {
  readonly patches: Dx7Patch[] = [];
  readonly warnings: Warning[] = [];
  private dropped = 0;

  constructor(
    readonly bytes: Uint8Array,
    readonly file: string | undefined,
    readonly opts: Dx7ReadOptions,
  ) {}

  problem(code: string, message: string): void {
    if (this.opts.strict) throw new PatchsmithError(code, message, this.file);
    if (this.warnings.length < (this.opts.maxWarnings ?? 200))
      this.warnings.push({ code, message, ...(this.file ? { file: this.file } : {}) });
    else this.dropped++;
  }

  note(code: string, message: string): void {
    this.warnings.push({ code, message, ...(this.file ? { file: this.file } : {}) });
  }

  finish(): DecodeResult<Dx7Patch> {
    if (this.dropped > 0) this.note("more-warnings", `${this.dropped} further warnings not listed`);
    return { patches: this.patches, warnings: this.warnings };
  }

  /** Mask bit 7 of the data bytes [start, end), reporting each set one. */
  sevenBit(start: number, end: number, what: (offset: number) => string): Uint8Array {
    const out = this.bytes.slice(start, end);
    for (let i = 0; i < out.length; i++) {
      if (out[i]! > 0x7f) {
        this.problem(
          "bad-data-byte",
          `${what(i)}: byte at file offset ${start + i} is 0x${hex(out[i]!)} (bit 7 set, impossible in MIDI data); masked to 0x${hex(out[i]! & 0x7f)}`,
        );
        out[i]! &= 0x7f;
      }
    }
    return out;
  }

  /** Check and fix the 155 values of one voice, then add the patch. */
  addVoice(v: number[], src: VoiceSource, dontCare: Record<number, number> | undefined): void {
    const label = voiceLabel(src.number, v);
    const dexed = this.opts.outOfRange === "dexed";
    for (let i = 0; i < VCED_SIZE; i++) {
      const max = VCED_MAX[i]!;
      if (v[i]! <= max) continue;
      const at = src.dataOffset + (src.packed ? packedOffsetOf(i) : i);
      let fixed = max;
      if (dexed) fixed = dexedValue(i, v[i]!);
      this.problem(
        "out-of-range",
        `${label}: ${vcedParamName(i)} = ${v[i]} at file offset ${at}, above its maximum ${max}; ${fixed === v[i] ? "kept as Dexed plays it" : `${dexed ? "rescaled as Dexed does" : "clamped"} to ${fixed}`}`,
      );
      v[i] = fixed;
    }
    const patch = vcedToPatch(v);
    if (dontCare) patch.packedDontCare = dontCare;
    this.patches.push(patch);
  }

  readVmemData(data: Uint8Array, dataOffset: number, voiceCount: number): void {
    for (let k = 0; k < voiceCount; k++) {
      const off = k * 128;
      const v = unpackVoice(data, off);
      let dontCare: Record<number, number> | undefined;
      for (let b = 0; b < 128; b++) {
        const junk = data[off + b]! & ~packedMeaningfulMask(b) & 0x7f;
        if (junk) (dontCare ??= {})[b] = junk;
      }
      this.addVoice(
        v,
        { number: this.patches.length + 1, dataOffset: dataOffset + off, packed: true },
        dontCare,
      );
    }
  }
}

function hex(b: number): string {
  return b.toString(16).padStart(2, "0");
}

function voiceLabel(number: number, v: ArrayLike<number>): string {
  let name = "";
  for (let k = 0; k < 10; k++) {
    const c = v[145 + k]! & 0x7f;
    name += c >= 32 && c < 127 ? String.fromCharCode(c) : "?";
  }
  return `voice ${number} "${name.trimEnd()}"`;
}

/** The value Dexed hands its engine for an out-of-range parameter (§1.4 of the reference). */
function dexedValue(i: number, value: number): number {
  if (i >= 126 && i < 134) return Math.trunc(Math.fround(Math.fround(value / 255) * 99));
  if (i === 134) return value & 31;
  return value;
}

function checksumOf(data: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i]!;
  return (128 - (sum & 127)) & 127;
}

/** Read every DX7 voice in a file: VMEM and VCED messages (several per file), or a headerless 4096-byte bank. */
export function readDx7(bytes: Uint8Array, file?: string, opts: Dx7ReadOptions = {}): DecodeResult<Dx7Patch> {
  const r = new Reader(bytes, file, opts);
  if (bytes.length === 0) throw new PatchsmithError("empty-file", "the file is empty", file);
  if (bytes[0] !== 0xf0) {
    if (bytes.length < VMEM_DATA) {
      throw new PatchsmithError(
        "not-sysex",
        `not a DX7 sysex file: it does not start with F0 and is too short (${bytes.length} bytes) for a headerless 4096-byte bank`,
        file,
      );
    }
    if (bytes.length > VMEM_DATA)
      r.problem(
        "trailing-bytes",
        `headerless bank: ${bytes.length - VMEM_DATA} bytes after the first 4096 ignored`,
      );
    const data = r.sevenBit(0, VMEM_DATA, (i) => `headerless bank, voice ${Math.floor(i / 128) + 1}`);
    r.readVmemData(data, 0, 32);
    return r.finish();
  }

  let pos = 0;
  let skipped = 0;
  let skippedFormats = new Set<string>();
  while (pos < bytes.length) {
    if (bytes[pos] !== 0xf0) {
      const next = bytes.indexOf(0xf0, pos);
      const end = next < 0 ? bytes.length : next;
      r.problem(
        "trailing-bytes",
        `${end - pos} bytes outside any sysex message at file offset ${pos} ignored`,
      );
      pos = end;
      continue;
    }
    const isYamaha = bytes[pos + 1] === 0x43 && pos + 3 < bytes.length && (bytes[pos + 2]! & 0xf0) === 0;
    const format = bytes[pos + 3];
    const count = ((bytes[pos + 4] ?? 0) << 7) | (bytes[pos + 5] ?? 0);
    if (isYamaha && format === 0x09 && count === VMEM_DATA) {
      pos = readVmem(r, pos);
    } else if (isYamaha && format === 0x00 && count === VCED_SIZE) {
      pos = readVced(r, pos);
    } else {
      // Not a DX7 voice message: skip to its F7.
      skipped++;
      skippedFormats.add(isYamaha ? `Yamaha format ${format}` : "non-Yamaha");
      const end = bytes.indexOf(0xf7, pos + 1);
      pos = end < 0 ? bytes.length : end + 1;
    }
  }
  if (r.patches.length === 0) {
    throw new PatchsmithError(
      "not-dx7",
      skipped > 0
        ? `no DX7 voice data: ${skipped} sysex message(s) of another kind (${[...skippedFormats].join(", ")}); 4-operator Yamaha banks (TX81Z, DX21/27/100) and DX7II performance data are not DX7 voices`
        : "no DX7 voice data in the file",
      file,
    );
  }
  if (skipped > 0)
    r.note(
      "skipped-messages",
      `${skipped} sysex message(s) that are not DX7 voice data skipped (${[...skippedFormats].join(", ")})`,
    );
  skippedFormats = new Set();
  return r.finish();
}

function readVmem(r: Reader, pos: number): number {
  const bytes = r.bytes;
  const bank = r.patches.length / 32 + 1;
  const start = pos + 6;
  const available = Math.min(VMEM_DATA, bytes.length - start);
  const firstVoice = r.patches.length + 1;
  if (available < VMEM_DATA) {
    const whole = Math.max(0, Math.floor(available / 128));
    r.problem(
      "truncated",
      `32-voice bank at file offset ${pos} holds only ${available} of 4096 data bytes; ${whole} complete voices loaded`,
    );
    const data = r.sevenBit(start, start + whole * 128, (i) => `voice ${firstVoice + Math.floor(i / 128)}`);
    r.readVmemData(data, start, whole);
    return bytes.length;
  }
  const data = r.sevenBit(start, start + VMEM_DATA, (i) => `voice ${firstVoice + Math.floor(i / 128)}`);
  const bankLabel = Number.isInteger(bank) ? `bank ${bank}` : `bank at file offset ${pos}`;
  const csPos = start + VMEM_DATA;
  let next = csPos;
  if (csPos >= bytes.length) {
    r.problem(
      "missing-checksum",
      `${bankLabel}: the checksum and F7 are missing (file ends after the 4096 data bytes)`,
    );
  } else {
    const stored = bytes[csPos]!;
    const expected = checksumOf(data);
    if (stored === 0xf7 && csPos + 1 >= bytes.length) {
      r.problem("missing-checksum", `${bankLabel}: the checksum byte is missing`);
    } else {
      if (stored !== expected)
        r.problem(
          "bad-checksum",
          `${bankLabel}: voice data checksum 0x${hex(stored)}, expected 0x${hex(expected)}`,
        );
      next = csPos + 1;
      if (next >= bytes.length) r.problem("missing-end", `${bankLabel}: the closing F7 is missing`);
      else if (bytes[next] !== 0xf7)
        r.problem(
          "missing-end",
          `${bankLabel}: byte 0x${hex(bytes[next]!)} at file offset ${next} where F7 should end the message`,
        );
      else next++;
    }
    if (stored === 0xf7 && csPos + 1 >= bytes.length) next = csPos + 1;
  }
  r.readVmemData(data, start, 32);
  return next;
}

function readVced(r: Reader, pos: number): number {
  const bytes = r.bytes;
  const start = pos + 6;
  const number = r.patches.length + 1;
  if (bytes.length - start < VCED_SIZE) {
    throw new PatchsmithError(
      "truncated",
      `single voice at file offset ${pos} holds only ${Math.max(0, bytes.length - start)} of 155 data bytes`,
      r.file,
    );
  }
  const data = r.sevenBit(start, start + VCED_SIZE, () => `voice ${number}`);
  const csPos = start + VCED_SIZE;
  let next = csPos;
  if (csPos >= bytes.length) {
    r.problem("missing-checksum", `voice ${number}: the checksum and F7 are missing`);
  } else {
    const stored = bytes[csPos]!;
    const expected = checksumOf(data);
    if (stored === 0xf7 && csPos + 1 >= bytes.length) {
      r.problem("missing-checksum", `voice ${number}: the checksum byte is missing`);
      next = csPos + 1;
    } else {
      if (stored !== expected)
        r.problem(
          "bad-checksum",
          `voice ${number}: voice data checksum 0x${hex(stored)}, expected 0x${hex(expected)}`,
        );
      next = csPos + 1;
      if (next >= bytes.length) r.problem("missing-end", `voice ${number}: the closing F7 is missing`);
      else if (bytes[next] !== 0xf7)
        r.problem(
          "missing-end",
          `voice ${number}: byte 0x${hex(bytes[next]!)} at file offset ${next} where F7 should end the message`,
        );
      else next++;
    }
  }
  r.addVoice(Array.from(data), { number, dataOffset: start, packed: false }, undefined);
  return next;
}

// ---- writing ------------------------------------------------------------------------------------------

function vcedForWrite(p: Dx7Patch): number[] {
  const v = patchToVced(p);
  for (let i = 0; i < VCED_SIZE; i++) {
    const x = Math.round(Number(v[i]));
    v[i] = Number.isFinite(x) ? Math.min(Math.max(x, 0), i < 145 ? VCED_MAX[i]! : 127) : 0;
  }
  return v;
}

/** Pack one voice into 128 bytes (values clamped to their ranges; kept don't-care bits restored). */
export function packPatch(p: Dx7Patch, out: Uint8Array = new Uint8Array(128), off = 0): Uint8Array {
  packVoice(vcedForWrite(p), out, off);
  if (p.packedDontCare) {
    for (const [k, bits] of Object.entries(p.packedDontCare)) {
      const b = Number(k);
      if (b >= 0 && b < 128) out[off + b]! |= bits & ~packedMeaningfulMask(b) & 0x7f;
    }
  }
  return out;
}

/** One 32-voice VMEM message; fewer than 32 patches are padded with `pad` (Dexed's INIT VOICE). */
export function writeVmem(patches: Dx7Patch[], pad: Dx7Patch, channel = 0): Uint8Array {
  if (patches.length > 32)
    throw new PatchsmithError("too-many-voices", `a bank holds 32 voices, got ${patches.length}`);
  const out = new Uint8Array(VMEM_SIZE);
  out.set([0xf0, 0x43, channel & 15, 0x09, 0x20, 0x00]);
  for (let k = 0; k < 32; k++) packPatch(patches[k] ?? pad, out, 6 + k * 128);
  out[4102] = checksumOf(out.subarray(6, 4102));
  out[4103] = 0xf7;
  return out;
}

/** One single-voice VCED message. */
export function writeVced(p: Dx7Patch, channel = 0): Uint8Array {
  const out = new Uint8Array(VCED_MESSAGE_SIZE);
  out.set([0xf0, 0x43, channel & 15, 0x00, 0x01, 0x1b]);
  out.set(vcedForWrite(p), 6);
  out[161] = checksumOf(out.subarray(6, 161));
  out[162] = 0xf7;
  return out;
}

/** One patch → a VCED message; several → VMEM banks of 32 (the last padded with `pad`). */
export function writeDx7(patches: Dx7Patch[], pad: Dx7Patch): Uint8Array {
  if (patches.length === 0) throw new PatchsmithError("empty", "no voices to write");
  if (patches.length === 1) return writeVced(patches[0]!);
  const banks: Uint8Array[] = [];
  for (let i = 0; i < patches.length; i += 32) banks.push(writeVmem(patches.slice(i, i + 32), pad));
  const out = new Uint8Array(banks.length * VMEM_SIZE);
  banks.forEach((b, i) => out.set(b, i * VMEM_SIZE));
  return out;
}
