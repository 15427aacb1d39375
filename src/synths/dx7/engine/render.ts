// Offline rendering of one note, and the 16-bit output stage. Pure; runs in workers and AudioWorklets.
import { Lfo } from "./lfo.ts";
import { N } from "./kernels.ts";
import { buildRateConstants, type RateConstants } from "./tables.ts";
import { Dx7Voice } from "./voice.ts";

const rateCache = new Map<number, RateConstants>();

/** Sample-rate dependent tables, built once per rate (a pure memo). */
export function rateConstants(sampleRate: number): RateConstants {
  let rc = rateCache.get(sampleRate);
  if (!rc) {
    rc = buildRateConstants(sampleRate);
    rateCache.set(sampleRate, rc);
  }
  return rc;
}

/** Dexed's per-voice output stage: the accumulator A → clamp(A ≫ 13) as a 16-bit value. */
export function quantise(a: number): number {
  const v = a >> 4;
  return v < -(1 << 24) ? -32768 : v >= 1 << 24 ? 32767 : v >> 9;
}

export interface NoteSpec {
  /** MIDI note before transpose. */
  note: number;
  /** MIDI velocity 0–127. */
  velocity: number;
  /** Sample index from which note-off acts (applied at the first block starting at or after it); ≥ length: never. */
  noteOffSample: number;
  /** Number of samples to render. */
  length: number;
}

/**
 * Render one fresh voice playing one note, as the reference renders do (§3 of the reference): the 16-bit values
 * are returned as Int16Array. `params` are the engine bytes (see engineParams).
 */
export function renderNoteInt16(params: Uint8Array, spec: NoteSpec, sampleRate = 44100, out?: Int16Array): Int16Array {
  const rc = rateConstants(sampleRate);
  const voice = new Dx7Voice();
  const lfo = new Lfo();
  lfo.setup(params, rc);
  lfo.reset();
  lfo.keyDown();
  voice.clear();
  voice.noteOn(params, spec.note, spec.velocity, rc, true);
  const length = Math.max(0, Math.floor(spec.length));
  const dst = out ?? new Int16Array(length);
  const acc = new Int32Array(N);
  let released = false;
  for (let start = 0; start < length; start += N) {
    if (!released && start >= spec.noteOffSample) {
      voice.noteOff();
      released = true;
    }
    const lv = lfo.value();
    const ld = lfo.delay();
    voice.computeBlock(acc, lv, ld);
    const n = Math.min(N, length - start);
    for (let j = 0; j < n; j++) {
      const v = acc[j]! >> 4;
      dst[start + j] = v < -(1 << 24) ? -32768 : v >= 1 << 24 ? 32767 : v >> 9;
    }
  }
  return dst;
}

/** The same as Float32 samples s / 32768, so a 16-bit WAV of it is bit-exact. */
export function renderNote(params: Uint8Array, spec: NoteSpec, sampleRate = 44100): Float32Array {
  const s = renderNoteInt16(params, spec, sampleRate);
  const f = new Float32Array(s.length);
  for (let i = 0; i < s.length; i++) f[i] = s[i]! / 32768;
  return f;
}
