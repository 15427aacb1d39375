// Offline rendering of one note, and the 16-bit output stage. Pure; runs in workers and AudioWorklets.
import { Lfo } from "./lfo.ts";
import { createKernels, N, type KernelKind, type KernelPreference } from "./fm-kernels.ts";
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

/** Blocks computed per call into the kernels when rendering offline. */
const BATCH = 16;

/**
 * Renders single notes with one fresh voice each, as the reference renders do (§3 of the reference). Holds its
 * kernel memory so that many renders (a matcher's inner loop) allocate nothing; one per thread.
 */
export class Dx7NoteRenderer {
  readonly sampleRate: number;
  private readonly rc: RateConstants;
  private readonly voice: Dx7Voice;
  private readonly lfo = new Lfo();

  constructor(sampleRate = 44100, kernels: KernelPreference = "wasm") {
    this.sampleRate = sampleRate;
    this.rc = rateConstants(sampleRate);
    this.voice = new Dx7Voice(createKernels(1, BATCH, kernels), BATCH);
  }

  get kernelKind(): KernelKind {
    return this.voice.k.kind;
  }

  /** 16-bit samples of one note; `params` are the engine bytes (see engineParams). */
  render(params: Uint8Array, spec: NoteSpec, out?: Int16Array): Int16Array {
    const { voice, lfo, rc } = this;
    lfo.setup(params, rc);
    lfo.reset();
    lfo.keyDown();
    voice.clear();
    voice.noteOn(params, spec.note, spec.velocity, rc, true);
    const length = Math.max(0, Math.floor(spec.length));
    const dst = out ?? new Int16Array(length);
    const mem16 = voice.k.mem16;
    let released = false;
    for (let start = 0; start < length; start += BATCH * N) {
      const blocks = Math.min(BATCH, Math.ceil((length - start) / N));
      for (let b = 0; b < blocks; b++) {
        if (!released && start + b * N >= spec.noteOffSample) {
          voice.noteOff();
          released = true;
        }
        const lv = lfo.value();
        const ld = lfo.delay();
        voice.prepareBlock(b, lv, ld);
      }
      voice.render(blocks);
      const n = Math.min(blocks * N, length - start);
      dst.set(mem16.subarray(voice.q, voice.q + n), start);
    }
    return dst;
  }
}

/** Render one note with a fresh renderer (convenient; use a Dx7NoteRenderer for many renders). */
export function renderNoteInt16(
  params: Uint8Array,
  spec: NoteSpec,
  sampleRate = 44100,
  out?: Int16Array,
  kernels: KernelPreference = "wasm",
): Int16Array {
  return new Dx7NoteRenderer(sampleRate, kernels).render(params, spec, out);
}

/** The same as Float32 samples s / 32768, so a 16-bit WAV of it is bit-exact. */
export function renderNote(params: Uint8Array, spec: NoteSpec, sampleRate = 44100): Float32Array {
  const s = renderNoteInt16(params, spec, sampleRate);
  const f = new Float32Array(s.length);
  for (let i = 0; i < s.length; i++) f[i] = s[i]! / 32768;
  return f;
}
