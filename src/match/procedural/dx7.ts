/**
 * Procedural DX7 voices: musically plausible patches of common archetypes (e-piano/pluck, bell, organ, pad,
 * brass, bass, percussion), generated from a seed, so the matcher's bank works without any user presets.
 * Kept here rather than in src/synths/dx7/ while that folder is being written; it uses only the DX7 patch
 * type and its algorithm/carrier facts.
 */
import { carriersOf } from "../../synths/dx7/describe.ts";
import { initPatch, type Dx7Operator, type Dx7Patch } from "../../synths/dx7/params.ts";
import { Random } from "../../util/random.ts";

type Archetype = "pluck" | "epiano" | "bell" | "organ" | "pad" | "brass" | "bass" | "perc";
const ARCHETYPES: Archetype[] = ["pluck", "epiano", "bell", "organ", "pad", "brass", "bass", "perc"];

const clamp = (v: number, lo = 0, hi = 99) => Math.min(hi, Math.max(lo, Math.round(v)));

function envelope(
  r: Random,
  a: Archetype,
  carrier: boolean,
): { rate: Dx7Operator["egRate"]; level: Dx7Operator["egLevel"] } {
  const u = (lo: number, hi: number) => r.uniform(lo, hi);
  switch (a) {
    case "pluck":
    case "bass":
      return {
        rate: [
          clamp(u(90, 99)),
          clamp(u(carrier ? 35 : 45, carrier ? 65 : 80)),
          clamp(u(20, 50)),
          clamp(u(50, 80)),
        ],
        level: [99, clamp(u(carrier ? 40 : 20, 80)), 0, 0],
      };
    case "epiano":
      return {
        rate: [clamp(u(85, 99)), clamp(u(25, 50)), clamp(u(15, 35)), clamp(u(40, 70))],
        level: [99, clamp(u(70, 95)), clamp(u(0, carrier ? 40 : 10)), 0],
      };
    case "bell":
      return {
        rate: [clamp(u(90, 99)), clamp(u(20, 40)), clamp(u(15, 35)), clamp(u(25, 50))],
        level: [99, clamp(u(60, 90)), 0, 0],
      };
    case "organ":
      return {
        rate: [clamp(u(90, 99)), clamp(u(80, 99)), clamp(u(80, 99)), clamp(u(60, 85))],
        level: [99, 99, clamp(u(90, 99)), 0],
      };
    case "pad":
      return {
        rate: [clamp(u(30, 60)), clamp(u(30, 60)), clamp(u(20, 50)), clamp(u(30, 55))],
        level: [clamp(u(90, 99)), clamp(u(80, 99)), clamp(u(70, 95)), 0],
      };
    case "brass":
      return {
        rate: [clamp(u(55, 80)), clamp(u(40, 70)), clamp(u(30, 60)), clamp(u(50, 75))],
        level: [99, clamp(u(85, 97)), clamp(u(75, 92)), 0],
      };
    case "perc":
      return {
        rate: [99, clamp(u(55, 85)), clamp(u(40, 70)), clamp(u(60, 85))],
        level: [99, clamp(u(0, 30)), 0, 0],
      };
  }
}

function ratio(r: Random, a: Archetype, carrier: boolean): { coarse: number; fine: number } {
  if (carrier) {
    const c = a === "bass" ? (r.next() < 0.5 ? 0 : 1) : r.next() < 0.8 ? 1 : r.next() < 0.5 ? 2 : 0;
    return { coarse: c, fine: 0 };
  }
  const options =
    a === "bell"
      ? [3, 4, 5, 7, 9, 11, 14]
      : a === "perc"
        ? [1, 3, 5, 7, 13, 17]
        : [1, 1, 2, 2, 3, 4, 5, 7, 14];
  const coarse = options[r.int(options.length)]!;
  const fine = a === "bell" && r.next() < 0.5 ? r.int(99) : 0;
  return { coarse, fine };
}

/** One procedural voice of an archetype. */
export function proceduralDx7Voice(r: Random, a: Archetype, index: number): Dx7Patch {
  const p = initPatch();
  p.algorithm = 1 + r.int(32);
  const carriers = carriersOf(p.algorithm);
  p.feedback = a === "perc" || a === "brass" ? r.int(8) : r.int(5);
  const brightness =
    a === "organ" ? r.uniform(0.3, 0.6) : a === "pad" ? r.uniform(0.4, 0.75) : r.uniform(0.5, 0.95);
  p.operators.forEach((op, k) => {
    const carrier = carriers.includes(k + 1);
    const env = envelope(r, a, carrier);
    op.egRate = env.rate;
    op.egLevel = env.level;
    const { coarse, fine } = ratio(r, a, carrier);
    op.coarse = coarse;
    op.fine = fine;
    op.detune = clamp(7 + r.normal() * 2, 0, 14);
    op.velocitySens = r.int(4);
    op.rateScaling = r.int(4);
    op.outputLevel = carrier
      ? clamp(r.uniform(88, 99) - 2 * (carriers.length - 1))
      : r.next() < 0.2
        ? 0
        : clamp(99 * brightness - r.uniform(0, 20));
  });
  if (a === "perc" && r.next() < 0.3) {
    const m = p.operators.find((_, k) => !carriers.includes(k + 1));
    if (m) {
      m.oscMode = 1;
      m.coarse = r.int(4);
      m.fine = r.int(99);
    }
  }
  if ((a === "pad" || a === "brass" || a === "organ") && r.next() < 0.4) {
    p.lfoSpeed = clamp(r.uniform(25, 45));
    p.lfoPitchModDepth = clamp(r.uniform(0, 8));
    p.lfoDelay = clamp(r.uniform(20, 60));
    p.lfoWave = 4;
  }
  if (a === "brass" && r.next() < 0.5) {
    p.pitchEgRate = [clamp(r.uniform(70, 95)), 99, 99, 99];
    p.pitchEgLevel = [clamp(r.uniform(44, 50)), 50, 50, 50];
  }
  p.name = `${a.toUpperCase()} ${index}`.slice(0, 10).padEnd(10, " ");
  return p;
}

/** `count` procedural voices, cycling through the archetypes; deterministic for a seed. */
export function proceduralDx7Voices(count: number, seed = 1): Dx7Patch[] {
  const r = new Random(seed);
  return Array.from({ length: count }, (_, i) =>
    proceduralDx7Voice(r, ARCHETYPES[i % ARCHETYPES.length]!, i + 1),
  );
}
