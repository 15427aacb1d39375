/**
 * Fitting DX7 operator envelopes to measured curves. The operator EG is known exactly (the engine's own
 * OperatorEnvelope, stepped once per 64-sample block), so a fit is a direct search over its eight values
 * (rates R1–R4, levels L1–L4) and, for modulators, the output level: no audio is rendered.
 *
 * The EG's level is a log2 gain: an operator's amplitude is 2^(level/2^24 − 14) of full scale, so a carrier's
 * output in dB and a modulator's index (2π × amplitude: the modulator's output is added to the carrier's
 * phase, one full scale = one cycle) are both linear functions of it.
 */
import { OperatorEnvelope, scaleOutputLevel } from "../../synths/dx7/engine/envelopes.ts";
import { rateConstants } from "../../synths/dx7/engine/render.ts";
import { Random } from "../../util/random.ts";

const SR = 44100;
const BLOCK = 64;

export interface EgValues {
  rates: [number, number, number, number];
  levels: [number, number, number, number];
  /** Output level 0–99. */
  outputLevel: number;
}

/** A curve to fit: values at times (s after note-on); frames whose weight is 0 are ignored. */
export interface Curve {
  times: Float64Array;
  /** log2 of the amplitude (carriers: dB / 6.0206) or of the index / 2π (modulators). */
  log2: Float64Array;
  weights: Float64Array;
  /** Floor: simulated and measured values below it count as equal to it. */
  floorLog2: number;
  /** Whether a constant offset is free (a carrier under level matching) or the curve is absolute. */
  freeOffset: boolean;
}

const bytes = new Uint8Array(8);
const env = new OperatorEnvelope();

/** log2 amplitude (re. full scale) of the EG with these values at the blocks that hold `times`. */
export function simulateEg(v: EgValues, holdSeconds: number, times: Float64Array, out: Float64Array): void {
  for (let i = 0; i < 4; i++) {
    bytes[i] = v.rates[i]!;
    bytes[4 + i] = v.levels[i]!;
  }
  env.start(bytes, 0, scaleOutputLevel(v.outputLevel) * 32, 0, rateConstants(SR));
  const offBlock = Math.ceil((holdSeconds * SR) / BLOCK);
  let block = 0;
  let level = 0;
  for (let k = 0; k < times.length; k++) {
    const want = Math.floor((times[k]! * SR) / BLOCK);
    while (block <= want) {
      if (block === offBlock) env.keyOff();
      level = env.step();
      block++;
    }
    out[k] = level / 16777216 - 14;
  }
}

function curveError(c: Curve, sim: Float64Array): number {
  const n = c.times.length;
  let offset = 0;
  if (c.freeOffset) {
    // Level matching: the mean difference over the frames the measured curve has above its floor.
    let acc = 0;
    let w = 0;
    for (let i = 0; i < n; i++) {
      if (c.log2[i]! <= c.floorLog2) continue;
      acc += c.weights[i]! * (c.log2[i]! - sim[i]!);
      w += c.weights[i]!;
    }
    offset = w > 0 ? acc / w : 0;
  }
  let err = 0;
  let wsum = 0;
  for (let i = 0; i < n; i++) {
    const wi = c.weights[i]!;
    if (wi === 0) continue;
    const a = Math.max(c.floorLog2, sim[i]! + offset);
    const b = Math.max(c.floorLog2, c.log2[i]!);
    err += wi * Math.abs(a - b);
    wsum += wi;
  }
  return wsum > 0 ? err / wsum : 0;
}

/** One searched value; "shift" moves L1–L3 together (their common level, coupled to the curve's offset). */
type Key = "r0" | "r1" | "r2" | "r3" | "l0" | "l1" | "l2" | "l3" | "ol" | "shift";

function get(v: EgValues, k: Key): number {
  if (k === "shift") return Math.max(v.levels[0], v.levels[1], v.levels[2]);
  if (k === "ol") return v.outputLevel;
  return (k[0] === "r" ? v.rates : v.levels)[Number(k[1])]!;
}
function set(v: EgValues, k: Key, x: number): void {
  if (k === "shift") {
    const d = x - get(v, k);
    for (let i = 0; i < 3; i++) v.levels[i] = Math.min(99, Math.max(0, v.levels[i]! + d));
  } else if (k === "ol") v.outputLevel = x;
  else (k[0] === "r" ? v.rates : v.levels)[Number(k[1])] = x;
}

function copy(v: EgValues): EgValues {
  return { rates: [...v.rates], levels: [...v.levels], outputLevel: v.outputLevel };
}

/**
 * A first guess from the curve: full level at its peak (output level from the peak for absolute curves), the
 * level it has at the note-off as the sustain, rates left to the search.
 */
function guess(c: Curve, holdSeconds: number): EgValues {
  let peak = -Infinity;
  let atHold = c.floorLog2;
  for (let i = 0; i < c.times.length; i++) {
    if (c.log2[i]! > peak) peak = c.log2[i]!;
    if (c.times[i]! <= holdSeconds) atHold = c.log2[i]!;
  }
  // One EG level or output level step is 1/8 octave (above 20); at L 99 and OL 99 the gain is 2^1.
  const sustain = Math.round(Math.min(99, Math.max(0, 99 + 8 * (Math.max(atHold, c.floorLog2) - peak))));
  const ol = c.freeOffset ? 99 : Math.round(Math.min(99, Math.max(0, 99 + 8 * (peak - 1))));
  return { rates: [99, 50, 50, 60], levels: [99, sustain, sustain, 0], outputLevel: ol };
}

/** The typical shapes a search starts from (besides a guess from the data). */
function typicalShapes(outputLevel: number): EgValues[] {
  return [
    { rates: [99, 50, 40, 60], levels: [99, 80, 60, 0], outputLevel },
    { rates: [99, 30, 20, 50], levels: [99, 50, 0, 0], outputLevel },
    { rates: [99, 99, 99, 60], levels: [99, 99, 99, 0], outputLevel },
    { rates: [60, 40, 30, 50], levels: [99, 90, 80, 0], outputLevel },
  ];
}

/**
 * Line searches from each start: each value in turn scanned over its whole range (step `scanStep`, then ±2
 * around the best), until a pass changes nothing. Returns the best values and their score.
 */
function coordinateSearch(
  score: (v: EgValues) => number,
  keys: Key[],
  initial: EgValues[],
  normalise: (v: EgValues) => void = () => {},
  scanStep = 3,
): { eg: EgValues; error: number } {
  let best = { eg: copy(initial[0]!), error: Infinity };
  for (const s of initial) {
    const v = copy(s);
    normalise(v);
    let e = score(v);
    for (let pass = 0; pass < 6; pass++) {
      let changed = false;
      for (const k of keys) {
        const x0 = get(v, k);
        let bx = x0;
        const tryValue = (x: number) => {
          if (x < 0 || x > 99 || x === bx) return;
          const w = copy(v);
          set(w, k, x);
          normalise(w);
          const ew = score(w);
          if (ew < e - 1e-9) {
            e = ew;
            bx = x;
          }
        };
        for (let x = 0; x <= 99; x += scanStep) tryValue(x);
        tryValue(99);
        const centre = bx;
        for (let d = -2; d <= 2; d++) tryValue(centre + d);
        if (bx !== x0) {
          set(v, k, bx);
          normalise(v);
          changed = true;
        }
      }
      if (!changed) break;
    }
    if (e < best.error) best = { eg: v, error: e };
  }
  return best;
}

/**
 * Coordinate search over the EG values (and the output level when the curve is absolute) from a few typical
 * shapes; returns the best values and their error (mean |Δ log2| over the weighted frames).
 */
export function fitEg(
  curve: Curve,
  holdSeconds: number,
  starts?: EgValues[],
): { eg: EgValues; error: number } {
  const sim = new Float64Array(curve.times.length);
  // With a free offset (a carrier), the loudest of L1–L3 is kept at 99: the same shape lower down would be
  // played quieter by the engine and drown in its 16-bit quantisation once level-matched.
  const normalise = (v: EgValues) => {
    if (curve.freeOffset) set(v, "shift", 99);
  };
  const score = (v: EgValues) => {
    simulateEg(v, holdSeconds, curve.times, sim);
    return curveError(curve, sim);
  };
  const keys: Key[] = ["r0", "r1", "r2", "r3", "l0", "l1", "l2", "l3"];
  if (!curve.freeOffset) keys.push("ol", "shift");
  const ol = curve.freeOffset ? 99 : 80;
  return coordinateSearch(
    score,
    keys,
    starts ?? [guess(curve, holdSeconds), ...typicalShapes(ol)],
    normalise,
  );
}

/**
 * A modulator's spectral fit: distances of the sound's frames to an FM pair's spectrum at every index of a
 * grid (fm-spectrum.ts indexDistanceTable), and where the frames lie in time.
 */
export interface IndexTable {
  /** frames × columns. */
  distances: Float32Array;
  columns: number;
  /** Fractional column of an index (radians). */
  position: (index: number) => number;
  /** First sample of each frame (after note-on) and the window (Blackman-Harris) length. */
  frameStart: Float64Array;
  nFft: number;
  /** Weight of each frame (0: ignored). */
  weights: Float64Array;
}

/** Below this gain (Q24) the engine does not render an operator (voice.ts SILENT_GAIN). */
const SILENT_GAIN = 1120 / 16777216;

/** Blackman-Harris terms used for a frame's weighting of its blocks (the 4th, 0.01168, is left out). */
const BH_A = [0.35875, 0.48829, 0.14128];

/** One table's precomputed frame geometry: Σ over a frame's blocks of index · window from prefix sums. */
class TableFrames {
  readonly per: number;
  readonly blocks: number;
  private readonly cos1: Float64Array;
  private readonly sin1: Float64Array;
  private readonly cos2: Float64Array;
  private readonly sin2: Float64Array;
  private readonly sums: Float64Array[];
  private readonly fc1: Float64Array;
  private readonly fs1: Float64Array;
  private readonly fc2: Float64Array;
  private readonly fs2: Float64Array;
  readonly wsum: number;

  constructor(readonly table: IndexTable) {
    const frames = table.frameStart.length;
    this.per = table.nFft / BLOCK;
    this.blocks = Math.ceil((table.frameStart[frames - 1]! + table.nFft) / BLOCK) + 1;
    const w = (2 * Math.PI * BLOCK) / table.nFft;
    const at = (f: (x: number) => number, k: number) =>
      Float64Array.from({ length: this.blocks }, (_, b) => f(k * w * (b + 0.5)));
    this.cos1 = at(Math.cos, 1);
    this.sin1 = at(Math.sin, 1);
    this.cos2 = at(Math.cos, 2);
    this.sin2 = at(Math.sin, 2);
    this.sums = Array.from({ length: 5 }, () => new Float64Array(this.blocks + 1));
    const start = (f: (x: number) => number, k: number) =>
      Float64Array.from(table.frameStart, (s) => f(k * w * Math.floor(s / BLOCK)));
    this.fc1 = start(Math.cos, 1);
    this.fs1 = start(Math.sin, 1);
    this.fc2 = start(Math.cos, 2);
    this.fs2 = start(Math.sin, 2);
    let total = 0;
    for (let t = 0; t < frames; t++) total += table.weights[t]!;
    this.wsum = total;
  }

  /** Mean distance over the weighted frames for the per-block indices `bi`. */
  score(bi: Float64Array): number {
    const [s0, c1, s1, c2, s2] = this.sums as [
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
    ];
    const { cos1, sin1, cos2, sin2 } = this;
    for (let b = 0; b < this.blocks; b++) {
      const x = bi[b]!;
      s0[b + 1] = s0[b]! + x;
      c1[b + 1] = c1[b]! + x * cos1[b]!;
      s1[b + 1] = s1[b]! + x * sin1[b]!;
      c2[b + 1] = c2[b]! + x * cos2[b]!;
      s2[b + 1] = s2[b]! + x * sin2[b]!;
    }
    const { distances, columns, weights, position, frameStart } = this.table;
    const per = this.per;
    const norm = 1 / (BH_A[0]! * per);
    let acc = 0;
    for (let t = 0; t < weights.length; t++) {
      const wt = weights[t]!;
      if (wt === 0) continue;
      const b0 = Math.floor(frameStart[t]! / BLOCK);
      const b1 = b0 + per;
      // cos(k(θ_b − θ_start)) = cos kθ_b cos kθ_start + sin kθ_b sin kθ_start.
      const h1 = (c1[b1]! - c1[b0]!) * this.fc1[t]! + (s1[b1]! - s1[b0]!) * this.fs1[t]!;
      const h2 = (c2[b1]! - c2[b0]!) * this.fc2[t]! + (s2[b1]! - s2[b0]!) * this.fs2[t]!;
      const index = (BH_A[0]! * (s0[b1]! - s0[b0]!) - BH_A[1]! * h1 + BH_A[2]! * h2) * norm;
      const pos = position(index);
      const lo = Math.min(columns - 2, Math.floor(pos));
      const f = pos - lo;
      const row = t * columns;
      acc += wt * ((1 - f) * distances[row + lo]! + f * distances[row + lo + 1]!);
    }
    return this.wsum > 0 ? acc / this.wsum : 0;
  }
}

/**
 * Scores modulator EGs against index tables (their mean): the engine's EG stepped per block, the gain
 * interpolated across each block as the engine does, each frame's index the window-weighted mean of it over
 * the frame (blocks weighted at their centres; O(1) per frame through prefix sums of index · cos kθ and
 * index · sin kθ).
 */
export class IndexTableScorer {
  private readonly frames: TableFrames[];
  private readonly blockIndex: Float64Array;

  constructor(
    tables: IndexTable[],
    private readonly holdSeconds: number,
  ) {
    this.frames = tables.map((t) => new TableFrames(t));
    this.blockIndex = new Float64Array(Math.max(...this.frames.map((f) => f.blocks)));
  }

  score(v: EgValues): number {
    for (let i = 0; i < 4; i++) {
      bytes[i] = v.rates[i]!;
      bytes[4 + i] = v.levels[i]!;
    }
    env.start(bytes, 0, scaleOutputLevel(v.outputLevel) * 32, 0, rateConstants(SR));
    const offBlock = Math.ceil((this.holdSeconds * SR) / BLOCK);
    const bi = this.blockIndex;
    let prev = 0;
    let lastLevel = -1;
    let g = 0;
    for (let b = 0; b < bi.length; b++) {
      if (b === offBlock) env.keyOff();
      const level = env.step();
      if (level !== lastLevel) {
        lastLevel = level;
        g = 2 ** (level / 16777216 - 14);
        if (g < SILENT_GAIN) g = 0;
      }
      // The engine ramps the gain from the previous block's to this one's across the block.
      bi[b] = Math.PI * (prev + g);
      prev = g;
    }
    let acc = 0;
    for (const f of this.frames) acc += f.score(bi);
    return acc / this.frames.length;
  }
}

/**
 * Fits a modulator's EG and output level to the sound's spectra through an index table (mean spectral
 * distance over the weighted frames, dB). R4/L4 are searched only when the note-off falls inside the frames.
 */
export function fitEgToSpectra(
  tables: IndexTable[],
  holdSeconds: number,
  starts: EgValues[] = [],
  opts: { screened?: number; kept?: number; seed?: number } = {},
): { eg: EgValues; error: number } {
  const scorer = new IndexTableScorer(tables, holdSeconds);
  const score = (v: EgValues) => scorer.score(v);
  const keys: Key[] = ["r0", "r1", "r2", "l0", "l1", "l2", "ol", "shift"];
  const lastSample = Math.max(...tables.map((t) => t.frameStart[t.frameStart.length - 1]! + t.nFft));
  const release = holdSeconds * SR < lastSample;
  if (release) keys.push("r3", "l3");
  // Global screening: random EGs scored once, the best few refined with the typical shapes and the given
  // starts (EG fits are multimodal: rates and levels of a stage trade against each other).
  const rng = new Random(opts.seed ?? 1);
  const pick = () => Math.floor(rng.next() * 100);
  const screened: Array<{ v: EgValues; e: number }> = [];
  for (let i = 0; i < (opts.screened ?? 0); i++) {
    const v: EgValues = {
      rates: [pick(), pick(), pick(), release ? pick() : 99],
      levels: [pick(), pick(), pick(), release ? pick() : 0],
      outputLevel: 30 + Math.floor(rng.next() * 70),
    };
    screened.push({ v, e: score(v) });
  }
  screened.sort((a, b) => a.e - b.e);
  const initial = [...starts, ...typicalShapes(60), ...screened.slice(0, opts.kept ?? 0).map((x) => x.v)];
  return coordinateSearch(score, keys, initial, undefined, 5);
}

/** A modulator's index (radians) as the log2 amplitude its EG must reach (see the module comment). */
export const indexToLog2 = (index: number): number => Math.log2(index / (2 * Math.PI));
