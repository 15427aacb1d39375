// Vital's shaping curves: the exponential "power" curve used by envelopes, unison detune, modulation power and
// LineGenerator segments, and the rendering of a LineGenerator into a lookup table.
// Formulas as described in ../shared/reference/vital.md (§1.3, §4), facts from Vital (GPL-3.0, Matt Tytel).

/** Below this |k| `powerCurve` is the identity. */
export const POWER_LINEAR = 0.005;

/** P(p, k) = (e^{k·p} − 1) / (e^{k} − 1), identity for tiny |k|. p in [0, 1]. */
export function powerCurve(p: number, k: number): number {
  if (Math.abs(k) < POWER_LINEAR) return p;
  return (Math.exp(k * p) - 1) / (Math.exp(k) - 1);
}

export interface LineShape {
  /** Interleaved x, y pairs; y is stored upside down (value = 1 − y). */
  points: number[];
  powers: number[];
  smooth: boolean;
}

export const LINE_TABLE_SIZE = 2048;

/** Render a LineGenerator into `size + 1` values over x in [0, 1] (the extra entry is x = 1). */
export function renderLine(shape: LineShape, size = LINE_TABLE_SIZE): Float32Array {
  const out = new Float32Array(size + 1);
  const n = Math.floor(shape.points.length / 2);
  if (n === 0) return out;
  if (n === 1) {
    out.fill(1 - (shape.points[1] ?? 0));
    return out;
  }
  let seg = 0;
  for (let i = 0; i <= size; i++) {
    const x = i / size;
    while (seg < n - 2 && x > (shape.points[2 * (seg + 1)] ?? 1)) seg++;
    const x0 = shape.points[2 * seg] ?? 0;
    const x1 = shape.points[2 * seg + 2] ?? 1;
    const v0 = 1 - (shape.points[2 * seg + 1] ?? 0);
    const v1 = 1 - (shape.points[2 * seg + 3] ?? 0);
    let t = x1 > x0 ? (x - x0) / (x1 - x0) : 1;
    t = Math.min(1, Math.max(0, t));
    if (shape.smooth) t = 0.5 - 0.5 * Math.cos(Math.PI * t);
    t = powerCurve(t, shape.powers[seg] ?? 0);
    out[i] = v0 + (v1 - v0) * t;
  }
  return out;
}

/** Read a rendered line table at x in [0, 1] with linear interpolation. */
export function readLine(table: Float32Array, x: number): number {
  const size = table.length - 1;
  const pos = Math.min(1, Math.max(0, x)) * size;
  const i = Math.min(size - 1, Math.floor(pos));
  const f = pos - i;
  return table[i]! + (table[i + 1]! - table[i]!) * f;
}

/** A JSON object as found in a preset. */
export type Json = Record<string, unknown>;

export function isObj(x: unknown): x is Json {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** A preset's line shape ({points, powers, smooth}), or undefined when the value is not one. */
export function asLine(x: unknown): LineShape | undefined {
  if (!isObj(x) || !Array.isArray(x.points)) return undefined;
  return {
    points: (x.points as unknown[]).map(Number),
    powers: Array.isArray(x.powers) ? (x.powers as unknown[]).map(Number) : [],
    smooth: Boolean(x.smooth),
  };
}
