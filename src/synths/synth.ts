import type { Warning } from "../errors.ts";

/** How a parameter behaves for optimisers and UIs. Schemas are data, not code. */
export interface ParamSpec {
  /** Stable name, unique within the synth (e.g. "op1_output_level", "filter_1_cutoff"). */
  name: string;
  kind: "continuous" | "integer" | "choice";
  min: number;
  max: number;
  default: number;
  /** Unit of the natural value, if any ("dB", "Hz", "semitones", "s", "%"). */
  unit?: string;
  /** How [0, 1] maps onto [min, max]: linear unless stated. */
  scale?: "linear" | "log" | "quadratic" | "cubic";
  /** For choices: the label of each value min..max. */
  options?: string[];
  /** Grouping for display and for structured search ("op1", "env1", "filter1", "global"). */
  group?: string;
  description?: string;
}

/** One note as it is played. Velocity is MIDI 0–127 at the interface. */
export interface Performance {
  note: number;
  velocity: number;
  /** Seconds from note-on to note-off. */
  noteOffSeconds: number;
  /** Length of the render in seconds. */
  durationSeconds: number;
}

export interface RenderOptions {
  sampleRate?: number;
  /** Seed for anything random in the engine (random phase, noise, random LFOs). */
  seed?: number;
  /**
   * Host tempo in beats per minute, for tempo-synced parts (LFOs, delays, chorus rates). Without it a synth
   * uses the tempo its patch stores; synths without tempo-synced parts ignore it.
   */
  bpm?: number;
}

export interface DecodeResult<P> {
  patches: P[];
  warnings: Warning[];
}

export interface PresetCodec<P> {
  /** Lower-case file extensions, with the dot (".syx"). */
  extensions: string[];
  /** Parse bytes. Lenient by default: problems become warnings; strict turns them into errors. */
  read(bytes: Uint8Array, name?: string, opts?: { strict?: boolean }): DecodeResult<P>;
  write(patches: P[]): Uint8Array;
}

/**
 * A synthesizer patchsmith can render and search. Nothing outside a synth's folder knows its internals:
 * matching, generation and the library go through this interface only.
 */
export interface Synth<P> {
  id: string;
  displayName: string;
  params: ParamSpec[];
  defaultPatch(): P;
  /** Normalised [0, 1] vector in schema order. */
  toVector(p: P): Float32Array;
  /** Build a patch from a normalised vector; parameters outside the schema come from `base`. */
  fromVector(v: Float32Array, base?: P): P;
  patchName(p: P): string;
  withName(p: P, name: string): P;
  /** Pure and deterministic: one Float32Array per output channel. */
  render(p: P, perf: Performance, opt?: RenderOptions): Float32Array[];
  codec: PresetCodec<P>;
  /** What `inspect` shows: a JSON-ready object and the same for people. */
  describe(p: P): PatchDescription;
  /**
   * Features the patch uses that the engine does not render exactly (approximated or ignored), in words.
   * Empty when the render is faithful. `render` and `inspect` report these; they are never silent.
   */
  unsupportedFeatures(p: P): string[];
  /** Sample format `render` writes by default ("pcm16" where the engine's output is 16-bit). */
  defaultWavEncoding: "pcm16" | "pcm24" | "float32";
}

export interface PatchDescription {
  name: string;
  /** JSON form for `inspect --json`: every parameter by name, modulations, etc. */
  data: Record<string, unknown>;
  /** Human form: lines for the terminal. */
  text: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySynth = Synth<any>;

const registry = new Map<string, AnySynth>();

export function registerSynth(s: AnySynth): void {
  registry.set(s.id, s);
}

export function getSynth(id: string): AnySynth | undefined {
  return registry.get(id);
}

export function listSynths(): AnySynth[] {
  return [...registry.values()];
}

/** Find the synth whose codec handles a file extension. */
export function synthForExtension(ext: string): AnySynth | undefined {
  const e = ext.toLowerCase();
  return [...registry.values()].find((s) => s.codec.extensions.includes(e));
}

/** Normalise a natural value to [0, 1] using the spec's scale. */
export function normalise(spec: ParamSpec, value: number): number {
  const span = spec.max - spec.min;
  if (span <= 0) return 0;
  const lin = Math.min(1, Math.max(0, (value - spec.min) / span));
  switch (spec.scale) {
    case "quadratic":
      return Math.sqrt(lin);
    case "cubic":
      return Math.cbrt(lin);
    case "log": {
      if (spec.min <= 0) return lin;
      return Math.log(Math.max(value, spec.min) / spec.min) / Math.log(spec.max / spec.min);
    }
    default:
      return lin;
  }
}

/** Map a [0, 1] value back to the natural range, rounding integers and choices. */
export function denormalise(spec: ParamSpec, x: number): number {
  const u = Math.min(1, Math.max(0, x));
  let v: number;
  switch (spec.scale) {
    case "quadratic":
      v = spec.min + (spec.max - spec.min) * u * u;
      break;
    case "cubic":
      v = spec.min + (spec.max - spec.min) * u * u * u;
      break;
    case "log":
      v = spec.min > 0 ? spec.min * Math.pow(spec.max / spec.min, u) : spec.min + (spec.max - spec.min) * u;
      break;
    default:
      v = spec.min + (spec.max - spec.min) * u;
  }
  if (spec.kind !== "continuous") v = Math.round(v);
  return Math.min(spec.max, Math.max(spec.min, v));
}
