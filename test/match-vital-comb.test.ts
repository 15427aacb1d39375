import { describe, expect, it } from "vitest";
import { analyseComb } from "../src/match/analytic/harmonics.ts";

const SR = 44100;
const BIN_HZ = SR / 2048;

/** Half a second of partials (bin of the 2048-point STFT, amplitude). */
function partials(list: Array<[number, number]>): Float32Array {
  const x = new Float32Array(SR / 2);
  for (const [bin, a] of list)
    for (let i = 0; i < x.length; i++) x[i]! += a * Math.sin((2 * Math.PI * bin * BIN_HZ * i) / SR);
  return x;
}

describe("spectral comb analysis", () => {
  it("moves a partial's main lobe onto one line and keeps weaker partials on the slope beside it", () => {
    // A strong partial on bin 10; weaker ones on bins 12–14, each quieter than the one before it: the
    // bins beyond 12 walk uphill towards bin 10 without reaching a peak within the lobe's 2 bins.
    const x = partials([
      [10, 1],
      [12, 0.03],
      [13, 0.02],
      [14, 0.01],
    ]);
    const { frames } = analyseComb(x, { times: [0.25], combHz: BIN_HZ, maxLines: 100, keepSlopes: true });
    const a = frames[0]!.amplitudes;
    // Line h (index h − 1) is bin h. Bins 11 and 12 are the lobe (their walk reaches bin 10); bins 13–15
    // keep their power on their own lines instead of moving 2 bins towards bin 10 (lines 11–13).
    expect(a[10 - 1]!).toBeGreaterThan(0.9);
    expect(a[11 - 1]!).toBe(0);
    expect(a[12 - 1]!).toBe(0);
    let slope = 0;
    for (let h = 13; h <= 15; h++) slope += a[h - 1]! ** 2;
    expect(slope).toBeGreaterThan(0.1 * (0.02 ** 2 + 0.01 ** 2));
  });

  it("averages the power spectrum over neighbouring windows when asked", () => {
    // A partial present only in the second half: a window centred at the switch sees it at reduced power,
    // the average over windows 256 samples apart the same, and windows later see it whole.
    const x = partials([[20, 1]]);
    x.fill(0, 0, SR / 4);
    const times = [0.25 + 1024 / SR];
    const one = analyseComb(x, { times, combHz: BIN_HZ, maxLines: 100 }).frames[0]!.amplitudes[19]!;
    const three = analyseComb(x, { times, combHz: BIN_HZ, maxLines: 100, average: 1 }).frames[0]!
      .amplitudes[19]!;
    expect(one).toBeGreaterThan(0.9);
    expect(three).toBeLessThan(one);
    expect(three).toBeGreaterThan(0.5);
  });
});
