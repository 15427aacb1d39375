// The engine's view of a patch: the 155 VCED values as bytes, capped where msfa's behaviour is undefined.
import type { Dx7Patch } from "../params.ts";
import { patchToVced, VCED_SIZE } from "../vced.ts";

/** Caps applied by the engine (value above the cap → cap) with why. Everything else is played as msfa plays it. */
const ENGINE_CAPS: Array<{ index: number; cap: number; why: string }> = [
  ...[126, 127, 128, 129].map((index) => ({
    index,
    cap: 99,
    why: "pitch EG rate above 99 reads past msfa's table",
  })),
  ...[130, 131, 132, 133].map((index) => ({
    index,
    cap: 99,
    why: "pitch EG level above 99 reads past msfa's table",
  })),
  { index: 134, cap: 31, why: "algorithm above 32 does not exist" },
  { index: 135, cap: 7, why: "feedback above 7 gives msfa a negative shift (undefined)" },
  { index: 137, cap: 99, why: "LFO speed above 99 reads past Dexed's 100-entry table (undefined)" },
  { index: 138, cap: 115, why: "LFO delay of 116 or more gives msfa a negative shift count (undefined)" },
];

/** Patch → engine bytes. Non-integer or negative values are rounded and clamped to 0..127. */
export function engineParams(p: Dx7Patch, out: Uint8Array = new Uint8Array(VCED_SIZE)): Uint8Array {
  const v = patchToVced(p);
  for (let i = 0; i < VCED_SIZE; i++) {
    const x = Math.round(Number(v[i]));
    out[i] = Number.isFinite(x) ? (x < 0 ? 0 : x > 127 ? 127 : x) : 0;
  }
  for (const c of ENGINE_CAPS) if (out[c.index]! > c.cap) out[c.index] = c.cap;
  return out;
}

/** What the engine cannot play as msfa would (values it caps), in words. */
export function engineDeviations(p: Dx7Patch): string[] {
  const v = patchToVced(p);
  const out: string[] = [];
  for (let i = 0; i < VCED_SIZE; i++) {
    const x = Number(v[i]);
    if (!Number.isFinite(x) || x < 0 || x > 127 || !Number.isInteger(x))
      out.push(
        `parameter ${i} = ${v[i]} is not a 7-bit value; played as ${Math.min(127, Math.max(0, Math.round(x) || 0))}`,
      );
  }
  for (const c of ENGINE_CAPS) {
    if (Number(v[c.index]) > c.cap) out.push(`${c.why}; played as ${c.cap} (value ${v[c.index]})`);
  }
  for (let op = 0; op < 6; op++) {
    const mode = Number(v[op * 21 + 17]);
    if (mode > 1) out.push(`OP${6 - op} oscillator mode ${mode} is not 0 or 1; played as fixed frequency`);
  }
  return out;
}
