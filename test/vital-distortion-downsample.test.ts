// Vital's Down Sample distortion holds a value for a period that grows with the drive: 1/(1 − d)² sample
// pairs at 88.2 kHz with d = (drive + 30)/60 — mild at low drive, coarse at high drive (facts from Vital's
// distortion; a scale mirrored around 0 dB would give the same period only there).
import { describe, expect, it } from "vitest";
import { Distortion } from "../src/synths/vital/engine/effects/distortion.ts";
import { programFromSettings } from "../src/synths/vital/index.ts";

const RATE = 88200;

/** Mean length (in samples) of the runs of equal values a ramp comes out as. */
function meanHold(driveDb: number): number {
  const program = programFromSettings({
    distortion_on: 1,
    distortion_type: 5,
    distortion_drive: driveDb,
    distortion_mix: 1,
  });
  const d = new Distortion(program, 128);
  const runs: number[] = [];
  let last = NaN;
  let run = 0;
  const ctx = { sampleRate: RATE, timeSeconds: 0, beatsPerSecond: 2, note: 60 };
  for (let b = 0; b < 64; b++) {
    const L = new Float32Array(128);
    for (let i = 0; i < 128; i++) L[i] = (b * 128 + i) / 8192;
    const R = L.slice();
    d.process(L, R, 128, ctx);
    for (let i = 0; i < 128; i++) {
      if (L[i] === last) run++;
      else {
        if (run > 0) runs.push(run);
        run = 1;
        last = L[i]!;
      }
    }
  }
  runs.shift(); // the start
  return runs.reduce((a, b) => a + b, 0) / runs.length;
}

describe("distortion: down sample", () => {
  it("holds longer as the drive rises, with Vital's period", () => {
    for (const db of [-16.5, 0, 12]) {
      const dd = 1 - (db + 30) / 60;
      const pairs = Math.max(0.99 / (dd * dd), 1);
      expect(meanHold(db)).toBeCloseTo(2 * pairs, 0);
    }
    expect(meanHold(12)).toBeGreaterThan(3 * meanHold(-16.5));
  });
});
