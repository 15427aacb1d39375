import { describe, expect, it } from "vitest";
import { hardTanh, tanhApprox } from "../src/synths/vital/engine/tanh.ts";

/** The knee formula itself: linear to ±0.66, then a scaled tanh of the excess. */
function kneeFormula(x: number): number {
  const c = x > 0.66 ? 0.66 : x < -0.66 ? -0.66 : x;
  return c + 0.34 * tanhApprox((x - c) / 0.34);
}

describe("hardTanh", () => {
  it("equals the knee formula bit for bit, in the linear range and beyond", () => {
    const xs = [0, -0, 0.66, -0.66, 0.6600000000000001, -0.6600000000000001, 1e-30, -1e-30, 5, -5, 1e6];
    for (let i = -2000; i <= 2000; i++) xs.push(i / 1000, i / 1000 + 1e-12);
    let inKnee = 0;
    for (const x of xs) {
      expect(Object.is(hardTanh(x), kneeFormula(x)), `x = ${x}`).toBe(true);
      if (Math.abs(x) > 0.66) inKnee++;
    }
    expect(inKnee).toBeGreaterThan(1000);
    expect(Number.isNaN(hardTanh(NaN))).toBe(true);
  });
});
