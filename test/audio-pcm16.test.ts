import { describe, expect, it } from "vitest";
import { monoAsStoredPcm16, quantizePcm16 } from "../src/audio/pcm16.ts";

describe("16-bit storage of a render (round(x · 32767), read back ÷ 32768)", () => {
  it("rounds to integer steps and clips at full scale", () => {
    const q = quantizePcm16(Float32Array.from([0, 0.4 / 32767, 0.6 / 32767, -0.6 / 32767, 1.5, -1.5, 0.5]));
    expect(Array.from(q.map((x) => x * 32768))).toEqual([
      0,
      0,
      1,
      -1,
      32767,
      -32768,
      Math.round(0.5 * 32767),
    ]);
  });

  it("quantises each channel of a stereo file before the mix, the mix of a mono file", () => {
    const L = Float32Array.from([0.6 / 32767]);
    const R = Float32Array.from([0.6 / 32767]);
    // stereo: each channel rounds up to one step; mono: the mix (0.6 steps) also rounds to one step
    expect(monoAsStoredPcm16([L, R], 2, 44100)[0]! * 32768).toBeCloseTo(1, 6);
    const L2 = Float32Array.from([0.6 / 32767]);
    const R2 = Float32Array.from([-0.2 / 32767]);
    expect(monoAsStoredPcm16([L2, R2], 2, 44100)[0]! * 32768).toBeCloseTo(0.5, 6);
    expect(monoAsStoredPcm16([L2, R2], 1, 44100)[0]! * 32768).toBeCloseTo(0, 6);
  });
});
