// Vital's rational tanh approximation and its hard-knee variant (facts from Vital, GPL-3.0, Matt Tytel;
// ../shared/reference/vital.md §5.1–5.2).
export function tanhApprox(x: number): number {
  const ax = Math.abs(x);
  const x2 = x * x;
  return (
    (x * (2.4555 + 2.4555 * ax + x2 * (0.89323 + 0.82123 * ax))) /
    (2.44507 + (2.44507 + x2) * Math.abs(x + 0.81464 * x * ax))
  );
}

/** Linear up to ±0.66, then a tanh knee (the digital filter's output stage). */
export function hardTanh(x: number): number {
  // linear range: the knee term below is tanhApprox(+0) = +0, so the result is exactly x + 0 (−0 becomes +0)
  if (x <= 0.66 && x >= -0.66) return x + 0;
  const c = x > 0.66 ? 0.66 : x < -0.66 ? -0.66 : x;
  return c + 0.34 * tanhApprox((x - c) / 0.34);
}
