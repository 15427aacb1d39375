import { PatchsmithError } from "../errors.ts";

/** Throw `bad-audio` when a signal holds NaN or infinite samples (they would turn every feature into NaN). */
export function assertFiniteAudio(x: Float32Array, file?: string): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v - v !== 0) {
      throw new PatchsmithError("bad-audio", `sample ${i} is ${v}: audio must be finite`, file);
    }
  }
}
