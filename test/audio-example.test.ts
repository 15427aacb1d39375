import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readAudioFile } from "../src/audio/decode.ts";
import { makePluckWav, PLUCK } from "../scripts/make-example.ts";
import { repoRoot } from "./helpers.ts";

const file = path.join(repoRoot, "examples/pluck.wav");

/** f0 by autocorrelation with parabolic interpolation of the peak lag. */
function autocorrF0(x: Float32Array, rate: number, from: number, length: number): number {
  const r = (lag: number) => {
    let s = 0;
    for (let i = from; i < from + length; i++) s += x[i]! * x[i + lag]!;
    return s;
  };
  let bestLag = 0;
  let best = -Infinity;
  for (let lag = Math.floor(rate / 1000); lag < rate / 50; lag++) {
    const v = r(lag);
    if (v > best) {
      best = v;
      bestLag = lag;
    }
  }
  const y0 = r(bestLag - 1);
  const y2 = r(bestLag + 1);
  const d = (0.5 * (y0 - y2)) / (y0 - 2 * best + y2);
  return rate / (bestLag + d);
}

describe("examples/pluck.wav", () => {
  it("is exactly what scripts/make-example.ts generates", () => {
    expect(Buffer.from(readFileSync(file)).equals(Buffer.from(makePluckWav()))).toBe(true);
  });

  it("is a 1.5 s mono 44.1 kHz 16-bit pluck at A3 (220 Hz), under 200 KB, decaying", async () => {
    expect(statSync(file).size).toBeLessThan(200 * 1024);
    const { audio, info } = await readAudioFile(file);
    expect(info).toMatchObject({ format: "wav", sampleRate: 44100, channelCount: 1, encoding: "pcm16" });
    expect(info.frames).toBe(Math.round(PLUCK.seconds * 44100));
    const x = audio.channels[0]!;
    const f0 = autocorrF0(x, 44100, 4410, 22050);
    expect(Math.abs(1200 * Math.log2(f0 / 220))).toBeLessThan(2); // cents
    const rms = (a: number, b: number) =>
      Math.sqrt(x.subarray(a, b).reduce((s, v) => s + v * v, 0) / (b - a));
    expect(rms(0, 4410)).toBeGreaterThan(4 * rms(44100, 48510));
  });
});
