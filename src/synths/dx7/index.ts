// The Yamaha DX7 as Dexed's msfa ("Modern") engine plays it: .syx codec, schema and a sample-exact FM engine.
import type { Performance, RenderOptions, Synth } from "../synth.ts";
import { readDx7, writeDx7, type Dx7ReadOptions } from "./codec.ts";
import { describePatch } from "./describe.ts";
import { engineDeviations, engineParams } from "./engine/params.ts";
import { Dx7NoteRenderer } from "./engine/render.ts";
import { clonePatch, DX7_PARAMS, fromVector, initPatch, toVector, type Dx7Patch } from "./params.ts";

export type { Dx7Patch, Dx7Operator } from "./params.ts";
export { Dx7Instrument } from "./engine/instrument.ts";
export { Dx7NoteRenderer, renderNote, renderNoteInt16 } from "./engine/render.ts";
export { engineParams } from "./engine/params.ts";

/** Samples of a performance at a sample rate: note-off request sample and total length. */
export function performanceSamples(
  perf: Performance,
  sampleRate: number,
): { noteOffSample: number; length: number } {
  return {
    noteOffSample: Math.round(Math.max(0, perf.noteOffSeconds) * sampleRate),
    length: Math.round(Math.max(0, perf.durationSeconds) * sampleRate),
  };
}

// One renderer per sample rate, reused: a render resets every piece of state it reads (fresh voice, LFO and
// buffers), so reuse cannot change a result; it saves building a WebAssembly instance (~0.2 ms) per call.
const renderers = new Map<number, Dx7NoteRenderer>();

function rendererFor(sampleRate: number): Dx7NoteRenderer {
  let r = renderers.get(sampleRate);
  if (!r) {
    r = new Dx7NoteRenderer(sampleRate);
    renderers.set(sampleRate, r);
  }
  return r;
}

export const synth: Synth<Dx7Patch> = {
  id: "dx7",
  displayName: "Yamaha DX7 (Dexed, msfa engine)",
  params: DX7_PARAMS,
  defaultPatch: initPatch,
  toVector,
  fromVector,
  patchName: (p) => p.name.trimEnd(),
  withName(p, name) {
    const q = clonePatch(p);
    q.name = name
      .replace(/[^\x20-\x7e]/g, "?")
      .slice(0, 10)
      .padEnd(10, " ");
    return q;
  },
  render(p: Dx7Patch, perf: Performance, opt: RenderOptions = {}): Float32Array[] {
    const sampleRate = opt.sampleRate ?? 44100;
    const { noteOffSample, length } = performanceSamples(perf, sampleRate);
    const note = Math.min(127, Math.max(0, Math.round(perf.note)));
    const velocity = Math.min(127, Math.max(0, Math.round(perf.velocity)));
    const s16 = rendererFor(sampleRate).render(engineParams(p), { note, velocity, noteOffSample, length });
    const out = new Float32Array(s16.length);
    for (let i = 0; i < s16.length; i++) out[i] = s16[i]! / 32768;
    return [out];
  },
  codec: {
    extensions: [".syx"],
    read: (bytes, name, opts) => readDx7(bytes, name, opts as Dx7ReadOptions),
    write: (patches) => writeDx7(patches, initPatch()),
  },
  describe: describePatch,
  unsupportedFeatures: engineDeviations,
  defaultWavEncoding: "pcm16",
};
