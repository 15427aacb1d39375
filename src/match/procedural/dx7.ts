/**
 * Procedural DX7 voices: musically plausible patches of common archetypes (e-piano/pluck, bell, organ, pad,
 * brass, bass, percussion) and drums (kick, tom, snare, clap, closed hat, open hat/cymbal), generated from a
 * seed, so the matcher's bank works without any user presets. Kept here rather than in src/synths/dx7/; it
 * uses only the DX7 patch type and its algorithm/carrier facts. The drums follow the usual FM recipes: a sine
 * body swept down by the pitch EG (which moves every ratio-mode operator; fixed-frequency ones ignore it),
 * a short bright modulator for the click, and noise from fixed-frequency operator pairs at a high,
 * inharmonic modulation index (an operator with feedback 6–7 is nearly noise), decaying at drum speeds.
 */
import { carriersOf } from "../../synths/dx7/describe.ts";
import { initPatch, type Dx7Operator, type Dx7Patch } from "../../synths/dx7/params.ts";
import { Random } from "../../util/random.ts";

type Tonal = "pluck" | "epiano" | "bell" | "organ" | "pad" | "brass" | "bass" | "perc";
export type DrumArchetype = "kick" | "tom" | "snare" | "clap" | "hat" | "cymbal";
type Archetype = Tonal | DrumArchetype;
export const DX7_DRUM_ARCHETYPES: DrumArchetype[] = ["kick", "snare", "hat", "tom", "clap", "cymbal"];
const TONAL_ARCHETYPES: Tonal[] = ["pluck", "epiano", "bell", "organ", "pad", "brass", "bass", "perc"];
const ARCHETYPES: Archetype[] = [
  "pluck",
  "kick",
  "epiano",
  "snare",
  "bell",
  "hat",
  "organ",
  "tom",
  "pad",
  "clap",
  "brass",
  "cymbal",
  "bass",
  "perc",
];

const clamp = (v: number, lo = 0, hi = 99) => Math.min(hi, Math.max(lo, Math.round(v)));

function envelope(
  r: Random,
  a: Tonal,
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

function ratio(r: Random, a: Tonal, carrier: boolean): { coarse: number; fine: number } {
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

type Op = Dx7Operator;

function setEnvelope(op: Op, r1: number, r2: number, l2: number, r4 = 70): void {
  op.egRate = [clamp(r1), clamp(r2), 50, clamp(r4)];
  op.egLevel = [99, clamp(l2), 0, 0];
}

/** A ratio-mode operator (coarse 0 = ×0.5). */
function ratioOp(op: Op, coarse: number, fine: number, level: number): void {
  op.oscMode = 0;
  op.coarse = coarse;
  op.fine = clamp(fine);
  op.detune = 7;
  op.outputLevel = clamp(level);
}

/** A fixed-frequency operator at about `hz` (1 Hz … 9.8 kHz: 10^(coarse mod 4) × 10^(fine / 100)). */
function fixedOp(op: Op, hz: number, level: number): void {
  const lg = Math.log10(Math.min(9772, Math.max(1, hz)));
  const coarse = Math.min(3, Math.floor(lg));
  op.oscMode = 1;
  op.coarse = coarse;
  op.fine = clamp((lg - coarse) * 100);
  op.detune = 7;
  op.outputLevel = clamp(level);
}

/**
 * A drum voice on algorithm 5 (pairs 2→1, 4→3, 6→5, feedback on OP6): OP1 the body (swept by the pitch EG)
 * with OP2 as its click; OP3/OP4 and OP5/OP6 noise or metal from fixed-frequency operators.
 */
export function proceduralDx7Drum(r: Random, a: DrumArchetype, index: number): Dx7Patch {
  const p = initPatch();
  const u = (lo: number, hi: number) => r.uniform(lo, hi);
  p.algorithm = 5;
  const [op1, op2, op3, op4, op5, op6] = p.operators;
  for (const op of p.operators) {
    op.outputLevel = 0;
    op.velocitySens = 0;
    op.rateScaling = 0;
    op.detune = 7;
  }
  // Pitch EG: it starts at L4 and falls to L1 at R1 (at most ~12 octaves per second, even at rate 99), then
  // stays; at note-off it heads back to L4 at R4, the slowest rate.
  const sweep = (startLevel: number, fallRate: number, endLevel: number) => {
    p.pitchEgRate = [clamp(fallRate), 99, 99, 0];
    p.pitchEgLevel = [clamp(endLevel), clamp(endLevel), clamp(endLevel), clamp(startLevel)];
  };
  const noisePair = (carrier: Op, mod: Op, centreHz: number, level: number, decay: number) => {
    fixedOp(carrier, centreHz * u(0.7, 1.4), level);
    fixedOp(mod, centreHz * u(0.9, 3.1), u(80, 99));
    setEnvelope(carrier, 99, decay, 0);
    setEnvelope(mod, 99, decay - u(0, 15), u(0, 60));
  };
  switch (a) {
    case "kick":
    case "tom": {
      const kick = a === "kick";
      // Played at the target's note (or 60 when unpitched): ×0.5 or ×1, and the sweep may end up to ~1.75
      // octaves below the note, so unpitched kicks land near 40–80 Hz.
      ratioOp(op1, r.next() < 0.5 ? 0 : 1, 0, 99);
      setEnvelope(op1, 99, kick ? u(45, 70) : u(40, 62), 0, u(40, 70));
      ratioOp(op2, 1 + r.int(3), 0, kick ? u(50, 85) : u(35, 70));
      setEnvelope(op2, 99, u(60, 92), 0);
      const end = kick ? [50, 50, 20, 8][r.int(4)]! : [50, 50, 36][r.int(3)]!;
      sweep(kick ? u(70, 90) : u(58, 75), kick ? u(85, 99) : u(70, 95), end);
      if (r.next() < 0.5) noisePair(op3, op4, u(1500, 6000), u(40, 75), u(75, 92));
      p.feedback = r.int(4);
      break;
    }
    case "snare":
    case "clap": {
      const snare = a === "snare";
      if (snare) {
        ratioOp(op1, 1, 0, u(75, 95));
        setEnvelope(op1, 99, u(50, 72), 0);
        ratioOp(op2, 1 + r.int(2), 0, u(30, 65));
        setEnvelope(op2, 99, u(60, 90), 0);
        sweep(u(55, 68), u(85, 99), 50);
      }
      const decay = snare ? u(45, 70) : u(55, 78);
      noisePair(op3, op4, snare ? u(1500, 5000) : u(900, 2500), 99, decay);
      noisePair(op5, op6, snare ? u(3000, 9000) : u(1200, 3500), u(80, 97), decay + u(-5, 5));
      p.feedback = 6 + r.int(2);
      break;
    }
    case "hat":
    case "cymbal": {
      // Three metallic pairs high up: inharmonic ratios, high index, feedback noise on OP6.
      const decay = a === "hat" ? u(62, 85) : u(30, 58);
      noisePair(op1, op2, u(3000, 9000), u(85, 99), decay);
      noisePair(op3, op4, u(3000, 9000), u(80, 97), decay + u(-6, 6));
      noisePair(op5, op6, u(2500, 8000), u(80, 97), decay + u(-6, 6));
      p.feedback = 4 + r.int(4);
      break;
    }
  }
  p.oscKeySync = 1;
  p.name = `${a.toUpperCase()} ${index}`.slice(0, 10).padEnd(10, " ");
  return p;
}

/** One procedural voice of an archetype. */
export function proceduralDx7Voice(r: Random, a: Archetype, index: number): Dx7Patch {
  if ((DX7_DRUM_ARCHETYPES as string[]).includes(a)) return proceduralDx7Drum(r, a as DrumArchetype, index);
  const p = initPatch();
  p.algorithm = 1 + r.int(32);
  const carriers = carriersOf(p.algorithm);
  p.feedback = a === "perc" || a === "brass" ? r.int(8) : r.int(5);
  const brightness =
    a === "organ" ? r.uniform(0.3, 0.6) : a === "pad" ? r.uniform(0.4, 0.75) : r.uniform(0.5, 0.95);
  p.operators.forEach((op, k) => {
    const carrier = carriers.includes(k + 1);
    const env = envelope(r, a as Tonal, carrier);
    op.egRate = env.rate;
    op.egLevel = env.level;
    const { coarse, fine } = ratio(r, a as Tonal, carrier);
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

/**
 * `count` procedural voices, cycling through all archetypes (`drums` true: the drum ones only; false: the
 * tonal ones only); deterministic for a seed.
 */
export function proceduralDx7Voices(count: number, seed = 1, opts: { drums?: boolean } = {}): Dx7Patch[] {
  const r = new Random(seed);
  const kinds: Archetype[] =
    opts.drums === true ? DX7_DRUM_ARCHETYPES : opts.drums === false ? TONAL_ARCHETYPES : ARCHETYPES;
  return Array.from({ length: count }, (_, i) => proceduralDx7Voice(r, kinds[i % kinds.length]!, i + 1));
}
