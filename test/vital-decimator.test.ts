import { describe, expect, it } from "vitest";
import { Decimator2 } from "../src/synths/vital/engine/decimator.ts";

/** Decimate `input` in blocks of the given (even) lengths, cycling through them. */
function decimate(input: Float32Array, blocks: number[], scalar: boolean): Float32Array {
  const d = new Decimator2();
  // the scalar loop is what runs where WebAssembly SIMD is missing
  if (scalar) (d as unknown as { kernel: null }).kernel = null;
  const out = new Float32Array(input.length / 2);
  let w = 0;
  for (let pos = 0, b = 0; pos < input.length; b++) {
    const n = Math.min(blocks[b % blocks.length]!, input.length - pos);
    w += d.process(input.subarray(pos, pos + n), n, out, w);
    pos += n;
  }
  expect(w).toBe(out.length);
  return out;
}

function tone(cyclesPerSample: number, length: number): Float32Array {
  const x = new Float32Array(length);
  for (let i = 0; i < length; i++) x[i] = Math.sin(2 * Math.PI * cyclesPerSample * i);
  return x;
}

const rms = (x: Float32Array, from: number) => {
  let s = 0;
  for (let i = from; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / (x.length - from));
};

describe("Decimator2", () => {
  it("passes DC and low tones at unity and removes what lies above the output's Nyquist", () => {
    const dc = decimate(new Float32Array(4096).fill(0.5), [128], false);
    expect(dc[dc.length - 1]).toBeCloseTo(0.5, 6);
    const low = decimate(tone(0.02, 8192), [128], false);
    expect(rms(low, 100)).toBeCloseTo(Math.SQRT1_2, 2);
    const high = decimate(tone(0.4, 8192), [128], false); // 0.8 of the output rate: aliases unless filtered
    expect(rms(high, 100)).toBeLessThan(1e-3);
  });

  it("gives the same bits with the WebAssembly kernel, the scalar loop and any block lengths", () => {
    const x = new Float32Array(20000);
    let seed = 7;
    for (let i = 0; i < x.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      x[i] = 0.8 * Math.sin(i * 0.013) + (seed / 2 ** 32 - 0.5) * 0.4;
    }
    const kernel = decimate(x, [128], false);
    expect(Array.from(decimate(x, [128], true))).toEqual(Array.from(kernel));
    expect(Array.from(decimate(x, [74, 2, 128, 6000, 30], false))).toEqual(Array.from(kernel));
    expect(Array.from(decimate(x, [74, 2, 128, 6000, 30], true))).toEqual(Array.from(kernel));
  });

  it("runs the two channels of a stereo pair on one kernel instance without either disturbing the other", () => {
    const left = new Float32Array(6000);
    const right = new Float32Array(6000);
    for (let i = 0; i < left.length; i++) {
      left[i] = Math.sin(i * 0.031);
      right[i] = 0.5 * Math.sin(i * 0.47 + 1);
    }
    const [dl, dr] = Decimator2.stereo();
    const outL = new Float32Array(left.length / 2);
    const outR = new Float32Array(right.length / 2);
    for (let pos = 0, w = 0; pos < left.length; pos += 128) {
      dl.process(left.subarray(pos, pos + 128), 128, outL, w);
      w += dr.process(right.subarray(pos, pos + 128), 128, outR, w);
    }
    expect(Array.from(outL)).toEqual(Array.from(decimate(left, [128], true)));
    expect(Array.from(outR)).toEqual(Array.from(decimate(right, [128], true)));
  });
});
