import { InvalidArgumentError } from "commander";

/** Commander parsers that turn a bad value into a one-line usage error. */
export function numberIn(min: number, max: number, integer = false) {
  return (raw: string): number => {
    const v = Number(raw);
    if (!Number.isFinite(v) || (integer && !Number.isInteger(v))) {
      throw new InvalidArgumentError(`expected ${integer ? "a whole number" : "a number"}, got "${raw}"`);
    }
    if (v < min || v > max) throw new InvalidArgumentError(`must be between ${min} and ${max}, got ${raw}`);
    return v;
  };
}
