// Vital's random numbers, reproduced. Facts from Vital (Matt Tytel, GPL-3.0), as read in its source: every
// random generator in Vital's engine is a C++ std::mt19937 drawing through std::uniform_real_distribution<float>,
// seeded from one process-wide counter that starts at 0 and counts up each time a generator is constructed or
// copied. A freshly started Vital therefore gives the same draws in every run, and which seed a generator gets
// follows from the order in which the engine builds its processors (`vitalSeeds` below). The float arithmetic
// follows the GNU C++ library (generate_canonical with one 32-bit draw, then a + (b − a)·u in single precision).
// Measured against Vital's own renders of the CC BY presets: the start phases of oscillators 1–3 are draws 1 of
// seeds 11, 12 and 13 (osc_N_random_phase · U(−1, 1) · 2³¹ cycles/2³²), as predicted below.

const N = 624;
const M = 397;

/** std::mt19937: the 32-bit Mersenne Twister with the standard's seeding (one 32-bit seed). */
export class Mt19937 {
  private readonly mt = new Uint32Array(N);
  private index = N;

  constructor(seed: number) {
    this.seed(seed);
  }

  seed(seed: number): void {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]!;
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
    this.index = N;
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < N; i++) {
      const y = (mt[i]! & 0x80000000) | (mt[(i + 1) % N]! & 0x7fffffff);
      mt[i] = mt[(i + M) % N]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }

  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}

const ONE_BELOW_ONE = 1 - 2 ** -24;

/** A Vital RandomGenerator(min, max): uniform single-precision floats in [min, max). */
export class VitalRandom {
  private readonly engine: Mt19937;
  private readonly min: number;
  private readonly range: number;

  constructor(seed: number, min = -1, max = 1) {
    this.engine = new Mt19937(seed);
    this.min = Math.fround(min);
    this.range = Math.fround(Math.fround(max) - this.min);
  }

  next(): number {
    let u = Math.fround(Math.fround(this.engine.nextUint32()) / 4294967296);
    if (u >= 1) u = ONE_BELOW_ONE;
    return Math.fround(Math.fround(u * this.range) + this.min);
  }
}

/** Generators each of Vital's voice processors owns. */
export const enum VitalGenerator {
  Osc1 = 0,
  Osc2 = 1,
  Osc3 = 2,
  Sample = 3,
  TriggerRandom = 4,
  RandomLfo1 = 5,
}
/** Generators per pair of voices (Vital runs voices two at a time in one cloned processor set). */
export const GENERATORS_PER_VOICE_PAIR = 9;
/**
 * Seeds taken before the first voice pair's clones: the prototype processors (sample source and its default
 * noise, trigger random, four random LFOs, three oscillators and the shared random-value table).
 */
const FIRST_VOICE_SEED = 11;
/** Seed distance between engine `seed`s other than Vital's own (any stride would do; kept clear of the voices). */
const SEED_STRIDE = 1009;

/**
 * Vital clones a voice's processors (each clone seeding its generator from the counter) in the voice router's
 * processing order at the first block after the preset is loaded. That order starts as oscillators 1–3, the
 * sample, random LFOs 4, 3, 2, 1 and the trigger random (source "random"); connecting a modulation then moves
 * its source processor to the front, slot by slot, bypassed slots too (measured on an instrumented Vital).
 * Returns each generator's position in the clone order, by `VitalGenerator`.
 */
export function generatorPositions(connectedSources: readonly string[]): Uint8Array {
  const order: number[] = [
    VitalGenerator.Osc1,
    VitalGenerator.Osc2,
    VitalGenerator.Osc3,
    VitalGenerator.Sample,
    VitalGenerator.RandomLfo1 + 3,
    VitalGenerator.RandomLfo1 + 2,
    VitalGenerator.RandomLfo1 + 1,
    VitalGenerator.RandomLfo1,
    VitalGenerator.TriggerRandom,
  ];
  for (const src of connectedSources) {
    const m = /^random_([1-4])$/.exec(src);
    const g = m
      ? VitalGenerator.RandomLfo1 + Number(m[1]) - 1
      : src === "random"
        ? VitalGenerator.TriggerRandom
        : -1;
    if (g < 0) continue;
    order.splice(order.indexOf(g), 1);
    order.unshift(g);
  }
  const pos = new Uint8Array(GENERATORS_PER_VOICE_PAIR);
  order.forEach((g, i) => (pos[g] = i));
  return pos;
}

/** The clone order of a patch without modulations from random sources. */
export const DEFAULT_GENERATOR_POSITIONS = generatorPositions([]);

/**
 * The mt19937 seed of the generator at clone position `position` of voice pair `pair`. Seeds 0 and 1
 * reproduce a freshly started Vital (0 is the library's default, 1 the CLI's); every other seed shifts all
 * generators to other seeds.
 */
export function vitalSeed(seed: number, pair: number, position: number): number {
  const run = seed <= 1 ? 0 : seed - 1;
  return (FIRST_VOICE_SEED + pair * GENERATORS_PER_VOICE_PAIR + position + run * SEED_STRIDE) >>> 0;
}

/**
 * Vital's generators for one pair of voices, shared by both voices of the pair as in Vital (where both run in
 * the same processor). `lane` 0 or 1 says which voice of the pair draws. `positions` is the clone order
 * (`generatorPositions`).
 */
export class VoicePairRandom {
  readonly osc: VitalRandom[];
  readonly sample: VitalRandom;
  readonly trigger: VitalRandom;
  readonly randomLfos: VitalRandom[];

  constructor(seed: number, pair: number, positions: Uint8Array = DEFAULT_GENERATOR_POSITIONS) {
    const at = (g: number) => vitalSeed(seed, pair, positions[g]!);
    this.osc = [0, 1, 2].map((o) => new VitalRandom(at(VitalGenerator.Osc1 + o), -1, 1));
    this.sample = new VitalRandom(at(VitalGenerator.Sample), 0, 1);
    this.trigger = new VitalRandom(at(VitalGenerator.TriggerRandom), 0, 1);
    this.randomLfos = [0, 1, 2, 3].map((k) => new VitalRandom(at(VitalGenerator.RandomLfo1 + k), -1, 1));
  }
}

/**
 * Start phase in cycles [0, 1) of one oscillator lane from a draw `u` in [−1, 1): Vital scales u · amount by
 * INT_MAX in single precision and stores it in a 32-bit unsigned phase (negative values wrap).
 */
export function vitalRandomPhase(u: number, amount: number): number {
  const x = Math.trunc(Math.fround(Math.fround(u * Math.fround(amount)) * 2147483648));
  const wrapped = ((x % 4294967296) + 4294967296) % 4294967296;
  return wrapped / 4294967296;
}
