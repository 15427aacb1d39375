import { describe, expect, it } from "vitest";
import { exp2Fast } from "../src/synths/vital/engine/voice.ts";

describe("exp2Fast (Vital's per-sample pitch ratio)", () => {
  it("stays within 6.3e-6 of 2^x across ±5 octaves and is exact on whole octaves", () => {
    let worst = 0;
    for (let x = -5; x <= 5; x += 0.001) {
      worst = Math.max(worst, Math.abs(exp2Fast(x) / Math.pow(2, x) - 1));
    }
    expect(worst).toBeLessThan(6.3e-6);
    expect(worst).toBeGreaterThan(1e-7); // it is the approximation, not Math.pow
    for (let k = -8; k <= 8; k++) expect(exp2Fast(k)).toBe(Math.pow(2, k));
  });

  it("falls back to Math.pow far outside the table", () => {
    expect(exp2Fast(100.25)).toBe(Math.pow(2, 100.25));
    expect(exp2Fast(-80.5)).toBe(Math.pow(2, -80.5));
  });
});
