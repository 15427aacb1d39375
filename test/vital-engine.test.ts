// Behaviour of the Vital core-voice engine on patches built here, checked against the gain structure, pitch,
// envelope, pan, unison and filter facts of ../shared/reference/vital.md (which were measured on Vital).
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadSynths } from "../src/synths/index.ts";
import { getSynth } from "../src/synths/synth.ts";
import { cloneVitalPatch, defaultVitalPatch } from "../src/synths/vital/codec.ts";
import { synth as vital, programFromPatch, VitalInstrument } from "../src/synths/vital/index.ts";
import { renderProgramNote } from "../src/synths/vital/engine/instrument.ts";
import { RandomLfo } from "../src/synths/vital/engine/lfo.ts";
import {
  GENERATORS_PER_VOICE_PAIR,
  generatorPositions,
  Mt19937,
  VitalGenerator,
  VitalRandom,
  vitalRandomPhase,
  vitalSeed,
} from "../src/synths/vital/engine/random.ts";
import type { VitalPatch, WaveSourceComponent } from "../src/synths/vital/types.ts";
import { repoRoot, runCli } from "./helpers.ts";

const SR = 44100;

function withSettings(base: VitalPatch, s: Record<string, number>): VitalPatch {
  const p = cloneVitalPatch(base);
  Object.assign(p.settings, s);
  return p;
}

/** The init patch with osc 1 playing a cosine frame (one keyframe) and random phase 0. */
function sinePatch(extra: Record<string, number> = {}): VitalPatch {
  const p = withSettings(defaultVitalPatch(), { osc_1_random_phase: 0, ...extra });
  const frame = new Float32Array(2048);
  for (let i = 0; i < 2048; i++) frame[i] = Math.cos((2 * Math.PI * i) / 2048);
  const comp = p.wavetables[0]!.groups[0]!.components[0] as WaveSourceComponent;
  comp.keyframes = [{ position: 0, wave: frame, extra: {} }];
  return p;
}

function render(p: VitalPatch, note = 48, velocity = 89, seconds = 1, off = 0.9, seed = 0): Float32Array[] {
  return vital.render(
    p,
    { note, velocity, noteOffSeconds: off, durationSeconds: seconds },
    { sampleRate: SR, seed },
  );
}

function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / Math.max(1, to - from));
}

/** Frequency from rising zero crossings (linear interpolation) over [from, to). */
function zeroCrossingHz(x: Float32Array, from: number, to: number): number {
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = from + 1; i < to; i++) {
    if (x[i - 1]! < 0 && x[i]! >= 0) {
      const t = i - 1 + x[i - 1]! / (x[i - 1]! - x[i]!);
      if (first < 0) first = t;
      else count++;
      last = t;
    }
  }
  return (count * SR) / (last - first);
}

describe("Vital engine: gain, pitch and pan", () => {
  it("init patch sustains at saw RMS · level² · volume = 0.1443 per channel (vital.md §3.7)", () => {
    const [l, r] = render(withSettings(defaultVitalPatch(), { osc_1_random_phase: 0 }));
    expect(rms(l!, 4410, 30000)).toBeCloseTo(0.1443, 2);
    expect(rms(r!, 4410, 30000)).toBeCloseTo(0.1443, 2);
  });

  it("plays the note's frequency, plus transpose and tune", () => {
    const [l] = render(sinePatch());
    expect(zeroCrossingHz(l!, 2000, 40000)).toBeCloseTo(130.81, 1);
    const [t] = render(sinePatch({ osc_1_transpose: 7, osc_1_tune: 0.5 }));
    expect(zeroCrossingHz(t!, 2000, 40000)).toBeCloseTo(130.81 * Math.pow(2, 7.5 / 12), 1);
    const [fixed] = render(sinePatch({ osc_1_midi_track: 0 }), 60);
    expect(zeroCrossingHz(fixed!, 2000, 40000)).toBeCloseTo(130.81, 1);
  });

  it("a cosine frame with random phase 0 starts at its peak: 0.25·cos at C3", () => {
    const [l] = render(sinePatch());
    expect(rms(l!, 4410, 30000)).toBeCloseTo(0.25 / Math.SQRT2, 2);
    // the first samples are near the positive peak (attack 0.5 ms, ≈1.5-sample decimator delay)
    expect(Math.max(...l!.subarray(20, 60))).toBeGreaterThan(0.2);
  });

  it("pans with Vital's law: p = −0.5 gives 1.306 left, 0.541 right", () => {
    const [l, r] = render(sinePatch({ osc_1_pan: -0.5 }));
    const centre = 0.25 / Math.SQRT2;
    expect(rms(l!, 4410, 30000) / centre).toBeCloseTo(1.306, 2);
    expect(rms(r!, 4410, 30000) / centre).toBeCloseTo(0.541, 2);
  });

  it("maps MIDI velocity v to v/127 and applies velocity_track squared", () => {
    const p = sinePatch({ velocity_track: 1 });
    const loud = rms(render(p, 48, 127)[0]!, 4410, 30000);
    const soft = rms(render(p, 48, 64)[0]!, 4410, 30000);
    expect(soft / loud).toBeCloseTo((64 / 127) ** 2, 2);
  });
});

describe("Vital engine: envelopes, unison, filters", () => {
  it("a 1 s linear attack follows value² (0.0625 of the sustain level at 0.25 s)", () => {
    const p = sinePatch({ env_1_attack: 1, env_1_attack_power: 0 });
    const [l] = render(p, 48, 89, 1.6, 1.5);
    const sustain = rms(l!, 50000, 60000);
    const at = rms(l!, Math.round(0.25 * SR) - 300, Math.round(0.25 * SR) + 300);
    expect(at / sustain).toBeCloseTo(0.0625, 2);
  });

  it("releases to silence after note-off and the voice ends", () => {
    const p = sinePatch({ env_1_release: 0.5 }); // 0.0625 s
    const [l] = render(p, 48, 89, 1, 0.3);
    expect(rms(l!, 0.1 * SR, 0.25 * SR)).toBeGreaterThan(0.1);
    expect(rms(l!, 0.5 * SR, SR)).toBe(0);
    const [between] = render(p, 48.5, 89, 1, 0.3); // a fractional note is released too
    expect(rms(between!, 0.5 * SR, SR)).toBe(0);
  });

  it("detunes 2 unison voices by ±200 cents at detune 10, flat voice left, sharp right", () => {
    const p = sinePatch({ osc_1_unison_voices: 2, osc_1_unison_detune: 10, osc_1_stereo_spread: 1 });
    const [l, r] = render(p);
    expect(zeroCrossingHz(l!, 2000, 40000)).toBeCloseTo(130.81 * Math.pow(2, -2 / 12), 0);
    expect(zeroCrossingHz(r!, 2000, 40000)).toBeCloseTo(130.81 * Math.pow(2, 2 / 12), 0);
  });

  it("attenuates a sine at the digital 12 dB cutoff by 6.02 dB at resonance 0 (vital.md §5.1)", () => {
    const dry = rms(render(sinePatch(), 72)[0]!, 4410, 30000);
    const p = sinePatch({
      filter_1_on: 1,
      filter_1_model: 3,
      filter_1_style: 0,
      filter_1_cutoff: 72,
      filter_1_resonance: 0,
    });
    const wet = rms(render(p, 72)[0]!, 4410, 30000);
    expect(20 * Math.log10(wet / dry)).toBeCloseTo(-6.02, 1);
  });

  it("dirty and ladder models: notch blend (blend 1) and B/P/N (blend 2) notch out a sine at the cutoff", () => {
    for (const model of [1, 2]) {
      const level = (style: number, blend: number): number => {
        const p = sinePatch({
          filter_1_on: 1,
          filter_1_model: model,
          filter_1_style: style,
          filter_1_blend: blend,
          filter_1_cutoff: 60,
          filter_1_resonance: 0,
          filter_1_keytrack: 0,
        });
        return 20 * Math.log10(rms(render(p, 60)[0]!, 22050, 39690));
      };
      const lowPass = level(0, 0);
      expect(level(2, 1)).toBeLessThan(lowPass - 15);
      expect(level(4, 2)).toBeLessThan(lowPass - 15);
      // away from the notch the same styles pass the sine
      expect(level(2, 0)).toBeGreaterThan(lowPass - 10);
    }
  });

  it("comb model, every style: peaks at the comb frequency; notches at 1.5× (comb, flange+) or 2× (flange−)", () => {
    const level = (style: number, cutoff: number): number => {
      const p = sinePatch({
        filter_1_on: 1,
        filter_1_model: 6,
        filter_1_style: style,
        filter_1_blend: 1,
        filter_1_cutoff: cutoff,
        filter_1_resonance: 0.9,
        filter_1_keytrack: 0,
      });
      return 20 * Math.log10(rms(render(p, 60)[0]!, 22050, 39690));
    };
    const fifthBelow = 60 - 12 * Math.log2(1.5);
    for (const style of [0, 1, 3, 4]) expect(level(style, 60)).toBeGreaterThan(level(style, fifthBelow) + 8);
    for (const style of [2, 5]) expect(level(style, 60)).toBeGreaterThan(level(style, 48) + 20);
  });

  it("routes an oscillator to the effects bus when its filter is off, through it when on", () => {
    const open = rms(render(withSettings(defaultVitalPatch(), { osc_1_random_phase: 0 }))[0]!, 4410, 30000);
    const low = withSettings(defaultVitalPatch(), {
      osc_1_random_phase: 0,
      filter_1_on: 1,
      filter_1_cutoff: 30,
    });
    expect(rms(render(low)[0]!, 4410, 30000)).toBeLessThan(open * 0.5);
  });

  it("modulates: an envelope into the cutoff opens the filter over time", () => {
    const p = withSettings(defaultVitalPatch(), {
      osc_1_random_phase: 0,
      filter_1_on: 1,
      filter_1_cutoff: 30,
      env_2_attack: 0.9, // 0.66 s
      modulation_1_amount: 0.5,
    });
    p.modulations[0] = { source: "env_2", destination: "filter_1_cutoff", lineMapping: null, extra: {} };
    const [l] = render(p);
    expect(rms(l!, 0.6 * SR, 0.7 * SR)).toBeGreaterThan(3 * rms(l!, 0.02 * SR, 0.06 * SR));
  });
});

describe("Vital engine: phase", () => {
  it("a modulated oscillator phase equals the same phase set statically", () => {
    const fixed = withSettings(defaultVitalPatch(), { osc_1_random_phase: 0, osc_1_phase: 0.75 });
    const moved = withSettings(fixed, { osc_1_phase: 0.5, macro_control_1: 1, modulation_1_amount: 0.25 });
    moved.modulations[0] = {
      source: "macro_control_1",
      destination: "osc_1_phase",
      lineMapping: null,
      extra: {},
    };
    const plain = withSettings(fixed, { osc_1_phase: 0.5 });
    const a = render(fixed, 48, 100, 0.3, 0.2)[0]!;
    const b = render(moved, 48, 100, 0.3, 0.2)[0]!;
    const c = render(plain, 48, 100, 0.3, 0.2)[0]!;
    let diff = 0;
    let other = 0;
    for (let i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
      other = Math.max(other, Math.abs(a[i]! - c[i]!));
    }
    expect(diff).toBeLessThan(1e-5);
    expect(other).toBeGreaterThan(0.1);
  });
});

describe("Vital engine: stereo modulation", () => {
  it("a stereo slot moves the cutoff in opposite directions on the two channels", () => {
    const base = withSettings(defaultVitalPatch(), {
      osc_1_random_phase: 0,
      filter_1_on: 1,
      filter_1_cutoff: 60,
      macro_control_1: 1,
      modulation_1_amount: 0.15,
    });
    base.modulations[0] = {
      source: "macro_control_1",
      destination: "filter_1_cutoff",
      lineMapping: null,
      extra: {},
    };
    const [ml, mr] = render(base);
    expect(ml).toEqual(mr);
    const stereo = withSettings(base, { modulation_1_stereo: 1 });
    const [l, r] = render(stereo);
    // left opens the filter (+19 semitones), right closes it (−19)
    expect(rms(l!, 4410, 30000)).toBeGreaterThan(1.5 * rms(r!, 4410, 30000));
    expect(rms(l!, 4410, 30000)).toBeCloseTo(rms(ml!, 4410, 30000), 5);
  });
});

describe("Vital engine: determinism, robustness, instrument", () => {
  it("is deterministic per seed; random phase depends on the seed, phase 0 does not", () => {
    const random = withSettings(defaultVitalPatch(), { osc_1_unison_voices: 4 });
    const a = render(random, 48, 89, 0.2, 0.1, 7)[0]!;
    const b = render(random, 48, 89, 0.2, 0.1, 7)[0]!;
    const c = render(random, 48, 89, 0.2, 0.1, 8)[0]!;
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    const fixed = withSettings(random, { osc_1_random_phase: 0 });
    expect(render(fixed, 48, 89, 0.2, 0.1, 1)[0]).toEqual(render(fixed, 48, 89, 0.2, 0.1, 2)[0]);
  });

  it("random LFOs are deterministic per seed and differ between seeds", () => {
    for (const style of [0, 1, 2, 3]) {
      const p = withSettings(defaultVitalPatch(), {
        osc_1_random_phase: 0,
        filter_1_on: 1,
        filter_1_cutoff: 50,
        random_1_style: style,
        random_1_sync: 0,
        random_1_frequency: 4, // 16 Hz
        modulation_1_amount: 0.4,
      });
      p.modulations[0] = { source: "random_1", destination: "filter_1_cutoff", lineMapping: null, extra: {} };
      const a = render(p, 48, 89, 0.5, 0.4, 3)[0]!;
      expect(render(p, 48, 89, 0.5, 0.4, 3)[0]).toEqual(a);
      expect(render(p, 48, 89, 0.5, 0.4, 4)[0]).not.toEqual(a);
    }
  });

  it("renders random patches without NaN or values beyond Vital's ±2.1 clamp", () => {
    let s = 12345;
    const rnd = () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const base = defaultVitalPatch();
    for (let k = 0; k < 60; k++) {
      const v = new Float32Array(vital.params.length);
      for (let i = 0; i < v.length; i++) v[i] = rnd();
      const p = vital.fromVector(v, base);
      const out = vital.render(
        p,
        { note: 20 + Math.floor(rnd() * 90), velocity: 100, noteOffSeconds: 0.03, durationSeconds: 0.06 },
        { seed: k },
      );
      expect(out).toHaveLength(2);
      for (const ch of out) {
        expect(ch.length).toBe(Math.round(0.06 * SR));
        for (let i = 0; i < ch.length; i++) {
          if (!(Math.abs(ch[i]!) <= 2.1)) throw new Error(`patch ${k}: sample ${i} = ${ch[i]}`);
        }
      }
    }
  });

  it("plays polyphonically, steals beyond the polyphony and frees voices after release", () => {
    const prog = programFromPatch(withSettings(defaultVitalPatch(), { polyphony: 2 }));
    const inst = new VitalInstrument(prog, { sampleRate: SR, seed: 1 });
    const l = new Float32Array(SR);
    const r = new Float32Array(SR);
    inst.noteOn(48, 0.7);
    inst.noteOn(52, 0.7);
    inst.noteOn(55, 0.7);
    expect(inst.activeVoices).toBe(2);
    inst.process(l, r, 0, 4410);
    expect(rms(l, 1000, 4410)).toBeGreaterThan(0.1);
    inst.allNotesOff();
    inst.process(l, r, 4410, SR - 4410);
    expect(inst.activeVoices).toBe(0);
    expect(rms(l, SR - 4410, SR)).toBe(0);
  });

  it("offline render equals the instrument's output minus its latency", () => {
    const prog = programFromPatch(withSettings(defaultVitalPatch(), { osc_1_random_phase: 0 }));
    const off = renderProgramNote(
      prog,
      { note: 48, velocity: 0.7, noteOffSeconds: 0.05, durationSeconds: 0.1 },
      { sampleRate: SR, seed: 0 },
    );
    const inst = new VitalInstrument(prog, { sampleRate: SR, seed: 0 });
    const n = Math.round(0.1 * SR) + inst.latencySamples;
    const l = new Float32Array(n);
    const r = new Float32Array(n);
    inst.noteOn(48, 0.7);
    inst.process(l, r, 0, Math.round(0.05 * SR));
    inst.noteOff(48);
    inst.process(l, r, Math.round(0.05 * SR), n - Math.round(0.05 * SR));
    expect(l.subarray(inst.latencySamples)).toEqual(off[0]);
  });
});

describe("Vital engine: Vital's own random generators", () => {
  it("mt19937 is the standard's: the 10000th output for the default seed 5489 is 4123659995", () => {
    const mt = new Mt19937(5489);
    let x = 0;
    for (let i = 0; i < 10000; i++) x = mt.nextUint32();
    expect(x).toBe(4123659995);
  });

  it("draws the single-precision values of GNU C++'s uniform_real_distribution<float>(−1, 1)", () => {
    // printed with %.9g by a g++ 12 program: std::mt19937 e(seed); std::uniform_real_distribution<float> d(-1, 1)
    const expected: Record<number, number[]> = {
      0: [0.0976270437, 0.185689211, 0.430378675, 0.688531518],
      11: [-0.639460623, -0.863386273, -0.961049497, 0.329440594],
      13: [0.555404782, 0.214682698, -0.524917603, 0.718868017],
    };
    for (const [seed, values] of Object.entries(expected)) {
      const r = new VitalRandom(Number(seed));
      for (const v of values) expect(r.next()).toBe(Math.fround(v));
    }
  });

  it("seeds the first voice pair's generators 11–19 in Vital's clone order, as a fresh Vital does", () => {
    const seeds = (pos: Uint8Array, g: number) => vitalSeed(1, 0, pos[g]!);
    const plain = generatorPositions([]);
    expect([0, 1, 2].map((o) => seeds(plain, VitalGenerator.Osc1 + o))).toEqual([11, 12, 13]);
    expect(seeds(plain, VitalGenerator.Sample)).toBe(14);
    // unconnected: random LFOs 4 … 1, then the trigger random
    expect([0, 1, 2, 3].map((k) => seeds(plain, VitalGenerator.RandomLfo1 + k))).toEqual([18, 17, 16, 15]);
    expect(seeds(plain, VitalGenerator.TriggerRandom)).toBe(19);
    // each connected random source moves to the front, slot by slot (orders measured on Vital: Desolate,
    // Progwank and RobotsInThisGuys)
    const desolate = generatorPositions(["note", "lfo_1", "random_1", "note", "env_2"]);
    expect(seeds(desolate, VitalGenerator.RandomLfo1)).toBe(11);
    expect([0, 1, 2].map((o) => seeds(desolate, VitalGenerator.Osc1 + o))).toEqual([12, 13, 14]);
    const progwank = generatorPositions(["lfo_1", "random_1", "random_1", "random_2"]);
    expect([1, 0].map((k) => seeds(progwank, VitalGenerator.RandomLfo1 + k))).toEqual([11, 12]);
    const robots = generatorPositions([
      "random_1",
      "random_2",
      "random_3",
      "random_4",
      "random_3",
      "random_1",
      "random_4",
      "random_3",
    ]);
    expect([2, 3, 0, 1].map((k) => seeds(robots, VitalGenerator.RandomLfo1 + k))).toEqual([11, 12, 13, 14]);
    expect(seeds(robots, VitalGenerator.TriggerRandom)).toBe(19);
    expect(seeds(generatorPositions(["random_2", "random"]), VitalGenerator.TriggerRandom)).toBe(11);
    expect(vitalSeed(1, 1, 0)).toBe(11 + GENERATORS_PER_VOICE_PAIR);
    expect(vitalSeed(2, 0, 0)).not.toBe(11);
  });

  it("random LFOs follow Vital's algorithm and draw order (Perlin: zero at whole cycles, draws as slopes)", () => {
    const sr = 88200;
    const n = 128;
    const hz = sr / (4 * n); // one cycle every four blocks
    const draws = (seed: number, count: number) => {
      const r = new VitalRandom(seed);
      return Array.from({ length: count }, () => r.next());
    };
    // mono: one draw per voice of the pair; lane 0 takes the first of each pair of draws
    const d = draws(16, 6);
    const perlin = new RandomLfo(new VitalRandom(16), 0);
    perlin.trigger();
    const values: number[] = [];
    for (let b = 0; b < 8; b++) {
      perlin.advance(hz, n, sr, 0, false, false, 0);
      values.push(perlin.value);
    }
    const from = d[0]!;
    const to = d[2]!;
    // half a cycle: 2·lerp(from·t, to·(t − 1), 3t² − 2t³) at t = ½, mapped to 0 … 1
    expect(values[1]).toBeCloseTo(0.5 + 0.5 * (0.5 * from - 0.5 * to), 6);
    expect(values[3]).toBeCloseTo(0.5, 9); // whole cycle: zero crossing
    // the next segment runs from `to` to the next draw (d[4]; d[5] is the other voice's)
    expect(values[5]).toBeCloseTo(0.5 + 0.5 * (0.5 * to - 0.5 * d[4]!), 6);
    // sample & hold, stereo: four draws per value, lane 0 takes the first two (left, right)
    const sh = new RandomLfo(new VitalRandom(17), 0);
    const e = draws(17, 4);
    sh.trigger();
    sh.advance(hz, n, sr, 1, true, false, 0);
    expect(sh.value).toBeCloseTo(0.5 * e[0]! + 0.5, 6);
    expect(sh.valueR).toBeCloseTo(0.5 * e[1]! + 0.5, 6);
    // lane 1 (the pair's second voice) takes the second draw
    const other = new RandomLfo(new VitalRandom(17), 1);
    other.trigger();
    other.advance(hz, n, sr, 1, false, false, 0);
    expect(other.value).toBeCloseTo(0.5 * e[1]! + 0.5, 6);
  });

  it("a random start phase is Vital's draw: the same as that phase set statically", () => {
    // osc 1, one voice: the centre voice takes draw 1 of seed 11 (its reset's first right lane)
    const draw = -0.863386273;
    const random = sinePatch({ osc_1_random_phase: 1 });
    const fixed = sinePatch({ osc_1_phase: (0.5 + vitalRandomPhase(Math.fround(draw), 1)) % 1 });
    const a = render(random, 48, 89, 0.1, 0.05, 1)[0]!;
    const b = render(fixed, 48, 89, 0.1, 0.05, 1)[0]!;
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    expect(worst).toBeLessThan(1e-5);
    expect(rms(a, 0, 2000)).toBeGreaterThan(0.1);
    // seeds 0 and 1 are both Vital's run; another seed gives other phases
    expect(render(random, 48, 89, 0.1, 0.05, 0)[0]).toEqual(a);
    expect(render(random, 48, 89, 0.1, 0.05, 5)[0]).not.toEqual(a);
  });
});

describe("Vital engine: modulated note articulation", () => {
  it("a modulated portamento time lengthens the glide (and is not reported)", () => {
    const glideAt = (modulated: boolean) => {
      const p = sinePatch({
        portamento_force: 1,
        portamento_time: -3, // 0.125 s
        macro_control_1: 1,
        modulation_1_amount: modulated ? 0.2 : 0, // +2.8 → 2^-0.2 ≈ 0.87 s
      });
      p.modulations[0] = {
        source: "macro_control_1",
        destination: "portamento_time",
        lineMapping: null,
        extra: {},
      };
      if (modulated) expect(vital.unsupportedFeatures(p).join()).not.toMatch(/portamento/);
      const inst = new VitalInstrument(programFromPatch(p), { sampleRate: SR, seed: 1 });
      const l = new Float32Array(SR);
      const r = new Float32Array(SR);
      inst.noteOn(48, 0.7);
      inst.process(l, r, 0, 4410);
      inst.noteOff(48);
      inst.noteOn(60, 0.7);
      inst.process(l, r, 4410, SR - 4410);
      return zeroCrossingHz(l, 4410 + 8820, 4410 + 13230); // 0.2–0.3 s into the glide
    };
    const c4 = 261.63;
    expect(glideAt(false)).toBeCloseTo(c4, -1);
    expect(glideAt(true)).toBeLessThan(0.85 * c4);
  });
});

describe("Vital engine: master volume", () => {
  it("a modulated volume is applied after the effect chain, like the preset's own volume", () => {
    // a hard-driven distortion makes the level at the effects' input audible in the output
    const fx = { distortion_on: 1, distortion_type: 2, distortion_drive: 20, osc_1_random_phase: 0 };
    const fixed = withSettings(defaultVitalPatch(), { ...fx, volume: 5000 });
    const modulated = withSettings(defaultVitalPatch(), {
      ...fx,
      volume: 0,
      macro_control_1: 1,
      modulation_1_amount: 5000 / 7399.4404,
    });
    modulated.modulations[0] = {
      source: "macro_control_1",
      destination: "volume",
      lineMapping: null,
      extra: {},
    };
    const a = render(fixed, 48, 89, 0.3, 0.2)[0]!;
    const b = render(modulated, 48, 89, 0.3, 0.2)[0]!;
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    expect(rms(a, 2000, 8000)).toBeGreaterThan(0.05);
    expect(worst).toBeLessThan(1e-3 * Math.max(...a.map(Math.abs)));
  });
});

describe("Vital engine: LFO timing", () => {
  /**
   * When the rising level started, in samples: √(peak of each 32-sample window) rises linearly with the
   * triangle (the level is squared), so a line fitted over 20 … 100 ms is extrapolated back to zero.
   */
  function riseStart(x: Float32Array): number {
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    let n = 0;
    for (let i = Math.round(0.02 * SR); i + 32 <= 0.1 * SR; i += 32) {
      let m = 0;
      for (let k = i; k < i + 32; k++) m = Math.max(m, Math.abs(x[k]!));
      const t = i + 16;
      const y = Math.sqrt(m);
      sx += t;
      sy += y;
      sxx += t * t;
      sxy += t * y;
      n++;
    }
    const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    const intercept = (sy - slope * sx) / n;
    return -intercept / slope;
  }

  /** A 2 kHz sine whose level is the init triangle LFO (4 Hz: 0 at the note-on, 1 after 0.125 s). */
  function lfoLevelPatch(syncType: number): VitalPatch {
    const p = sinePatch({
      osc_1_level: 0,
      lfo_1_sync: 0,
      lfo_1_frequency: 2,
      lfo_1_sync_type: syncType,
      lfo_1_smooth_mode: 0,
    });
    p.settings.modulation_1_amount = 1;
    p.modulations[0] = { source: "lfo_1", destination: "osc_1_level", lineMapping: null, extra: {} };
    return p;
  }

  it("an LFO reaches an audio-rate destination (oscillator level) without a block of lag", () => {
    // Vital runs such an LFO per sample: the level rises from the note-on (a 64-sample block later before)
    expect(Math.abs(riseStart(render(lfoLevelPatch(0), 96, 89, 0.3, 0.29)[0]!))).toBeLessThan(16);
  });

  it("offline renders start the transport like the reference renders (note-on 60 samples after time 0)", () => {
    // the references' 1 s pre-roll runs in whole 64-sample blocks from −1 s: 690 blocks end at +60 samples,
    // so an LFO in Sync mode is 60 samples further on than one triggered by the note
    const trigger = riseStart(render(lfoLevelPatch(0), 96, 89, 0.3, 0.29)[0]!);
    const sync = riseStart(render(lfoLevelPatch(1), 96, 89, 0.3, 0.29)[0]!);
    expect(Math.abs(trigger - sync - 60)).toBeLessThan(8);
  });
});

describe("Vital engine: Direct Out destination", () => {
  it("an oscillator or the sample sent to Direct Out bypasses the effect chain but keeps the amp envelope", () => {
    const fx = {
      distortion_on: 1,
      distortion_type: 2,
      distortion_drive: 20,
      reverb_on: 1,
      reverb_dry_wet: 1,
    };
    const worstDiff = (a: Float32Array, b: Float32Array) => {
      let w = 0;
      for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i]! - b[i]!));
      return w;
    };
    for (const src of ["osc_1", "sample"]) {
      const on: Record<string, number> = src === "sample" ? { osc_1_on: 0, sample_on: 1 } : {};
      const dry = render(sinePatch({ ...on, [`${src}_destination`]: 3 }), 48, 89, 0.6, 0.3)[0]!;
      const direct = render(sinePatch({ ...on, ...fx, [`${src}_destination`]: 4 }), 48, 89, 0.6, 0.3)[0]!;
      const wet = render(sinePatch({ ...on, ...fx, [`${src}_destination`]: 3 }), 48, 89, 0.6, 0.3)[0]!;
      expect(rms(dry, 2000, 12000), src).toBeGreaterThan(0.01);
      expect(worstDiff(dry, direct), src).toBeLessThan(1e-6);
      expect(worstDiff(dry, wet), src).toBeGreaterThan(0.05);
      // the amp envelope's release (0.09 s) still ends it: silent 0.2 s after the note-off
      expect(rms(direct, Math.round(0.5 * SR), Math.round(0.6 * SR)), src).toBeLessThan(1e-5);
    }
  });
});

describe("Vital synth object", () => {
  it("is registered for .vital and reports what it does not render", async () => {
    await loadSynths();
    expect(getSynth("vital")).toBe(vital);
    expect(vital.unsupportedFeatures(defaultVitalPatch())).toEqual([]);
    const odd = withSettings(defaultVitalPatch(), {
      osc_1_distortion_type: 7,
      filter_1_on: 1,
      filter_1_model: 5,
      filter_1_style: 2,
    });
    const report = vital.unsupportedFeatures(odd).join("\n");
    expect(report).not.toMatch(/distortion/); // every oscillator distortion is rendered (osc-distortion.ts)
    expect(report).toMatch(/formant vocal-tract/);
    // every other model (and formant's AOIE/AIUO styles) is rendered, so it is not reported
    for (const model of [1, 2, 4, 5, 6, 7]) {
      const rendered = withSettings(defaultVitalPatch(), { filter_1_on: 1, filter_1_model: model });
      expect(vital.unsupportedFeatures(rendered)).toEqual([]);
    }
    const rnd = cloneVitalPatch(defaultVitalPatch());
    rnd.settings.modulation_1_amount = 0.5;
    rnd.modulations[0] = { source: "random_1", destination: "filter_1_cutoff", lineMapping: null, extra: {} };
    // random LFOs draw from Vital's own generators (random.ts), so they are no longer reported
    expect(vital.unsupportedFeatures(rnd)).toEqual([]);
  });

  it("refuses impossible performances with a clean error", () => {
    const p = defaultVitalPatch();
    const perf = { note: 60, velocity: 100, noteOffSeconds: 0.1, durationSeconds: 0.2 };
    expect(() => vital.render(p, { ...perf, note: Number.NaN })).toThrow(/finite/);
    expect(() => vital.render(p, { ...perf, durationSeconds: 1e9 })).toThrow(/over 3600 s/);
    expect(() => vital.render(p, perf, { sampleRate: 100 })).toThrow(/sample rate/);
    expect(vital.render(p, { ...perf, durationSeconds: 0 }).map((c) => c.length)).toEqual([0, 0]);
  });

  it("renders a preset from the CLI as a stereo WAV", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "vital-cli-"));
    const out = path.join(dir, "out.wav");
    const preset = path.join(repoRoot, "test/fixtures/vital-refs/osc_init_saw.vital");
    const run = runCli([
      "render",
      preset,
      "--note",
      "48",
      "--velocity",
      "90",
      "--hold",
      "1",
      "--length",
      "2",
      "-o",
      out,
    ]);
    expect(run.status, run.stderr).toBe(0);
    const wav = readFileSync(out);
    expect(wav.toString("ascii", 0, 4)).toBe("RIFF");
    expect(wav.readUInt16LE(22)).toBe(2); // channels
    expect(wav.readUInt32LE(24)).toBe(SR);
  });
});
