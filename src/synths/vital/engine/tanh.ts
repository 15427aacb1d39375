// Vital's rational tanh approximation (facts from Vital, GPL-3.0, Matt Tytel; ../shared/reference/vital.md §5.2).
export function tanhApprox(x: number): number {
  const ax = Math.abs(x);
  const x2 = x * x;
  return (
    (x * (2.4555 + 2.4555 * ax + x2 * (0.89323 + 0.82123 * ax))) /
    (2.44507 + (2.44507 + x2) * Math.abs(x + 0.81464 * x * ax))
  );
}
