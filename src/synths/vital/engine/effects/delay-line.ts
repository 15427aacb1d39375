// A power-of-two circular delay line read with Catmull-Rom interpolation (as Vital's delay memories are).
// Vital's delay loops read a period of p samples one sample further back than `read(p)` (measured against its
// renders: `readVital` matches the fx refs to 0.02 dB where `read` is 0.6 dB off).

export class DelayLine {
  /** The circular buffer and its write position, public for loops that inline `read`/`push` (effects). */
  readonly buf: Float32Array;
  readonly mask: number;
  pos = 0;

  /** Holds at least `maxSamples` of history; in `memory` (at least `lineSize(maxSamples)` long) if given. */
  constructor(maxSamples: number, memory?: Float32Array) {
    const size = lineSize(maxSamples);
    this.buf = memory ?? new Float32Array(size);
    this.mask = size - 1;
  }

  /** Length of the circular buffer (a power of two). */
  get size(): number {
    return this.mask + 1;
  }

  get maxDelay(): number {
    return this.mask - 3;
  }

  clear(): void {
    this.buf.fill(0);
  }

  /** Take over another line's contents and position (same size), e.g. to fork a mono state into stereo. */
  copyFrom(o: DelayLine): void {
    this.buf.set(o.buf);
    this.pos = o.pos;
  }

  push(x: number): void {
    this.pos = (this.pos + 1) & this.mask;
    this.buf[this.pos] = x;
  }

  /** Read as Vital's delay memories do before a push: `read(period + 1)`. */
  readVital(period: number): number {
    return this.read(period + 1);
  }

  /** The value pushed `delay` samples before the next push (delay ≥ 1, fractional allowed). */
  read(delay: number): number {
    return readLine(this.buf, this.mask, this.pos, delay);
  }
}

/**
 * DelayLine.read over a line's buffer, mask and write position: for loops that keep several lines' shared
 * position in a local.
 */
export function readLine(b: Float32Array, m: number, pos: number, delay: number): number {
  const d = delay < 1 ? 1 : delay > m - 3 ? m - 3 : delay;
  const i = Math.floor(d);
  const t = d - i;
  // samples at delays i−1, i, i+1, i+2 (newest pushed is delay 1)
  const base = pos + 1 - i;
  const y0 = b[(base + 1) & m]!;
  const y1 = b[base & m]!;
  const y2 = b[(base - 1) & m]!;
  const y3 = b[(base - 2) & m]!;
  // Catmull-Rom between y1 (t = 0) and y2 (t = 1)
  const c1 = 0.5 * (y2 - y0);
  const c2 = y0 - 2.5 * y1 + 2 * y2 - 0.5 * y3;
  const c3 = 0.5 * (y3 - y0) + 1.5 * (y1 - y2);
  return ((c3 * t + c2) * t + c1) * t + y1;
}

/** The power-of-two length of a line holding at least `maxSamples` of history. */
export function lineSize(maxSamples: number): number {
  let size = 4;
  while (size < maxSamples + 4) size <<= 1;
  return size;
}

/** A feedback delay loop of one channel: its line, the states of its low/high-cut filters, its period. */
export class DelayLoop {
  readonly line: DelayLine;
  low = 0;
  high = 0;
  hz = 0;
  period = 0;
  constructor(maxSamples: number, memory?: Float32Array) {
    this.line = new DelayLine(maxSamples, memory);
  }
  clear(): void {
    this.line.clear();
    this.low = this.high = 0;
    this.hz = 0;
    this.period = 0;
  }
}
