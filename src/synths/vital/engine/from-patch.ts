// Bridge from the codec's typed VitalPatch to the engine's program. It reads the patch's typed parts directly
// (wavetables through buildWavetableFrames, the one wavetable builder); no Node modules, so it runs in worker
// threads and the AudioWorklet.
//
// Preparation is proportional to what changed. Patches are immutable once made (a matcher candidate from
// `fromVector` shares its base patch's wavetables, sample, LFO shapes and modulations), so the expensive parts
// — a wavetable's frames and band-limited cycles, the upsampled sample, rendered line tables — are memoised by
// the identity of the patch object they come from (a WeakMap), and, for copies of equal content (a fresh
// `defaultVitalPatch()`, a structured clone), by a content hash in a small LRU. A candidate that only changes
// settings then costs a values-array fill and the modulation slots. The memos hold results of pure functions
// of their keys: they change what is computed, never what is rendered.

import type {
  LineShape as PatchLine,
  VitalPatch,
  VitalSample,
  Wavetable as PatchWavetable,
} from "../types.ts";
import { renderLine, type LineShape } from "./curves.ts";
import {
  assembleProgram,
  engineSample,
  PARAM_COUNT,
  PARAM_DEFAULT,
  PARAM_NAMES,
  pid,
  type EngineSample,
  type SlotDescription,
  type VitalProgram,
} from "./program.ts";
import { buildWavetableFrames } from "../wavetable-data.ts";
import { Wavetable } from "./wavetable.ts";

/** A least-recently-used map of bounded size. */
class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly capacity: number) {}
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }
}

/** Two independent 32-bit FNV-1a style hashes over numbers, strings and float arrays (bit patterns). */
class ContentHash {
  private a = 0x811c9dc5;
  private b = 0x01000193 ^ 0x5bd1e995;
  private word(w: number): void {
    this.a = Math.imul(this.a ^ w, 0x01000193);
    this.b = Math.imul(this.b ^ w, 0x5bd1e995) ^ (this.b >>> 13);
  }
  private readonly f64 = new Float64Array(1);
  private readonly f64Words = new Uint32Array(this.f64.buffer);
  num(x: number): this {
    this.f64[0] = x;
    this.word(this.f64Words[0]!);
    this.word(this.f64Words[1]!);
    return this;
  }
  str(s: string): this {
    this.word(s.length);
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
    return this;
  }
  floats(x: Float32Array): this {
    this.word(x.length);
    const w = new Uint32Array(x.buffer, x.byteOffset, x.length);
    for (let i = 0; i < w.length; i++) this.word(w[i]!);
    return this;
  }
  line(l: PatchLine): this {
    this.word(l.points.length);
    for (const x of l.points) this.num(x);
    this.word(l.powers.length);
    for (const x of l.powers) this.num(x);
    return this.num(l.smooth ? 1 : 0);
  }
  key(): string {
    return `${(this.a >>> 0).toString(36)}:${(this.b >>> 0).toString(36)}`;
  }
}

function line(l: PatchLine): LineShape {
  return { points: l.points, powers: l.powers, smooth: l.smooth };
}

// ---- Line tables (LFO shapes, modulation remaps) --------------------------------------------------------

const lineByObject = new WeakMap<PatchLine, Float32Array>();
const lineByContent = new Lru<string, Float32Array>(64);

function lineTable(l: PatchLine, memo: boolean): Float32Array {
  if (!memo) return renderLine(line(l));
  let t = lineByObject.get(l);
  if (t) return t;
  const key = new ContentHash().line(l).key();
  t = lineByContent.get(key);
  if (!t) {
    t = renderLine(line(l));
    lineByContent.set(key, t);
  }
  lineByObject.set(l, t);
  return t;
}

// ---- Wavetables ---------------------------------------------------------------------------------------

interface PreparedWavetable {
  table: Wavetable;
  approximations: string[];
}

const wavetableByObject = new WeakMap<PatchWavetable, PreparedWavetable>();
/** Three oscillators of two patches; a 257-frame table with its spectra and cycles holds several MB. */
const wavetableByContent = new Lru<string, PreparedWavetable>(6);

function wavetableKey(t: PatchWavetable): string {
  const h = new ContentHash().num(t.removeAllDc ? 1 : 0).num(t.fullNormalize ? 1 : 0);
  if (t.fromLine) h.str("line").line(t.fromLine);
  for (const g of t.groups) {
    h.str("group").num(g.components.length);
    for (const c of g.components) {
      h.str(c.type).str(c.kind).num(c.interpolationStyle).num(c.keyframes.length);
      if (c.kind === "wave-source") {
        h.num(c.interpolation);
        for (const k of c.keyframes) h.num(k.position).floats(k.wave);
      } else if (c.kind === "line-source") {
        for (const k of c.keyframes) h.num(k.position).line(k.line);
      } else {
        // modifiers and audio file sources: their settings, audio and keyframe values shape the frames too
        if (c.kind === "audio-file-source") h.floats(c.audio);
        h.str(JSON.stringify(c.settings));
        for (const k of c.keyframes) h.num(k.position).str(JSON.stringify(k.values));
      }
    }
  }
  return h.key();
}

function buildPrepared(t: PatchWavetable): PreparedWavetable {
  const built = buildWavetableFrames(t);
  // Vital's table keeps the window and sample rate its last Audio File Source set on the shared frame
  let source: { frequencyRatio: number; sampleRate: number } | undefined;
  for (const g of t.groups)
    for (const c of g.components) {
      if (c.kind !== "audio-file-source" || c.audio.length === 0) continue;
      const window = Number(c.settings.window_size ?? 2048);
      const rate = Number(c.settings.audio_sample_rate ?? 44100);
      source = {
        frequencyRatio: (Number.isFinite(window) && window > 0 ? window : 2048) / 2048,
        sampleRate: Number.isFinite(rate) && rate > 0 ? rate : 44100,
      };
    }
  return { table: new Wavetable(built.frames, source), approximations: built.approximations };
}

function preparedWavetable(t: PatchWavetable, memo: boolean): PreparedWavetable {
  if (!memo) return buildPrepared(t);
  let w = wavetableByObject.get(t);
  if (w) return w;
  const key = wavetableKey(t);
  w = wavetableByContent.get(key);
  if (!w) {
    w = buildPrepared(t);
    wavetableByContent.set(key, w);
  }
  wavetableByObject.set(t, w);
  return w;
}

// ---- Sample -------------------------------------------------------------------------------------------

const sampleByObject = new WeakMap<VitalSample, EngineSample>();
const sampleByContent = new Lru<string, EngineSample>(3);

function preparedSample(s: VitalSample, memo: boolean): EngineSample {
  if (!memo) return engineSample(s.samples, s.samplesStereo, s.sampleRate);
  let e = sampleByObject.get(s);
  if (e) return e;
  const h = new ContentHash().num(s.sampleRate).floats(s.samples);
  if (s.samplesStereo) h.floats(s.samplesStereo);
  const key = h.key();
  e = sampleByContent.get(key);
  if (!e) {
    e = engineSample(s.samples, s.samplesStereo, s.sampleRate);
    sampleByContent.set(key, e);
  }
  sampleByObject.set(s, e);
  return e;
}

// ---- Program ------------------------------------------------------------------------------------------

const OSC_ON = [pid("osc_1_on"), pid("osc_2_on"), pid("osc_3_on")];
const TRIANGLE: PatchLine = {
  name: "Triangle",
  numPoints: 3,
  points: [0, 1, 0.5, 0, 1, 1],
  powers: [0, 0, 0],
  smooth: false,
  extra: {},
};

/**
 * Prepare the engine program for a typed patch. Its tables are shared with earlier programs of equal parts;
 * `memo: false` builds every part afresh (for tests that compare the two).
 */
export function programFromPatch(p: VitalPatch, opts: { memo?: boolean } = {}): VitalProgram {
  const memo = opts.memo ?? true;
  const values = new Float64Array(PARAM_COUNT);
  const settings = p.settings;
  for (let i = 0; i < PARAM_COUNT; i++) {
    const v = settings[PARAM_NAMES[i]!];
    values[i] = typeof v === "number" && Number.isFinite(v) ? v : PARAM_DEFAULT[i]!;
  }
  const slots = p.modulations.map((m): SlotDescription => ({
    source: m.source,
    destination: m.destination,
    mapping: m.lineMapping && m.source && m.destination ? lineTable(m.lineMapping, memo) : undefined,
  }));
  const lfoTables: Float32Array[] = [];
  for (let i = 0; i < 8; i++) lfoTables.push(lineTable(p.lfos[i] ?? TRIANGLE, memo));
  const approximations: string[] = [];
  const wavetables: Wavetable[] = [];
  for (let i = 0; i < 3; i++) {
    const t = p.wavetables[i];
    if (values[OSC_ON[i]!]! < 0.5) {
      wavetables.push(new Wavetable([]));
      continue;
    }
    if (!t) {
      wavetables.push(new Wavetable([]));
      approximations.push(`osc ${i + 1}: wavetable missing`);
      continue;
    }
    const w = preparedWavetable(t, memo);
    for (const a of w.approximations) approximations.push(`osc ${i + 1}: ${a}`);
    wavetables.push(w.table);
  }
  return assembleProgram(values, slots, {
    lfoTables,
    wavetables,
    sample: preparedSample(p.sample, memo),
    approximations,
  });
}
